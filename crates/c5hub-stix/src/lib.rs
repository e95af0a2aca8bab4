//! STIX 2.1 for c5hub, converted explicitly to and from the domain model.
//!
//! - [`pattern`]: the STIX patterning language (STIX 2.1 part 9): a parser
//!   of the full grammar, a printer, and the mapping between the simple
//!   "this value is an indicator" patterns and c5hub's observables.
//!
//! Invariants: no I/O; nothing here panics on input.

pub mod pattern;
