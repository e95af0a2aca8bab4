//! National cybersecurity assessment in the style of the ITU Global
//! Cybersecurity Index: methodologies as data, answers with evidence,
//! tiers rather than ranks, the sensitivity of tiers to weights, and
//! regional and progress views.
//!
//! The crate is organised as a pipeline whose stages callers can use on
//! their own:
//!
//! 1. **Methodology** ([`methodology`]): a versioned TOML document of
//!    pillars, indicators, sub-indicators and questions, answer types with
//!    their scores, weights at every level, the aggregation rule and the
//!    tiers. `gci-2024` and `cirt-readiness` are built in.
//! 2. **Inputs**: answers per country and edition with evidence and
//!    provenance ([`responses`], CSV and JSON both ways), or published
//!    pillar scores ([`pillar_scores`], CSV).
//! 3. **Scoring** ([`scoring`]): exact recomputation of pillar scores,
//!    overall score and tier, with flags for missing data. Ranks only on
//!    request.
//! 4. **Sensitivity** ([`sensitivity`]): Monte Carlo over pillar weights
//!    (Dirichlet), tier stability, near-threshold flags, and weight-free
//!    dominance.
//! 5. **Views and output**: [`views`] (by ITU region, see [`regions`], and
//!    progress between editions), [`render`] (JSON, CSV) and [`report`]
//!    (one self-contained HTML file with SVG charts).
//!
//! Invariants: the crate does no I/O (callers pass text in and get text
//! out) and does not panic on input; tiers are assigned on unrounded
//! scores; results of different methodologies (id or version) are never
//! compared.
//!
//! ```
//! use c5hub_assess::{Methodology, pillar_scores, scoring};
//!
//! let m = Methodology::builtin("gci-2024")?;
//! let csv = "iso3,year,legal,technical,organizational,capacity,cooperation\n\
//!            XAA,2024,20,19,19,18.5,18.5\n";
//! let rows = pillar_scores::read_pillar_scores(&m, csv)?.value;
//! let scores = scoring::score_pillar_rows(&m, &rows);
//! assert_eq!(scores[0].overall, 95.0);
//! assert_eq!(scores[0].tier_name, "Role-modelling");
//! # Ok::<(), c5hub_assess::Error>(())
//! ```

pub mod error;
pub mod limits;
pub mod methodology;
pub mod pillar_scores;
pub mod regions;
pub mod render;
pub mod report;
pub mod responses;
pub mod scoring;
pub mod sensitivity;
pub mod views;

pub use error::{Diagnostic, Error, Severity};
pub use methodology::{Aggregation, Methodology, MethodologyRef, MissingPolicy, Tier};
pub use regions::{Region, RegionTable};
pub use responses::{Answer, CountryResponses, Parsed, Provenance, ResponseSet};
pub use scoring::{Basis, CountryScore, Flag, PillarScore};
pub use sensitivity::{SensitivityConfig, SensitivityReport};
