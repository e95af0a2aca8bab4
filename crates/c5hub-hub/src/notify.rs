//! Notifications: who is told of what, written once.
//!
//! # Events
//!
//! - [`Event::Shared`]: an incident becomes readable by my organisation
//!   through a sharing list or a recipient list, and was not reported by
//!   it (on its first version, and on a new version that names it).
//! - [`Event::Assigned`]: an incident is assigned to me (by someone else).
//! - [`Event::Correlated`]: a new incident shares an observable with one of
//!   my organisation's incidents (the store's related read, as my
//!   organisation reads it).
//! - [`Event::Status`]: the status of an incident my organisation handles
//!   (reporter, co-handler, or the hub operator) changes.
//!
//! Each user chooses, per event, in-app and/or e-mail ([`DEFAULTS`] when
//! they have not).
//!
//! # The notifier
//!
//! [`follow`] reads the store's change feed after the notifier's persisted
//! cursor and turns each change into notifications; the notifications and
//! the new cursor are written in one transaction, and each is unique per
//! (user, event key), so a restart neither loses nor repeats one. The
//! server runs it as a background task.
//!
//! # TLP
//!
//! Nobody is told of an incident they may not read when the notification
//! is made: before a notification is made for a user, the incident is read
//! through [`crate::reads::incident`] as the user's organisation, the one
//! read rule every door uses. The summary holds only the incident's id,
//! title and status, which that reader may read.

use std::collections::{BTreeMap, BTreeSet};

use c5hub_store::{
    Change, ChangeKind, DeliveryAttempt, NewDelivery, NewEmail, NewNotification, Notification,
    NotifyPref, Store, Webhook,
};

use crate::{Authority, Error};

/// Most changes one [`follow`] step handles.
pub const FOLLOW_BATCH: usize = 200;

/// What a user may be told of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Event {
    /// An incident was shared with my organisation.
    Shared,
    /// An incident was assigned to me.
    Assigned,
    /// A new incident correlates with one of my organisation's.
    Correlated,
    /// The status of an incident my organisation handles changed.
    Status,
}

impl Event {
    /// Every event, in the order the preferences list them.
    pub const ALL: [Event; 4] = [
        Event::Shared,
        Event::Assigned,
        Event::Correlated,
        Event::Status,
    ];

    /// Its name in the store and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Shared => "shared",
            Event::Assigned => "assigned",
            Event::Correlated => "correlated",
            Event::Status => "status",
        }
    }

    /// The event named `s`.
    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// What the event is, in words a user reads.
    pub fn label(self) -> &'static str {
        match self {
            Event::Shared => "An incident is shared with my organisation",
            Event::Assigned => "An incident is assigned to me",
            Event::Correlated => "A new incident correlates with one of my organisation's",
            Event::Status => "The status of an incident my organisation handles changes",
        }
    }
}

/// A user's choice for one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preference {
    /// The event.
    pub event: Event,
    /// Shown on the "for you" page.
    pub in_app: bool,
    /// Sent by e-mail.
    pub email: bool,
}

/// The choice of a user who has made none: everything in the app; by
/// e-mail only what asks for the user's own action (an assignment).
pub const DEFAULTS: [Preference; 4] = [
    Preference {
        event: Event::Shared,
        in_app: true,
        email: false,
    },
    Preference {
        event: Event::Assigned,
        in_app: true,
        email: true,
    },
    Preference {
        event: Event::Correlated,
        in_app: true,
        email: false,
    },
    Preference {
        event: Event::Status,
        in_app: true,
        email: false,
    },
];

/// A user's notifications and how many are unread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbox {
    /// Unread first, then newest first.
    pub items: Vec<Notification>,
    /// How many are unread in all.
    pub unread: i64,
}

/// The person acting: notifications are a user's own. A token acts as its
/// user (or, for a service token, as `token:<id>`, who is never told of
/// anything).
fn person(who: &Authority) -> Result<&str, Error> {
    match who {
        Authority::Member { principal, .. } => Ok(&principal.name),
        Authority::Console { .. } | Authority::ReadingAs { .. } | Authority::Public => Err(
            Error::Forbidden("notifications belong to a member's user".to_owned()),
        ),
    }
}

fn merged(stored: &[NotifyPref]) -> Vec<Preference> {
    DEFAULTS
        .iter()
        .map(|d| {
            stored
                .iter()
                .find(|p| p.event == d.event.as_str())
                .map_or(*d, |p| Preference {
                    event: d.event,
                    in_app: p.in_app,
                    email: p.email,
                })
        })
        .collect()
}

/// The caller's choice for every event.
pub fn preferences(store: &mut Store, who: &Authority) -> Result<Vec<Preference>, Error> {
    let user = person(who)?;
    Ok(merged(&store.notifications().prefs(user)?))
}

/// Stores the caller's choices (events not named keep theirs).
pub fn set_preferences(
    store: &mut Store,
    who: &Authority,
    prefs: &[Preference],
) -> Result<Vec<Preference>, Error> {
    let user = person(who)?;
    for p in prefs {
        store.notifications().set_pref(
            user,
            &NotifyPref {
                event: p.event.as_str().to_owned(),
                in_app: p.in_app,
                email: p.email,
            },
        )?;
    }
    preferences(store, who)
}

/// The caller's notifications, at most `limit`.
pub fn inbox(store: &mut Store, who: &Authority, limit: usize) -> Result<Inbox, Error> {
    let user = person(who)?;
    Ok(Inbox {
        items: store.notifications().list(user, limit)?,
        unread: store.notifications().unread(user)?,
    })
}

/// How many of the caller's notifications are unread (0 for whoever has
/// none: the public, the console).
pub fn unread(store: &mut Store, who: &Authority) -> Result<i64, Error> {
    match person(who) {
        Ok(user) => Ok(store.notifications().unread(user)?),
        Err(_) => Ok(0),
    }
}

/// Marks the caller's notification `id` read; another user's is "not
/// found", like one that does not exist.
pub fn mark_read(store: &mut Store, who: &Authority, id: i64) -> Result<(), Error> {
    let user = person(who)?;
    if store.notifications().mark_read(user, id)? {
        Ok(())
    } else {
        Err(Error::NotFound(format!("notification {id}")))
    }
}

/// Marks every notification of the caller read; how many were unread.
pub fn mark_all_read(store: &mut Store, who: &Authority) -> Result<u64, Error> {
    let user = person(who)?;
    Ok(store.notifications().mark_all_read(user)?)
}

/// What one [`follow`] step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Followed {
    /// Changes read from the feed.
    pub changes: usize,
    /// Notifications stored.
    pub notified: usize,
}

/// The people of the hub, by organisation, with their choices; read once
/// per step.
struct People {
    by_org: BTreeMap<String, Vec<String>>,
    hooks: BTreeMap<String, Vec<Webhook>>,
    org_of: BTreeMap<String, String>,
    prefs: BTreeMap<String, Vec<Preference>>,
}

impl People {
    fn load(store: &mut Store) -> Result<People, Error> {
        let mut by_org: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut org_of = BTreeMap::new();
        let mut prefs = BTreeMap::new();
        for u in store.accounts().users()? {
            if u.disabled {
                continue;
            }
            let p = merged(&store.notifications().prefs(&u.email)?);
            prefs.insert(u.email.clone(), p);
            org_of.insert(u.email.clone(), u.org.clone());
            by_org.entry(u.org).or_default().push(u.email);
        }
        let mut hooks: BTreeMap<String, Vec<Webhook>> = BTreeMap::new();
        for w in store.notifications().webhooks(None)? {
            hooks.entry(w.org.clone()).or_default().push(w);
        }
        Ok(People {
            by_org,
            hooks,
            org_of,
            prefs,
        })
    }

    fn choice(&self, user: &str, e: Event) -> Option<&Preference> {
        self.prefs
            .get(user)
            .and_then(|ps| ps.iter().find(|p| p.event == e))
    }
}

/// Whether organisation `org` may read incident `key` now: the hub's one
/// read rule, asked as that organisation.
fn readable_by(store: &mut Store, org: &str, key: i64) -> Result<bool, Error> {
    match crate::reads::incident(
        store,
        &Authority::ReadingAs {
            org: org.to_owned(),
        },
        key,
    ) {
        Ok(_) => Ok(true),
        Err(Error::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Handles the next changes after the notifier's cursor, on a hub
/// operated by `hub_org`: the notifications they make and the cursor past
/// them are stored together. Call it until it reads no change.
pub fn follow(store: &mut Store, hub_org: &str) -> Result<Followed, Error> {
    let since = store.notifications().cursor()?;
    let changes = store.notifications().changes_after(since, FOLLOW_BATCH)?;
    let Some(last) = changes.last().map(|c| c.seq) else {
        return Ok(Followed::default());
    };
    let people = People::load(store)?;
    let mut out = Outbox::default();
    for c in &changes {
        notes_for(store, hub_org, &people, c, &mut out)?;
    }
    let notified = store
        .notifications()
        .deliver_all(&out.notes, &out.hooks, &out.emails, last)?;
    if notified > 0 {
        tracing::info!(
            changes = changes.len(),
            notified,
            cursor = last,
            "notifications made"
        );
    }
    Ok(Followed {
        changes: changes.len(),
        notified,
    })
}

/// The notifications change `c` makes.
fn notes_for(
    store: &mut Store,
    hub_org: &str,
    people: &People,
    c: &Change,
    out: &mut Outbox,
) -> Result<(), Error> {
    // The incident as its reporter reads it (a reporter reads its own):
    // its sharing lists, title and status as they are now.
    let as_reporter = Authority::ReadingAs {
        org: c.reporter.clone(),
    };
    let inc = match crate::reads::incident(store, &as_reporter, c.incident) {
        Ok(i) => i,
        Err(Error::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    let name = match &inc.incident.title {
        Some(t) if !t.is_empty() => format!("{} ({t})", c.global_id),
        _ => c.global_id.clone(),
    };
    // (organisation, event, dedup key, summary) before the users are known.
    let mut to_orgs: Vec<(String, Event, String, String)> = Vec::new();
    // Who made the change is not told of it.
    let mut actor: Option<String> = None;
    match c.kind {
        ChangeKind::Incident | ChangeKind::Version => {
            let named: BTreeSet<&String> = inc
                .shared_with
                .iter()
                .chain(inc.recipients.iter())
                .collect();
            for org in named {
                if *org != c.reporter {
                    to_orgs.push((
                        org.clone(),
                        Event::Shared,
                        format!("shared:{}", c.incident),
                        format!("{} shared {name} with your organisation", c.reporter),
                    ));
                }
            }
            if c.kind == ChangeKind::Incident {
                let orgs: BTreeSet<&String> =
                    people.by_org.keys().chain(people.hooks.keys()).collect();
                for org in orgs {
                    if *org == c.reporter || !readable_by(store, org, c.incident)? {
                        continue;
                    }
                    let as_org = Authority::ReadingAs { org: org.clone() };
                    let related = crate::reads::related(store, &as_org, c.incident)?;
                    if let Some(r) = related.iter().find(|r| r.incident.reporter == *org) {
                        to_orgs.push((
                            org.clone(),
                            Event::Correlated,
                            format!("correlated:{}", c.incident),
                            format!(
                                "New incident {name} shares values with your incident {}",
                                r.incident.global_id
                            ),
                        ));
                    }
                }
            }
        }
        ChangeKind::Status => {
            let orgs: BTreeSet<&String> = people.by_org.keys().chain(people.hooks.keys()).collect();
            actor = store
                .workflow()
                .history(c.incident, &c5hub_model::Viewer::member(c.reporter.clone()))?
                .and_then(|h| h.last().map(|s| s.actor.clone()));
            let handlers = store.workflow().handlers(c.incident)?;
            for org in orgs {
                if crate::incidents::handles(org, hub_org, &c.reporter, &handlers) {
                    to_orgs.push((
                        org.clone(),
                        Event::Status,
                        format!("status:{}", c.seq),
                        format!("{name} is now {}", inc.incident.status.as_str()),
                    ));
                }
            }
        }
        ChangeKind::Assignee => {
            let history = store
                .workflow()
                .assignments(c.incident, &c5hub_model::Viewer::member(c.reporter.clone()))?;
            if let Some((Some(assignee), hist)) = history {
                let actor = hist.last().map(|a| a.actor.as_str()).unwrap_or_default();
                // The summary names no person: it may reach another
                // organisation's webhook or mailbox.
                if let Some(org) = people.org_of.get(&assignee)
                    && actor != assignee
                    && readable_by(store, org, c.incident)?
                {
                    let dedup = format!("assigned:{}", c.seq);
                    tell(
                        people,
                        &assignee,
                        Event::Assigned,
                        &dedup,
                        c,
                        &format!("{name} was assigned to you"),
                        out,
                    );
                    queue_hooks(
                        people,
                        org,
                        Event::Assigned,
                        &dedup,
                        c,
                        &format!("{name} was assigned to a user of your organisation"),
                        &mut out.hooks,
                    );
                }
            }
        }
        ChangeKind::Comment => {}
    }
    for (org, event, dedup, summary) in to_orgs {
        if !people.by_org.contains_key(&org) && !people.hooks.contains_key(&org) {
            continue;
        }
        if !readable_by(store, &org, c.incident)? {
            continue;
        }
        queue_hooks(people, &org, event, &dedup, c, &summary, &mut out.hooks);
        let Some(users) = people.by_org.get(&org) else {
            continue;
        };
        for u in users {
            if actor.as_deref() != Some(u.as_str()) {
                tell(people, u, event, &dedup, c, &summary, out);
            }
        }
    }
    Ok(())
}

/// What one [`follow`] step makes, stored with the cursor.
#[derive(Default)]
struct Outbox {
    notes: Vec<NewNotification>,
    hooks: Vec<NewDelivery>,
    emails: Vec<NewEmail>,
}

/// Tells `user` of `event` as they chose: in the app, by e-mail, both or
/// neither. The caller has checked that the user's organisation may read
/// the incident; `summary` holds nothing more than it may read.
fn tell(
    people: &People,
    user: &str,
    event: Event,
    dedup: &str,
    c: &Change,
    summary: &str,
    out: &mut Outbox,
) {
    let Some(choice) = people.choice(user, event) else {
        return;
    };
    if choice.in_app {
        out.notes.push(NewNotification {
            user: user.to_owned(),
            event: event.as_str().to_owned(),
            dedup: dedup.to_owned(),
            incident: c.incident,
            seq: c.seq,
            summary: summary.to_owned(),
        });
    }
    if choice.email {
        let line: String = summary
            .chars()
            .map(|ch| if ch.is_control() { ' ' } else { ch })
            .collect();
        out.emails.push(NewEmail {
            user: user.to_owned(),
            dedup: dedup.to_owned(),
            subject: format!("[c5hub] {line}"),
            body: format!(
                "{line}\n\nIncident {} on the hub: /incidents/{}\n\nYou receive this because of your notification preferences (For you, Choose what you are told of).\n",
                c.incident, c.incident
            ),
        });
    }
}

/// Queues a delivery of `event` to each of `org`'s webhooks that takes
/// it; the caller has checked that `org` may read the incident.
fn queue_hooks(
    people: &People,
    org: &str,
    event: Event,
    dedup: &str,
    c: &Change,
    summary: &str,
    hooks: &mut Vec<NewDelivery>,
) {
    for w in people.hooks.get(org).into_iter().flatten() {
        if w.events.iter().any(|e| e == event.as_str()) {
            hooks.push(NewDelivery {
                webhook: w.id,
                dedup: dedup.to_owned(),
                event: event.as_str().to_owned(),
                incident: c.incident,
                seq: c.seq,
                summary: summary.to_owned(),
            });
        }
    }
}

/// Most attempts at one webhook delivery.
pub const MAX_ATTEMPTS: i64 = 6;

/// When to try a delivery again after its `attempts`th failure, `base`
/// ms being the first wait: the wait doubles each time; `None` after
/// [`MAX_ATTEMPTS`].
pub fn retry_after(attempts: i64, base: u64) -> Option<u64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doubling = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    Some(base.saturating_mul(1u64 << doubling))
}

/// A webhook, as asked for.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    /// The organisation whose events it receives.
    pub org: String,
    /// Where deliveries are posted (`http://` or `https://`).
    pub url: String,
    /// The events it receives.
    pub events: Vec<Event>,
}

/// Longest webhook URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// Webhooks the caller administers (admins: the hub's all, a member's its
/// own organisation's).
pub fn webhooks(store: &mut Store, who: &Authority) -> Result<Vec<Webhook>, Error> {
    let scope = who.scope_for("manage webhooks")?;
    Ok(store.notifications().webhooks(scope.only())?)
}

/// Adds a webhook for an organisation the caller administers; the answer
/// holds its signing secret, shown this once.
pub fn add_webhook(store: &mut Store, who: &Authority, new: &NewWebhook) -> Result<Webhook, Error> {
    who.scope_over(&new.org, "manage webhooks")?;
    if store.accounts().org(&new.org)?.is_none() {
        return Err(Error::Invalid {
            field: "/org",
            detail: format!("no organisation {:?}", new.org),
        });
    }
    let url = new.url.trim();
    if url.len() > MAX_URL_BYTES
        || !(url.starts_with("http://") || url.starts_with("https://"))
        || url.contains(char::is_whitespace)
    {
        return Err(Error::Invalid {
            field: "/url",
            detail: format!("an http:// or https:// URL of at most {MAX_URL_BYTES} bytes"),
        });
    }
    if new.events.is_empty() {
        return Err(Error::Invalid {
            field: "/events",
            detail: "at least one event: shared, assigned, correlated or status".to_owned(),
        });
    }
    let events: Vec<String> = new.events.iter().map(|e| e.as_str().to_owned()).collect();
    let secret = c5hub_store::new_secret();
    let w = store
        .notifications()
        .add_webhook(&new.org, url, &secret, &events)?;
    who.audit(
        store,
        "webhook.add",
        &format!("webhook:{}", w.id),
        Some(&format!("{} {}", w.org, w.url)),
    )?;
    Ok(w)
}

fn webhook_of(store: &mut Store, who: &Authority, id: i64) -> Result<Webhook, Error> {
    let scope = who.scope_for("manage webhooks")?;
    match store.notifications().webhook(id)? {
        Some(w) if scope.covers(&w.org) => Ok(w),
        _ => Err(Error::NotFound(format!("webhook {id}"))),
    }
}

/// Removes a webhook the caller administers (another organisation's is
/// "not found").
pub fn remove_webhook(store: &mut Store, who: &Authority, id: i64) -> Result<(), Error> {
    let w = webhook_of(store, who, id)?;
    store.notifications().remove_webhook(id)?;
    who.audit(
        store,
        "webhook.remove",
        &format!("webhook:{id}"),
        Some(&format!("{} {}", w.org, w.url)),
    )?;
    Ok(())
}

/// The delivery log of a webhook the caller administers, newest first.
pub fn deliveries(
    store: &mut Store,
    who: &Authority,
    id: i64,
    limit: usize,
) -> Result<(Webhook, Vec<DeliveryAttempt>), Error> {
    let w = webhook_of(store, who, id)?;
    let log = store.notifications().attempts(id, limit)?;
    Ok((w, log))
}
