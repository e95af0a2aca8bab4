//! A deterministic corpus of realistic IODEF v2 XML documents for the codec
//! benchmarks and the `iodef_throughput` example.
//!
//! The mix follows what a national CIRT exchanges in a day: mostly small
//! automated single-incident reports (1-3 KB), a share of analyst reports
//! (10-50 KB: several incidents, many observables, impacts, history, two
//! languages, file hashes) and a few bulk watch lists (200 KB - 2 MB of
//! indicators). The structure follows the hand-written documents in
//! `test-data/rfc7970/valid/`. Addresses come from the documentation ranges
//! and names from `.example`, so nothing here points at a real system.
//!
//! The generator draws from a seeded ChaCha8 stream, which rand_chacha
//! keeps value-stable across its patch releases, so the corpus is the same
//! on every machine. It does no I/O.

use std::fmt::Write as _;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// The size class a document was generated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeClass {
    /// A single-incident automated report, 1-3 KB.
    Small,
    /// An analyst report with several incidents, 10-50 KB.
    Medium,
    /// A bulk watch list, 200 KB - 2 MB.
    Large,
}

impl SizeClass {
    /// All classes, smallest first.
    pub const ALL: [SizeClass; 3] = [SizeClass::Small, SizeClass::Medium, SizeClass::Large];

    /// A lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Large => "large",
        }
    }
}

/// One generated document.
pub struct Sample {
    /// The class it was generated for.
    pub class: SizeClass,
    /// The RFC 7970 XML text.
    pub xml: String,
}

/// How many documents of each class to generate, and from which seed.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// Single-incident reports.
    pub small: usize,
    /// Analyst reports.
    pub medium: usize,
    /// Bulk watch lists.
    pub large: usize,
    /// The PRNG seed.
    pub seed: u64,
}

impl Spec {
    /// The benchmark corpus: 10,000 documents, about 80 MB of XML.
    pub const FULL: Spec = Spec {
        small: 8_500,
        medium: 1_480,
        large: 20,
        seed: 0x00C5_1DEF_2024,
    };

    /// The same mix scaled to about `docs` documents (at least one of each
    /// class), for quick runs and profiling.
    pub fn scaled(docs: usize) -> Spec {
        let full = Spec::FULL;
        let total = full.small + full.medium + full.large;
        let part = |n: usize| (n * docs).div_ceil(total).max(1);
        Spec {
            small: part(full.small),
            medium: part(full.medium),
            large: part(full.large),
            seed: full.seed,
        }
    }
}

/// Generates the corpus: the classes interleaved in a fixed pseudo-random
/// order, as they would arrive at a hub.
pub fn generate(spec: Spec) -> Vec<Sample> {
    let mut rng = Rng::new(spec.seed);
    let mut classes = Vec::with_capacity(spec.small + spec.medium + spec.large);
    classes.extend(std::iter::repeat_n(SizeClass::Small, spec.small));
    classes.extend(std::iter::repeat_n(SizeClass::Medium, spec.medium));
    classes.extend(std::iter::repeat_n(SizeClass::Large, spec.large));
    // Fisher-Yates, so the order does not depend on the class.
    for i in (1..classes.len()).rev() {
        classes.swap(i, rng.below(i + 1));
    }
    let mut large_seen = 0;
    classes
        .into_iter()
        .enumerate()
        .map(|(n, class)| {
            let xml = match class {
                SizeClass::Small => small(&mut rng, n),
                SizeClass::Medium => medium(&mut rng, n),
                SizeClass::Large => {
                    // Spread the bulk reports evenly over 200 KB - 2 MB so
                    // that even a scaled corpus has one of each extreme.
                    let span = spec.large.max(2) - 1;
                    let target = 200_000 + 1_800_000 * large_seen.min(span) / span;
                    large_seen += 1;
                    large(&mut rng, n, target)
                }
            };
            Sample { class, xml }
        })
        .collect()
}

/// The corpus in both bindings, checked.
pub struct Corpus {
    /// The size class of each document.
    pub classes: Vec<SizeClass>,
    /// Each document in RFC 7970 XML.
    pub xml: Vec<String>,
    /// The same documents in RFC 8727 JSON, as `encode_json` writes them
    /// (pretty-printed, the crate's default JSON output).
    pub json: Vec<String>,
}

impl Corpus {
    /// Generates the XML corpus, checks that every document decodes with
    /// zero violations, and converts each to JSON, checking that too.
    ///
    /// # Panics
    ///
    /// If any document, in either binding, does not decode cleanly: the
    /// figures would then measure error paths rather than real traffic.
    pub fn build(spec: Spec) -> Corpus {
        let limits = c5hub_iodef::Limits::default();
        let samples = generate(spec);
        let mut corpus = Corpus {
            classes: Vec::with_capacity(samples.len()),
            xml: Vec::with_capacity(samples.len()),
            json: Vec::with_capacity(samples.len()),
        };
        for (i, sample) in samples.into_iter().enumerate() {
            let decoded = c5hub_iodef::decode_xml(sample.xml.as_bytes(), &limits)
                .unwrap_or_else(|e| panic!("document {i} does not decode: {e}"));
            assert!(
                decoded.violations.is_empty(),
                "document {i} ({}) has violations: {:#?}\n{}",
                sample.class.name(),
                decoded.violations,
                sample.xml
            );
            let json = c5hub_iodef::encode_json(&decoded.document, true);
            let again = c5hub_iodef::decode_json(json.as_bytes(), &limits)
                .unwrap_or_else(|e| panic!("document {i} as JSON does not decode: {e}"));
            assert!(
                again.violations.is_empty(),
                "document {i} as JSON has violations: {:#?}",
                again.violations
            );
            corpus.classes.push(sample.class);
            corpus.xml.push(sample.xml);
            corpus.json.push(json);
        }
        corpus
    }

    /// Number of documents.
    pub fn count(&self) -> usize {
        self.xml.len()
    }

    /// Total bytes of the XML corpus.
    pub fn xml_bytes(&self) -> usize {
        self.xml.iter().map(String::len).sum()
    }

    /// Total bytes of the JSON corpus.
    pub fn json_bytes(&self) -> usize {
        self.json.iter().map(String::len).sum()
    }

    /// A few lines describing the corpus: counts, sizes per class.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "corpus: {} documents, XML {:.1} MB, JSON {:.1} MB (1 MB = 10^6 bytes)\n",
            self.count(),
            mb(self.xml_bytes()),
            mb(self.json_bytes())
        );
        for class in SizeClass::ALL {
            let mut sizes: Vec<usize> = self
                .classes
                .iter()
                .zip(&self.xml)
                .filter(|(c, _)| **c == class)
                .map(|(_, x)| x.len())
                .collect();
            sizes.sort_unstable();
            let Some((&min, &max)) = sizes.first().zip(sizes.last()) else {
                continue;
            };
            let total: usize = sizes.iter().sum();
            writeln!(
                s,
                "  {:<6} {:>5} docs, XML {:>9} - {:>9} bytes (median {:>9}), {:5.1} MB in all",
                class.name(),
                sizes.len(),
                min,
                max,
                sizes[sizes.len() / 2],
                mb(total)
            )
            .expect("writing to a String cannot fail");
        }
        s
    }
}

/// Bytes to decimal megabytes, the unit criterion uses for MB/s.
pub fn mb(bytes: usize) -> f64 {
    bytes as f64 / 1e6
}

/// A seeded generator, so every run makes the same corpus.
struct Rng(ChaCha8Rng);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..n` (`n > 0`); the modulo bias is irrelevant here.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    /// An address in one of the three IPv4 documentation ranges.
    fn ipv4(&mut self) -> String {
        let net = self.pick(&["192.0.2", "198.51.100", "203.0.113"]);
        format!("{net}.{}", self.range(1, 254))
    }

    /// An address in 2001:db8::/32.
    fn ipv6(&mut self) -> String {
        format!(
            "2001:db8:{:x}:{:x}::{:x}",
            self.below(0xffff),
            self.below(0xffff),
            self.range(1, 0xffff)
        )
    }

    fn domain(&mut self) -> String {
        let word = self.pick(WORDS);
        let word2 = self.pick(WORDS);
        let tld = self.pick(&["example", "example.com", "example.net", "example.org"]);
        format!("{word}-{word2}{}.{tld}", self.below(100))
    }

    /// A timestamp in 2024, in UTC or with an offset.
    fn time(&mut self) -> String {
        let zone = self.pick(&["Z", "Z", "Z", "+01:00", "+02:00", "-05:00", "+03:00"]);
        format!(
            "2024-{:02}-{:02}T{:02}:{:02}:{:02}{zone}",
            self.range(1, 12),
            self.range(1, 28),
            self.below(24),
            self.below(60),
            self.below(60)
        )
    }

    fn hex(&mut self, bytes: usize) -> String {
        hex::encode(self.bytes(bytes))
    }

    fn base64(&mut self, bytes: usize) -> String {
        base64(&self.bytes(bytes))
    }
}

fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

const WORDS: &[&str] = &[
    "secure", "login", "update", "cdn", "static", "portal", "mail", "account", "verify", "cloud",
    "files", "invoice", "bank", "parcel", "track", "support", "office", "vpn", "gov", "tax",
];

/// What an incident is about: the words and roles that go with it.
struct Theme {
    category: &'static str,
    summary_en: &'static str,
    summary_fr: &'static str,
    source_role: &'static str,
    target_role: &'static str,
    discovery: &'static str,
    impact: &'static str,
    expectation: &'static str,
    port: u16,
}

const THEMES: &[Theme] = &[
    Theme {
        category: "fraud:phishing",
        summary_en: "Credential phishing site imitating a national bank",
        summary_fr: "Site d'hameçonnage imitant une banque nationale",
        source_role: "phishing-site",
        target_role: "client",
        discovery: "external-notification",
        impact: "breach-credential",
        expectation: "contact-source-site",
        port: 443,
    },
    Theme {
        category: "malicious-code:infected-system",
        summary_en: "Host checking in with a sinkholed botnet controller",
        summary_fr: "Hôte contactant un contrôleur de botnet neutralisé",
        source_role: "client",
        target_role: "sinkhole",
        discovery: "passive-dns",
        impact: "takeover-system",
        expectation: "remediate-other",
        port: 80,
    },
    Theme {
        category: "information-gathering:scanning",
        summary_en: "SSH password guessing against exposed servers",
        summary_fr: "Tentatives de connexion SSH par force brute",
        source_role: "client",
        target_role: "honeypot",
        discovery: "nidps",
        impact: "policy",
        expectation: "block-host",
        port: 22,
    },
    Theme {
        category: "availability:ddos",
        summary_en: "DNS reflection attack against a government portal",
        summary_fr: "Attaque par réflexion DNS contre un portail public",
        source_role: "reflector",
        target_role: "www",
        discovery: "network-flow",
        impact: "availability-service",
        expectation: "rate-limit-host",
        port: 53,
    },
    Theme {
        category: "malicious-code:malware-distribution",
        summary_en: "Web server distributing a banking trojan loader",
        summary_fr: "Serveur web distribuant un chargeur de cheval de Troie bancaire",
        source_role: "malware-distribution",
        target_role: "client-enterprise",
        discovery: "av",
        impact: "integrity-configuration",
        expectation: "contact-source-site",
        port: 8080,
    },
    Theme {
        category: "intrusion:defacement",
        summary_en: "Defacement of a municipal web site",
        summary_fr: "Défiguration du site web d'une commune",
        source_role: "hop-point",
        target_role: "server-public",
        discovery: "third-party-monitoring",
        impact: "damaged-data",
        expectation: "rebuild-asset",
        port: 443,
    },
    Theme {
        category: "malicious-code:ransomware",
        summary_en: "Ransomware encrypting file servers of a hospital",
        summary_fr: "Rançongiciel chiffrant les serveurs de fichiers d'un hôpital",
        source_role: "c2-server",
        target_role: "file",
        discovery: "incident",
        impact: "availability-data",
        expectation: "rebuild-asset",
        port: 445,
    },
];

const SEVERITIES: &[&str] = &["low", "medium", "high"];
const RESTRICTIONS: &[&str] = &["green", "amber", "need-to-know", "default", "white"];

/// A tiny writer that keeps elements balanced and escapes text.
struct Xml {
    out: String,
    stack: Vec<&'static str>,
}

impl Xml {
    fn document(capacity: usize, lang: &str, with_ds: bool) -> Xml {
        let mut out = String::with_capacity(capacity);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        write!(
            out,
            "<IODEF-Document version=\"2.00\" xml:lang=\"{lang}\"\n    xmlns=\"urn:ietf:params:xml:ns:iodef-2.0\""
        )
        .expect("writing to a String cannot fail");
        if with_ds {
            out.push_str("\n    xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"");
        }
        out.push_str(">\n");
        Xml {
            out,
            stack: vec!["IODEF-Document"],
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.stack.len() {
            self.out.push_str("  ");
        }
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape(&mut self.out, v);
            self.out.push('"');
        }
    }

    fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.start(name, attrs);
        self.out.push_str(">\n");
        self.stack.push(name);
    }

    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.start(name, attrs);
        self.out.push_str("/>\n");
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start(name, attrs);
        self.out.push('>');
        escape(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn close(&mut self) {
        let name = self.stack.pop().expect("close matches an open");
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.close();
        }
        self.out
    }

    fn len(&self) -> usize {
        self.out.len()
    }
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// Unique observable-id values within one document.
struct Ids(usize);

impl Ids {
    fn next(&mut self, prefix: &str) -> String {
        self.0 += 1;
        format!("{prefix}-{}", self.0)
    }
}

fn incident_id(x: &mut Xml, rng: &mut Rng, n: usize, k: usize) {
    let team = rng.pick(&["cert.example", "csirt.example.org", "ncsc.example"]);
    x.leaf(
        "IncidentID",
        &[("name", team)],
        &format!("CERT-EX-2024-{n:05}-{k}"),
    );
}

fn contact(x: &mut Xml, rng: &mut Rng, role: &str, full: bool) {
    x.open("Contact", &[("role", role), ("type", "organization")]);
    let org = rng.pick(&[
        "CERT-EX",
        "Example Broadband abuse team",
        "Ministry of Examples SOC",
        "Example Hosting Ltd",
    ]);
    x.leaf("ContactName", &[], org);
    if full {
        x.leaf(
            "RegistryHandle",
            &[("registry", "ripe")],
            &format!("EX{}-RIPE", rng.below(10_000)),
        );
        x.open("PostalAddress", &[("type", "street")]);
        x.leaf(
            "PAddress",
            &[],
            &format!("{} Example Street, Exampleville", rng.range(1, 200)),
        );
        x.close();
    }
    x.open("Email", &[]);
    x.leaf(
        "EmailTo",
        &[],
        rng.pick(&[
            "incident@cert.example",
            "abuse@broadband.example",
            "soc@ministry.example",
        ]),
    );
    x.close();
    if full {
        x.open("Telephone", &[("type", "wired")]);
        x.leaf(
            "TelephoneNumber",
            &[],
            &format!("+44 20 7946 0{:03}", rng.below(1000)),
        );
        x.close();
        x.leaf("Timezone", &[], "+01:00");
    }
    x.close();
}

fn system(x: &mut Xml, rng: &mut Rng, category: &str, role: &str, port: u16, ids: &mut Ids) {
    x.open("System", &[("category", category), ("spoofed", "no")]);
    x.open("Node", &[]);
    if rng.chance(25) {
        let id = ids.next("dom");
        x.open(
            "DomainData",
            &[
                ("system-status", "fraudulent"),
                ("domain-status", "assignedAndActive"),
                ("observable-id", &id),
            ],
        );
        x.leaf("Name", &[], &rng.domain());
        x.close();
    }
    if rng.chance(20) {
        x.leaf("Address", &[("category", "ipv6-addr")], &rng.ipv6());
    } else {
        x.leaf("Address", &[("category", "ipv4-addr")], &rng.ipv4());
    }
    x.close();
    x.empty("NodeRole", &[("category", role)]);
    x.open(
        "Service",
        &[("ip-protocol", if port == 53 { "17" } else { "6" })],
    );
    x.leaf("Port", &[], &port.to_string());
    x.close();
    if rng.chance(50) {
        x.leaf(
            "Counter",
            &[("type", "count"), ("unit", "session")],
            &rng.range(1, 500).to_string(),
        );
    }
    x.close();
}

fn log_line(rng: &mut Rng, theme: &Theme) -> String {
    let src = rng.ipv4();
    match theme.port {
        22 => format!(
            "{} sshd[{}]: Failed password for {} from {src} port {} ssh2",
            rng.time(),
            rng.range(1000, 65000),
            rng.pick(&["root", "admin", "oracle", "ubuntu", "test"]),
            rng.range(1024, 65535)
        ),
        53 => format!(
            "{} query: {} IN ANY +E(0) from {src}#{} (response 3.1 KB)",
            rng.time(),
            rng.domain(),
            rng.range(1024, 65535)
        ),
        _ => format!(
            "{src} - - [{}] \"POST /{}/gate.php?id={}&v=2.3 HTTP/1.1\" 200 {} \"-\" \"Mozilla/5.0 <bot>\"",
            rng.time(),
            rng.pick(WORDS),
            rng.hex(4),
            rng.range(10, 9000)
        ),
    }
}

/// A 1-3 KB automated report with one incident.
fn small(rng: &mut Rng, n: usize) -> String {
    let theme = &THEMES[rng.below(THEMES.len())];
    let target = rng.range(1_000, 2_900);
    let mut ids = Ids(0);
    let mut x = Xml::document(target + 600, "en", false);
    let restriction = rng.pick(RESTRICTIONS);
    x.open(
        "Incident",
        &[
            ("purpose", "reporting"),
            ("status", "new"),
            ("restriction", restriction),
        ],
    );
    incident_id(&mut x, rng, n, 0);
    if rng.chance(60) {
        x.leaf("DetectTime", &[], &rng.time());
    }
    x.leaf("GenerationTime", &[], &rng.time());
    x.leaf("Description", &[], theme.summary_en);
    if rng.chance(50) {
        x.empty("Discovery", &[("source", theme.discovery)]);
    }
    if rng.chance(50) {
        x.open("Assessment", &[("occurrence", "actual")]);
        x.leaf("IncidentCategory", &[], theme.category);
        x.empty(
            "SystemImpact",
            &[
                ("type", theme.impact),
                ("severity", rng.pick(SEVERITIES)),
                ("completion", "succeeded"),
            ],
        );
        x.close();
    }
    contact(&mut x, rng, "creator", false);
    x.open("EventData", &[]);
    x.open("Flow", &[]);
    system(
        &mut x,
        rng,
        "source",
        theme.source_role,
        theme.port,
        &mut ids,
    );
    if rng.chance(60) {
        system(
            &mut x,
            rng,
            "target",
            theme.target_role,
            theme.port,
            &mut ids,
        );
    }
    x.close();
    // Log excerpts fill the report up to its size, as sensors do.
    if x.len() + 400 < target {
        x.open("Record", &[]);
        x.open("RecordData", &[]);
        x.leaf("DateTime", &[], &rng.time());
        x.leaf("Description", &[], "Excerpt of the sensor log");
        while x.len() + 250 < target {
            x.leaf("RecordItem", &[("dtype", "string")], &log_line(rng, theme));
        }
        x.close();
        x.close();
    }
    x.close();
    x.finish()
}

fn hash(x: &mut Xml, rng: &mut Rng) {
    x.open("Hash", &[]);
    x.empty(
        "ds:DigestMethod",
        &[("Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256")],
    );
    x.leaf("ds:DigestValue", &[], &rng.base64(32));
    x.close();
}

fn file_data(x: &mut Xml, rng: &mut Rng, ids: &mut Ids) {
    let id = ids.next("files");
    x.open("FileData", &[("observable-id", &id)]);
    for _ in 0..rng.range(1, 3) {
        let id = ids.next("file");
        x.open("File", &[("observable-id", &id)]);
        x.leaf(
            "FileName",
            &[],
            &format!(
                "C:\\Users\\Public\\{}_{}.{}",
                rng.pick(WORDS),
                rng.below(1000),
                rng.pick(&["dll", "exe", "pdf", "js"])
            ),
        );
        x.leaf("FileSize", &[], &rng.range(1_000, 5_000_000).to_string());
        x.open("HashData", &[("scope", "file-contents")]);
        hash(x, rng);
        if rng.chance(50) {
            x.open("Hash", &[]);
            x.empty(
                "ds:DigestMethod",
                &[("Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1")],
            );
            x.leaf("ds:DigestValue", &[], &rng.base64(20));
            x.close();
        }
        x.close();
        x.close();
    }
    x.close();
}

fn indicator(x: &mut Xml, rng: &mut Rng, ids: &mut Ids, k: usize) {
    x.open("Indicator", &[]);
    x.leaf(
        "IndicatorID",
        &[("name", "cert.example"), ("version", "1")],
        &format!("ind-{k}"),
    );
    if rng.chance(30) {
        x.leaf("Description", &[], "Observed during the incident");
    }
    x.open("Observable", &[]);
    match rng.below(4) {
        0 => {
            let id = ids.next("dom");
            x.open(
                "DomainData",
                &[
                    (
                        "system-status",
                        rng.pick(&["fraudulent", "spoofed", "unknown"]),
                    ),
                    ("domain-status", "assignedAndActive"),
                    ("observable-id", &id),
                ],
            );
            x.leaf("Name", &[], &rng.domain());
            if rng.chance(40) {
                x.leaf("RegistrationDate", &[], &rng.time());
            }
            x.close();
        }
        1 => {
            let id = ids.next("addr");
            x.leaf(
                "Address",
                &[("category", "ipv6-addr"), ("observable-id", &id)],
                &rng.ipv6(),
            );
        }
        2 => file_data(x, rng, ids),
        _ => {
            let id = ids.next("addr");
            x.leaf(
                "Address",
                &[("category", "ipv4-addr"), ("observable-id", &id)],
                &rng.ipv4(),
            );
        }
    }
    x.close();
    if rng.chance(30) {
        x.empty("NodeRole", &[("category", "c2-server")]);
    }
    x.close();
}

/// A 10-50 KB analyst report: several incidents, many observables.
fn medium(rng: &mut Rng, n: usize) -> String {
    let target = rng.range(9_000, 47_000);
    // About 8 KB per incident at least, so a 10 KB report has two.
    let incidents = rng.range(2, (target / 8_000).clamp(2, 6));
    let mut ids = Ids(0);
    let mut x = Xml::document(target + 4_000, "en", true);
    for k in 0..incidents {
        let budget = target * (k + 1) / incidents;
        let theme = &THEMES[rng.below(THEMES.len())];
        x.open(
            "Incident",
            &[
                ("purpose", rng.pick(&["reporting", "mitigation"])),
                ("status", rng.pick(&["new", "in-progress", "resolved"])),
                ("restriction", rng.pick(RESTRICTIONS)),
            ],
        );
        incident_id(&mut x, rng, n, k);
        x.leaf("DetectTime", &[], &rng.time());
        x.leaf("StartTime", &[], &rng.time());
        x.leaf("GenerationTime", &[], &rng.time());
        let t = format!("t-{k}");
        x.leaf(
            "Description",
            &[("translation-id", &t)],
            &format!(
                "{} ({} hosts affected).",
                theme.summary_en,
                rng.range(2, 900)
            ),
        );
        x.leaf(
            "Description",
            &[("xml:lang", "fr"), ("translation-id", &t)],
            &format!(
                "{} ({} hôtes concernés).",
                theme.summary_fr,
                rng.range(2, 900)
            ),
        );
        x.empty("Discovery", &[("source", theme.discovery)]);
        x.open("Assessment", &[("occurrence", "actual")]);
        x.leaf("IncidentCategory", &[], theme.category);
        x.open(
            "SystemImpact",
            &[
                ("type", theme.impact),
                ("severity", rng.pick(SEVERITIES)),
                ("completion", "succeeded"),
            ],
        );
        x.leaf("Description", &[], "Confirmed on the affected hosts.");
        x.close();
        x.empty(
            "BusinessImpact",
            &[
                (
                    "type",
                    rng.pick(&["loss-of-service", "degraded-reputation", "breach-privacy"]),
                ),
                ("severity", rng.pick(SEVERITIES)),
            ],
        );
        x.leaf(
            "TimeImpact",
            &[
                ("metric", "labor"),
                ("duration", "hour"),
                ("severity", "medium"),
            ],
            &rng.range(1, 120).to_string(),
        );
        x.leaf(
            "MonetaryImpact",
            &[("currency", "EUR"), ("severity", "low")],
            &(rng.range(1, 500) * 100).to_string(),
        );
        x.leaf(
            "Counter",
            &[("type", "count"), ("unit", "host")],
            &rng.range(1, 900).to_string(),
        );
        x.leaf("MitigatingFactor", &[], "Offline backups are intact.");
        x.close();
        contact(&mut x, rng, "creator", true);
        contact(&mut x, rng, "abuse", false);
        x.open("EventData", &[]);
        x.leaf("Description", &[], "Hosts seen by our sensors");
        x.open("Flow", &[]);
        for _ in 0..rng.range(1, 2 + target / 8_000) {
            system(
                &mut x,
                rng,
                "source",
                theme.source_role,
                theme.port,
                &mut ids,
            );
        }
        system(
            &mut x,
            rng,
            "target",
            theme.target_role,
            theme.port,
            &mut ids,
        );
        x.close();
        x.open("Expectation", &[("action", theme.expectation)]);
        x.leaf("Description", &[], "Please act within 48 hours.");
        x.close();
        x.open("Record", &[]);
        x.open("RecordData", &[]);
        x.leaf("DateTime", &[], &rng.time());
        for _ in 0..rng.range(1, 4) {
            x.leaf("RecordItem", &[("dtype", "string")], &log_line(rng, theme));
        }
        file_data(&mut x, rng, &mut ids);
        x.close();
        x.close();
        x.close();
        x.open("IndicatorData", &[]);
        let mut k2 = 0;
        loop {
            indicator(&mut x, rng, &mut ids, k * 10_000 + k2);
            k2 += 1;
            if x.len() + 1_200 >= budget {
                break;
            }
        }
        x.close();
        x.open("History", &[]);
        for action in ["status-triage", "contact-source-site", "status-new-info"] {
            x.open("HistoryItem", &[("action", action)]);
            x.leaf("DateTime", &[], &rng.time());
            x.leaf("Description", &[], "Logged by the duty officer.");
            x.close();
        }
        x.close();
        x.leaf(
            "AdditionalData",
            &[("dtype", "string"), ("name", "ticket")],
            &format!("RT#{}", rng.range(100_000, 999_999)),
        );
        x.close();
    }
    x.leaf(
        "AdditionalData",
        &[("dtype", "json"), ("name", "export-summary")],
        &format!(
            "{{\"incidents\": {incidents}, \"generator\": \"rt-iodef-export 2.4\", \"seq\": {n}}}"
        ),
    );
    x.finish()
}

/// A bulk watch list of about `target` bytes: thousands of indicators and a
/// few BulkObservable hash lists.
fn large(rng: &mut Rng, n: usize, target: usize) -> String {
    let mut ids = Ids(0);
    let mut x = Xml::document(target + 4_000, "en", true);
    x.open(
        "Incident",
        &[("purpose", "watch"), ("restriction", "green")],
    );
    incident_id(&mut x, rng, n, 0);
    x.leaf("GenerationTime", &[], &rng.time());
    x.leaf(
        "Description",
        &[],
        "Daily watch list: command-and-control infrastructure and tooling hashes.",
    );
    contact(&mut x, rng, "creator", true);
    x.open("IndicatorData", &[]);
    let mut k = 0;
    while x.len() + 2_000 < target {
        if k % 500 == 499 {
            // Every 500 indicators, one list of 200 SHA-256 values.
            x.open("Indicator", &[]);
            x.leaf(
                "IndicatorID",
                &[("name", "cert.example"), ("version", "1")],
                &format!("ind-bulk-{k}"),
            );
            x.open("Observable", &[]);
            x.open("BulkObservable", &[("type", "file-hash")]);
            x.open("BulkObservableFormat", &[]);
            x.open("Hash", &[]);
            x.empty(
                "ds:DigestMethod",
                &[("Algorithm", "http://www.w3.org/2001/04/xmlenc#sha256")],
            );
            x.empty("ds:DigestValue", &[]);
            x.close();
            x.close();
            let list: Vec<String> = (0..200).map(|_| rng.hex(32)).collect();
            x.leaf("BulkObservableList", &[], &list.join("\n"));
            x.close();
            x.close();
            x.close();
        } else {
            x.open("Indicator", &[]);
            x.leaf(
                "IndicatorID",
                &[("name", "cert.example"), ("version", "1")],
                &format!("ind-{k}"),
            );
            x.leaf(
                "Confidence",
                &[("rating", rng.pick(&["low", "medium", "high"]))],
                &format!("0.{}", rng.range(1, 9)),
            );
            x.open("Observable", &[]);
            let id = ids.next("obs");
            if rng.chance(50) {
                x.leaf(
                    "Address",
                    &[("category", "ipv4-addr"), ("observable-id", &id)],
                    &rng.ipv4(),
                );
            } else {
                x.open(
                    "DomainData",
                    &[
                        ("system-status", "fraudulent"),
                        ("domain-status", "assignedAndActive"),
                        ("observable-id", &id),
                    ],
                );
                x.leaf("Name", &[], &rng.domain());
                x.close();
            }
            x.close();
            x.empty("NodeRole", &[("category", "c2-server")]);
            x.close();
        }
        k += 1;
    }
    x.finish()
}
