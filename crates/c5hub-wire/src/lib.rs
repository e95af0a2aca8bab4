//! The JSON the hub speaks: one struct per request body and per answer,
//! each with its OpenAPI schema (utoipa, OpenAPI 3.1).
//!
//! The REST API returns these structs, `/api/openapi.json` is generated
//! from them, and every `--format json` of the command line prints the
//! same struct for the same question, so the doors cannot drift apart.
//! Conversions from the store's and the operations layer's results live
//! here (`From`), written once.
//!
//! - [`incidents`]: incidents, their workflow, correlation, the change
//!   feed and statistics.
//! - [`admin`]: who the caller is, organisations, users, tokens, audit.
//! - [`notify`]: a user's notifications and their choices per event.
//! - [`spam`]: spam reports, intake, verdicts, classification, campaigns,
//!   the reputation feed, impact and rules.
//! - [`assess`]: assessment editions and results.
//! - [`feeds`]: the polled feeds and their state.
//! - [`Problem`]: the RFC 9457 error answer every route may give.
//!
//! Invariants: no HTTP, no store calls, no I/O. The domain model stays
//! free of serde; only this crate knows the hub's JSON.

pub mod admin;
pub mod assess;
pub mod feeds;
pub mod incidents;
pub mod notify;
pub mod peers;
pub mod spam;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An RFC 9457 problem details answer (`application/problem+json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// `urn:c5hub:problem:<slug>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// Each thing wrong, with where (absent when there is one cause only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemAt>,
}

/// One thing wrong, with where: a JSON pointer into the request, an IODEF
/// element path, a query parameter or a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemAt {
    /// Where.
    pub at: String,
    /// What is wrong there.
    pub detail: String,
}

/// A time as every answer writes it: RFC 3339.
pub(crate) fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

pub(crate) fn time_opt(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(time)
}
