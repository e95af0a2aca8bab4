//! The HTTP surface: one route table for the REST API (from which the
//! OpenAPI document is generated, so the two cannot drift), the web UI's
//! pages, operations endpoints, and the middleware around them all.

mod admin;
mod assess;
mod feeds;
pub(crate) mod incidents;
mod notify;
pub(crate) mod openapi;
mod peers;
pub(crate) mod spam;
pub(crate) mod submit;

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use std::sync::atomic::Ordering;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;
use utoipa::openapi::{RefOr, schema::Schema};

/// One API route as documented.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteDoc {
    pub(crate) method: &'static str,
    pub(crate) path: &'static str,
    pub(crate) summary: &'static str,
    /// Query parameters: (name, description).
    pub(crate) query: &'static [(&'static str, &'static str)],
    /// The request body.
    pub(crate) body: Shape,
    /// The success answer.
    pub(crate) answer: Shape,
    /// Success status.
    pub(crate) ok: u16,
    pub(crate) tag: &'static str,
}

/// Collects a type's component schemas and answers the schema to use.
pub(crate) type SchemaOf = fn(&mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema>;

/// What a request body or a success answer is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shape {
    /// Nothing (no body; a 204 answer).
    None,
    /// JSON of a `c5hub_wire` type ([`typed`], [`list`]).
    Json(SchemaOf),
    /// JSON of a `c5hub_wire` type by default, or one of these media
    /// types when `?format=` asks for it.
    JsonOr(SchemaOf, &'static [&'static str]),
    /// A document in one of these media types (IODEF XML, RFC 8727 JSON,
    /// the native JSON), read by the format registry.
    Documents(&'static [&'static str]),
    /// The incidents written by one of the format registry's encoders
    /// (`?format=`).
    Exported,
}

/// The schema of `T`, registered as a component and referred to.
pub(crate) fn typed<T: utoipa::ToSchema>(c: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    T::schemas(c);
    let name = T::name().into_owned();
    c.push((name.clone(), T::schema()));
    RefOr::Ref(utoipa::openapi::Ref::from_schema_name(name))
}

/// An array of `T`.
pub(crate) fn list<T: utoipa::ToSchema>(c: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    let item = typed::<T>(c);
    RefOr::T(Schema::Array(
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(item)
            .build(),
    ))
}

const LIST_FILTERS: &[(&str, &str)] = &[
    ("since", "stored at or after (RFC 3339)"),
    ("until", "stored before (RFC 3339)"),
    ("classification", "RSIT class, e.g. fraud/phishing"),
    ("tlp", "TLP label, e.g. amber+strict"),
    ("status", "new, triaged, in-progress, resolved or closed"),
    ("reporter", "reporting organisation"),
    ("observable", "only incidents holding this value"),
    (
        "not_classification",
        "leave out this RSIT class (unclassified incidents stay)",
    ),
    (
        "assignee",
        "only incidents assigned to this user (e-mail address)",
    ),
    ("unassigned", "true: only incidents assigned to nobody"),
    (
        "sort",
        "order by key, title, status, class, tlp, reporter or detected (default key: newest first)",
    ),
    (
        "order",
        "asc or desc (default asc with sort, desc without); ties by key the same way",
    ),
    (
        "cursor",
        "next_cursor of the previous page (the default order only)",
    ),
    ("offset", "rows to skip: next_offset of the previous page"),
    ("limit", "rows per page, 1 to 1000 (default 100)"),
];

/// Builds the router and the route documentation from the same table.
macro_rules! api_routes {
    ($($method:ident $path:literal => $handler:path, $tag:literal, $summary:literal, query: $query:expr, body: $body:expr, answer: $answer:expr, ok: $ok:literal;)*) => {
        pub(crate) const ROUTES: &[RouteDoc] = &[
            $(RouteDoc { method: stringify!($method), path: $path, summary: $summary, query: $query, body: $body, answer: $answer, ok: $ok, tag: $tag },)*
        ];
        fn api_router() -> Router<AppState> {
            let mut r = Router::new();
            $( { let m: MethodRouter<AppState> = $method($handler); r = r.route($path, m); } )*
            r
        }
    };
}

const IODEF_BODIES: &[&str] = &[
    "application/xml",
    "application/iodef+xml",
    "application/iodef+json",
    "application/json",
    "application/stix+json",
];

api_routes! {
    post "/api/v1/incidents" => submit::submit, "incidents", "Submit an incident: IODEF v2 XML (RFC 7970 / X.1541), IODEF JSON (RFC 8727), a STIX 2.1 bundle (application/stix+json;version=2.1: stored whole or not at all, one incident per object group), or the native JSON", query: &[("shared_with", "comma-separated organisations an AMBER incident is shared with"), ("recipients", "comma-separated recipients of a RED incident")], body: Shape::Documents(IODEF_BODIES), answer: Shape::Json(typed::<c5hub_wire::incidents::Submitted>), ok: 201;
    get "/api/v1/incidents" => incidents::list, "incidents", "List and search incidents the caller may read, newest first or sorted by a column", query: LIST_FILTERS, body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::incidents::IncidentPage>), ok: 200;
    post "/api/v1/incidents/bulk" => incidents::bulk, "incidents", "One triage change (status and/or assignee) for many incidents, each checked as if changed alone: the answer lists those changed and those refused, with why", query: &[], body: Shape::Json(typed::<c5hub_wire::incidents::BulkTriageRequest>), answer: Shape::Json(typed::<c5hub_wire::incidents::BulkAnswer>), ok: 200;
    get "/api/v1/incidents/{id}" => incidents::get_one, "incidents", "One incident", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::incidents::IncidentAnswer>), ok: 200;
    patch "/api/v1/incidents/{id}" => incidents::update, "incidents", "Change status and/or assignee (analysts and admins)", query: &[], body: Shape::Json(typed::<c5hub_wire::incidents::TriageRequest>), answer: Shape::Json(typed::<c5hub_wire::incidents::IncidentAnswer>), ok: 200;
    get "/api/v1/incidents/{id}/history" => incidents::history, "incidents", "Status and assignment history", query: &[], body: Shape::None, answer: Shape::Json(list::<c5hub_wire::incidents::HistoryEntry>), ok: 200;
    get "/api/v1/incidents/{id}/comments" => incidents::comments, "incidents", "Comments, oldest first", query: &[], body: Shape::None, answer: Shape::Json(list::<c5hub_wire::incidents::CommentAnswer>), ok: 200;
    post "/api/v1/incidents/{id}/comments" => incidents::add_comment, "incidents", "Add a comment", query: &[], body: Shape::Json(typed::<c5hub_wire::incidents::NewComment>), answer: Shape::Json(typed::<c5hub_wire::incidents::CommentAnswer>), ok: 201;
    get "/api/v1/incidents/{id}/handlers" => incidents::handlers, "incidents", "The co-handlers the reporter named (organisations that may triage it beside its reporter and the hub operator)", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::incidents::Handlers>), ok: 200;
    put "/api/v1/incidents/{id}/handlers" => incidents::set_handlers, "incidents", "Name the co-handlers: {\"handlers\": [org, ...]} (analysts and admins of the reporter and of the hub operator)", query: &[], body: Shape::Json(typed::<c5hub_wire::incidents::Handlers>), answer: Shape::Json(typed::<c5hub_wire::incidents::Handlers>), ok: 200;
    get "/api/v1/incidents/{id}/related" => incidents::related, "correlation", "Incidents sharing values with this one", query: &[], body: Shape::None, answer: Shape::Json(list::<c5hub_wire::incidents::RelatedAnswer>), ok: 200;
    get "/api/v1/lookup" => incidents::lookup, "correlation", "Everything known about a value: the incidents holding it, each once with every value that matched (exact, CIDR either way, same domain, a domain's sub-domains); and sightings", query: &[("value", "the value to look up (IP, prefix, domain, URL, email, hash, phone, ...)"), ("limit", "incidents per page, newest first (default 50, at most 1000); total counts them all"), ("before", "the next of the page before")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::incidents::LookupAnswer>), ok: 200;
    get "/api/v1/search" => incidents::search, "correlation", "The search box: text that is one value (IP, prefix, domain, URL, e-mail, phone, hash, ...) answers the value to look up; other text a page of the readable incidents whose title or description holds every word (the last one as a prefix), newest first, with the total", query: &[("q", "the words, or one value"), ("page", "the page, from 1 (default 1)"), ("per_page", "incidents per page (default 25, at most 200)")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::incidents::SearchAnswer>), ok: 200;
    get "/api/v1/export" => incidents::export, "incidents", "Export readable incidents", query: &[("format", "iodef-xml, iodef-json or csv"), ("since", "stored at or after"), ("until", "stored before"), ("classification", "RSIT class"), ("tlp", "TLP label"), ("status", "status"), ("reporter", "reporter"), ("observable", "value"), ("sort", "as the list's"), ("order", "as the list's")], body: Shape::None, answer: Shape::Exported, ok: 200;
    get "/api/v1/changes" => crate::feed::changes, "incidents", "The change feed: every new incident, new version (content, TLP, sharing), status and assignee change and comment, numbered in commit order, oldest first, over incidents the caller may read now", query: &[("since", "the next of the page before (default 0: from the start)"), ("limit", "changes per page, 1 to 10000 (default 1000)")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::incidents::ChangesAnswer>), ok: 200;
    get "/api/v1/stats" => incidents::stats, "incidents", "Counts by class, TLP and status, and per day for 30 days, over readable incidents", query: &[("days", "days of the daily series (1 to 366, default 30)")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::incidents::StatsAnswer>), ok: 200;
    get "/api/v1/me" => admin::me, "admin", "Who the caller is", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::admin::Me>), ok: 200;
    get "/api/v1/orgs" => admin::orgs, "admin", "Member organisations", query: &[], body: Shape::None, answer: Shape::Json(list::<c5hub_wire::admin::OrgAnswer>), ok: 200;
    post "/api/v1/orgs" => admin::add_org, "admin", "Add an organisation (admins)", query: &[], body: Shape::Json(typed::<c5hub_wire::admin::NewOrg>), answer: Shape::Json(typed::<c5hub_wire::admin::OrgAnswer>), ok: 201;
    get "/api/v1/users" => admin::users, "admin", "Users (admins)", query: &[], body: Shape::None, answer: Shape::Json(list::<c5hub_wire::admin::UserAnswer>), ok: 200;
    post "/api/v1/users" => admin::add_user, "admin", "Add a user (admins)", query: &[], body: Shape::Json(typed::<c5hub_wire::admin::NewUser>), answer: Shape::Json(typed::<c5hub_wire::admin::UserAnswer>), ok: 201;
    patch "/api/v1/users/{email}" => admin::change_user, "admin", "Change a user's role, disable or enable it, reset its password (admins, their own organisation's users; never the hub's last admin credential)", query: &[], body: Shape::Json(typed::<c5hub_wire::admin::UserChange>), answer: Shape::Json(typed::<c5hub_wire::admin::UserAnswer>), ok: 200;
    get "/api/v1/tokens" => admin::tokens, "admin", "API tokens, without secrets (admins)", query: &[], body: Shape::None, answer: Shape::Json(list::<c5hub_wire::admin::TokenAnswer>), ok: 200;
    post "/api/v1/tokens" => admin::create_token, "admin", "Make an API token; the secret is in this answer only (admins)", query: &[], body: Shape::Json(typed::<c5hub_wire::admin::NewToken>), answer: Shape::Json(typed::<c5hub_wire::admin::CreatedToken>), ok: 201;
    delete "/api/v1/tokens/{id}" => admin::revoke_token, "admin", "Revoke a token (admins)", query: &[], body: Shape::None, answer: Shape::None, ok: 204;
    get "/api/v1/feeds" => feeds::list, "feeds", "The polled feeds (TAXII 2.1 collections, MISP feeds) with their state, without secrets (the hub operator's admins)", query: &[], body: Shape::None, answer: Shape::Json(list::<c5hub_wire::feeds::FeedAnswer>), ok: 200;
    post "/api/v1/feeds" => feeds::add, "feeds", "Add a feed, polled by the hub at once and then every `every`; the password or token is stored for the poller and shown in no answer (the hub operator's admins)", query: &[], body: Shape::Json(typed::<c5hub_wire::feeds::NewFeed>), answer: Shape::Json(typed::<c5hub_wire::feeds::FeedAnswer>), ok: 201;
    delete "/api/v1/feeds/{id}" => feeds::remove, "feeds", "Remove a feed (the hub operator's admins)", query: &[], body: Shape::None, answer: Shape::None, ok: 204;
    get "/api/v1/peers" => peers::list, "peers", "The peer hubs with each direction's state, without tokens or keys (the hub operator's admins)", query: &[], body: Shape::None, answer: Shape::Json(list::<c5hub_wire::peers::PeerAnswer>), ok: 200;
    post "/api/v1/peers" => peers::add, "peers", "Add a peer hub under a policy (TOML, checked: AMBER+STRICT and RED never leave); the token and pseudonym key are stored and shown in no answer (the hub operator's admins)", query: &[], body: Shape::Json(typed::<c5hub_wire::peers::NewPeer>), answer: Shape::Json(typed::<c5hub_wire::peers::PeerAnswer>), ok: 201;
    get "/api/v1/peers/{name}" => peers::one, "peers", "One peer hub with its policy and state (the hub operator's admins)", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::peers::PeerAnswer>), ok: 200;
    post "/api/v1/peers/{name}/pause" => peers::pause, "peers", "Pause a peer hub; its cursors are kept (the hub operator's admins)", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::peers::PeerAnswer>), ok: 200;
    post "/api/v1/peers/{name}/resume" => peers::resume, "peers", "Resume a paused peer hub where it stopped (the hub operator's admins)", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::peers::PeerAnswer>), ok: 200;
    delete "/api/v1/peers/{name}" => peers::remove, "peers", "Remove a peer hub (the hub operator's admins)", query: &[], body: Shape::None, answer: Shape::None, ok: 204;
    get "/api/v1/assess/editions" => assess::editions, "assessment", "National assessment editions", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::assess::EditionsAnswer>), ok: 200;
    get "/api/v1/assess/editions/{id}/results" => assess::results, "assessment", "An edition's scores, tiers and flags from validated responses (tiers, not ranks, unless asked)", query: &[("ranks", "true to add ranks (default false)")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::assess::ScoresAnswer>), ok: 200;
    post "/api/v1/spam/reports" => spam::submit, "spam", "Submit spam reports (operators): one object, an array, or {\"reports\": [...]}; each is decided (X.1242 rules, then the model) and stored before the answer, with reasons; confirmed spam becomes an incident", query: &[], body: Shape::Json(typed::<c5hub_wire::spam::SubmitReports>), answer: Shape::Json(typed::<c5hub_wire::spam::SubmitAnswer>), ok: 201;
    get "/api/v1/spam/reports" => spam::list, "spam", "Spam reports, newest first: an operator's own; every operator's for the hub's organisation (recipients never shown)", query: &[("operator", "only this operator's (hub organisation)"), ("cursor", "next_cursor of the previous page"), ("limit", "rows per page, 1 to 1000 (default 100)")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::spam::StoredReportPage>), ok: 200;
    get "/api/v1/spam/queue" => spam::queue, "spam", "The analyst's queue: reports where the subscriber and the filter disagree (said spam, filtered as ham, or the reverse) and no analyst confirmed a verdict yet, newest first; an operator's own, every operator's for the hub's organisation", query: &[("limit", "reports, 1 to 200 (default 100)")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::spam::SpamQueue>), ok: 200;
    get "/api/v1/spam/reports/{id}" => spam::get_one, "spam", "One spam report with its campaign and reasons", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::spam::StoredReportDetail>), ok: 200;
    post "/api/v1/spam/reports/{id}/verdict" => spam::confirm, "spam", "Confirm a report as spam or ham (analysts); the model learns from it at once", query: &[], body: Shape::Json(typed::<c5hub_wire::spam::VerdictRequest>), answer: Shape::Json(typed::<c5hub_wire::spam::VerdictAnswer>), ok: 200;
    post "/api/v1/spam/intake" => spam::intake_start, "spam", "Two-step intake, step one: the forwarded message (and the subscriber's number, kept only as a keyed hash)", query: &[], body: Shape::Json(typed::<c5hub_wire::spam::IntakeStart>), answer: Shape::Json(typed::<c5hub_wire::spam::IntakeStarted>), ok: 201;
    post "/api/v1/spam/intake/{id}" => spam::intake_sender, "spam", "Two-step intake, step two: the sender; the report is decided, stored and acknowledged", query: &[], body: Shape::Json(typed::<c5hub_wire::spam::IntakeSender>), answer: Shape::Json(typed::<c5hub_wire::spam::IntakeAcknowledged>), ok: 201;
    post "/api/v1/spam/classify" => spam::classify, "spam", "Classify messages without storing them: rules, then the model, with reasons", query: &[], body: Shape::Json(typed::<c5hub_wire::spam::ClassifyRequest>), answer: Shape::Json(typed::<c5hub_wire::spam::ClassifyAnswer>), ok: 200;
    get "/api/v1/spam/campaigns" => spam::campaigns, "spam", "Campaigns of confirmed spam across operators, largest first", query: &[("limit", "campaigns, 1 to 1000 (default 50)")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::spam::CampaignsAnswer>), ok: 200;
    get "/api/v1/spam/reputation" => spam::reputation, "spam", "The reputation feed an SMS firewall polls (ETag, Last-Modified, 304); phone numbers and e-mail addresses as HMAC pseudonyms", query: &[("format", "json (default) or csv"), ("since", "only entries seen since (RFC 3339)")], body: Shape::None, answer: Shape::JsonOr(typed::<c5hub_wire::spam::ReputationFeed>, &["text/csv"]), ok: 200;
    get "/api/v1/spam/impact" => spam::impact, "spam", "Impact metrics (regulators, operators, the hub): reports per operator and per thousand subscribers, spam and smishing shares, campaign spread, time to listing, top senders", query: &[("top", "campaigns and senders listed, 1 to 100 (default 10)")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::spam::ImpactAnswer>), ok: 200;
    get "/api/v1/spam/rules" => spam::rules, "spam", "The X.1242 rules in force (managed in the hub's configuration)", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::spam::RulesAnswer>), ok: 200;
    get "/api/v1/notifications" => notify::list, "notifications", "The caller's notifications, unread first, then newest first, with the unread count", query: &[("limit", "notifications, 1 to 500 (default 100)")], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::notify::NotificationsAnswer>), ok: 200;
    post "/api/v1/notifications/read" => notify::mark_all_read, "notifications", "Mark every notification of the caller read", query: &[], body: Shape::None, answer: Shape::None, ok: 204;
    post "/api/v1/notifications/{id}/read" => notify::mark_read, "notifications", "Mark one of the caller's notifications read", query: &[], body: Shape::None, answer: Shape::None, ok: 204;
    get "/api/v1/notifications/preferences" => notify::preferences, "notifications", "The caller's choice, per event (shared, assigned, correlated, status), of in-app and e-mail", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::notify::Preferences>), ok: 200;
    put "/api/v1/notifications/preferences" => notify::set_preferences, "notifications", "Change the caller's choices (events not named keep theirs)", query: &[], body: Shape::Json(typed::<c5hub_wire::notify::Preferences>), answer: Shape::Json(typed::<c5hub_wire::notify::Preferences>), ok: 200;
    get "/api/v1/webhooks" => notify::webhooks, "notifications", "Webhooks, without secrets (admins: the hub's all, a member's admin its own organisation's)", query: &[], body: Shape::None, answer: Shape::Json(list::<c5hub_wire::notify::WebhookAnswer>), ok: 200;
    post "/api/v1/webhooks" => notify::add_webhook, "notifications", "Add a webhook (admins); the signing secret is in this answer only", query: &[], body: Shape::Json(typed::<c5hub_wire::notify::NewWebhook>), answer: Shape::Json(typed::<c5hub_wire::notify::CreatedWebhook>), ok: 201;
    delete "/api/v1/webhooks/{id}" => notify::remove_webhook, "notifications", "Remove a webhook (admins)", query: &[], body: Shape::None, answer: Shape::None, ok: 204;
    get "/api/v1/webhooks/{id}/deliveries" => notify::deliveries, "notifications", "A webhook's delivery log, newest first: time, attempt, status code, error (admins)", query: &[], body: Shape::None, answer: Shape::Json(typed::<c5hub_wire::notify::DeliveryLog>), ok: 200;
    get "/api/v1/audit" => admin::audit, "admin", "The audit log, newest first (admins)", query: &[("format", "json (default) or csv"), ("cursor", "next_cursor of the previous page"), ("limit", "rows, 1 to 10000 (default 100)")], body: Shape::None, answer: Shape::JsonOr(typed::<c5hub_wire::admin::AuditPage>, &["text/csv"]), ok: 200;
}

/// The whole application.
pub(crate) fn router(state: AppState) -> Router {
    let limit = state.config.max_body_bytes;
    Router::new()
        .merge(api_router())
        .route("/api/openapi.json", get(openapi::serve))
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/misp/manifest.json", get(crate::misp::manifest))
        .route("/misp/hashes.csv", get(crate::misp::hashes))
        .route("/misp/{file}", get(crate::misp::event))
        .merge(crate::ui::router())
        .merge(crate::taxii::router())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/taxii2") {
        return crate::taxii::no_route(req.method(), req.uri().path()).into_response();
    }
    if req.uri().path().starts_with("/api/") {
        crate::problem::Problem::not_found(format!(
            "no route {} {}",
            req.method(),
            req.uri().path()
        ))
        .into_response()
    } else {
        crate::ui::not_found_page().into_response()
    }
}

async fn readyz(State(s): State<AppState>) -> Response {
    if !s.ready.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    match s.pool.run(|st| st.schema_version()).await {
        Ok(_) => "ready".into_response(),
        Err(p) => (StatusCode::SERVICE_UNAVAILABLE, p.detail).into_response(),
    }
}

/// `/metrics` on the main address: the hub operator's admins only, and not
/// at all when a separate metrics address is configured. Store-wide counts
/// are not exported: TLP hides some incidents from every reader, and a
/// count that moves when a value is added would tell anyone whether the
/// hub already holds it.
async fn metrics(State(s): State<AppState>, caller: Caller) -> Response {
    if s.config.metrics_listen.is_some() {
        return Problem::not_found("/metrics is served on the metrics address").into_response();
    }
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return p.into_response(),
    };
    if who.admin_scope() != Some(c5hub_hub::AdminScope::Hub) {
        return Problem::forbidden("/metrics is for the hub operator's admins").into_response();
    }
    metrics_text(&s)
}

fn metrics_text(s: &AppState) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
        .into_response()
}

/// The router of the separate metrics address: `/metrics` only.
pub(crate) fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(s): State<AppState>| async move { metrics_text(&s) }),
        )
        .with_state(state)
}

/// Records metrics and a structured log line for every request; adds
/// security headers to every response.
async fn observe(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    // An answer to a request with credentials may hold what only this
    // caller may read: no cache, shared or private, keeps it.
    let credentials = req.headers().contains_key(header::AUTHORIZATION)
        || crate::auth::cookie_in(req.headers(), crate::auth::SESSION_COOKIE).is_some();
    let mut resp = next.run(req).await;
    let took = start.elapsed();
    let status = resp.status().as_u16();
    s.metrics.observe_request(&method, &route, status, took);
    tracing::info!(target: "c5hub::http", method, route, status, micros = took.as_micros() as u64, "request");
    let h = resp.headers_mut();
    if credentials {
        h.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(header::HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'",
    ));
    resp
}
