//! The national assessment: the answers of `/api/v1/assess/...`, and what
//! `c5hub assess editions --format json` prints for the same question.

use c5hub_store::Edition;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One edition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditionAnswer {
    /// The edition's key.
    pub id: i64,
    /// The methodology's id.
    pub methodology: String,
    /// The methodology's version.
    pub methodology_version: String,
    /// The year assessed.
    pub year: i32,
    /// The title.
    pub title: String,
    /// Whether answers may still change.
    pub open: bool,
}

impl From<&Edition> for EditionAnswer {
    fn from(e: &Edition) -> Self {
        EditionAnswer {
            id: e.id,
            methodology: e.methodology.clone(),
            methodology_version: e.methodology_version.clone(),
            year: e.year,
            title: e.title.clone(),
            open: e.open,
        }
    }
}

/// Every edition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditionsAnswer {
    /// The editions.
    pub editions: Vec<EditionAnswer>,
}

impl From<&[Edition]> for EditionsAnswer {
    fn from(eds: &[Edition]) -> Self {
        EditionsAnswer {
            editions: eds.iter().map(EditionAnswer::from).collect(),
        }
    }
}

/// An edition's scores, as `c5hub assess score --format json` writes
/// them (the scores document of `c5hub-assess`: one object per country).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(value_type = Vec<Object>)]
pub struct ScoresAnswer(pub serde_json::Value);
