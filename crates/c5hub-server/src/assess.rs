//! The national assessment as the hub serves it: who may do what with an
//! edition or a response, and the results of an edition, computed by
//! `c5hub-assess` from the validated responses the store keeps.
//!
//! Who may do what (the issue left it open; this is the hub's rule):
//!
//! - The hub operator (admins of the hub's own organisation, `config.org`)
//!   opens and closes editions and names, per country, the member
//!   organisation that answers for it (its focal point).
//! - Members of that organisation read their country's response; its
//!   admins, analysts and reporters fill it in, attach evidence and submit
//!   it. Viewers only read.
//! - Validators are the admins and analysts of the hub's own organisation.
//!   They read every response and validate or return submitted ones, but
//!   never one their own organisation answers (four eyes).
//! - Everyone else learns nothing of a response (it answers "not found")
//!   beyond how many countries take part in an edition and how many are
//!   validated.
//! - Results (scores, tiers, stability, regions) are computed from
//!   validated responses only and shown to every member: like the GCI, the
//!   outcome is published to the community, the answers are not.

use c5hub_assess::{
    Answer, CountryResponses, CountryScore, Methodology, Provenance, RegionTable, ResponseSet,
    SensitivityConfig, SensitivityReport, scoring, sensitivity,
};
use c5hub_model::Role;
use c5hub_store::{Edition, Principal, Response, ResponseStatus, Store, StoredAnswer};

use crate::problem::Problem;

/// Whether `p` runs the hub's assessment campaigns.
pub(crate) fn is_operator(p: &Principal, hub_org: &str) -> bool {
    p.role == Role::Admin && p.org == hub_org
}

/// Whether `p` validates responses.
pub(crate) fn is_validator(p: &Principal, hub_org: &str) -> bool {
    p.org == hub_org && matches!(p.role, Role::Admin | Role::Analyst)
}

/// Whether `p` may read response `r` (its answers and evidence).
pub(crate) fn may_read(p: &Principal, r: &Response, hub_org: &str) -> bool {
    p.org == r.org || is_validator(p, hub_org)
}

/// Whether `p` may change response `r` (when its state allows).
pub(crate) fn may_edit(p: &Principal, r: &Response) -> bool {
    p.org == r.org && p.role.can_submit()
}

/// Whether `p` may validate or return response `r`.
pub(crate) fn may_decide(p: &Principal, r: &Response, hub_org: &str) -> bool {
    is_validator(p, hub_org) && p.org != r.org
}

/// The methodology an edition was opened with: a built-in one, at exactly
/// the version the edition names.
pub(crate) fn methodology_of(e: &Edition) -> Result<Methodology, Problem> {
    let m = Methodology::builtin(&e.methodology).map_err(|err| {
        Problem::internal(format!(
            "edition {} uses methodology {}: {err}",
            e.id, e.methodology
        ))
    })?;
    if m.version != e.methodology_version {
        return Err(Problem::internal(format!(
            "edition {} was opened with {}@{}, this hub has version {}",
            e.id, e.methodology, e.methodology_version, m.version
        )));
    }
    Ok(m)
}

/// A stored answer as `c5hub-assess` reads it. An uploaded document is
/// cited by its hub path, so the evidence stays traceable in exports.
pub(crate) fn to_answer(a: &StoredAnswer) -> Answer {
    let evidence = match (&a.evidence_url, &a.evidence_doc) {
        (Some(url), Some(doc)) => format!("{url} ; /assess/evidence/{}", doc.id),
        (Some(url), None) => url.clone(),
        (None, Some(doc)) => format!("/assess/evidence/{}", doc.id),
        (None, None) => String::new(),
    };
    Answer {
        question: a.question.clone(),
        value: a.value.clone(),
        evidence,
        provenance: a.provenance.as_deref().and_then(Provenance::parse),
        validated_by: a.validated_by.clone().unwrap_or_default(),
        validated_on: a.validated_on,
        note: a.note.clone().unwrap_or_default(),
    }
}

/// An edition's results.
pub(crate) struct Results {
    pub(crate) edition: Edition,
    pub(crate) methodology: Methodology,
    /// One per validated response, by country code.
    pub(crate) scores: Vec<CountryScore>,
    /// Tier stability of `scores` (same order); `None` without scores.
    pub(crate) sensitivity: Option<SensitivityReport>,
    /// Responses in the edition, whatever their state.
    pub(crate) responses: usize,
    pub(crate) regions: RegionTable,
}

/// Reads an edition's validated responses (on a store connection).
pub(crate) fn load_validated(
    st: &mut Store,
    edition: i64,
) -> Result<Option<(Edition, usize, Vec<CountryResponses>)>, c5hub_store::Error> {
    let Some(ed) = st.edition(edition)? else {
        return Ok(None);
    };
    let responses = st.responses(edition)?;
    let mut countries = Vec::new();
    for r in responses
        .iter()
        .filter(|r| r.status == ResponseStatus::Validated)
    {
        countries.push(CountryResponses {
            iso3: r.iso3.clone(),
            year: ed.year,
            answers: st.answers(r.id)?.iter().map(to_answer).collect(),
        });
    }
    Ok(Some((ed, responses.len(), countries)))
}

/// Scores the validated responses and runs the default weight sensitivity
/// (CPU work: call on a blocking thread).
pub(crate) fn compute(
    edition: Edition,
    responses: usize,
    countries: Vec<CountryResponses>,
) -> Result<Results, Problem> {
    let methodology = methodology_of(&edition)?;
    let set = ResponseSet {
        methodology: Some(methodology.id.clone()),
        countries,
    };
    let scores = scoring::score_responses(&methodology, &set).value;
    let sensitivity = if scores.is_empty() {
        None
    } else {
        Some(
            sensitivity::run(&methodology, &scores, &SensitivityConfig::default())
                .map_err(|e| Problem::internal(format!("sensitivity: {e}")))?,
        )
    };
    Ok(Results {
        edition,
        methodology,
        scores,
        sensitivity,
        responses,
        regions: RegionTable::itu(),
    })
}

/// An edition's results for a handler: not found when there is no such
/// edition.
pub(crate) async fn results(s: &crate::AppState, edition: i64) -> Result<Results, Problem> {
    let loaded = s
        .pool
        .run(move |st| load_validated(st, edition))
        .await?
        .ok_or_else(|| Problem::not_found(format!("edition {edition}")))?;
    let (ed, n, countries) = loaded;
    tokio::task::spawn_blocking(move || compute(ed, n, countries))
        .await
        .map_err(|e| Problem::internal(format!("scoring task failed: {e}")))?
}
