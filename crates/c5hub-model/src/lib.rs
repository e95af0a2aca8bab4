//! The c5hub domain model: what the hub stores and shares.
//!
//! - [`observable`]: normalized observables (IP addresses, prefixes, domains,
//!   URLs, emails, hashes, phone numbers, SMS sender ids, ...).
//! - [`tlp`]: the Traffic Light Protocol 2.0 labels that say who may read
//!   what.
//! - [`taxonomy`]: the ENISA Reference Security Incident Taxonomy (RSIT).
//! - [`incident`]: the normalized incident, with its observables, contacts
//!   and the original submitted document.
//! - [`account`]: member organisation types and the roles of users and
//!   tokens, with what each role may do.
//! - [`error`]: the error for text that cannot become a model value.
//!
//! Invariants: this crate does no I/O and knows no wire format. It has no
//! serialization derives; IODEF, MISP, STIX, CSV and REST crates convert to
//! and from these types by hand, so a change of format never changes the
//! model by accident. Nothing here panics on input: parsers return
//! [`Error`], incident validation returns every violation at once.
//!
//! ```
//! use c5hub_model::{Observable, ObservableKind, RsitClass, Tlp};
//!
//! let url = Observable::guess("hxxp://BÜCHER[.]example/login#top")?;
//! assert_eq!(url.kind(), ObservableKind::Url);
//! assert_eq!(url.value(), "http://xn--bcher-kva.example/login");
//! assert_eq!(url.domain_part(), Some("xn--bcher-kva.example"));
//! assert_eq!(url.to_unicode(), "http://bücher.example/login");
//!
//! let net = Observable::parse(ObservableKind::Cidr, "10.1.2.3/8")?;
//! assert_eq!(net.value(), "10.0.0.0/8");
//!
//! let phone = Observable::parse_phone("020 7946 0958", Some("GB"))?;
//! assert_eq!(phone.value(), "+442079460958");
//!
//! let tlp: Tlp = "amber+strict".parse()?;
//! assert_eq!(tlp.as_str(), "TLP:AMBER+STRICT");
//!
//! let class: RsitClass = r#"rsit:fraud="phishing""#.parse()?;
//! assert_eq!(class.to_string(), "fraud/phishing");
//! # Ok::<(), c5hub_model::Error>(())
//! ```

pub mod access;
pub mod account;
pub mod error;
pub mod incident;
pub mod observable;
pub mod provenance;
pub mod taxonomy;
pub mod tlp;

pub use access::{Audience, Viewer};
pub use account::{OrgKind, Role};
pub use error::{Error, ErrorKind, Subject};
pub use incident::{
    Contact, DocumentFormat, GlobalId, Incident, IncidentObservable, IncidentStatus, IncidentTimes,
    ObservableRole, OriginalDocument, Violation, Violations,
};
pub use observable::{Note, Observable, ObservableKind};
pub use provenance::Provenance;
pub use taxonomy::{RsitCategory, RsitClass, RsitType};
pub use tlp::Tlp;
