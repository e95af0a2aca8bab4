//! The hub server: the REST API under `/api/v1`, the web UI, Prometheus
//! metrics and health checks, over one [`c5hub_store::Store`].
//!
//! - [`config`]: what an operator sets (listen address, public access,
//!   limits), from `c5hub.toml` and flags.
//! - `pool` and `writer`: the store as the async world sees it. Reads run on
//!   a small pool of store connections in blocking threads; submissions go
//!   through one writer that commits whatever has queued up in a single
//!   transaction (group commit) and only then acknowledges each.
//! - `auth`: who is calling (bearer token or session cookie), CSRF.
//! - `api`: the REST handlers, their route table and the OpenAPI document
//!   built from it.
//! - `ui`: server-rendered HTML pages with embedded assets.
//! - `demo`: the seeded demonstration hub.
//! - [`feed`]: the change feed's answer, shared with the CLI.
//! - `taxii`: the TAXII 2.1 server under `/taxii2/` (collections over
//!   what the caller may read, objects paged on the change feed).
//! - [`spam`]: spam reports through the API and the UI (rules, model,
//!   storage, the derived campaigns, reputation feed and impact metrics).
//!
//! Invariants: every read of incident data passes the caller's
//! [`c5hub_model::Viewer`] to the store, which applies TLP 2.0; nothing in
//! this crate filters incidents itself. A submission is acknowledged only
//! after its transaction has committed. The crate holds no SQL.

pub mod config;
pub mod demo;
pub mod feed;
pub mod smtp;
pub mod spam;
pub mod webhooks;

mod api;
mod assess;
mod auth;
mod federation;
mod login;
mod metrics;
mod misp;
mod poller;
mod pool;
mod problem;
mod taxii;
mod ui;
mod writer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use c5hub_model::{OrgKind, Role};
use c5hub_store::{Location, Options, Store};
use tokio::net::TcpListener;

pub use config::Config;

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) pool: Arc<pool::StorePool>,
    pub(crate) writer: writer::WriterHandle,
    pub(crate) config: Arc<Config>,
    pub(crate) metrics: Arc<metrics::Metrics>,
    pub(crate) ready: Arc<AtomicBool>,
    pub(crate) tokens: Arc<auth::TokenCache>,
    pub(crate) logins: Arc<login::LoginThrottle>,
    pub(crate) spam: Arc<c5hub_hub::spam::SpamDesk>,
}

/// How the admin account came to be on start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminToken {
    /// Made now with this secret (print it once).
    Generated(String),
    /// Made now from `C5HUB_ADMIN_TOKEN`.
    FromEnvironment,
    /// The hub already had an admin token.
    Existing,
}

/// The admin user's login name for a hub operated by `org`.
pub fn admin_user(org: &str) -> String {
    format!("admin@{org}")
}

/// Makes sure the hub's own organisation, its admin user and an admin
/// token exist.
///
/// The admin token is `env_token` when given (an operator-chosen secret,
/// e.g. from `C5HUB_ADMIN_TOKEN`); otherwise, on first start, a new one is
/// generated and returned so that it can be printed once. The token belongs
/// to the admin user, so it also logs in to the web UI.
pub fn ensure_admin(
    store: &mut Store,
    config: &Config,
    env_token: Option<&str>,
) -> Result<AdminToken, c5hub_store::Error> {
    if store.accounts().org(&config.org)?.is_none() {
        store
            .accounts()
            .add_org(&config.org, OrgKind::NationalCirt)?;
    }
    // Commands run on the store alone (import, users) learn from this
    // whose hub it is.
    store.accounts().set_operator(&config.org)?;
    let admin = admin_user(&config.org);
    if store.accounts().user(&admin)?.is_none() {
        store
            .accounts()
            .add_user(&admin, &config.org, Role::Admin, None)?;
    }
    if let Some(secret) = env_token {
        if store.accounts().token_exists(secret)? {
            return Ok(AdminToken::Existing);
        }
        store.accounts().create_token(
            &config.org,
            Role::Admin,
            Some(&admin),
            Some("admin (C5HUB_ADMIN_TOKEN)"),
            None,
            Some(secret),
        )?;
        store.accounts().audit(
            "c5hub",
            Some(&config.org),
            "token.create",
            None,
            Some("admin token from C5HUB_ADMIN_TOKEN"),
        )?;
        return Ok(AdminToken::FromEnvironment);
    }
    let has_admin = store
        .accounts()
        .tokens(Some(&config.org))?
        .iter()
        .any(|t| t.role == Role::Admin && t.revoked_at.is_none());
    if has_admin {
        return Ok(AdminToken::Existing);
    }
    let (_, secret) = store.accounts().create_token(
        &config.org,
        Role::Admin,
        Some(&admin),
        Some("admin (first start)"),
        None,
        None,
    )?;
    store.accounts().audit(
        "c5hub",
        Some(&config.org),
        "token.create",
        None,
        Some("admin token generated on first start"),
    )?;
    Ok(AdminToken::Generated(secret))
}

/// A running server.
pub struct Running {
    /// The address it listens on (useful with port 0).
    pub addr: SocketAddr,
    /// The metrics address, when `metrics_listen` is set.
    pub metrics_addr: Option<SocketAddr>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    metrics_task: Option<tokio::task::JoinHandle<()>>,
    notifier: Option<tokio::task::JoinHandle<()>>,
    poller: tokio::task::JoinHandle<()>,
    federation: tokio::task::JoinHandle<()>,
    shutdown: tokio::sync::watch::Sender<bool>,
    writer: writer::WriterThread,
}

impl Running {
    /// Asks the server to stop: it stops accepting, finishes in-flight
    /// requests, commits queued submissions, then returns.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(true);
        self.wait().await
    }

    /// Waits until the server stops (after a shutdown request or signal).
    pub async fn wait(self) -> std::io::Result<()> {
        let served = self.task.await.map_err(std::io::Error::other);
        // The metrics address serves no request that needs finishing.
        if let Some(t) = self.metrics_task {
            t.abort();
        }
        // The notifier's cursor moves with what it stored, in one
        // transaction: stopping it anywhere loses and repeats nothing.
        if let Some(t) = self.notifier {
            t.abort();
        }
        // A feed's cursor moves only after what it covers is committed:
        // stopping the poller anywhere loses nothing, and what it fetches
        // again is a no-op in the store.
        self.poller.abort();
        // A peer's outbound cursor moves only after the peer accepted the
        // page: stopping the push anywhere sends that page again, which the
        // peer takes as duplicates.
        self.federation.abort();
        let served = served?;
        // The router, and with it every writer handle, is gone: the writer
        // drains its queue and ends.
        self.writer.join();
        served
    }
}

/// Opens the store, binds, and serves until `shutdown` is requested, or
/// SIGTERM / Ctrl-C arrive when `signals` is set.
pub async fn start(
    location: Location,
    options: Options,
    config: Config,
    signals: bool,
) -> Result<Running, String> {
    // A bad [notify] setting stops the start before anything is opened.
    let smtp = match &config.notify.smtp_url {
        Some(url) => Some(smtp::Smtp::parse(url, &config.notify.from)?),
        None => None,
    };
    config.taxii.check()?;
    let spam = Arc::new(spam::load(&config.spam)?);
    {
        // Spam incidents stored in clear by older versions get their
        // pseudonyms before anyone can read them.
        let (location, options, spam) = (location.clone(), options.clone(), spam.clone());
        tokio::task::spawn_blocking(move || spam::pseudonymise_stored(&location, &options, &spam))
            .await
            .map_err(|e| e.to_string())??;
    }
    let config = Arc::new(config);
    let readers = config.read_connections.max(1);
    let pool = {
        let location = location.clone();
        let options = options.clone();
        tokio::task::spawn_blocking(move || pool::StorePool::open(&location, &options, readers))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
    };
    let metrics = Arc::new(metrics::Metrics::default());
    let (handle, thread) = {
        let (location, metrics, max_batch) = (location.clone(), metrics.clone(), config.max_batch);
        tokio::task::spawn_blocking(move || writer::spawn(&location, options, max_batch, metrics))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
    };
    let state = AppState {
        pool: Arc::new(pool),
        writer: handle,
        config: config.clone(),
        metrics,
        ready: Arc::new(AtomicBool::new(true)),
        tokens: Arc::new(auth::TokenCache::default()),
        logins: Arc::new(login::LoginThrottle::default()),
        spam,
    };
    let ready = state.ready.clone();
    let notifier = notifier(&state, smtp);
    let poller = poller::spawn(&state);
    let federation = federation::spawn(&state);
    let metrics_app = api::metrics_router(state.clone());
    let app = api::router(state);
    let listener = TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let stop = async move {
        let requested = async {
            while !*rx.borrow_and_update() {
                if rx.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        if signals {
            tokio::select! {
                () = requested => {}
                () = signal() => {}
            }
        } else {
            requested.await;
        }
        ready.store(false, Ordering::SeqCst);
        tracing::info!("shutting down: finishing in-flight requests");
    };
    let (metrics_addr, metrics_task) = match &config.metrics_listen {
        Some(at) => {
            let l = TcpListener::bind(at)
                .await
                .map_err(|e| format!("cannot listen on {at} (metrics_listen): {e}"))?;
            let a = l.local_addr().map_err(|e| e.to_string())?;
            let t = tokio::spawn(async move {
                let _ = axum::serve(l, metrics_app).await;
            });
            (Some(a), Some(t))
        }
        None => (None, None),
    };
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop)
        .await
    });
    Ok(Running {
        addr,
        metrics_addr,
        task,
        metrics_task,
        notifier,
        poller,
        federation,
        shutdown: tx,
        writer: thread,
    })
}

/// The notifier (`c5hub_hub::notify::follow`) as a background task: it
/// follows the change feed until it is caught up, sends the webhook
/// deliveries that are due (`webhooks`), then waits `[notify]
/// interval_ms`; an error is logged and retried after the wait.
fn notifier(state: &AppState, smtp: Option<smtp::Smtp>) -> Option<tokio::task::JoinHandle<()>> {
    let interval = state.config.notify.interval_ms;
    if interval == 0 {
        return None;
    }
    let (pool, org) = (state.pool.clone(), state.config.org.clone());
    let state = state.clone();
    let agent = webhooks::agent();
    Some(tokio::spawn(async move {
        loop {
            let org = org.clone();
            match pool
                .run(move |st| Ok(c5hub_hub::notify::follow(st, &org)))
                .await
            {
                Ok(Ok(f)) if f.changes > 0 => continue,
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "notifier"),
                Err(p) => tracing::warn!(error = %p.detail, "notifier"),
            }
            // Caught up: send what is due to webhooks and by e-mail,
            // then wait.
            while webhooks::round(&state, &agent).await > 0 {}
            if let Some(smtp) = &smtp {
                while smtp::round(&state, smtp).await > 0 {}
            }
            tokio::time::sleep(std::time::Duration::from_millis(interval)).await;
        }
    }))
}

async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the server on its own runtime until SIGTERM or Ctrl-C, then shuts
/// down gracefully; `on_listening` is called with the bound address once
/// the server accepts connections.
pub fn serve_blocking(
    location: Location,
    options: Options,
    config: Config,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("c5hub-http")
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    rt.block_on(async move {
        let running = start(location, options, config, true).await?;
        on_listening(running.addr);
        running.wait().await.map_err(|e| e.to_string())
    })?;
    tracing::info!("stopped");
    Ok(())
}

/// Reads a submission body exactly as `POST /api/v1/incidents` does (media
/// type, IODEF decoding and validation, or the native JSON) and returns the
/// incidents, or the problem as text. For the fuzzer and for tools.
pub fn read_submission(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Vec<c5hub_model::Incident>, String> {
    let to_text = |p: problem::Problem| p.to_json().to_string();
    let format = api::submit::body_format(content_type, body).map_err(to_text)?;
    api::submit::parse(format, body)
        .map(|p| p.incidents)
        .map_err(to_text)
}

/// Reads a TAXII 2.1 request exactly as `/taxii2/` does: the objects
/// endpoint's query string and, when given, a posted envelope (read as one
/// STIX bundle); how many objects the envelope holds, or the TAXII error's
/// description. For the fuzzer.
pub fn read_taxii_request(query: &str, body: Option<&[u8]>) -> Result<usize, String> {
    taxii::read_request(query, body)
}

/// Reads a spam report body exactly as `POST /api/v1/spam/reports` does
/// (one report, an array, or `{"reports": [...]}`, each checked and made a
/// report for `operator`) and returns how many reports it holds, or the
/// problem as text. For the fuzzer.
pub fn read_spam_reports(operator: &str, body: &[u8]) -> Result<usize, String> {
    let to_text = |p: problem::Problem| p.to_json().to_string();
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let (items, _) = api::spam::incoming(v, operator).map_err(to_text)?;
    let key = c5hub_spam::report::PseudonymKey::new(b"a fuzzing key, not a secret")
        .map_err(|e| e.to_string())?;
    spam::reports_from(&key, operator, items, chrono::Utc::now())
        .map(|r| r.len())
        .map_err(|e| format!("{e:?}"))
}
