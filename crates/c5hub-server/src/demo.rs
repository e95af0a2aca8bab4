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
    if store.counts()?.0 > 0 {
        return Ok(None);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut orgs: Vec<String> = vec![hub_org.to_owned()];
    if store.org(hub_org)?.is_none() {
        store.add_org(hub_org, OrgKind::NationalCirt)?;
    }
    for (name, kind) in ORGS {
        if store.org(name)?.is_none() {
            store.add_org(name, kind)?;
        }
        orgs.push(name.to_owned());
    }
    let mut users = Vec::new();
    for org in &orgs {
        for role in [Role::Analyst, Role::Viewer] {
            let email = format!("{}@{org}.test", role.as_str());
            if store.user(&email)?.is_none() {
                store.add_user(&email, org, role, Some(password))?;
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
    let outcomes = store.ingest(&subs)?;
    for (i, o) in outcomes.iter().enumerate().filter(|(i, _)| i % 9 == 0) {
        let reporter = &sharing[i].0;
        let analyst = format!("analyst@{reporter}.test");
        store.add_comment(
            o.key(),
            &analyst,
            reporter,
            "Confirmed with the hosting provider; takedown requested.",
        )?;
        store.set_assignee(o.key(), Some(&analyst), &analyst)?;
    }
    store.audit(
        "c5hub",
        Some(hub_org),
        "demo.seed",
        None,
        Some(&format!("{incidents} incidents")),
    )?;
    Ok(Some(Seeded {
        incidents: outcomes.len(),
        users,
    }))
}
