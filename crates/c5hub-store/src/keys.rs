//! Maps and sets keyed by the database's own integer keys (incident and
//! observable ids), for the reads that meet hundreds of them per request.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes an integer key with a multiplication (FxHash's, as in rustc),
/// its well-mixed high bits rotated down to where the table's bucket
/// index is taken. The standard hasher (SipHash) resists keys chosen to
/// collide; these keys are assigned by the database, not chosen by anyone
/// sending data, and SipHash cost a twelfth of a domain lookup.
#[derive(Clone, Copy, Default)]
pub(crate) struct KeyHasher(u64);

impl KeyHasher {
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.add(u64::from(*b));
        }
    }

    fn write_i64(&mut self, k: i64) {
        self.add(k as u64);
    }

    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

/// A map from database keys.
pub(crate) type KeyMap<V> = HashMap<i64, V, BuildHasherDefault<KeyHasher>>;

/// A set of database keys.
pub(crate) type KeySet = HashSet<i64, BuildHasherDefault<KeyHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Consecutive keys, and keys sharing their low bits (every 1024th
    /// id), land in different buckets of a small table.
    #[test]
    fn spreads_keys_over_buckets() {
        for keys in [
            (0..64).map(|i| i * 1024).collect::<Vec<i64>>(),
            (0..64).collect(),
        ] {
            let buckets: HashSet<u64> = keys
                .iter()
                .map(|k| {
                    let mut h = KeyHasher::default();
                    h.write_i64(*k);
                    h.finish() & 127
                })
                .collect();
            assert!(buckets.len() > 40, "{} buckets of 128", buckets.len());
        }
        let mut m: KeyMap<i64> = KeyMap::default();
        for k in -5..5 {
            m.insert(k, k * 2);
        }
        assert_eq!(m.get(&-3), Some(&-6));
        assert_eq!(m.len(), 10);
    }
}
