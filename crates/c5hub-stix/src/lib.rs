//! STIX 2.1 (OASIS) for c5hub: bundles read into model incidents and
//! stored incidents written as STIX objects, converted by hand both ways.
//!
//! - [`ids`]: deterministic SCO ids (§2.9), c5hub's stable ids, the TLP
//!   marking definitions (TLP 1.0 and 2.0).
//! - [`pattern`]: the STIX patterning language (STIX 2.1 part 9): a parser
//!   of the full grammar, a printer, and the mapping between the simple
//!   "this value is an indicator" patterns and c5hub's observables.
//! - [`export`]: model → objects and bundles.
//! - [`bundle`]: the bundle model (objects kept verbatim, typed views).
//! - [`import`]: bundles → incidents.
//! - [`stream`]: a bundle of any size, in two passes.
//!
//! Invariants: no I/O (callers pass bytes and get values), no store, no
//! HTTP; nothing here panics on input.

pub mod bundle;
pub mod export;
pub mod ids;
pub mod import;
pub mod pattern;
mod skim;
pub mod stream;

pub use export::{Source, bundle, incident_objects};

/// The media type of STIX 2.1 (§18).
pub const MEDIA_TYPE: &str = "application/stix+json;version=2.1";
