//! The national assessment: who may do what with an edition or a response,
//! and the results of an edition, computed by `c5hub-assess` from the
//! validated responses the store keeps.
//!
//! # Who may do what
//!
//! - The hub operator (admins of the hub's own organisation) opens and
//!   closes editions and names, per country, the member organisation that
//!   answers for it (its focal point).
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

use crate::{Authority, Error};

/// Whether `p` runs the hub's assessment campaigns.
pub fn is_operator(p: &Principal, hub_org: &str) -> bool {
    p.role == Role::Admin && p.org == hub_org
}

/// Whether `p` validates responses.
pub fn is_validator(p: &Principal, hub_org: &str) -> bool {
    p.org == hub_org && matches!(p.role, Role::Admin | Role::Analyst)
}

/// Whether `p` may read response `r` (its answers and evidence).
pub fn may_read(p: &Principal, r: &Response, hub_org: &str) -> bool {
    p.org == r.org || is_validator(p, hub_org)
}

/// Whether `p` may change response `r` (when its state allows).
pub fn may_edit(p: &Principal, r: &Response) -> bool {
    p.org == r.org && p.role.can_submit()
}

/// Whether `p` may validate or return response `r`.
pub fn may_decide(p: &Principal, r: &Response, hub_org: &str) -> bool {
    is_validator(p, hub_org) && p.org != r.org
}

/// Response `id` if `who` may read it; "not found" otherwise, exactly as
/// for a response that does not exist. The console reads every response.
pub fn readable_response(store: &mut Store, who: &Authority, id: i64) -> Result<Response, Error> {
    let r = store.response(id)?;
    match (r, who) {
        (Some(r), Authority::Console { .. }) => Ok(r),
        (Some(r), Authority::Member { principal, hub_org }) if may_read(principal, &r, hub_org) => {
            Ok(r)
        }
        _ => Err(Error::NotFound(format!("response {id}"))),
    }
}

/// The methodology an edition was opened with: a built-in one, at exactly
/// the version the edition names.
pub fn methodology_of(e: &Edition) -> Result<Methodology, Error> {
    let m = Methodology::builtin(&e.methodology).map_err(|err| {
        Error::Internal(format!(
            "edition {} uses methodology {}: {err}",
            e.id, e.methodology
        ))
    })?;
    if m.version != e.methodology_version {
        return Err(Error::Internal(format!(
            "edition {} was opened with {}@{}, this hub has version {}",
            e.id, e.methodology, e.methodology_version, m.version
        )));
    }
    Ok(m)
}

/// A stored answer as `c5hub-assess` reads it. An uploaded document is
/// cited by its hub path, so the evidence stays traceable in exports.
pub fn to_answer(a: &StoredAnswer) -> Answer {
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
pub struct Results {
    /// The edition.
    pub edition: Edition,
    /// The methodology it was opened with.
    pub methodology: Methodology,
    /// One per validated response, by country code.
    pub scores: Vec<CountryScore>,
    /// Tier stability of `scores` (same order); `None` without scores.
    pub sensitivity: Option<SensitivityReport>,
    /// Responses in the edition, whatever their state.
    pub responses: usize,
    /// The regions results are grouped by.
    pub regions: RegionTable,
}

/// What scoring needs of an edition: the edition, how many responses it
/// has, and its validated responses' answers.
pub type Validated = (Edition, usize, Vec<CountryResponses>);

/// Reads an edition's validated responses.
pub fn load_validated(st: &mut Store, edition: i64) -> Result<Option<Validated>, Error> {
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
/// (CPU work: a server calls it on a blocking thread).
pub fn compute(
    edition: Edition,
    responses: usize,
    countries: Vec<CountryResponses>,
) -> Result<Results, Error> {
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
                .map_err(|e| Error::Internal(format!("sensitivity: {e}")))?,
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

/// An edition's results, which every member (and the console) reads: not
/// found when there is no such edition.
pub fn results(store: &mut Store, _who: &Authority, edition: i64) -> Result<Results, Error> {
    let (ed, n, countries) = load_validated(store, edition)?
        .ok_or_else(|| Error::NotFound(format!("edition {edition}")))?;
    compute(ed, n, countries)
}
