//! Triage on stored incidents: assignment, comments, and the statistics a
//! dashboard shows. Every read takes the caller's [`Viewer`], and counts are
//! computed over readable incidents only, so a number never reveals an
//! incident its reader may not see.

use c5hub_model::{IncidentStatus, RsitClass, Tlp, Viewer};
use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{FromRow, NamedRow, Read, Value};
use crate::incidents::ValueRow;
use crate::{ChangeKind, Error, Store, changes, now_ms, stats, time, tlp_rank};

/// A comment on an incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Its key.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author: String,
    /// Their organisation.
    pub org: String,
    /// The text.
    pub body: String,
}

/// A change of assignee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// When.
    pub at: DateTime<Utc>,
    /// Who assigned.
    pub actor: String,
    /// To whom (none: unassigned).
    pub assignee: Option<String>,
}

/// The current assignee of an incident and how it came to be.
pub type Assignments = (Option<String>, Vec<Assignment>);

/// What a dashboard shows, over the incidents a viewer may read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Readable incidents.
    pub total: i64,
    /// By RSIT class (unclassified as `None`), most first.
    pub by_class: Vec<(Option<RsitClass>, i64)>,
    /// By TLP, CLEAR to RED.
    pub by_tlp: Vec<(Tlp, i64)>,
    /// By status, in workflow order.
    pub by_status: Vec<(IncidentStatus, i64)>,
    /// Incidents per day (UTC) of detection, or of receipt when no
    /// detection time is known; oldest first, every day present.
    pub daily: Vec<(NaiveDate, i64)>,
}

/// Longest comment accepted, in bytes.
pub const MAX_COMMENT_BYTES: usize = 16 * 1024;

/// Longest note on a status change, in bytes.
pub const MAX_NOTE_BYTES: usize = 16 * 1024;

/// Longest assignee (a user's e-mail address), in bytes.
pub const MAX_ASSIGNEE_BYTES: usize = 320;

/// The SQL condition (on `incidents i`) that holds exactly for the
/// incidents `viewer` may read, with its parameters numbered from
/// `$first`. It is the TLP rule of [`Viewer::can_read`] in SQL, so that
/// lists and counts are filtered by the database; a test checks the two
/// agree (`tests/readable.rs`).
pub(crate) fn visible_sql(viewer: &Viewer, first: usize) -> (String, Vec<Value>) {
    visible_sql_on(viewer, first, "i", "i.id")
}

/// [`visible_sql`] on any table alias with `tlp` and `reporter` columns
/// (`incidents`, `domain_postings`), `key` naming its incident key.
pub(crate) fn visible_sql_on(
    viewer: &Viewer,
    first: usize,
    alias: &str,
    key: &str,
) -> (String, Vec<Value>) {
    match viewer {
        Viewer::Anonymous {
            public_access: true,
        } => (
            format!("{alias}.tlp = {}", tlp_rank(Tlp::Clear)),
            Vec::new(),
        ),
        Viewer::Anonymous {
            public_access: false,
        } => ("1 = 0".to_owned(), Vec::new()),
        Viewer::Member { org } => {
            let p = format!("${first}");
            (
                format!(
                    "({alias}.tlp <= {green} OR {alias}.reporter = {p} \
                     OR ({alias}.tlp = {amber} AND EXISTS (SELECT 1 FROM incident_shares s WHERE s.incident = {key} AND s.org = {p} AND s.kind = 'share')) \
                     OR ({alias}.tlp = {red} AND EXISTS (SELECT 1 FROM incident_shares s WHERE s.incident = {key} AND s.org = {p} AND s.kind = 'recipient')))",
                    green = tlp_rank(Tlp::Green),
                    amber = tlp_rank(Tlp::Amber),
                    red = tlp_rank(Tlp::Red),
                ),
                vec![org.as_str().into()],
            )
        }
    }
}

/// A status change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusChange {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// From (none when created).
    pub from: Option<IncidentStatus>,
    /// To.
    pub to: IncidentStatus,
    /// Why.
    pub note: Option<String>,
}

/// Triage: a handle on the store ([`Store::workflow`]).
pub struct Workflow<'a> {
    pub(crate) st: &'a mut Store,
}

impl Workflow<'_> {
    /// Changes an incident's status and records who did it.
    pub fn set_status(
        &mut self,
        key: i64,
        to: IncidentStatus,
        actor: &str,
        note: Option<&str>,
    ) -> Result<bool, Error> {
        if let Some(n) = note.filter(|n| n.len() > MAX_NOTE_BYTES) {
            return Err(Error::Invalid(format!(
                "a note has at most {MAX_NOTE_BYTES} bytes, this one {}",
                n.len()
            )));
        }
        self.st.db.begin()?;
        let result = (|| -> Result<bool, Error> {
            let Some(r) = self
                .st
                .db
                .one::<ValueRow>("SELECT status FROM incidents WHERE id = $1", &[key.into()])?
            else {
                return Ok(false);
            };
            let from = r.status.unwrap_or_default();
            if from == to.as_str() {
                // The status it already has: nothing changes, nothing is
                // recorded.
                return Ok(true);
            }
            stats::restatus(self.st.db.as_mut(), key, to)?;
            let now = now_ms();
            self.st.db.execute(
                "UPDATE incidents SET status = $1, updated_at = $2 WHERE id = $3",
                &[to.as_str().into(), now.into(), key.into()],
            )?;
            self.st.db.execute(
                "INSERT INTO status_history (incident, at, actor, old_status, new_status, note) VALUES ($1, $2, $3, $4, $5, $6)",
                &[key.into(), now.into(), actor.into(), from.into(), to.as_str().into(), note.into()],
            )?;
            changes::record(self.st.db.as_mut(), ChangeKind::Status, key, None, now)?;
            Ok(true)
        })();
        match result {
            Ok(v) => {
                self.st.db.commit()?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.st.db.rollback();
                Err(e)
            }
        }
    }

    /// The status history of an incident the viewer may read, starting
    /// with its creation.
    pub fn history(
        &mut self,
        key: i64,
        viewer: &Viewer,
    ) -> Result<Option<Vec<StatusChange>>, Error> {
        let Some(s) = self.st.incidents().summary(key)? else {
            return Ok(None);
        };
        if !self
            .st
            .incidents()
            .can_read(viewer, s.key, s.tlp, &s.reporter)?
        {
            return Ok(None);
        }
        let mut changes: Vec<StatusChange> = self.st.db.all(
            "SELECT at, actor, old_status, new_status, note FROM status_history WHERE incident = $1 ORDER BY at, id",
            &[key.into()],
        )?;
        // Creation is not written as a row (it would cost a statement per
        // ingested incident): it is the incident's creation time, and the
        // status it had then is the first change's starting point.
        let created = StatusChange {
            at: s.created_at,
            actor: s.reporter.clone(),
            from: None,
            to: changes.first().and_then(|c| c.from).unwrap_or(s.status),
            note: Some("created".to_owned()),
        };
        changes.insert(0, created);
        Ok(Some(changes))
    }

    /// Sets (or clears) the assignee of an incident and records who did it;
    /// `false` when there is no such incident.
    pub fn set_assignee(
        &mut self,
        key: i64,
        assignee: Option<&str>,
        actor: &str,
    ) -> Result<bool, Error> {
        if let Some(a) = assignee.filter(|a| a.len() > MAX_ASSIGNEE_BYTES) {
            return Err(Error::Invalid(format!(
                "an assignee has at most {MAX_ASSIGNEE_BYTES} bytes, this one {}",
                a.len()
            )));
        }
        self.st.db.begin()?;
        let result = (|| -> Result<bool, Error> {
            let now = now_ms();
            let n = self.st.db.execute(
                "UPDATE incidents SET assignee = $1, updated_at = $2 WHERE id = $3",
                &[assignee.into(), now.into(), key.into()],
            )?;
            if n == 0 {
                return Ok(false);
            }
            self.st.db.execute(
                "INSERT INTO assignments (incident, at, actor, assignee) VALUES ($1, $2, $3, $4)",
                &[key.into(), now.into(), actor.into(), assignee.into()],
            )?;
            crate::changes::record(
                self.st.db.as_mut(),
                crate::ChangeKind::Assignee,
                key,
                None,
                now,
            )?;
            Ok(true)
        })();
        match result {
            Ok(v) => {
                self.st.db.commit()?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.st.db.rollback();
                Err(e)
            }
        }
    }

    /// The current assignee and the assignment history of an incident the
    /// viewer may read.
    pub fn assignments(&mut self, key: i64, viewer: &Viewer) -> Result<Option<Assignments>, Error> {
        if !self.st.incidents().readable_key(key, viewer)? {
            return Ok(None);
        }
        let current = self
            .st
            .db
            .texts(
                "SELECT assignee FROM incidents WHERE id = $1",
                &[key.into()],
                "assignee",
            )?
            .into_iter()
            .next();
        let history = self.st.db.all(
            "SELECT at, actor, assignee FROM assignments WHERE incident = $1 ORDER BY at, id",
            &[key.into()],
        )?;
        Ok(Some((current, history)))
    }

    /// Adds a comment to an incident the author's organisation may read;
    /// `None` when it may not (or the incident does not exist).
    pub fn add_comment(
        &mut self,
        key: i64,
        author: &str,
        org: &str,
        body: &str,
    ) -> Result<Option<Comment>, Error> {
        let body = body.trim();
        if body.is_empty() {
            return Err(Error::Invalid("a comment needs text".to_owned()));
        }
        if body.len() > MAX_COMMENT_BYTES {
            return Err(Error::Invalid(format!(
                "a comment has at most {MAX_COMMENT_BYTES} bytes, this one {}",
                body.len()
            )));
        }
        if !self
            .st
            .incidents()
            .readable_key(key, &Viewer::member(org))?
        {
            return Ok(None);
        }
        let now = now_ms();
        // The comment and its change-feed row commit together.
        self.st.db.begin()?;
        let result = (|| -> Result<i64, Error> {
            self.st.db.execute(
                "INSERT INTO comments (incident, at, author, org, body) VALUES ($1, $2, $3, $4, $5)",
                &[
                    key.into(),
                    now.into(),
                    author.into(),
                    org.into(),
                    body.into(),
                ],
            )?;
            let id = self
                .st
                .db
                .int(
                    "SELECT MAX(id) AS id FROM comments WHERE incident = $1 AND author = $2",
                    &[key.into(), author.into()],
                    "id",
                )?
                .unwrap_or_default();
            crate::changes::record(
                self.st.db.as_mut(),
                crate::ChangeKind::Comment,
                key,
                Some(id),
                now,
            )?;
            Ok(id)
        })();
        let id = match result {
            Ok(id) => {
                self.st.db.commit()?;
                id
            }
            Err(e) => {
                let _ = self.st.db.rollback();
                return Err(e);
            }
        };
        Ok(Some(Comment {
            id,
            at: time(&now.into()).unwrap_or(DateTime::<Utc>::MIN_UTC),
            author: author.to_owned(),
            org: org.to_owned(),
            body: body.to_owned(),
        }))
    }

    /// Comments on an incident the viewer may read, oldest first.
    pub fn comments(&mut self, key: i64, viewer: &Viewer) -> Result<Option<Vec<Comment>>, Error> {
        if !self.st.incidents().readable_key(key, viewer)? {
            return Ok(None);
        }
        Ok(Some(self.st.db.all(
            "SELECT id, at, author, org, body FROM comments WHERE incident = $1 ORDER BY id",
            &[key.into()],
        )?))
    }

    /// The organisations the reporter named as co-handlers of an incident
    /// (whoever asks: the caller checks who may know).
    pub fn handlers(&mut self, key: i64) -> Result<Vec<String>, Error> {
        self.st.db.texts(
            "SELECT org FROM incident_shares WHERE incident = $1 AND kind = 'handler' ORDER BY org",
            &[key.into()],
            "org",
        )
    }

    /// Replaces an incident's co-handlers (organisations that may triage it
    /// beside its reporter and the hub operator). Each must be a member
    /// organisation.
    pub fn set_handlers(&mut self, key: i64, orgs: &[String]) -> Result<(), Error> {
        for o in orgs {
            if self.st.accounts().org(o)?.is_none() {
                return Err(Error::NotFound(format!("organisation {o:?}")));
            }
        }
        self.st.db.begin()?;
        let result = (|| -> Result<(), Error> {
            self.st.db.execute(
                "DELETE FROM incident_shares WHERE incident = $1 AND kind = 'handler'",
                &[key.into()],
            )?;
            for o in orgs {
                self.st.db.execute(
                    "INSERT INTO incident_shares (incident, org, kind) VALUES ($1, $2, 'handler') ON CONFLICT DO NOTHING",
                    &[key.into(), o.as_str().into()],
                )?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.st.db.commit(),
            Err(e) => {
                let _ = self.st.db.rollback();
                Err(e)
            }
        }
    }
}

impl FromRow for Assignment {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Assignment {
            at: time(&r.take("at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            actor: r.text("actor")?.unwrap_or_default(),
            assignee: r.text("assignee")?,
        })
    }
}

impl FromRow for Comment {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Comment {
            id: r.int("id")?.unwrap_or_default(),
            at: time(&r.take("at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            author: r.text("author")?.unwrap_or_default(),
            org: r.text("org")?.unwrap_or_default(),
            body: r.text("body")?.unwrap_or_default(),
        })
    }
}
