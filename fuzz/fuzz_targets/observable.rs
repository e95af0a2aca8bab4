//! Any text through observable recognition and normalisation: never a
//! panic, a normalised value parses again to itself, and a URL's host as
//! correlation reads it from the stored text is the one the URL parser
//! finds.
#![no_main]

use c5hub_model::{Observable, ObservableKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(o) = Observable::guess(text) {
        let again = Observable::parse(o.kind(), o.value()).expect("a normalised value parses again");
        assert_eq!(again, o);
        if o.kind() == ObservableKind::Url {
            let url = url::Url::parse(o.value()).expect("a stored URL parses");
            let ip = match url.host() {
                Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
                Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
                _ => None,
            };
            assert_eq!(o.ip_addr(), ip, "{}", o.value());
            assert_eq!(o.domain_part(), url.domain().and(url.host_str()), "{}", o.value());
        }
    }
    for kind in ObservableKind::ALL {
        let _ = Observable::parse(kind, text);
    }
    let _ = Observable::parse_phone(text, Some("GB"));
});
