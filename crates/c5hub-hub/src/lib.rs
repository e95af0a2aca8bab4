//! The hub's use cases, written once: every door (the REST API, the web UI,
//! the command line, and the protocols to come) parses its input, calls one
//! operation here with the caller, and renders the result.
//!
//! An operation takes an [`Authority`] (who acts), checks the rule of who
//! may do what, calls the store, writes the audit line, and returns a typed
//! result or an [`Error`]. The rules live here and nowhere else; the doors
//! never decide.
//!
//! - [`accounts`]: organisations, users, API tokens and the audit log, with
//!   the administration rule ([`accounts::AdminScope`]).
//! - [`incidents`]: triage, co-handlers and comments, with the rule of who
//!   may change an incident.
//! - [`reads`]: list, one incident, history, comments, co-handlers, lookup,
//!   related, export, the change feed and statistics: the caller's
//!   [`Authority`] becomes the store's `Viewer` here, never in a door.
//! - [`submit`]: who may submit, which sharing lists are accepted, and the
//!   audit line of a submission.
//! - [`spam`]: countering spam (reports, intake, verdicts, classification,
//!   campaigns, feed, impact), with the rule of who may do what and the
//!   [`spam::SpamDesk`] every door shares.
//! - [`notify`]: notifications: who is told of what (each user's choices
//!   per event), the notifier that follows the change feed from a
//!   persisted cursor, and the TLP rule applied before anyone is told.
//! - [`assess`]: the national assessment's access rule and the hand-off of
//!   validated responses to `c5hub-assess` for scoring.
//! - [`peers`]: federation: a peer's policy (what leaves for it and what
//!   is taken from it), the rule no policy lifts (AMBER+STRICT and RED
//!   never leave), loop prevention by path, and pseudonyms for personal
//!   data on the way out.
//! - [`taxii`]: TAXII 2.1's collections (filters over what the caller may
//!   read), who may read and write them, the content changes of a
//!   collection, and the status resources of the caller's `POST`s.
//!
//! Invariants: no HTTP, no HTML, no terminal output, no wire format. The
//! store applies TLP 2.0 on reads; this crate decides who may *change*.

pub mod accounts;
pub mod assess;
pub mod feeds;
pub mod incidents;
pub mod notify;
pub mod peers;
pub mod reads;
pub mod spam;
pub mod submit;
pub mod taxii;

mod error;

pub use accounts::{AdminScope, Authority};
pub use error::Error;
