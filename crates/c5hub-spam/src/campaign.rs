//! Campaigns: near-duplicate spam across all operators' reports.
//!
//! Each message becomes a MinHash signature (64 minima) over its character
//! 5-shingles of the normalised text with digits folded to `0`, so a
//! campaign that changes an amount, a tracking number or a homoglyph still
//! matches. Locality-sensitive hashing (16 bands of 4 rows) finds candidate
//! campaigns; a message joins the first candidate whose representative's
//! estimated Jaccard similarity reaches the threshold, or starts a new
//! campaign.
//!
//! A campaign's fingerprint is its representative's 16 band hashes: a
//! partner that receives it can test its own messages against it (one
//! shared band is a candidate) without ever seeing the text.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::text;

/// Hash functions in a signature.
pub const SIGNATURE_LEN: usize = 64;
/// LSH bands.
pub const BANDS: usize = 16;
const ROWS: usize = SIGNATURE_LEN / BANDS;
/// Characters per shingle.
pub const SHINGLE: usize = 5;

/// A MinHash signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature(pub [u32; SIGNATURE_LEN]);

#[inline]
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

impl Signature {
    /// The signature of a message text.
    pub fn of(message: &str) -> Signature {
        let mut norm = String::new();
        text::normalize(message, &mut norm);
        let chars: Vec<char> = norm
            .chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect();
        let mut mins = [u32::MAX; SIGNATURE_LEN];
        let mut add = |shingle: &[char]| {
            let base = shingle.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &c| {
                (h ^ c as u64).wrapping_mul(0x100_0000_01B3)
            });
            for (i, m) in mins.iter_mut().enumerate() {
                let h = fmix(base ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) as u32;
                if h < *m {
                    *m = h;
                }
            }
        };
        if chars.len() <= SHINGLE {
            add(&chars);
        } else {
            chars.windows(SHINGLE).for_each(&mut add);
        }
        Signature(mins)
    }

    /// Estimated Jaccard similarity of the two shingle sets.
    pub fn similarity(&self, other: &Signature) -> f32 {
        let same = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        same as f32 / SIGNATURE_LEN as f32
    }

    /// The LSH band hashes.
    pub fn bands(&self) -> [u64; BANDS] {
        let mut out = [0u64; BANDS];
        for (b, o) in out.iter_mut().enumerate() {
            let h = self.0[b * ROWS..(b + 1) * ROWS]
                .iter()
                .fold(b as u64, |h, &v| {
                    fmix(h ^ u64::from(v)).wrapping_add(0x9E37_79B9)
                });
            *o = h;
        }
        out
    }

    /// The shareable fingerprint: `mh64b16:` and the 16 band hashes in hex.
    pub fn fingerprint(&self) -> String {
        let mut s = String::from("mh64b16:");
        for b in self.bands() {
            s.push_str(&format!("{b:016x}"));
        }
        s
    }
}

/// Whether a message's signature shares a band with a fingerprint (a
/// partner's campaign).
pub fn matches_fingerprint(sig: &Signature, fingerprint: &str) -> bool {
    let Some(hex) = fingerprint.strip_prefix("mh64b16:") else {
        return false;
    };
    if hex.len() != BANDS * 16 {
        return false;
    }
    let bands = sig.bands();
    (0..BANDS).any(|b| {
        hex.get(b * 16..(b + 1) * 16)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            == Some(bands[b])
    })
}

/// One campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    /// Sequential id within this clustering.
    pub id: u32,
    /// The representative's fingerprint.
    pub fingerprint: String,
    /// The first message's text.
    pub sample: String,
    /// First seen.
    pub first_seen: DateTime<Utc>,
    /// Last seen.
    pub last_seen: DateTime<Utc>,
    /// Messages.
    pub volume: u64,
    /// Operators that reported it.
    pub operators: BTreeSet<String>,
    /// Senders (normalised values).
    pub senders: BTreeSet<String>,
    /// URLs (normalised).
    pub urls: BTreeSet<String>,
    signature: Signature,
}

/// What a clustered message brings to its campaign.
#[derive(Clone, Copy, Debug)]
pub struct Sighting<'a> {
    /// The text.
    pub text: &'a str,
    /// When it was seen.
    pub at: DateTime<Utc>,
    /// The reporting operator.
    pub operator: &'a str,
    /// The normalised sender.
    pub sender: Option<&'a str>,
    /// Normalised URLs.
    pub urls: &'a [String],
}

/// Incremental clustering of messages into campaigns.
#[derive(Debug)]
pub struct Campaigns {
    threshold: f32,
    campaigns: Vec<Campaign>,
    index: HashMap<(usize, u64), Vec<u32>>,
}

impl Campaigns {
    /// A clustering where a message joins a campaign at an estimated
    /// Jaccard similarity of at least `threshold` (0.5 is a good start).
    pub fn new(threshold: f32) -> Campaigns {
        Campaigns {
            threshold: threshold.clamp(0.0, 1.0),
            campaigns: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Adds a message; returns its campaign's id.
    pub fn add(&mut self, s: &Sighting<'_>) -> u32 {
        let sig = Signature::of(s.text);
        let bands = sig.bands();
        let mut best: Option<(f32, u32)> = None;
        for (b, h) in bands.iter().enumerate() {
            if let Some(ids) = self.index.get(&(b, *h)) {
                for &id in ids {
                    let sim = self.campaigns[id as usize].signature.similarity(&sig);
                    if sim >= self.threshold
                        && best.is_none_or(|(bs, bid)| sim > bs || (sim == bs && id < bid))
                    {
                        best = Some((sim, id));
                    }
                }
            }
        }
        let id = match best {
            Some((_, id)) => id,
            None => {
                let id = self.campaigns.len() as u32;
                for (b, h) in bands.iter().enumerate() {
                    self.index.entry((b, *h)).or_default().push(id);
                }
                self.campaigns.push(Campaign {
                    id,
                    fingerprint: sig.fingerprint(),
                    sample: s.text.chars().take(320).collect(),
                    first_seen: s.at,
                    last_seen: s.at,
                    volume: 0,
                    operators: BTreeSet::new(),
                    senders: BTreeSet::new(),
                    urls: BTreeSet::new(),
                    signature: sig,
                });
                id
            }
        };
        let c = &mut self.campaigns[id as usize];
        c.volume += 1;
        c.first_seen = c.first_seen.min(s.at);
        c.last_seen = c.last_seen.max(s.at);
        c.operators.insert(s.operator.to_owned());
        if let Some(x) = s.sender {
            c.senders.insert(x.to_owned());
        }
        c.urls.extend(s.urls.iter().cloned());
        id
    }

    /// The campaigns, in order of creation.
    pub fn campaigns(&self) -> &[Campaign] {
        &self.campaigns
    }

    /// One campaign.
    pub fn get(&self, id: u32) -> Option<&Campaign> {
        self.campaigns.get(id as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(1_714_550_400 + i64::from(h) * 3600, 0).expect("valid")
    }

    #[test]
    fn variants_cluster_and_unrelated_messages_do_not() {
        let mut c = Campaigns::new(0.5);
        let msgs = [
            (
                "Your parcel is held. Pay the 1.99 GBP fee at https://dhl-fee.top/pay now",
                "op-a",
            ),
            (
                "Your parcel is held. Pay the 2.49 GBP fee at https://dhl-fee.top/pay today",
                "op-b",
            ),
            (
                "Yоur pаrcel is held. Pay the 3.99 GBP fee at https://dhl-fee.top/pay now",
                "op-c",
            ),
            (
                "Congratulations! You won a £1000 Tesco voucher, claim at tesco-win.example",
                "op-a",
            ),
            ("are we still meeting for lunch tomorrow?", "op-b"),
        ];
        let ids: Vec<u32> = msgs
            .iter()
            .enumerate()
            .map(|(i, (text, op))| {
                c.add(&Sighting {
                    text,
                    at: t(i as u32),
                    operator: op,
                    sender: Some("+447911123456"),
                    urls: &[],
                })
            })
            .collect();
        assert_eq!(ids, [0, 0, 0, 1, 2]);
        let first = c.get(0).expect("exists");
        assert_eq!(first.volume, 3);
        assert_eq!(first.operators.len(), 3);
        assert_eq!((first.first_seen, first.last_seen), (t(0), t(2)));
    }

    #[test]
    fn fingerprints_match_near_duplicates_only() {
        let a = Signature::of(
            "Your parcel is held. Pay the 1.99 GBP fee at https://dhl-fee.top/pay now",
        );
        let b = Signature::of(
            "Your parcel is held. Pay the 2.49 GBP fee at https://dhl-fee.top/pay today",
        );
        let other = Signature::of("see you at the cinema at eight, bring popcorn");
        let fp = a.fingerprint();
        assert_eq!(fp.len(), 8 + 16 * 16);
        assert!(matches_fingerprint(&b, &fp));
        assert!(!matches_fingerprint(&other, &fp));
        assert!(!matches_fingerprint(&a, "mh64b16:zz"));
        assert!(a.similarity(&b) > 0.5 && a.similarity(&other) < 0.2);
    }
}
