//! `observables` and `for_observable`: every observable kind's pattern maps
//! back to the same observable, and the observables of real patterns are
//! the ones an analyst reads in them.

use c5hub_model::{Observable, ObservableKind};
use c5hub_stix::pattern::{for_observable, observables, parse};

/// One canonical example of every kind, through the model's own parser.
fn example(kind: ObservableKind) -> Observable {
    let raw = match kind {
        ObservableKind::Ipv4 => "198.51.100.7",
        ObservableKind::Ipv6 => "2001:db8::7",
        ObservableKind::Cidr => "198.51.100.0/24",
        ObservableKind::Domain => "evil.example",
        ObservableKind::Url => "http://evil.example/it's/a\\path",
        ObservableKind::Email => "o'brien@evil.example",
        ObservableKind::Md5 => "d41d8cd98f00b204e9800998ecf8427e",
        ObservableKind::Sha1 => "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        ObservableKind::Sha256 => {
            "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"
        }
        ObservableKind::Sha512 => {
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        }
        ObservableKind::Ssdeep => "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C",
        ObservableKind::Tlsh => {
            "T1A0E0C5C1A2E0C1C0C9C5C0C5C1A2E0C1C0C9C5C0C5C1A2E0C1C0C9C5C0C5C1A2E0C1C0"
        }
        ObservableKind::PhoneNumber => "+442079460958",
        ObservableKind::SenderId => "PayPal",
        ObservableKind::Imei => "490154203237518",
        ObservableKind::Asn => "AS64496",
        ObservableKind::Mac => "00:00:5e:00:53:01",
        ObservableKind::Cve => "CVE-2021-44228",
    };
    Observable::parse(kind, raw).unwrap_or_else(|e| panic!("{kind}: {e}"))
}

#[test]
fn every_kind_round_trips_through_its_pattern() {
    let mut extra =
        vec![Observable::parse(ObservableKind::Cidr, "2001:db8::/32").expect("a v6 prefix")];
    extra.extend(ObservableKind::ALL.into_iter().map(example));
    for o in extra {
        let text = for_observable(&o).unwrap_or_else(|| panic!("{}: no pattern", o.kind()));
        let pattern = parse(&text).unwrap_or_else(|e| panic!("{}: {text}: {e}", o.kind()));
        assert_eq!(observables(&pattern), vec![o.clone()], "{text}");
    }
}

#[test]
fn patterns_c5hub_writes_look_as_other_tools_write_them() {
    let write = |kind, raw| {
        for_observable(&Observable::parse(kind, raw).expect("valid")).expect("a pattern")
    };
    assert_eq!(
        write(ObservableKind::Ipv4, "198.51.100.7"),
        "[ipv4-addr:value = '198.51.100.7']"
    );
    assert_eq!(
        write(ObservableKind::Cidr, "2001:db8::/32"),
        "[ipv6-addr:value = '2001:db8::/32']"
    );
    assert_eq!(
        write(
            ObservableKind::Sha256,
            "EF537F25C895BFA782526529A9B63D97AA631564D5D789C2B765448C8635FB6C"
        ),
        "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']"
    );
    assert_eq!(
        write(ObservableKind::Md5, "d41d8cd98f00b204e9800998ecf8427e"),
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"
    );
    assert_eq!(
        write(ObservableKind::Asn, "AS64496"),
        "[autonomous-system:number = 64496]"
    );
    assert_eq!(
        write(ObservableKind::PhoneNumber, "+442079460958"),
        "[phone-number:value = '+442079460958']"
    );
    assert_eq!(
        write(ObservableKind::Email, "o'brien@evil.example"),
        "[email-addr:value = 'o\\'brien@evil.example']"
    );
}

#[test]
fn an_observable_stix_cannot_carry_has_no_pattern() {
    // The model takes ssdeep digests up to 160 characters, the OASIS
    // validator only up to 128.
    let long = format!("3:{}:{}", "a".repeat(100), "b".repeat(40));
    let o = Observable::parse(ObservableKind::Ssdeep, &long).expect("the model takes it");
    assert_eq!(for_observable(&o), None);
}

fn values(pattern: &str) -> Vec<String> {
    let p = parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    observables(&p)
        .into_iter()
        .map(|o| format!("{}:{}", o.kind(), o.value()))
        .collect()
}

#[test]
fn observables_are_found_inside_and_or_and_every_observation() {
    assert_eq!(
        values(
            "[domain-name:value = 'www.webserver.dynssl.com' OR ipv4-addr:value = '113.10.246.30'] AND [url:value = 'HTTP://Evil.Example/x'] FOLLOWEDBY ([email-message:from_ref.value = 'a@evil.example' AND email-message:sender_ref.value = 'b@evil.example'] WITHIN 5 SECONDS)"
        ),
        [
            "domain:www.webserver.dynssl.com",
            "ipv4:113.10.246.30",
            "url:http://evil.example/x",
            "email:a@evil.example",
            "email:b@evil.example",
        ]
    );
}

#[test]
fn cidr_literals_set_members_and_hash_spellings_map() {
    assert_eq!(
        values("[ipv4-addr:value = '223.166.0.0/15']"),
        ["cidr:223.166.0.0/15"]
    );
    assert_eq!(
        values("[ipv4-addr:value = '10.0.0.1/32']"),
        ["ipv4:10.0.0.1"]
    );
    assert_eq!(
        values("[ipv4-addr:value IN ('192.0.2.1', '192.0.2.2')]"),
        ["ipv4:192.0.2.1", "ipv4:192.0.2.2"]
    );
    assert_eq!(
        values(
            "[file:hashes.md5 = '001DD76872D80801692FF942308C64E6' OR file:hashes.sha256 = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']"
        ),
        [
            "md5:001dd76872d80801692ff942308c64e6",
            "sha256:ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"
        ]
    );
    assert_eq!(
        values("[x-c5hub-phone-number:value = '+44 20 7946 0958']"),
        ["phone-number:+442079460958"]
    );
}

#[test]
fn everything_else_is_skipped_not_an_error() {
    // Negations, other operators, other paths, values the model refuses,
    // a v6 value under ipv4-addr, the same observable twice.
    assert!(
        values("[ipv4-addr:value != '192.0.2.1' AND ipv4-addr:value NOT = '192.0.2.2']").is_empty()
    );
    assert!(
        values("[ipv4-addr:value ISSUBSET '192.0.2.0/24' OR domain-name:value LIKE '%.example']")
            .is_empty()
    );
    assert!(
        values("[file:name = 'CBricksDoc' OR x509-certificate:issuer = 'CN=WEBMAIL']").is_empty()
    );
    assert!(
        values("[ipv4-addr:value = 'not an address' OR autonomous-system:number = -1]").is_empty()
    );
    assert!(values("[ipv4-addr:value = '2001:db8::1']").is_empty());
    assert!(values("[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:parent_directory_ref.hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']").len() == 1);
    assert_eq!(
        values("[domain-name:value = 'a.example'] OR [domain-name:value = 'A.example.']"),
        ["domain:a.example"]
    );
}

#[test]
fn the_oasis_examples_yield_their_indicators() {
    assert_eq!(values("[ipv4-addr:value = '10.0.0.0']"), ["ipv4:10.0.0.0"]);
    assert_eq!(
        values("[domain-name:value = 'hugesoft.org']"),
        ["domain:hugesoft.org"]
    );
    assert_eq!(
        values(
            "[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']"
        ),
        ["sha256:ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"]
    );
}
