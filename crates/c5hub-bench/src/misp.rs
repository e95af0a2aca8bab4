//! MISP events for `c5hub bench misp` and `tools/bench-misp.py`: both read
//! the same file, so c5hub's import and PyMISP's `MISPEvent().load` are
//! timed on the same events. Each event looks like a MISP export: Orgc,
//! tags (a TLP, an RSIT class), attributes of the types c5hub normalises
//! and some it keeps verbatim, a file object, a galaxy cluster.

use crate::Rng;

const TLPS: [&str; 4] = ["tlp:clear", "tlp:green", "tlp:amber", "tlp:red"];

/// `n` events, `attributes` attributes each, as a MISP REST answer
/// (`{"response": [{"Event": ...}, ...]}`), one event per line.
pub fn events(n: usize, attributes: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let uuid = |rng: &mut Rng| {
        let a = rng.next();
        let b = rng.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    };
    let mut out = String::from("{\"response\": [\n");
    for i in 0..n {
        let ev = uuid(&mut rng);
        let ts = 1_790_000_000 + i as u64 * 60;
        let mut attrs = Vec::with_capacity(attributes);
        for j in 0..attributes {
            let r = rng.below(1 << 24);
            let (ty, cat, value) = match j % 8 {
                0 => (
                    "ip-src",
                    "Network activity",
                    format!("45.{}.{}.{}", r >> 16 & 255, r >> 8 & 255, r & 255),
                ),
                1 => (
                    "ip-dst|port",
                    "Network activity",
                    format!("198.51.{}.{}|{}", r >> 8 & 255, r & 255, 1024 + r % 60000),
                ),
                2 => (
                    "domain",
                    "Network activity",
                    format!("host{r}.bench-{}.example", r % 97),
                ),
                3 => (
                    "url",
                    "Network activity",
                    format!("http://dl{r}.bench.example/p/{}", r % 1000),
                ),
                4 => (
                    "sha256",
                    "Payload delivery",
                    format!(
                        "{:016x}{:016x}{:016x}{:016x}",
                        r,
                        r ^ 0xabcdef,
                        r * 31,
                        r * 131
                    ),
                ),
                5 => (
                    "email-src",
                    "Payload delivery",
                    format!("sender{r}@mail-{}.example", r % 53),
                ),
                6 => (
                    "filename|md5",
                    "Payload delivery",
                    format!("invoice{r}.exe|{:016x}{:016x}", r * 7, r * 11),
                ),
                _ => ("text", "Other", format!("campaign note {r}")),
            };
            attrs.push(format!(
                r##"{{"uuid":"{}","type":"{ty}","category":"{cat}","to_ids":true,"distribution":"5","sharing_group_id":"0","timestamp":"{ts}","comment":"","deleted":false,"value":"{value}"}}"##,
                uuid(&mut rng)
            ));
        }
        let obj = format!(
            r##"{{"uuid":"{}","name":"file","meta-category":"file","template_uuid":"688c46fb-5edb-40a3-8273-1af7923e2215","template_version":"24","distribution":"5","sharing_group_id":"0","timestamp":"{ts}","deleted":false,"Attribute":[{{"uuid":"{}","type":"filename","category":"Payload delivery","object_relation":"filename","to_ids":false,"distribution":"5","timestamp":"{ts}","value":"sample{i}.bin"}},{{"uuid":"{}","type":"sha1","category":"Payload delivery","object_relation":"sha1","to_ids":true,"distribution":"5","timestamp":"{ts}","value":"{:040x}"}}]}}"##,
            uuid(&mut rng),
            uuid(&mut rng),
            uuid(&mut rng),
            u128::from(rng.below(u64::MAX)) << 32 | 0xfeed
        );
        let tlp = TLPS[rng.below(TLPS.len() as u64) as usize];
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&format!(
            r##"{{"Event":{{"uuid":"{ev}","info":"Generated event {i}: phishing infrastructure","date":"2026-10-{:02}","threat_level_id":"2","analysis":"1","published":true,"timestamp":"{ts}","distribution":"1","sharing_group_id":"0","Orgc":{{"name":"Bench CERT","uuid":"55f6ea5e-2c60-40e5-964f-47a8950d210f"}},"Tag":[{{"name":"{tlp}","colour":"#ffc000"}},{{"name":"rsit:fraud=\"phishing\"","colour":"#0088cc"}}],"Galaxy":[{{"uuid":"d752161c-78f6-11e7-a0ea-bfa79b407ce4","name":"Attack Pattern","type":"mitre-attack-pattern","GalaxyCluster":[{{"uuid":"2b742742-28c3-4e1b-bab7-8350d6300fa7","value":"Spearphishing Link - T1566.002","tag_name":"misp-galaxy:mitre-attack-pattern=\"Spearphishing Link - T1566.002\""}}]}}],"Attribute":[{}],"Object":[{obj}]}}}}"##,
            1 + i % 28,
            attrs.join(",")
        ));
    }
    out.push_str("\n]}\n");
    out
}
