//! Identifiers: deterministic SCO ids (STIX 2.1 §2.9), c5hub's own stable
//! ids for the objects it writes, and the fixed ids of the TLP marking
//! definitions.

use c5hub_model::Tlp;
use serde_json::{Map, Value};
use uuid::Uuid;

/// The namespace of deterministic SCO ids (STIX 2.1 §2.9).
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// c5hub's namespace for the ids of the objects it writes from the model
/// (incidents, identities, indicators, relationships): a UUIDv5 of the
/// DNS name `c5hub.invalid` in the URL namespace, so that the same incident
/// always gets the same ids.
pub fn c5hub_namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://c5hub.invalid/stix")
}

/// `type--uuid`, the UUID a v5 of `name` in c5hub's namespace.
pub fn c5hub_id(type_: &str, name: &str) -> String {
    format!(
        "{type_}--{}",
        Uuid::new_v5(&c5hub_namespace(), name.as_bytes())
    )
}

/// The ID contributing properties of each SCO type the specification
/// defines (§6), and of c5hub's custom SCOs (`value`). `None`: not a type
/// with a deterministic id (`process`, or a type c5hub does not know).
pub fn id_contributing_properties(type_: &str) -> Option<&'static [&'static str]> {
    Some(match type_ {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        // OpenCTI's phone numbers and IMEIs, and c5hub's own types.
        "phone-number" | "imei" => &["value"],
        t if t.starts_with("x-c5hub-") => &["value"],
        _ => return None,
    })
}

/// The deterministic id of an SCO (`type--uuid`) from its properties, or
/// `None` when its type has none or none of its ID contributing properties
/// is present.
///
/// Of `hashes`, one is used, the first present of MD5, SHA-1, SHA-256,
/// SHA-512, else the first written: as the OASIS `stix2` library chooses,
/// so that ids agree with it.
pub fn sco_id(obj: &Map<String, Value>) -> Option<String> {
    let type_ = obj.get("type")?.as_str()?;
    let props = id_contributing_properties(type_)?;
    let mut contributing = Map::new();
    for p in props {
        let Some(v) = obj.get(*p) else { continue };
        let v = if *p == "hashes" {
            let h = v.as_object()?;
            let key = ["MD5", "SHA-1", "SHA-256", "SHA-512"]
                .into_iter()
                .find(|k| h.contains_key(*k))
                .or_else(|| h.keys().next().map(String::as_str))?;
            let mut one = Map::new();
            one.insert(key.to_owned(), h[key].clone());
            Value::Object(one)
        } else {
            v.clone()
        };
        contributing.insert((*p).to_owned(), v);
    }
    if contributing.is_empty() {
        return None;
    }
    let text = canonical_json(&Value::Object(contributing));
    Some(format!(
        "{type_}--{}",
        Uuid::new_v5(&SCO_NAMESPACE, text.as_bytes())
    ))
}

/// JSON canonicalised as RFC 8785 (JCS) says, which STIX 2.1 §2.9 asks
/// for: members sorted by their names' UTF-16 code units, no white space,
/// strings with the fewest escapes (serde_json writes them so).
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The TLP 2.0 marking definitions (the OASIS TLP 2.0 extension,
/// `extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`).
pub fn tlp2_marking_id(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
}

/// The extension TLP 2.0 marking definitions are written with.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The TLP 1.0 marking definitions STIX 2.1 predefines (§7.2.1.4), with the
/// TLP 2.0 label each is read as (WHITE is CLEAR).
pub const TLP1_MARKINGS: [(&str, Tlp); 4] = [
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Tlp::Red,
    ),
];

/// The TLP a marking definition id stands for (TLP 1.0 or 2.0).
pub fn tlp_of_marking(id: &str) -> Option<Tlp> {
    if let Some((_, t)) = TLP1_MARKINGS.iter().find(|(m, _)| *m == id) {
        return Some(*t);
    }
    Tlp::ALL.into_iter().find(|t| tlp2_marking_id(*t) == id)
}

/// The TLP 2.0 marking definition object for `tlp`, as OASIS publishes it.
pub fn tlp2_marking(tlp: Tlp) -> Value {
    serde_json::json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp2_marking_id(tlp),
        "created": "2022-10-01T00:00:00.000Z",
        "name": tlp.as_str(),
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.name(),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().expect("object").clone()
    }

    /// Ids the OASIS `stix2` library computes for the same objects
    /// (stix2 3.0, `stix2.IPv4Address(value=...).id` and so on).
    #[test]
    fn ids_agree_with_the_stix2_library() {
        let cases = [
            (
                serde_json::json!({"type": "ipv4-addr", "value": "198.51.100.3"}),
                "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
            ),
            (
                serde_json::json!({"type": "file", "hashes": {"SHA-256": "aa".repeat(32)}}),
                "file--75cb38d5-2055-5354-b75a-8299a2d670b5",
            ),
            (
                serde_json::json!({"type": "autonomous-system", "number": 64496}),
                "autonomous-system--9ad79ee3-2fde-5015-b0cc-7a96404effca",
            ),
            (
                serde_json::json!({"type": "domain-name", "value": "example.com"}),
                "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
            ),
            (
                // MD5 is chosen over SHA-256 whatever the order.
                serde_json::json!({"type": "file", "name": "x.exe",
                    "hashes": {"SHA-256": "aa".repeat(32), "MD5": "bb".repeat(16)}}),
                "file--4915fc0e-b154-5cb1-b338-70da92bbc85c",
            ),
            (
                serde_json::json!({"type": "url", "value": "http://ex.example/ä"}),
                "url--f593a497-b502-5552-81d7-a54cc2df68d5",
            ),
        ];
        for (o, want) in cases {
            assert_eq!(sco_id(&obj(o.clone())).as_deref(), Some(want), "{o}");
        }
    }

    #[test]
    fn canonical_json_sorts_and_escapes_minimally() {
        let v = serde_json::json!({"b": [1, "x\n\"é"], "a": {"d": null, "c": true}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":true,"d":null},"b":[1,"x\n\"é"]}"#
        );
    }

    #[test]
    fn no_id_without_contributing_properties() {
        assert_eq!(
            sco_id(&obj(serde_json::json!({"type": "process", "pid": 1}))),
            None
        );
        assert_eq!(sco_id(&obj(serde_json::json!({"type": "ipv4-addr"}))), None);
    }

    #[test]
    fn every_tlp_marking_maps_back() {
        for t in Tlp::ALL {
            assert_eq!(tlp_of_marking(tlp2_marking_id(t)), Some(t));
        }
        assert_eq!(
            tlp_of_marking("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear)
        );
        assert_eq!(tlp_of_marking("marking-definition--x"), None);
    }
}
