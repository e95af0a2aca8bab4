//! Synthetic data for the benchmarks recorded in BENCHMARKS.md: the
//! feed-like incidents `c5hub bench store` ingests and the lookups it
//! times. Kept out of the binary's command code, which only measures and
//! prints; the same seed gives the same data on every machine (rand_chacha
//! keeps the ChaCha8 stream value-stable across its patch releases).

use c5hub_model::{
    DocumentFormat, GlobalId, Incident, Observable, ObservableRole, OriginalDocument, RsitClass,
    Tlp,
};
pub mod misp;

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// A seeded generator.
struct Rng(ChaCha8Rng);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    /// The next 64 random bits.
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..n`; the modulo bias is irrelevant here.
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n.max(1)
    }
}

/// Feed-like incidents: one source address each (a third of them seen
/// before), a domain in half, a URL in a fifth, a /24 now and then.
pub struct Generator {
    rng: Rng,
    seen_ips: Vec<u32>,
    n: u64,
}

const CLASSES: [(&str, &str); 6] = [
    ("malicious-code", "infected-system"),
    ("fraud", "phishing"),
    ("information-gathering", "scanner"),
    ("abusive-content", "spam"),
    ("availability", "ddos"),
    ("intrusion-attempts", "brute-force"),
];

impl Generator {
    /// A generator of its own stream.
    pub fn new(seed: u64) -> Generator {
        Generator {
            rng: Rng::new(seed),
            seen_ips: Vec::new(),
            n: 0,
        }
    }

    fn ip(&mut self) -> u32 {
        if !self.seen_ips.is_empty() && self.rng.below(3) == 0 {
            return self.seen_ips[self.rng.below(self.seen_ips.len() as u64) as usize];
        }
        // Public-looking space: 64 /16s in 45.0.0.0/8 .. 223.0.0.0/8.
        let hi = 45 + (self.rng.below(64) as u32 * 3) % 178;
        let ip =
            (hi << 24) | ((self.rng.below(256) as u32) << 16) | (self.rng.below(65_536) as u32);
        if self.seen_ips.len() < 1_000_000 {
            self.seen_ips.push(ip);
        }
        ip
    }

    /// The next incident, as a CSV feed row would give it (the row is its
    /// original document).
    pub fn incident(&mut self) -> Incident {
        self.n += 1;
        let id = GlobalId::new("bench-feed.example", &format!("row-{}", self.n)).expect("valid id");
        let mut m = Incident::new(id, Tlp::Green);
        let (c, t) = CLASSES[self.rng.below(CLASSES.len() as u64) as usize];
        m.classification = RsitClass::lookup(c, t).or_else(|| RsitClass::lookup("other", "other"));
        let ip = self.ip();
        let ip_text = std::net::Ipv4Addr::from(ip).to_string();
        let mut row = format!("{ip_text},{c},{t},row {}", self.n);
        if let Ok(o) = Observable::parse_ip(&ip_text) {
            m.add_observable(o, ObservableRole::Source);
        }
        let r = self.rng.below(100);
        if r < 50 {
            let d = format!(
                "host{}.d{}.bench.test",
                self.rng.below(50_000),
                self.rng.below(5_000)
            );
            row.push(',');
            row.push_str(&d);
            if let Ok(o) = Observable::guess(&d) {
                m.add_observable(o, ObservableRole::Indicator);
            }
        }
        if r < 20 {
            let u = format!(
                "http://d{}.bench.test/login/{}",
                self.rng.below(5_000),
                self.rng.below(1_000_000)
            );
            row.push(',');
            row.push_str(&u);
            if let Ok(o) = Observable::guess(&u) {
                m.add_observable(o, ObservableRole::Url);
            }
        }
        if r == 99 {
            let net = format!("{}/24", std::net::Ipv4Addr::from(ip & 0xFFFF_FF00));
            if let Ok(o) = Observable::guess(&net) {
                m.add_observable(o, ObservableRole::Source);
            }
        }
        m.original = Some(OriginalDocument::new(DocumentFormat::Csv, row.into_bytes()));
        m
    }

    /// The lookups to time after the ingest, from a stream of their own
    /// (`seed`): a third addresses stored, a third addresses next to them
    /// (inside stored prefixes or elsewhere), a third domains and misses.
    pub fn lookups(&self, seed: u64) -> Lookups<'_> {
        Lookups {
            rng: Rng::new(seed),
            seen_ips: &self.seen_ips,
            i: 0,
        }
    }
}

/// The lookup queries of [`Generator::lookups`], without end.
pub struct Lookups<'a> {
    rng: Rng,
    seen_ips: &'a [u32],
    i: u64,
}

impl Iterator for Lookups<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let i = self.i;
        self.i += 1;
        let n = self.seen_ips.len() as u64;
        Some(match i % 3 {
            0 if n > 0 => {
                std::net::Ipv4Addr::from(self.seen_ips[self.rng.below(n) as usize]).to_string()
            }
            1 if n > 0 => {
                std::net::Ipv4Addr::from(self.seen_ips[self.rng.below(n) as usize] ^ 0x7F)
                    .to_string()
            }
            _ => format!("d{}.bench.test", self.rng.below(10_000)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same seed gives the same incidents and lookups; another seed
    /// others. `c5hub bench store --existing` regenerates the values of an
    /// earlier run and relies on this.
    #[test]
    fn seeded_and_repeatable() {
        let run = |seed| {
            let mut g = Generator::new(seed);
            let ids: Vec<String> = (0..200)
                .map(|_| {
                    let m = g.incident();
                    let o = m.original.as_ref().expect("original").bytes.clone();
                    String::from_utf8(o).expect("utf-8")
                })
                .collect();
            let q: Vec<String> = g.lookups(seed ^ 0xABCD).take(30).collect();
            (ids, q)
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let (rows, queries) = run(7);
        // A third of the addresses repeat one seen before.
        let ips: std::collections::HashSet<&str> =
            rows.iter().filter_map(|r| r.split(',').next()).collect();
        assert!(
            ips.len() < rows.len() && ips.len() > rows.len() / 2,
            "{}",
            ips.len()
        );
        assert!(queries.iter().any(|q| q.ends_with(".bench.test")));
    }
}
