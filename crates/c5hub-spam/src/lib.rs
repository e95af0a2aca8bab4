//! Countering spam across operators: the short-text classifier, X.1242
//! user rules, indicators, campaigns, the shared reputation list and the
//! impact metrics.
//!
//! - [`text`], [`features`]: Unicode-aware normalisation, word tokens,
//!   character n-grams and structural features (links, shorteners, phone
//!   numbers, amounts, mixed scripts, homoglyphs), hashed.
//! - [`model`]: logistic regression on those features, online updates,
//!   explanations, the versioned model file; [`default_model`] is trained on
//!   the SMS Spam Collection and shipped in the crate.
//! - [`eval`]: corpora, cross-validation, TREC-style online evaluation.
//! - [`report`], [`indicators`], [`campaign`], [`reputation`], [`analysis`]:
//!   reports, what they point to, campaigns, the shared list, the impact
//!   metrics; [`chart`] draws those metrics as SVG.
//!
//! Invariants: no HTTP and no database code (the store and the server call
//! this crate with plain values); no panics on input (model files, rules
//! and report imports are fuzzed); every decision says why (the rule that
//! matched, or the features that weighed most).

pub mod analysis;
pub mod campaign;
pub mod chart;
pub mod error;
pub mod eval;
pub mod features;
pub mod indicators;
pub mod model;
pub mod report;
pub mod reputation;
pub mod rules;
pub mod text;

pub use error::Error;
pub use features::FeatureConfig;
pub use model::{Example, Explanation, Model, TrainOptions, Verdict, Workspace};

/// The default model's file, trained on the SMS Spam Collection
/// (`models/README.md` says how to rebuild it).
pub const DEFAULT_MODEL_BYTES: &[u8] = include_bytes!("../models/default.c5sm");

/// The shipped default model.
pub fn default_model() -> Result<Model, Error> {
    Model::from_bytes(DEFAULT_MODEL_BYTES)
}
