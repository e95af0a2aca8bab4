//! Server settings: `c5hub.toml`, overridden by command-line flags.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! org = "national-cirt"        # the hub operator's organisation
//! public_access = false        # serve TLP:CLEAR to anonymous readers
//! secure_cookies = true        # set false only for plain-HTTP test setups
//! max_body_bytes = 8388608     # request body limit
//! session_hours = 8
//! read_connections = 4
//! max_batch = 512              # submissions per group commit
//! metrics_listen = "10.0.0.5:9100"  # /metrics here, unauthenticated
//!
//! [spam]                       # countering spam (see `SpamConfig`)
//! key_file = "/etc/c5hub/spam.key"
//! rules_file = "/etc/c5hub/x1242.toml"
//! subscribers = { telco-alpha = 2400000, telco-beta = 900000 }
//! listing_min_operators = 2    # operators behind a feed entry
//! verdicts_per_hour = 60       # verdicts one organisation may post
//! learning_budget = 3.0        # how far one organisation moves the model a day
//!
//! [federation]
//! timeout_seconds = 60         # how long a peer has to answer a push
//!
//! [taxii]
//! status_days = 7              # how long a POST's status resource is kept
//!
//! [[taxii.collections]]        # TAXII 2.1 collections (default: see `TaxiiConfig`)
//! id = "phishing-amber"
//! title = "AMBER phishing"
//! tlp = ["amber", "amber+strict"]
//! rsit = "fraud"
//! writable = false
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// Server settings.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// The hub operator's organisation, owner of the admin account.
    pub org: String,
    /// Whether anonymous readers see TLP:CLEAR incidents.
    pub public_access: bool,
    /// Whether session cookies carry `Secure` (browsers then send them only
    /// over HTTPS, or to localhost).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a browser session lasts.
    pub session_hours: u32,
    /// Store connections for reads.
    pub read_connections: usize,
    /// Most incidents committed in one group commit.
    pub max_batch: usize,
    /// A second address serving `/metrics` alone, without authentication
    /// (for a Prometheus on a private network). When it is set, the main
    /// address answers `/metrics` with 404; when not, the main address
    /// serves it to the hub operator's admins only (bearer token).
    pub metrics_listen: Option<String>,
    /// Countering spam: keys, rules, model, subscriber counts.
    pub spam: SpamConfig,
    /// Notifications: how often the notifier follows the change feed.
    pub notify: NotifyConfig,
    /// The TAXII 2.1 server's collections.
    pub taxii: TaxiiConfig,
    /// Federation's push to peer hubs.
    pub federation: FederationConfig,
}

/// The `[federation]` table.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct FederationConfig {
    /// How long a peer has to answer a push, in seconds (at least 1).
    /// A push that gets no answer in time fails like one refused, and is
    /// sent again after the backoff: a peer that hangs delays only itself.
    pub timeout_seconds: u64,
}

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            timeout_seconds: 60,
        }
    }
}

/// The `[taxii]` table.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct TaxiiConfig {
    /// The collections of the API root `/taxii2/api1/`, each a filter over
    /// what its reader may read. None given: `all` (every readable
    /// incident; the one writable collection), `tlp-clear`, `tlp-green`,
    /// `tlp-amber` (AMBER and AMBER+STRICT), `tlp-red`, and `rsit-CATEGORY`
    /// for each RSIT category.
    pub collections: Vec<CollectionConfig>,
    /// How many days a POST's status resource stays readable; older ones
    /// are forgotten when the next status is stored. The specification
    /// leaves it to the server (medallion keeps them as long as it runs);
    /// a week covers a client that polls a pending status, without a
    /// table that grows with every POST for ever.
    pub status_days: Option<u32>,
}

/// One `[[taxii.collections]]` entry.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CollectionConfig {
    /// Its identifier in URLs (letters, digits, `-`, `_`, `.`).
    pub id: String,
    /// A short title.
    pub title: String,
    /// What it holds, in a sentence.
    #[serde(default)]
    pub description: String,
    /// Only incidents at these TLP levels (`clear`, `green`, `amber`,
    /// `amber+strict`, `red`); none: any level.
    #[serde(default)]
    pub tlp: Vec<String>,
    /// Only incidents of this RSIT category (`fraud`, `malicious-code`,
    /// ...); not together with `tlp`.
    pub rsit: Option<String>,
    /// Whether members who may submit add objects here.
    #[serde(default)]
    pub writable: bool,
}

impl TaxiiConfig {
    /// Status resources older than this many days are forgotten.
    pub const DEFAULT_STATUS_DAYS: u32 = 7;

    /// The retention of status resources, in days.
    pub fn status_days(&self) -> u32 {
        self.status_days.unwrap_or(Self::DEFAULT_STATUS_DAYS)
    }

    /// The collections served: the configured ones, or the defaults.
    /// Assumes [`TaxiiConfig::check`] passed (the server checks at start).
    pub fn collections(&self) -> Vec<c5hub_hub::taxii::Collection> {
        if self.collections.is_empty() {
            return c5hub_hub::taxii::Collection::defaults();
        }
        self.collections
            .iter()
            .filter_map(|c| c.to_collection().ok())
            .collect()
    }

    /// Every configured collection is valid and ids are unique; the error
    /// names the collection and the setting.
    pub fn check(&self) -> Result<(), String> {
        let mut ids = std::collections::BTreeSet::new();
        for c in &self.collections {
            c.to_collection()?;
            if !ids.insert(c.id.as_str()) {
                return Err(format!(
                    "[[taxii.collections]] id {:?} is given twice",
                    c.id
                ));
            }
        }
        Ok(())
    }
}

impl CollectionConfig {
    fn to_collection(&self) -> Result<c5hub_hub::taxii::Collection, String> {
        use c5hub_hub::taxii::Selects;
        let at = format!("[[taxii.collections]] {:?}", self.id);
        if self.id.is_empty()
            || !self
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(format!("{at}: id must be letters, digits, '-', '_' or '.'"));
        }
        let selects = match (&self.rsit, self.tlp.is_empty()) {
            (Some(_), false) => {
                return Err(format!("{at}: give tlp or rsit, not both"));
            }
            (Some(r), true) => {
                let cat = c5hub_model::taxonomy::RsitCategory::get(r)
                    .ok_or_else(|| format!("{at}: rsit {r:?} is no RSIT category"))?;
                Selects::Category(cat.value.to_owned())
            }
            (None, true) => Selects::All,
            (None, false) => Selects::Tlp(
                self.tlp
                    .iter()
                    .map(|t| {
                        t.parse::<c5hub_model::tlp::Tlp>()
                            .map_err(|e| format!("{at}: tlp {t:?}: {e}"))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(c5hub_hub::taxii::Collection {
            id: self.id.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            selects,
            writable: self.writable,
        })
    }
}

/// The `[notify]` table.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// How long the notifier waits, in milliseconds, after finding no new
    /// change before it looks again (0: no notifier runs).
    pub interval_ms: u64,
    /// The wait, in milliseconds, before the first retry of a failed
    /// webhook delivery; it doubles with each failure (6 attempts in all).
    pub webhook_backoff_ms: u64,
    /// The SMTP server e-mail notifications go through
    /// (`smtp://[user:password@]host:port`); none: no e-mail is sent
    /// (the choices are kept, the queue waits).
    pub smtp_url: Option<String>,
    /// The sender's address of e-mail notifications.
    pub from: String,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            interval_ms: 2000,
            webhook_backoff_ms: 30_000,
            smtp_url: None,
            from: "c5hub@localhost".to_owned(),
        }
    }
}

/// The `[spam]` table: how the hub handles operators' spam reports.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SpamConfig {
    /// Secret key (a file of at least 16 bytes) for recipient hashes and
    /// the HMAC pseudonyms of phone numbers and e-mail addresses in feeds,
    /// campaigns and metrics. Partners that match pseudonyms share it.
    /// Without one the hub makes a random key at start, and pseudonyms
    /// change at every restart (`c5hub serve` on a data directory keeps
    /// `DATA/spam.key` instead).
    pub key_file: Option<PathBuf>,
    /// X.1242 rules (TOML, see `c5hub spam rules`) evaluated before the
    /// model for every report; global and per-recipient rules, managed in
    /// this file, not through the API.
    pub rules_file: Option<PathBuf>,
    /// The classifier (default: the shipped model). Confirmed verdicts
    /// update the model online; with this set, the updated model is
    /// written back here so it survives a restart.
    pub model_file: Option<PathBuf>,
    /// Region (ISO 3166 alpha-2) for national phone numbers in messages.
    pub region: Option<String>,
    /// Subscribers per operator, for reports per thousand subscribers.
    pub subscribers: BTreeMap<String, u64>,
    /// TLP of the incidents confirmed spam becomes.
    pub incident_tlp: String,
    /// Days of reports that campaigns, the reputation list and the impact
    /// metrics are computed over.
    pub window_days: u32,
    /// Confidence at which a reputation entry is listed (0..1).
    pub listing_confidence: f64,
    /// Days a reputation entry lives after its last report.
    pub ttl_days: u32,
    /// Distinct operators whose confirmed reports must back a value before
    /// the reputation feed lists it (at least 1; default 2, so no operator
    /// lists a number, URL or domain on its own). A hub analyst's "spam"
    /// verdict lists a report's values at once.
    pub listing_min_operators: usize,
    /// Verdicts (`POST /api/v1/spam/reports/{id}/verdict` and the web
    /// form) one organisation may post in an hour; past it the hub answers
    /// 429 with Retry-After.
    pub verdicts_per_hour: u32,
    /// How far the verdicts of one organisation may move the shared
    /// classifier in 24 hours: the sum of the model's errors it learns
    /// from (each verdict's |score − verdict|, at most 1). Every step moves
    /// each weight by at most the online rate times its error, so no
    /// organisation moves any weight further than the online rate times
    /// this budget in a day. Past it verdicts are recorded and become
    /// incidents, but the model does not learn from them. Each report
    /// teaches the model once: a repeated verdict does nothing, a changed
    /// one takes one step the other way.
    pub learning_budget: f64,
}

impl Default for SpamConfig {
    fn default() -> Self {
        SpamConfig {
            key_file: None,
            rules_file: None,
            model_file: None,
            region: None,
            subscribers: BTreeMap::new(),
            incident_tlp: "green".to_owned(),
            window_days: 90,
            listing_confidence: 0.85,
            ttl_days: 30,
            listing_min_operators: 2,
            verdicts_per_hour: 60,
            learning_budget: 3.0,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".to_owned(),
            org: "national-cirt".to_owned(),
            public_access: false,
            secure_cookies: true,
            max_body_bytes: 8 * 1024 * 1024,
            session_hours: 8,
            read_connections: 4,
            max_batch: 512,
            metrics_listen: None,
            spam: SpamConfig::default(),
            notify: NotifyConfig::default(),
            taxii: TaxiiConfig::default(),
            federation: FederationConfig::default(),
        }
    }
}

impl Config {
    /// Reads a TOML file; unknown keys are an error naming the key.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let c =
            Config::from_toml("listen = \"0.0.0.0:9000\"\npublic_access = true\n").expect("valid");
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert!(c.public_access);
        assert_eq!(c.org, "national-cirt");
        let e = Config::from_toml("lisen = \"x\"").expect_err("typo");
        assert!(e.contains("lisen"), "{e}");
        let e = Config::from_toml("[spam]\nsubscriber = {}\n").expect_err("typo");
        assert!(e.contains("subscriber"), "{e}");
    }

    #[test]
    fn taxii_collections_are_checked_and_named() {
        let c = Config::from_toml(
            "[[taxii.collections]]\nid = \"amber-fraud\"\ntitle = \"x\"\ntlp = [\"amber\", \"amber+strict\"]\n\n[[taxii.collections]]\nid = \"fraud\"\ntitle = \"y\"\nrsit = \"fraud\"\nwritable = true\n",
        )
        .expect("valid");
        c.taxii.check().expect("valid collections");
        let got = c.taxii.collections();
        assert_eq!(got.len(), 2);
        assert!(got[1].writable);
        assert!(Config::default().taxii.collections().len() > 5);
        for (bad, says) in [
            ("id = \"a b\"\ntitle = \"x\"", "id must be"),
            ("id = \"a\"\ntitle = \"x\"\ntlp = [\"purple\"]", "purple"),
            ("id = \"a\"\ntitle = \"x\"\nrsit = \"nothing\"", "nothing"),
            (
                "id = \"a\"\ntitle = \"x\"\nrsit = \"fraud\"\ntlp = [\"red\"]",
                "not both",
            ),
        ] {
            let c = Config::from_toml(&format!("[[taxii.collections]]\n{bad}\n")).expect("parses");
            let e = c.taxii.check().expect_err(bad);
            assert!(e.contains(says), "{e}");
        }
        let twice = "[[taxii.collections]]\nid = \"a\"\ntitle = \"x\"\n[[taxii.collections]]\nid = \"a\"\ntitle = \"y\"\n";
        assert!(
            Config::from_toml(twice)
                .expect("parses")
                .taxii
                .check()
                .is_err()
        );
    }

    #[test]
    fn spam_settings() {
        let c = Config::from_toml(
            "[spam]\nsubscribers = { telco-a = 2000 }\nincident_tlp = \"amber\"\n",
        )
        .expect("valid");
        assert_eq!(c.spam.subscribers.get("telco-a"), Some(&2000));
        assert_eq!(c.spam.incident_tlp, "amber");
        assert_eq!(c.spam.window_days, 90);
        assert_eq!(c.spam.listing_min_operators, 2);
        let c = Config::from_toml(
            "[spam]\nlisting_min_operators = 1\nverdicts_per_hour = 5\nlearning_budget = 0.5\n",
        )
        .expect("valid");
        assert_eq!(
            (
                c.spam.listing_min_operators,
                c.spam.verdicts_per_hour,
                c.spam.learning_budget
            ),
            (1, 5, 0.5)
        );
    }
}
