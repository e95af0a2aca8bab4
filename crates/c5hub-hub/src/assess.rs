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
//! - The hub operator's own country (a response its own organisation
//!   answers) is validated by the admins and analysts of the edition's
//!   second validator organisation, who read it; when the edition names
//!   none, by the hub operator's admins, as a conflict of interest written
//!   to the audit log and shown on the results ([`who_validates`] says
//!   which, on the response's page).
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
use c5hub_store::{
    Actor, AnswerInput, Decision, Edition, EvidenceInfo, NewEdition, NewEvidence, Principal,
    Response, ResponseStatus, Store, StoredAnswer,
};

use crate::{Authority, Error};

/// Whether `p` runs the hub's assessment campaigns.
pub fn is_operator(p: &Principal, hub_org: &str) -> bool {
    p.role == Role::Admin && p.org == hub_org
}

/// Whether `p` validates responses.
pub fn is_validator(p: &Principal, hub_org: &str) -> bool {
    p.org == hub_org && matches!(p.role, Role::Admin | Role::Analyst)
}

/// Whether `p` may read response `r` of edition `ed` (its answers and
/// evidence).
pub fn may_read(p: &Principal, r: &Response, hub_org: &str, ed: &Edition) -> bool {
    p.org == r.org || is_validator(p, hub_org) || is_second_validator(p, r, hub_org, ed)
}

/// Whether `p` validates the hub operator's own response `r` as the
/// edition's second validator.
fn is_second_validator(p: &Principal, r: &Response, hub_org: &str, ed: &Edition) -> bool {
    r.org == hub_org
        && ed.second_validator.as_deref() == Some(p.org.as_str())
        && matches!(p.role, Role::Admin | Role::Analyst)
}

/// Whether validating response `r` is the hub operator's admins judging
/// their own organisation's answers (the edition names no second
/// validator).
pub fn is_conflicted(r: &Response, hub_org: &str, ed: &Edition) -> bool {
    r.org == hub_org && ed.second_validator.is_none()
}

/// Who validates response `r`, in words for its page.
pub fn who_validates(r: &Response, hub_org: &str, ed: &Edition) -> String {
    if r.org != hub_org {
        return format!("The admins and analysts of {hub_org} (the hub operator) validate it.");
    }
    match &ed.second_validator {
        Some(v) => format!(
            "{hub_org} answers for its own country, and validators never validate their own \
             organisation's response: the admins and analysts of {v}, the edition's second \
             validator, validate it."
        ),
        None => format!(
            "{hub_org} answers for its own country and the edition names no second validator: \
             a hub admin of {hub_org} validates it, and that conflict of interest is recorded \
             in the audit log and shown on the results."
        ),
    }
}

/// Whether `p` may change response `r` (when its state allows).
pub fn may_edit(p: &Principal, r: &Response) -> bool {
    p.org == r.org && p.role.can_submit()
}

/// Whether `p` may validate or return response `r` of edition `ed`.
pub fn may_decide(p: &Principal, r: &Response, hub_org: &str, ed: &Edition) -> bool {
    if r.org != hub_org {
        is_validator(p, hub_org) && p.org != r.org
    } else if ed.second_validator.is_some() {
        is_second_validator(p, r, hub_org, ed)
    } else {
        is_operator(p, hub_org)
    }
}

/// The member acting, or a refusal: the command line reads the
/// assessment but changes nothing in it (it acts for no organisation).
fn member<'a>(who: &'a Authority, what: &str) -> Result<(&'a Principal, &'a str), Error> {
    match who {
        Authority::Member { principal, hub_org } => Ok((principal, hub_org)),
        Authority::Console { .. } | Authority::ReadingAs { .. } => Err(Error::Forbidden(format!(
            "the command line does not {what}: it acts for no organisation"
        ))),
        Authority::Public => Err(Error::Forbidden(format!(
            "only members {what}: log in first"
        ))),
    }
}

fn actor(p: &Principal) -> Actor<'_> {
    Actor {
        name: &p.name,
        org: &p.org,
    }
}

/// Whether `who` runs the assessment (the console reads as the operator).
pub fn runs_assessment(who: &Authority) -> bool {
    match who {
        Authority::Console { .. } => true,
        Authority::Member { principal, hub_org } => is_operator(principal, hub_org),
        Authority::ReadingAs { .. } | Authority::Public => false,
    }
}

fn operator<'a>(who: &'a Authority, what: &str) -> Result<&'a Principal, Error> {
    let (p, hub_org) = member(who, what)?;
    if is_operator(p, hub_org) {
        Ok(p)
    } else {
        Err(Error::Forbidden(format!(
            "only the hub operator's admins {what}"
        )))
    }
}

/// Every edition; every member reads them.
pub fn editions(store: &mut Store, _who: &Authority) -> Result<Vec<Edition>, Error> {
    Ok(store.assessment().editions()?)
}

/// Opens an edition (the hub operator's admins).
pub fn add_edition(
    store: &mut Store,
    who: &Authority,
    edition: &NewEdition<'_>,
) -> Result<Edition, Error> {
    let p = operator(who, "open editions")?;
    Ok(store.assessment().add_edition(edition, actor(p))?)
}

/// Opens or closes an edition (the hub operator's admins).
pub fn set_open(store: &mut Store, who: &Authority, id: i64, open: bool) -> Result<(), Error> {
    let p = operator(who, "open and close editions")?;
    if store.assessment().set_edition_open(id, open, actor(p))? {
        Ok(())
    } else {
        Err(Error::NotFound(format!("edition {id}")))
    }
}

/// Names the organisation that answers for a country in an edition (the
/// hub operator's admins).
pub fn add_response(
    store: &mut Store,
    who: &Authority,
    edition: i64,
    iso3: &str,
    org: &str,
) -> Result<Response, Error> {
    let p = operator(who, "name focal points")?;
    Ok(store
        .assessment()
        .add_response(edition, iso3, org, actor(p))?)
}

/// An edition, its responses (all of them, for the counts) and which of
/// them `who` may read.
pub struct EditionView {
    /// The edition.
    pub edition: Edition,
    /// How many countries take part.
    pub responses: usize,
    /// How many responses are validated.
    pub validated: usize,
    /// The responses `who` may read.
    pub readable: Vec<Response>,
}

/// One edition as `who` sees it: which organisation answers for a country,
/// and how far it got, is the country's and the validators' business.
pub fn edition(store: &mut Store, who: &Authority, id: i64) -> Result<EditionView, Error> {
    let ed = store
        .assessment()
        .edition(id)?
        .ok_or_else(|| Error::NotFound(format!("edition {id}")))?;
    let all = store.assessment().responses(id)?;
    let validated = all
        .iter()
        .filter(|r| r.status == ResponseStatus::Validated)
        .count();
    let n = all.len();
    let readable = all.into_iter().filter(|r| reads(who, r, &ed)).collect();
    Ok(EditionView {
        edition: ed,
        responses: n,
        validated,
        readable,
    })
}

fn reads(who: &Authority, r: &Response, ed: &Edition) -> bool {
    match who {
        Authority::Console { .. } => true,
        Authority::Member { principal, hub_org } => may_read(principal, r, hub_org, ed),
        // As that organisation's viewers read: its own response only.
        Authority::ReadingAs { org } => *org == r.org,
        Authority::Public => false,
    }
}

/// Response `id` if `who` may read it; "not found" otherwise, exactly as
/// for a response that does not exist. The console reads every response.
pub fn readable_response(store: &mut Store, who: &Authority, id: i64) -> Result<Response, Error> {
    let not_found = || Error::NotFound(format!("response {id}"));
    let r = store.assessment().response(id)?.ok_or_else(not_found)?;
    let ed = store
        .assessment()
        .edition(r.edition)?
        .ok_or_else(not_found)?;
    if reads(who, &r, &ed) {
        Ok(r)
    } else {
        Err(not_found())
    }
}

/// A response with its edition, methodology and answers.
pub struct Sheet {
    /// The edition.
    pub edition: Edition,
    /// The response.
    pub response: Response,
    /// The methodology the edition was opened with.
    pub methodology: Methodology,
    /// The stored answers.
    pub answers: Vec<StoredAnswer>,
}

/// Response `id` with its answers, if `who` may read it (not readable is
/// answered as not found, before anything else is read).
pub fn sheet(store: &mut Store, who: &Authority, id: i64) -> Result<Sheet, Error> {
    let response = readable_response(store, who, id)?;
    let edition = store
        .assessment()
        .edition(response.edition)?
        .ok_or_else(|| Error::NotFound(format!("response {id}")))?;
    let answers = store.assessment().answers(id)?;
    let methodology = methodology_of(&edition)?;
    Ok(Sheet {
        edition,
        response,
        methodology,
        answers,
    })
}

/// Whether `who` fills in response `r`, or why not.
pub fn check_edit(who: &Authority, r: &Response) -> Result<(), Error> {
    let (p, _) = member(who, "fill in responses")?;
    if may_edit(p, r) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "only admins, analysts and reporters of {} fill in this response",
            r.org
        )))
    }
}

/// What a response lacks before it goes to validation: questions without
/// an answer, and answers without evidence (no link, no document), by
/// question id in the methodology's order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gaps {
    /// Questions not answered.
    pub unanswered: Vec<String>,
    /// Questions answered without evidence.
    pub without_evidence: Vec<String>,
}

impl Gaps {
    /// Whether nothing is missing.
    pub fn is_empty(&self) -> bool {
        self.unanswered.is_empty() && self.without_evidence.is_empty()
    }
}

/// The gaps of stored `answers` against methodology `m`.
pub fn gaps(m: &Methodology, answers: &[StoredAnswer]) -> Gaps {
    let mut g = Gaps::default();
    for (_, q) in m.questions() {
        match answers
            .iter()
            .find(|a| a.question == q.id && !a.value.trim().is_empty())
        {
            None => g.unanswered.push(q.id.clone()),
            Some(a) => {
                let linked = a
                    .evidence_url
                    .as_deref()
                    .is_some_and(|u| !u.trim().is_empty());
                if !linked && a.evidence_doc.is_none() {
                    g.without_evidence.push(q.id.clone());
                }
            }
        }
    }
    g
}

/// What became of a save.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Saved (and submitted, when asked and nothing was missing or the
    /// caller confirmed).
    Done,
    /// Saved, not submitted: these are missing and the caller did not
    /// confirm submitting anyway.
    NotSubmitted(Gaps),
}

/// Saves answers (and uploads) of response `id`, and submits it for
/// validation when `submit`: its own organisation's admins, analysts and
/// reporters, while the store says the response is editable. A response
/// with unanswered questions or answers without evidence is submitted only
/// when `confirmed`: otherwise it is saved and the gaps are answered, so
/// every door can ask first.
pub fn save(
    store: &mut Store,
    who: &Authority,
    id: i64,
    answers: &[AnswerInput<'_>],
    uploads: &[NewEvidence<'_>],
    submit: bool,
    confirmed: bool,
) -> Result<Saved, Error> {
    let r = readable_response(store, who, id)?;
    check_edit(who, &r)?;
    let (p, _) = member(who, "fill in responses")?;
    store
        .assessment()
        .save_answers(id, answers, uploads, actor(p))?;
    if submit {
        if !confirmed {
            let ed = store
                .assessment()
                .edition(r.edition)?
                .ok_or_else(|| Error::NotFound(format!("response {id}")))?;
            let g = gaps(&methodology_of(&ed)?, &store.assessment().answers(id)?);
            if !g.is_empty() {
                return Ok(Saved::NotSubmitted(g));
            }
        }
        store.assessment().submit_response(id, actor(p))?;
    }
    Ok(Saved::Done)
}

/// Whether `who` validates or returns response `r` of edition `ed`, or
/// why not.
pub fn check_decide(who: &Authority, r: &Response, ed: &Edition) -> Result<(), Error> {
    let (p, hub_org) = member(who, "validate responses")?;
    if may_decide(p, r, hub_org, ed) {
        Ok(())
    } else if r.org == *hub_org {
        Err(Error::Forbidden(who_validates(r, hub_org, ed)))
    } else if is_validator(p, hub_org) {
        Err(Error::Forbidden(
            "a validator does not validate their own organisation's response".to_owned(),
        ))
    } else {
        Err(Error::Forbidden(
            "only admins and analysts of the hub operator validate responses".to_owned(),
        ))
    }
}

/// Validates or returns response `id` (four eyes: never one's own
/// organisation's).
pub fn decide(
    store: &mut Store,
    who: &Authority,
    id: i64,
    decision: Decision<'_>,
) -> Result<Response, Error> {
    let r = readable_response(store, who, id)?;
    let ed = store
        .assessment()
        .edition(r.edition)?
        .ok_or_else(|| Error::NotFound(format!("response {id}")))?;
    check_decide(who, &r, &ed)?;
    let (p, hub_org) = member(who, "validate responses")?;
    let decided = store.assessment().decide_response(id, decision, actor(p))?;
    if is_conflicted(&r, hub_org, &ed) {
        store.accounts().audit(
            &p.name,
            Some(&p.org),
            "assess.response.conflict",
            Some(&format!("response:{id}")),
            Some(&format!(
                "{} decided by {hub_org}'s own admin: the edition names no second validator",
                r.iso3
            )),
        )?;
    }
    Ok(decided)
}

/// An evidence document, if `who` may read its response.
pub fn evidence(
    store: &mut Store,
    who: &Authority,
    id: i64,
) -> Result<(EvidenceInfo, Vec<u8>), Error> {
    let not_found = || Error::NotFound(format!("evidence {id}"));
    let (info, bytes) = store.assessment().evidence(id)?.ok_or_else(not_found)?;
    match readable_response(store, who, info.response) {
        Ok(_) => Ok((info, bytes)),
        Err(Error::NotFound(_)) => Err(not_found()),
        Err(e) => Err(e),
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
    /// Countries (ISO3) the hub operator answers for, validated by its
    /// own admins because the edition names no second validator: the
    /// results say so. Filled by [`own_country_conflicts`].
    pub conflicts: Vec<String>,
}

/// The hub operator's own countries validated under a conflict of
/// interest in edition `edition` (see [`Results::conflicts`]).
pub fn own_country_conflicts(
    st: &mut Store,
    edition: i64,
    hub_org: &str,
) -> Result<Vec<String>, Error> {
    let Some(ed) = st.assessment().edition(edition)? else {
        return Ok(Vec::new());
    };
    Ok(st
        .assessment()
        .responses(edition)?
        .into_iter()
        .filter(|r| r.status == ResponseStatus::Validated && is_conflicted(r, hub_org, &ed))
        .map(|r| r.iso3)
        .collect())
}

/// Names (or clears) the organisation validating the hub operator's own
/// country in edition `id` (the hub operator's admins).
pub fn set_second_validator(
    store: &mut Store,
    who: &Authority,
    id: i64,
    org: Option<&str>,
) -> Result<(), Error> {
    let p = operator(who, "name second validators")?;
    if let (Authority::Member { hub_org, .. }, Some(o)) = (who, org) {
        if o == hub_org {
            return Err(Error::Invalid {
                field: "second_validator",
                detail: format!(
                    "{o} is the hub operator: the second validator is another organisation"
                ),
            });
        }
    }
    if store.assessment().set_second_validator(id, org, actor(p))? {
        Ok(())
    } else {
        Err(Error::NotFound(format!("edition {id}")))
    }
}

/// What scoring needs of an edition: the edition, how many responses it
/// has, and its validated responses' answers.
pub type Validated = (Edition, usize, Vec<CountryResponses>);

/// Reads an edition's validated responses.
pub fn load_validated(st: &mut Store, edition: i64) -> Result<Option<Validated>, Error> {
    let Some(ed) = st.assessment().edition(edition)? else {
        return Ok(None);
    };
    let responses = st.assessment().responses(edition)?;
    let mut countries = Vec::new();
    for r in responses
        .iter()
        .filter(|r| r.status == ResponseStatus::Validated)
    {
        countries.push(CountryResponses {
            iso3: r.iso3.clone(),
            year: ed.year,
            answers: st
                .assessment()
                .answers(r.id)?
                .iter()
                .map(to_answer)
                .collect(),
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
        conflicts: Vec::new(),
    })
}

/// An edition's results, which every member (and the console) reads: not
/// found when there is no such edition.
pub fn results(store: &mut Store, _who: &Authority, edition: i64) -> Result<Results, Error> {
    let (ed, n, countries) = load_validated(store, edition)?
        .ok_or_else(|| Error::NotFound(format!("edition {edition}")))?;
    compute(ed, n, countries)
}
