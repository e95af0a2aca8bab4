//! The TAXII 2.1 server under `/taxii2/`: discovery, one API root
//! (`api1`), its collections, objects (get, add), one object, its versions,
//! the manifest and status resources.
//!
//! A door like the API: it authenticates (HTTP Basic or a bearer token),
//! parses, calls `c5hub_hub::taxii` and `c5hub_hub::reads` with the
//! caller's `Authority`, and writes TAXII's JSON. Collections are the
//! hub's filters over what the caller may read; TLP is the store's. The
//! objects of a collection are its incidents' versions in change-feed
//! order: `date_added` is the time of the change that stored a version,
//! and `next` names a change and a place among its objects (`SEQ-POS`),
//! so a client paging while others write neither misses nor repeats an
//! object.
//!
//! Where the specification leaves a choice, the server does what the OASIS
//! reference server (medallion) does; README's "TAXII 2.1" lists each.

mod auth;
mod stix;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use c5hub_hub::Authority;
use c5hub_hub::taxii::{ChangeFilter, Collection};
use c5hub_store::{ContentChange, Store, StoredIncident};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::AppState;
use crate::problem::Problem;

pub(crate) use auth::authenticate;

/// TAXII 2.1's media type: every answer's, and what a request must accept.
pub(crate) const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// STIX 2.1's media type, of the objects in every collection.
pub(crate) const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
/// The one API root's name.
pub(crate) const API_ROOT: &str = "api1";
/// Most objects in one page (medallion's `max_page_size`): a larger
/// `limit` is lowered to it.
pub(crate) const MAX_PAGE: usize = 1000;
/// Changes read from the store at a time while a page fills.
const CHANGES_AT_A_TIME: usize = 500;

/// A TAXII error message: `{title, description, http_status}` (as
/// medallion writes it: the status as a string).
#[derive(Debug)]
pub(crate) struct TaxiiError {
    status: StatusCode,
    title: &'static str,
    description: String,
}

impl TaxiiError {
    pub(crate) fn new(
        status: StatusCode,
        title: &'static str,
        description: impl Into<String>,
    ) -> Self {
        TaxiiError {
            status,
            title,
            description: description.into(),
        }
    }

    fn bad(description: impl Into<String>) -> Self {
        TaxiiError::new(StatusCode::BAD_REQUEST, "Bad request", description)
    }

    fn not_found(description: impl Into<String>) -> Self {
        TaxiiError::new(StatusCode::NOT_FOUND, "Not found", description)
    }
}

impl IntoResponse for TaxiiError {
    fn into_response(self) -> Response {
        let body = json!({
            "title": self.title,
            "description": self.description,
            "http_status": self.status.as_u16().to_string(),
        });
        let mut r = (self.status, taxii_json(&body)).into_response();
        *r.status_mut() = self.status;
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"c5hub TAXII\", Bearer"),
            );
        }
        r
    }
}

impl From<Problem> for TaxiiError {
    fn from(p: Problem) -> Self {
        let title = match p.status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::UNAUTHORIZED => "Unauthorized",
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "Bad request",
            StatusCode::PAYLOAD_TOO_LARGE => "Request too large",
            _ => "Server error",
        };
        TaxiiError::new(p.status, title, p.detail)
    }
}

impl From<c5hub_hub::Error> for TaxiiError {
    fn from(e: c5hub_hub::Error) -> Self {
        Problem::from(e).into()
    }
}

/// A JSON body in TAXII's media type.
fn taxii_json(v: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE))],
        v.to_string(),
    )
        .into_response()
}

/// The answer to a path under `/taxii2` that is no TAXII endpoint (TAXII
/// URLs end in `/`).
pub(crate) fn no_route(method: &axum::http::Method, path: &str) -> TaxiiError {
    TaxiiError::not_found(format!(
        "no TAXII endpoint {method} {path} (TAXII URLs end in /)"
    ))
}

/// The routes, merged into the server's router.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/taxii2/", get(discovery))
        .route("/taxii2/api1/", get(api_root))
        .route("/taxii2/api1/collections/", get(collections))
        .route("/taxii2/api1/collections/{id}/", get(collection))
        .route(
            "/taxii2/api1/collections/{id}/objects/",
            get(get_objects).post(add_objects),
        )
        .route(
            "/taxii2/api1/collections/{id}/objects/{object}/",
            get(get_object),
        )
        .route(
            "/taxii2/api1/collections/{id}/objects/{object}/versions/",
            get(get_versions),
        )
        .route("/taxii2/api1/collections/{id}/manifest/", get(manifest))
        .route("/taxii2/api1/status/{status}/", get(status))
}

/// 406 unless `Accept` names TAXII 2.1 (`application/taxii+json`, with
/// `version=2.1` or no version), as medallion checks it.
fn check_accept(headers: &HeaderMap) -> Result<(), TaxiiError> {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if media_types(accept).any(taxii21) {
        return Ok(());
    }
    Err(TaxiiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "Not acceptable",
        format!("the Accept header must name {MEDIA_TYPE}; it is {accept:?}"),
    ))
}

/// 415 unless `Content-Type` is TAXII 2.1.
fn check_content_type(headers: &HeaderMap) -> Result<(), TaxiiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if media_types(ct).any(taxii21) {
        return Ok(());
    }
    Err(TaxiiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Unsupported media type",
        format!("send the envelope as {MEDIA_TYPE}; the Content-Type is {ct:?}"),
    ))
}

fn media_types(h: &str) -> impl Iterator<Item = String> + '_ {
    h.split(',')
        .map(|m| m.replace([' ', '\t'], "").to_ascii_lowercase())
}

fn taxii21(m: String) -> bool {
    m == "application/taxii+json" || m == MEDIA_TYPE
}

/// The caller, or 401; then the Accept check (medallion authenticates
/// first).
async fn begin(state: &AppState, headers: &HeaderMap) -> Result<Authority, TaxiiError> {
    let who = authenticate(state, headers).await?;
    check_accept(headers)?;
    Ok(who)
}

async fn discovery(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, TaxiiError> {
    begin(&s, &headers).await?;
    let root = format!("/taxii2/{API_ROOT}/");
    Ok(taxii_json(&json!({
        "title": format!("c5hub TAXII 2.1 ({})", s.config.org),
        "description": "Incidents shared on this hub, as STIX 2.1, with TLP 2.0 applied to the caller",
        "default": root,
        "api_roots": [root],
    })))
}

async fn api_root(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, TaxiiError> {
    begin(&s, &headers).await?;
    Ok(taxii_json(&json!({
        "title": "c5hub incidents",
        "description": "Collections by TLP audience and by RSIT category; objects are the incidents you may read",
        "versions": [MEDIA_TYPE],
        "max_content_length": s.config.max_body_bytes,
    })))
}

fn collection_json(c: &Collection, who: &Authority) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "can_read": c5hub_hub::taxii::can_read(who),
        "can_write": c5hub_hub::taxii::can_write(who, c),
        "media_types": [STIX_MEDIA_TYPE],
    })
}

fn find(s: &AppState, id: &str) -> Result<Collection, TaxiiError> {
    s.config
        .taxii
        .collections()
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| TaxiiError::not_found(format!("no collection {id:?}")))
}

async fn collections(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, TaxiiError> {
    let who = begin(&s, &headers).await?;
    let all: Vec<Value> = s
        .config
        .taxii
        .collections()
        .iter()
        .map(|c| collection_json(c, &who))
        .collect();
    Ok(taxii_json(&json!({ "collections": all })))
}

async fn collection(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, TaxiiError> {
    let who = begin(&s, &headers).await?;
    let c = find(&s, &id)?;
    Ok(taxii_json(&collection_json(&c, &who)))
}

/// Which versions `match[version]` asks for.
#[derive(Clone, Debug, PartialEq)]
enum VersionMatch {
    Last,
    First,
    All,
    At(i64),
}

/// A page's place: the change and how many of its objects were served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cursor {
    seq: i64,
    pos: usize,
}

impl Cursor {
    fn token(self) -> String {
        format!("{}-{}", self.seq, self.pos)
    }

    fn parse(s: &str) -> Option<Cursor> {
        let (a, b) = s.split_once('-')?;
        Some(Cursor {
            seq: a.parse().ok().filter(|n| *n > 0)?,
            pos: b.parse().ok()?,
        })
    }
}

/// What a GET of objects, manifest or versions asks for.
#[derive(Clone, Debug)]
struct Ask {
    cursor: Option<Cursor>,
    added_after: Option<DateTime<Utc>>,
    versions: Vec<VersionMatch>,
    types: Vec<String>,
    ids: Vec<String>,
    spec_versions: Vec<String>,
    limit: usize,
}

/// The query string's parameters; a parameter given twice is refused.
fn params(raw: Option<&str>) -> Result<HashMap<String, String>, TaxiiError> {
    let mut out = HashMap::new();
    for (k, v) in url_pairs(raw.unwrap_or_default()) {
        if out.insert(k.clone(), v).is_some() {
            return Err(TaxiiError::bad(format!(
                "{k} is given twice; give one, with values separated by commas"
            )));
        }
    }
    Ok(out)
}

fn url_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            b.get(i + 1).and_then(|c| hex(*c)),
            b.get(i + 2).and_then(|c| hex(*c)),
        ) {
            (b'+', _, _) => out.push(b' '),
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 2;
            }
            (x, _, _) => out.push(x),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_time(name: &str, v: &str) -> Result<DateTime<Utc>, TaxiiError> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| TaxiiError::bad(format!("{name}: {v:?} is not a timestamp ({e})")))
}

/// Reads the filters of a GET; `allowed` lists the `match[...]` filters
/// this endpoint takes, `default` the versions when none is asked.
fn ask(
    q: &HashMap<String, String>,
    allowed: &[&str],
    default: VersionMatch,
) -> Result<Ask, TaxiiError> {
    // As medallion: a filter this endpoint does not take is ignored.
    let taken = |f: &str| allowed.contains(&f);
    let list = |f: &str| -> Vec<String> {
        if !taken(f) {
            return Vec::new();
        }
        q.get(&format!("match[{f}]"))
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let limit = match q.get("limit") {
        None => MAX_PAGE,
        Some(l) => match l.trim().parse::<i64>() {
            Ok(n) if n > 0 => (n as usize).min(MAX_PAGE),
            Ok(_) => return Err(TaxiiError::bad("limit must be 1 or more")),
            Err(_) => return Err(TaxiiError::bad(format!("limit: {l:?} is not a number"))),
        },
    };
    let cursor = match q.get("next") {
        None => None,
        Some(n) => Some(Cursor::parse(n).ok_or_else(|| {
            TaxiiError::bad(format!("next: {n:?} is not a next this server gave"))
        })?),
    };
    let added_after = q
        .get("added_after")
        .map(|v| parse_time("added_after", v))
        .transpose()?;
    let mut versions = Vec::new();
    for v in list("version") {
        versions.push(match v.as_str() {
            "last" => VersionMatch::Last,
            "first" => VersionMatch::First,
            "all" => VersionMatch::All,
            t => VersionMatch::At(parse_time("match[version]", t)?.timestamp_millis()),
        });
    }
    if versions.is_empty() {
        versions.push(default);
    }
    Ok(Ask {
        cursor,
        added_after,
        versions,
        types: list("type"),
        ids: list("id"),
        spec_versions: list("spec_version"),
        limit,
    })
}

/// One object served, with its place.
struct Served {
    object: Value,
    date_added: DateTime<Utc>,
}

/// A page of objects: what was served, and where the next starts.
struct Page {
    items: Vec<Served>,
    next: Option<Cursor>,
}

impl VersionMatch {
    fn accepts(&self, c: &ContentChange) -> bool {
        match self {
            VersionMatch::Last => c.version == c.current,
            VersionMatch::First => c.version == 1,
            VersionMatch::All => true,
            // A version is an object's own `modified`: judged per object.
            VersionMatch::At(_) => true,
        }
    }
}

fn str_of<'a>(o: &'a Value, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

impl Ask {
    /// Whether object `o` of change `c` is asked for. Each version asked
    /// is judged on its own and any one suffices, as medallion joins
    /// `match[version]` values: `last`, `first` and `all` by the change's
    /// place among the incident's versions, a timestamp by the object's
    /// own `modified` (or `created`).
    fn accepts(&self, c: &ContentChange, o: &Value) -> bool {
        let own_version = || {
            str_of(o, "modified")
                .or_else(|| str_of(o, "created"))
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp_millis())
        };
        let version = self.versions.iter().any(|v| match v {
            VersionMatch::At(ms) => own_version() == Some(*ms),
            other => other.accepts(c),
        });
        let pass = |list: &[String], v: Option<&str>| {
            list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x == v))
        };
        version
            && pass(&self.types, str_of(o, "type"))
            && pass(&self.ids, str_of(o, "id"))
            && pass(
                &self.spec_versions,
                Some(str_of(o, "spec_version").unwrap_or("2.1")),
            )
    }
}

/// The objects of one content change, as `who` may read them now: none
/// when the incident is no longer readable (a race with a new version's
/// TLP) or an earlier version's document cannot be read back.
fn objects_of(
    st: &mut Store,
    who: &Authority,
    c: &ContentChange,
    seen: &mut HashMap<i64, StoredIncident>,
) -> Result<Vec<Value>, c5hub_hub::Error> {
    let stored = match seen.entry(c.incident) {
        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => {
            match c5hub_hub::taxii::incident(st, who, c.incident) {
                Ok(i) => v.insert(i),
                Err(c5hub_hub::Error::NotFound(_)) => return Ok(Vec::new()),
                Err(e) => return Err(e),
            }
        }
    };
    let at = c5hub_hub::taxii::incident_at(st, who, stored, c.version, read_back)?;
    Ok(at
        .map(|m| stix::objects(stored, &m, c.at))
        .unwrap_or_default())
}

/// An earlier version of incident `now` from its original document: IODEF
/// through the IODEF mapping, the native JSON and MISP through their
/// decoders, STIX as
/// its own objects (`c5hub-stix` writes an incident that came as STIX from
/// its original). `None` for a feed row, which keeps no version of its own.
fn read_back(
    v: &c5hub_store::StoredVersion,
    now: &c5hub_model::Incident,
) -> Option<c5hub_model::Incident> {
    use c5hub_model::incident::DocumentFormat;
    let limits = c5hub_iodef::Limits {
        max_bytes: c5hub_model::Incident::MAX_ORIGINAL_LEN,
        ..c5hub_iodef::Limits::default()
    };
    match v.document.format {
        DocumentFormat::IodefXml | DocumentFormat::IodefJson => {
            c5hub_iodef::model::incident_from_original(&v.document, &now.id, &limits)
        }
        DocumentFormat::Native | DocumentFormat::Misp => {
            let name = match v.document.format {
                DocumentFormat::Misp => "misp",
                _ => "native-json",
            };
            let decode = c5hub_formats::by_name(name)?.document?;
            let d = decode(&v.document.bytes, &c5hub_formats::DecodeOptions::default()).ok()?;
            d.incidents.into_iter().find(|m| m.id == now.id)
        }
        DocumentFormat::Stix21 => {
            let mut m = now.clone();
            m.original = Some(v.document.clone());
            Some(m)
        }
        DocumentFormat::Csv | DocumentFormat::IntelMqJson => None,
    }
}

/// One page of `collection` for `who`: objects in change-feed order from
/// the cursor, filtered, at most `ask.limit`; `next` only when another
/// object follows.
fn page(
    st: &mut Store,
    who: &Authority,
    collection: &Collection,
    ask: &Ask,
) -> Result<Page, c5hub_hub::Error> {
    let mut items = Vec::new();
    let mut seen = HashMap::new();
    let mut after = ask.cursor.map_or(0, |c| c.seq - 1);
    let current_only = ask.versions == [VersionMatch::Last];
    loop {
        let batch = c5hub_hub::taxii::changes(
            st,
            who,
            collection,
            &ChangeFilter {
                after,
                added_after: ask.added_after,
                current_only,
                incidents: Vec::new(),
                limit: CHANGES_AT_A_TIME,
            },
        )?;
        if batch.is_empty() {
            return Ok(Page { items, next: None });
        }
        for c in &batch {
            after = c.seq;
            if !ask.versions.iter().any(|v| v.accepts(c)) {
                continue;
            }
            let skip = match ask.cursor {
                Some(k) if k.seq == c.seq => k.pos,
                _ => 0,
            };
            let objects = objects_of(st, who, c, &mut seen)?;
            for (pos, o) in objects.into_iter().enumerate().skip(skip) {
                if !ask.accepts(c, &o) {
                    continue;
                }
                if items.len() == ask.limit {
                    return Ok(Page {
                        items,
                        next: Some(Cursor { seq: c.seq, pos }),
                    });
                }
                items.push(Served {
                    object: o,
                    date_added: c.at,
                });
            }
            if seen.len() > CHANGES_AT_A_TIME {
                seen.clear();
            }
        }
    }
}

/// Runs a page on a store connection, as one read.
async fn read_page(
    s: &AppState,
    who: Authority,
    collection: Collection,
    ask: Ask,
) -> Result<Page, TaxiiError> {
    Ok(s.pool
        .read(move |st| Ok(page(st, &who, &collection, &ask)))
        .await??)
}

/// The envelope (or manifest, or versions) with the date headers.
fn paged(key: &str, list: Vec<Value>, p: &Page) -> Response {
    // As medallion: an empty answer is `{}`.
    let mut body = serde_json::Map::new();
    if !list.is_empty() {
        body.insert("more".into(), json!(p.next.is_some()));
        if let Some(n) = p.next {
            body.insert("next".into(), json!(n.token()));
        }
        body.insert(key.into(), Value::Array(list));
    }
    let mut r = taxii_json(&Value::Object(body));
    if let (Some(first), Some(last)) = (p.items.first(), p.items.last()) {
        for (h, t) in [
            ("x-taxii-date-added-first", first.date_added),
            ("x-taxii-date-added-last", last.date_added),
        ] {
            if let Ok(v) = HeaderValue::from_str(&stix::timestamp(t)) {
                r.headers_mut().insert(h, v);
            }
        }
    }
    r
}

/// Who may read the collection: every member; the rest is TLP.
fn may_read(who: &Authority) -> Result<(), TaxiiError> {
    if c5hub_hub::taxii::can_read(who) {
        Ok(())
    } else {
        Err(TaxiiError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "TAXII is for member organisations",
        ))
    }
}

async fn get_objects(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, TaxiiError> {
    let who = begin(&s, &headers).await?;
    let c = find(&s, &id)?;
    may_read(&who)?;
    let a = ask(
        &params(q.as_deref())?,
        &["id", "type", "version", "spec_version"],
        VersionMatch::Last,
    )?;
    let p = read_page(&s, who, c, a).await?;
    let list = p.items.iter().map(|i| i.object.clone()).collect();
    Ok(paged("objects", list, &p))
}

async fn get_object(
    State(s): State<AppState>,
    Path((id, object)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, TaxiiError> {
    let who = begin(&s, &headers).await?;
    let c = find(&s, &id)?;
    may_read(&who)?;
    let mut a = ask(
        &params(q.as_deref())?,
        &["version", "spec_version"],
        VersionMatch::Last,
    )?;
    a.ids = vec![object.clone()];
    let p = read_page(&s, who, c, a).await?;
    if p.items.is_empty() {
        return Err(TaxiiError::not_found(format!(
            "no object {object:?} in collection {id:?}"
        )));
    }
    let list = p.items.iter().map(|i| i.object.clone()).collect();
    Ok(paged("objects", list, &p))
}

async fn get_versions(
    State(s): State<AppState>,
    Path((id, object)): Path<(String, String)>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, TaxiiError> {
    let who = begin(&s, &headers).await?;
    let c = find(&s, &id)?;
    may_read(&who)?;
    let mut a = ask(&params(q.as_deref())?, &["spec_version"], VersionMatch::All)?;
    a.ids = vec![object.clone()];
    let p = read_page(&s, who, c, a).await?;
    if p.items.is_empty() {
        return Err(TaxiiError::not_found(format!(
            "no object {object:?} in collection {id:?}"
        )));
    }
    let list = p
        .items
        .iter()
        .filter_map(|i| i.object.get("modified").cloned())
        .collect();
    Ok(paged("versions", list, &p))
}

async fn manifest(
    State(s): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, TaxiiError> {
    let who = begin(&s, &headers).await?;
    let c = find(&s, &id)?;
    may_read(&who)?;
    let a = ask(
        &params(q.as_deref())?,
        &["id", "type", "version", "spec_version"],
        VersionMatch::Last,
    )?;
    let p = read_page(&s, who, c, a).await?;
    let list = p
        .items
        .iter()
        .map(|i| {
            json!({
                "id": i.object.get("id"),
                "date_added": stix::timestamp(i.date_added),
                "version": i.object.get("modified").or_else(|| i.object.get("created")).cloned()
                    .unwrap_or_else(|| json!(stix::timestamp(i.date_added))),
                "media_type": STIX_MEDIA_TYPE,
            })
        })
        .collect();
    Ok(paged("objects", list, &p))
}

/// A status resource's JSON from what is stored.
fn status_json(st: &c5hub_store::TaxiiStatus) -> Value {
    let list = |t: &str| serde_json::from_str::<Value>(t).unwrap_or_else(|_| json!([]));
    json!({
        "id": st.id,
        "status": st.status,
        "request_timestamp": stix::timestamp(st.at),
        "total_count": st.total,
        "success_count": st.success_count,
        "successes": list(&st.successes),
        "failure_count": st.failure_count,
        "failures": list(&st.failures),
        "pending_count": st.pending_count,
        "pendings": list(&st.pendings),
    })
}

async fn status(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, TaxiiError> {
    let who = begin(&s, &headers).await?;
    let found = s
        .pool
        .run(move |st| Ok(c5hub_hub::taxii::status(st, &who, &id)))
        .await??;
    Ok(taxii_json(&status_json(&found)))
}

/// A new status resource's id: a random UUID (version 4).
pub(crate) fn new_status_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Most objects in one envelope.
pub(crate) const MAX_ENVELOPE_OBJECTS: usize = 10_000;

fn refused(at: &str, detail: impl Into<String>) -> TaxiiError {
    let detail = detail.into();
    TaxiiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Unprocessable envelope",
        format!("{at}: {detail}; nothing was stored"),
    )
}

/// Reads a posted envelope: its objects, and the incidents they make
/// (read as one STIX bundle), or why not, naming the object and property.
pub(crate) fn read_envelope(
    body: &[u8],
) -> Result<(Vec<Value>, Vec<c5hub_model::Incident>), TaxiiError> {
    let objects = read_objects(body)?;
    let incidents = if objects.is_empty() {
        Vec::new()
    } else {
        stix::incidents_from(&objects).map_err(|r| refused(&r.at, r.detail))?
    };
    Ok((objects, incidents))
}

/// An envelope's objects, bounded in number.
fn read_objects(body: &[u8]) -> Result<Vec<Value>, TaxiiError> {
    let envelope: Value = serde_json::from_slice(body)
        .map_err(|e| TaxiiError::bad(format!("the body is not JSON: {e}")))?;
    let Some(objects) = envelope.get("objects") else {
        return Err(refused("/objects", "an envelope needs its objects"));
    };
    let Some(objects) = objects.as_array() else {
        return Err(refused("/objects", "objects must be a list"));
    };
    if objects.len() > MAX_ENVELOPE_OBJECTS {
        return Err(refused(
            "/objects",
            format!(
                "{} objects; one envelope may hold at most {MAX_ENVELOPE_OBJECTS}",
                objects.len()
            ),
        ));
    }
    Ok(objects.clone())
}

/// What a `POST` to a collection holds: STIX objects and the incidents
/// they make, or a peer hub's federated incidents.
pub(crate) enum Posted {
    Stix(Vec<Value>, Vec<c5hub_model::Incident>),
    Peer(Vec<Value>, Vec<c5hub_formats::federation::Arrival>),
}

/// Reads a posted envelope: a peer hub's when it holds `x-c5hub-incident`
/// objects (then every object must be one), STIX otherwise.
pub(crate) fn read_posted(body: &[u8]) -> Result<Posted, TaxiiError> {
    let (objects, incidents) = match read_objects(body)? {
        objects if c5hub_formats::federation::is_federation(&objects) => {
            let arrivals = c5hub_formats::federation::arrivals(&objects).map_err(|notes| {
                let said: Vec<String> = notes.iter().map(ToString::to_string).collect();
                refused("/objects", said.join("; "))
            })?;
            return Ok(Posted::Peer(objects, arrivals));
        }
        objects => {
            let incidents = if objects.is_empty() {
                Vec::new()
            } else {
                stix::incidents_from(&objects).map_err(|r| refused(&r.at, r.detail))?
            };
            (objects, incidents)
        }
    };
    Ok(Posted::Stix(objects, incidents))
}

/// Takes in a peer hub's incidents (`c5hub_hub::peers::receive`: the
/// peer's `[in]` policy, loops, once per origin and key) and answers with
/// the status: each refused incident a failure naming why, the rest
/// successes (new, new version, or held already).
async fn receive_from_peer(
    s: &AppState,
    who: Authority,
    objects: Vec<Value>,
    arrivals: Vec<c5hub_formats::federation::Arrival>,
    bytes: usize,
    at: DateTime<Utc>,
) -> Result<Response, TaxiiError> {
    let pairs: Vec<(c5hub_model::Incident, c5hub_model::Provenance)> = arrivals
        .into_iter()
        .map(|a| (a.incident, a.provenance))
        .collect();
    let by = who.clone();
    let receipt = s
        .pool
        .run(move |st| Ok(c5hub_hub::peers::receive(st, &by, pairs, bytes)))
        .await??;
    let refused: HashMap<usize, &str> = receipt
        .refused
        .iter()
        .map(|(i, why)| (*i, why.as_str()))
        .collect();
    let (mut successes, mut failures) = (Vec::new(), Vec::new());
    for (i, o) in objects.iter().enumerate() {
        let id = str_of(o, "id");
        let version = str_of(o, "modified").unwrap_or_default();
        match refused.get(&i) {
            Some(why) => failures.push(json!({"id": id, "version": version, "message": why})),
            None => successes.push(json!({"id": id, "version": version})),
        }
    }
    answer_status(s, who, at, objects.len(), successes, failures).await
}

/// Reads a TAXII request as the server does: the objects endpoint's query
/// string (filters, `limit`, `next`) and, when given, a posted envelope;
/// how many objects the envelope holds, or the TAXII error as text. For the
/// fuzzer.
pub(crate) fn read_request(query: &str, body: Option<&[u8]>) -> Result<usize, String> {
    let q = params(Some(query)).map_err(|e| e.description)?;
    ask(
        &q,
        &["id", "type", "version", "spec_version"],
        VersionMatch::Last,
    )
    .map_err(|e| e.description)?;
    match body {
        Some(b) => read_envelope(b)
            .map(|(o, _)| o.len())
            .map_err(|e| e.description),
        None => Ok(0),
    }
}

/// Adds the objects of an envelope: the whole envelope is read and
/// checked before anything is stored, and its incidents are stored in one
/// transaction (the writer's group commit), so an envelope is stored whole
/// or not at all. Answers 202 with a complete status resource, kept for
/// `GET .../status/{id}/`.
async fn add_objects(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, TaxiiError> {
    let who = begin(&s, &headers).await?;
    check_content_type(&headers)?;
    let c = find(&s, &id)?;
    c5hub_hub::taxii::writer(&who, &c)?;
    let body = body.map_err(|e| {
        TaxiiError::new(
            e.status(),
            "Request too large",
            format!(
                "{} (max_content_length {} bytes)",
                e.body_text(),
                s.config.max_body_bytes
            ),
        )
    })?;
    let at = Utc::now();
    let bytes = body.len();
    let posted = tokio::task::spawn_blocking(move || read_posted(&body))
        .await
        .map_err(|e| TaxiiError::from(Problem::internal(e.to_string())))??;
    let version = |o: &Value| {
        str_of(o, "modified")
            .or_else(|| str_of(o, "created"))
            .map_or_else(|| stix::timestamp(at), str::to_owned)
    };
    let (objects, incidents) = match posted {
        Posted::Stix(objects, incidents) => (objects, incidents),
        Posted::Peer(objects, arrivals) => {
            return receive_from_peer(&s, who, objects, arrivals, bytes, at).await;
        }
    };
    // Stored whole: every object is kept with the incident of its group.
    let successes: Vec<Value> = objects
        .iter()
        .map(|o| json!({"id": str_of(o, "id"), "version": version(o)}))
        .collect();
    let failures: Vec<Value> = Vec::new();
    if !incidents.is_empty() {
        let parsed = crate::api::submit::Parsed {
            incidents,
            notes: Vec::new(),
            shared_with: Vec::new(),
            recipients: Vec::new(),
            carries_sharing: false,
        };
        crate::api::submit::store(&s, &who, parsed).await?;
    }
    answer_status(&s, who, at, objects.len(), successes, failures).await
}

/// Keeps the status resource of a `POST` and answers 202 with it.
async fn answer_status(
    s: &AppState,
    who: Authority,
    at: DateTime<Utc>,
    total: usize,
    successes: Vec<Value>,
    failures: Vec<Value>,
) -> Result<Response, TaxiiError> {
    let org = who.org().unwrap_or_default().to_owned();
    let st = c5hub_store::TaxiiStatus {
        id: new_status_id(),
        org,
        at,
        status: "complete".to_owned(),
        total: total as i64,
        success_count: successes.len() as i64,
        failure_count: failures.len() as i64,
        pending_count: 0,
        successes: Value::Array(successes).to_string(),
        failures: Value::Array(failures).to_string(),
        pendings: "[]".to_owned(),
    };
    let answer = status_json(&st);
    let keep_days = s.config.taxii.status_days();
    s.pool
        .run(move |store| Ok(c5hub_hub::taxii::put_status(store, &who, &st, keep_days)))
        .await??;
    let mut r = taxii_json(&answer);
    *r.status_mut() = StatusCode::ACCEPTED;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_envelopes_are_refused_with_where_never_a_panic() {
        let deep = format!(
            "{{\"objects\": [{}{}]}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let huge = format!(
            "{{\"objects\": [{{\"type\": \"incident\", \"id\": \"incident--6a2c4a3e-5b43-4a0e-9c8e-2d6f0b7a9c11\", \"spec_version\": \"2.1\", \"created\": \"2026-01-01T00:00:00Z\", \"modified\": \"2026-01-01T00:00:00Z\", \"name\": \"{}\"}}]}}",
            "x".repeat(8 << 20)
        );
        let many = format!(
            "{{\"objects\": [{}]}}",
            vec!["{}"; MAX_ENVELOPE_OBJECTS + 1].join(",")
        );
        for (body, says) in [
            ("".to_owned(), "not JSON"),
            ("{\"objects\": [".to_owned(), "not JSON"),
            ("[]".to_owned(), "needs its objects"),
            ("{\"objects\": \"all\"}".to_owned(), "must be a list"),
            ("{\"objects\": [null]}".to_owned(), "objects[0]"),
            (deep, ""),
            (huge, "name"),
            (many, "at most 10000"),
        ] {
            let e = read_request("", Some(body.as_bytes())).expect_err("refused");
            assert!(e.contains(says), "{e}");
        }
        assert_eq!(
            read_request("limit=5&match[type]=incident", Some(b"{\"objects\": []}")),
            Ok(0)
        );
        for q in [
            "limit=-1",
            "next=1-x",
            "added_after=%zz",
            "match[version]=2026-13-40T00:00:00Z",
        ] {
            assert!(read_request(q, None).is_err(), "{q}");
        }
    }

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let c = Cursor { seq: 42, pos: 3 };
        assert_eq!(Cursor::parse(&c.token()), Some(c));
        for bad in ["", "42", "x-1", "0-0", "-1-2", "42-", "42-x"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn accept_and_content_type_as_medallion_reads_them() {
        for (v, ok) in [
            ("application/taxii+json;version=2.1", true),
            ("application/taxii+json; version=2.1", true),
            ("application/taxii+json", true),
            ("text/html, application/taxii+json;version=2.1", true),
            ("application/taxii+json;version=2.0", false),
            ("application/json", false),
            ("", false),
        ] {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_str(v).expect("ascii"));
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(v).expect("ascii"),
            );
            assert_eq!(check_accept(&h).is_ok(), ok, "{v}");
            assert_eq!(check_content_type(&h).is_ok(), ok, "{v}");
        }
    }

    #[test]
    fn filters_are_read_and_unknown_ones_named() {
        let q = params(Some(
            "match%5Btype%5D=incident,indicator&limit=5000&added_after=2026-01-01T00:00:00Z",
        ))
        .expect("params");
        let a = ask(&q, &["type"], VersionMatch::Last).expect("ask");
        assert_eq!(a.types, ["incident", "indicator"]);
        assert_eq!(a.limit, MAX_PAGE);
        assert!(a.added_after.is_some());
        // As medallion: filters an endpoint does not take are ignored.
        let q = params(Some("match[colour]=red&match[id]=x&other=1")).expect("params");
        let a = ask(&q, &["type"], VersionMatch::Last).expect("ignored");
        assert!(a.ids.is_empty());
        for bad in [
            "limit=0",
            "limit=x",
            "next=zz",
            "added_after=yesterday",
            "match[version]=soon",
        ] {
            let q = params(Some(bad)).expect("params");
            assert!(ask(&q, &["version"], VersionMatch::Last).is_err(), "{bad}");
        }
        assert!(params(Some("limit=1&limit=2")).is_err());
    }
}
