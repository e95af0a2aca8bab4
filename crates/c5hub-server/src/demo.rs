//! The demonstration hub (`c5hub serve --demo`): a national CIRT, two
//! sector CIRTs, two telecom operators, a regulator and a peer national
//! CIRT, with a few hundred incidents across RSIT classes, TLP levels and
//! statuses, drawn from shared threat clusters so that they correlate.
//!
//! Addresses come from 198.18.0.0/15 (RFC 2544 benchmarking, never routed
//! on the internet) and names from `.test` (RFC 2606), so the demo names no
//! real host and still correlates: the warning list keeps the
//! documentation ranges out of correlation, not these.

use c5hub_model::{
    GlobalId, Incident, IncidentStatus, Observable, ObservableRole, OrgKind, Role, RsitClass, Tlp,
};
use c5hub_store::{Error, Store, Submission};
use chrono::{Duration, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The demo organisations besides the hub's own: (name, type).
pub const ORGS: [(&str, OrgKind); 6] = [
    ("fin-cert", OrgKind::SectorCirt),
    ("energy-cert", OrgKind::SectorCirt),
    ("telco-alpha", OrgKind::Operator),
    ("telco-beta", OrgKind::Operator),
    ("regulator", OrgKind::Regulator),
    ("peer-ncirt", OrgKind::PeerHub),
];

/// Spam messages of the demo: (template, sender). `{n}` varies per
/// message so campaigns hold near-duplicates, not copies. Synthetic texts
/// in the style of the SMS Spam Collection (not taken from it), senders
/// from numbers reserved for fiction (ACMA's 0491 570 156-159, the North
/// American 555-01xx, Ofcom's premium-rate 0909 8790xxx; Ofcom's mobile
/// 07700 900xxx would be better known but the
/// phone parser rightly refuses it as unallocated) and `.test` links, so
/// no real subscriber or site is named.
const SPAM_TEMPLATES: [(&str, &str); 6] = [
    (
        "WINNER!! You have been selected to receive a £{n}00 prize reward. To claim call 09098790461 now. Valid 12 hours only",
        "+61491570156",
    ),
    (
        "URGENT! Your mobile number has been awarded a £{n}000 bonus caller prize. Call 09098790462 from a landline",
        "+61491570157",
    ),
    (
        "FREE entry into our weekly competition to win {n} concert tickets. Text WIN to 80086 now. T&C apply",
        "80086",
    ),
    (
        "Congratulations! You won a free holiday voucher worth £{n}00. Claim your prize at http://claim-prize.test before it expires",
        "PRIZE-DESK",
    ),
    (
        "Your parcel could not be delivered. Pay the {n}.99 GBP redelivery fee at http://parcel-redelivery.test/pay",
        "+12025550147",
    ),
    (
        "Hi mum, running late again, home by {n}. Can you save me some dinner?",
        "+61491570158",
    ),
];

/// Seeds spam reports from the two demo operators, when the store has
/// none: some 60 reports over the last two weeks, decided by the hub's
/// rules and model like any report, the confirmed ones also stored as
/// incidents, so the spam page, campaigns, the feed and the impact
/// metrics have something to show. Returns how many were stored.
pub fn seed_spam(store: &mut Store, spam: &crate::config::SpamConfig) -> Result<usize, String> {
    if store
        .spam()
        .spam_reports_state()
        .map_err(|e| e.to_string())?
        .0
        > 0
    {
        return Ok(0);
    }
    let state = crate::spam::load(spam)?;
    let mut rng = ChaCha8Rng::seed_from_u64(7726);
    let now = Utc::now();
    let mut processed = Vec::new();
    for n in 0..60u32 {
        let operator = if rng.gen_bool(0.6) {
            "telco-alpha"
        } else {
            "telco-beta"
        };
        // Mostly the prize campaigns; a few unconfirmed lures and a
        // subscriber who reported a message from family.
        let t = match rng.gen_range(0..100) {
            0..30 => 0,
            30..50 => 1,
            50..65 => 2,
            65..80 => 3,
            80..92 => 4,
            _ => 5,
        };
        let (template, sender) = SPAM_TEMPLATES[t];
        let text = template.replace("{n}", &rng.gen_range(2..10).to_string());
        let reported = now - Duration::minutes(rng.gen_range(10..14 * 24 * 60));
        let recipient = format!("+1202555{:04}", 100 + n % 100);
        let report = c5hub_spam::report::SpamReport::new(
            c5hub_spam::report::Channel::Sms,
            operator,
            &text,
            Some(sender),
            Some(&recipient),
            Some(reported - Duration::minutes(rng.gen_range(1..120))),
            reported,
            c5hub_spam::report::UserVerdict::Spam,
            state.key(),
        )?;
        // Decided as the hub decides, with what the operator may read.
        let who = c5hub_hub::Authority::ReadingAs {
            org: operator.to_owned(),
        };
        processed.push(
            state
                .process_knowing(store, &who, report)
                .map_err(|e| e.to_string())?,
        );
    }
    let mut incidents = Vec::new();
    for p in &processed {
        let by = p.decision.decided_by();
        let (_, new) = store
            .spam()
            .add_spam_report(&crate::spam::stored_report(p, &by, None))
            .map_err(|e| e.to_string())?;
        if new && p.confirmed {
            let inc = state.incident(p, p.smishing).map_err(|e| e.to_string())?;
            incidents.push((inc, p.report.operator.clone()));
        }
    }
    let subs: Vec<Submission<'_>> = incidents
        .iter()
        .map(|(inc, op)| Submission {
            incident: inc,
            reporter: op,
            source: "demo-spam",
            shared_with: &[],
            recipients: &[],
        })
        .collect();
    store.incidents().ingest(&subs).map_err(|e| e.to_string())?;
    Ok(processed.len())
}

/// What seeding made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    /// Incidents stored.
    pub incidents: usize,
    /// Demo users as (email, organisation, role).
    pub users: Vec<(String, String, Role)>,
}

const CLASSES: [(&str, &str, &str); 8] = [
    ("fraud", "phishing", "Phishing site imitating"),
    ("malicious-code", "infected-system", "Botnet infections at"),
    ("information-gathering", "scanner", "Scanning against"),
    ("intrusion-attempts", "brute-force", "SSH brute force on"),
    ("abusive-content", "spam", "SMS spam wave reported by"),
    ("availability", "ddos", "DDoS against"),
    (
        "vulnerable",
        "vulnerable-system",
        "Exposed vulnerable service at",
    ),
    ("intrusions", "system-compromise", "Compromised server at"),
];

const TARGETS: [&str; 8] = [
    "Bank of Example",
    "Grid Operator",
    "Telco Alpha",
    "Ministry portal",
    "Water utility",
    "Hospital group",
    "Payment processor",
    "Port authority",
];

/// Seeds the demo into an empty store; a store holding incidents is left
/// alone (returns `None`). `password` becomes every demo user's password.
pub fn seed(
    store: &mut Store,
    hub_org: &str,
    password: &str,
    incidents: usize,
) -> Result<Option<Seeded>, Error> {
    if store.incidents().counts()?.0 > 0 {
        return Ok(None);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut orgs: Vec<String> = vec![hub_org.to_owned()];
    if store.accounts().org(hub_org)?.is_none() {
        store.accounts().add_org(hub_org, OrgKind::NationalCirt)?;
    }
    for (name, kind) in ORGS {
        if store.accounts().org(name)?.is_none() {
            store.accounts().add_org(name, kind)?;
        }
        orgs.push(name.to_owned());
    }
    let mut users = Vec::new();
    for org in &orgs {
        for role in [Role::Analyst, Role::Viewer] {
            let email = format!("{}@{org}.test", role.as_str());
            if store.accounts().user(&email)?.is_none() {
                store
                    .accounts()
                    .add_user(&email, org, role, Some(password))?;
            }
            users.push((email, org.clone(), role));
        }
    }
    // Threat clusters: values that recur across reporters.
    let clusters: Vec<Vec<Observable>> = (0..24)
        .map(|c| {
            let mut v = Vec::new();
            for h in 0..rng.gen_range(2..6) {
                let ip = format!("198.{}.{}.{}", 18 + (c % 2), c * 7 % 250 + 1, h * 13 + 5);
                v.extend(Observable::guess(&ip));
            }
            v.extend(Observable::guess(&format!(
                "198.{}.{}.0/24",
                18 + (c % 2),
                c * 7 % 250 + 1
            )));
            v.extend(Observable::guess(&format!("login-verify-{c}.test")));
            v.extend(Observable::guess(&format!(
                "https://login-verify-{c}.test/account/{}",
                c * 31
            )));
            v.extend(Observable::guess(&format!("support@login-verify-{c}.test")));
            v
        })
        .collect();
    let now = Utc::now();
    let mut models = Vec::with_capacity(incidents);
    let mut sharing = Vec::with_capacity(incidents);
    for n in 0..incidents {
        let reporter = orgs[rng.gen_range(0..orgs.len())].clone();
        let (cat, typ, what) = CLASSES[rng.gen_range(0..CLASSES.len())];
        let tlp = match rng.gen_range(0..100) {
            0..15 => Tlp::Clear,
            15..55 => Tlp::Green,
            55..80 => Tlp::Amber,
            80..90 => Tlp::AmberStrict,
            _ => Tlp::Red,
        };
        let id = GlobalId::new(&format!("{reporter}.test"), &format!("DEMO-{n:04}"))
            .map_err(|e| Error::Invalid(e.to_string()))?;
        let mut m = Incident::new(id, tlp);
        m.classification = RsitClass::lookup(cat, typ);
        m.title = Some(format!(
            "{what} {}",
            TARGETS[rng.gen_range(0..TARGETS.len())]
        ));
        m.description = Some(format!("Demo incident {n}: {what} reported by {reporter}."));
        m.status = IncidentStatus::ALL[match rng.gen_range(0..100) {
            0..35 => 0,
            35..55 => 1,
            55..75 => 2,
            75..90 => 3,
            _ => 4,
        }];
        m.times.detected = Some(now - Duration::minutes(rng.gen_range(0..30 * 24 * 60)));
        m.reporter = Some(reporter.clone());
        let cluster = &clusters[rng.gen_range(0..clusters.len())];
        let k = rng.gen_range(1..=3.min(cluster.len()));
        for o in cluster.choose_multiple(&mut rng, k) {
            let role = if o.domain_part().is_some() {
                ObservableRole::Indicator
            } else {
                ObservableRole::Source
            };
            m.add_observable(o.clone(), role);
        }
        if let Ok(o) = Observable::guess(&format!("198.19.{}.{}", 200 + n % 50, n % 250 + 1)) {
            m.add_observable(o, ObservableRole::Target);
        }
        let others: Vec<String> = orgs.iter().filter(|o| **o != reporter).cloned().collect();
        let shared: Vec<String> = if tlp == Tlp::Amber {
            others.choose_multiple(&mut rng, 2).cloned().collect()
        } else {
            Vec::new()
        };
        let recipients: Vec<String> = if tlp == Tlp::Red {
            others.choose_multiple(&mut rng, 1).cloned().collect()
        } else {
            Vec::new()
        };
        sharing.push((reporter, shared, recipients));
        models.push(m);
    }
    // The parcel-fee site the hub's own analysts already list: the demo's
    // parcel-fee smishing, which the model alone lets through, is caught
    // on it (the hub's knowledge counts in spam decisions).
    let id = GlobalId::new(&format!("{hub_org}.test"), "DEMO-PARCEL")
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let mut m = Incident::new(id, Tlp::Green);
    m.classification = RsitClass::lookup("fraud", "phishing");
    m.title = Some("Parcel-fee phishing site".to_owned());
    m.description =
        Some("Demo incident: a fake parcel redelivery site taking card payments.".to_owned());
    m.times.detected = Some(now - Duration::days(20));
    m.reporter = Some(hub_org.to_owned());
    for v in [
        "parcel-redelivery.test",
        "http://parcel-redelivery.test/pay",
    ] {
        if let Ok(o) = Observable::guess(v) {
            m.add_observable(o, ObservableRole::Indicator);
        }
    }
    models.push(m);
    sharing.push((hub_org.to_owned(), Vec::new(), Vec::new()));
    let subs: Vec<Submission<'_>> = models
        .iter()
        .zip(&sharing)
        .map(|(m, (r, s, rc))| Submission {
            incident: m,
            reporter: r,
            source: "demo",
            shared_with: s,
            recipients: rc,
        })
        .collect();
    let outcomes = store.incidents().ingest(&subs)?;
    for (i, o) in outcomes.iter().enumerate().filter(|(i, _)| i % 9 == 0) {
        let reporter = &sharing[i].0;
        let analyst = format!("analyst@{reporter}.test");
        store.workflow().add_comment(
            o.key(),
            &analyst,
            reporter,
            "Confirmed with the hosting provider; takedown requested.",
        )?;
        store
            .workflow()
            .set_assignee(o.key(), Some(&analyst), &analyst)?;
    }
    store.accounts().audit(
        "c5hub",
        Some(hub_org),
        "demo.seed",
        None,
        Some(&format!("{incidents} incidents")),
    )?;
    seed_assessment(store, hub_org)?;
    Ok(Some(Seeded {
        incidents: outcomes.len(),
        users,
    }))
}

/// The demo's assessment edition: one country's response in each state,
/// the hub operator's own country among them (submitted, waiting for the
/// edition's second validator, peer-ncirt). Answers are the best option
/// of every question for validated and submitted responses, a few for
/// the draft; one answer in each carries an evidence link.
fn seed_assessment(store: &mut Store, hub_org: &str) -> Result<(), Error> {
    use c5hub_assess::Methodology;
    use c5hub_assess::methodology::AnswerKind;
    use c5hub_store::{Actor, AnswerInput, Decision, NewEdition};

    let Ok(m) = Methodology::builtin("cirt-readiness") else {
        return Ok(());
    };
    let admin = crate::admin_user(hub_org);
    let hub = Actor {
        name: &admin,
        org: hub_org,
    };
    let ed = match store.assessment().add_edition(
        &NewEdition {
            methodology: &m.id,
            methodology_version: &m.version,
            year: 2026,
            title: "CIRT readiness 2026 (demo)",
        },
        hub,
    ) {
        Ok(ed) => ed,
        // The store has this edition already: the demo leaves it alone.
        Err(Error::Conflict(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    store
        .assessment()
        .set_second_validator(ed.id, Some("peer-ncirt"), hub)?;
    let best: Vec<(String, String)> = m
        .questions()
        .filter_map(|(_, q)| {
            let value = match &m.answer_type(&q.answer_type)?.kind {
                AnswerKind::Choice { options } => {
                    options.iter().max_by(|a, b| a.1.total_cmp(&b.1))?.0.clone()
                }
                AnswerKind::Multiple { options } => options
                    .iter()
                    .map(|o| o.0.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                AnswerKind::Count(_) => "250".to_owned(),
                AnswerKind::Percentage { .. } => "80".to_owned(),
            };
            Some((q.id.clone(), value))
        })
        .collect();
    // (country, focal point, state, how many questions answered)
    let plan = [
        ("UGA", "peer-ncirt", "validated", best.len()),
        ("KEN", hub_org, "submitted", best.len()),
        ("TZA", "regulator", "returned", best.len()),
        ("RWA", "fin-cert", "draft", 3),
    ];
    for (iso3, org, state, n) in plan {
        let r = store.assessment().add_response(ed.id, iso3, org, hub)?;
        let focal_name = format!("analyst@{org}.test");
        let focal = Actor {
            name: &focal_name,
            org,
        };
        let answers: Vec<AnswerInput<'_>> = best
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, (q, v))| AnswerInput {
                question: q,
                value: v,
                evidence_url: (i == 0).then_some("https://gov.example/cirt-decree"),
                evidence_doc: None,
                provenance: Some("self-reported"),
                note: None,
            })
            .collect();
        store
            .assessment()
            .save_answers(r.id, &answers, &[], focal)?;
        if state == "draft" {
            continue;
        }
        store.assessment().submit_response(r.id, focal)?;
        // The hub's own country stays submitted: peer-ncirt validates it.
        let validator_name = format!("analyst@{hub_org}.test");
        let validator = Actor {
            name: &validator_name,
            org: hub_org,
        };
        match state {
            "validated" => {
                store.assessment().decide_response(
                    r.id,
                    Decision::Validate {
                        on: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default(),
                    },
                    validator,
                )?;
            }
            "returned" => {
                store.assessment().decide_response(
                    r.id,
                    Decision::Return {
                        reason: "Attach the decree that gives the CIRT its mandate.",
                    },
                    validator,
                )?;
            }
            _ => {}
        }
    }
    Ok(())
}
