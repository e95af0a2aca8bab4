//! `c5hub serve`, and the account commands scripts use against the same
//! store: `c5hub orgs`, `c5hub users`, `c5hub tokens`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use c5hub_hub::{Authority, accounts};
use c5hub_model::{OrgKind, Role};
use c5hub_server::{AdminToken, Config};
use clap::{Args, Subcommand, ValueEnum};

use super::store::{Backend, ListFormat};
use c5hub_wire::admin as wire;

/// Log line format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// `c5hub serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    backend: Backend,
    /// Address to listen on (overrides the config file).
    #[arg(long)]
    listen: Option<String>,
    /// Settings file (TOML); see the server crate's `config` module.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Seed a demonstration hub (organisations, users, a few hundred
    /// incidents) when the store is empty.
    #[arg(long)]
    demo: bool,
    /// Serve TLP:CLEAR incidents to readers who are not logged in.
    #[arg(long)]
    public_access: bool,
    /// Session cookies without `Secure`, for plain-HTTP setups other than
    /// localhost. Never on a hub reachable from the internet.
    #[arg(long)]
    insecure_cookies: bool,
    /// Log format.
    #[arg(long, value_enum, default_value = "text", env = "C5HUB_LOG_FORMAT")]
    log_format: LogFormat,
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("C5HUB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,c5hub::http=warn"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => b.json().try_init(),
        LogFormat::Text => b.with_ansi(std::io::stderr().is_terminal()).try_init(),
    };
}

/// Runs `c5hub serve`.
pub fn serve(a: ServeArgs) -> Result<ExitCode> {
    init_logs(a.log_format);
    let mut config = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Config::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
        }
        None => Config::default(),
    };
    if let Some(l) = &a.listen {
        config.listen = l.clone();
    }
    if a.public_access {
        config.public_access = true;
    }
    if a.insecure_cookies {
        config.secure_cookies = false;
    }
    if config.spam.key_file.is_none() {
        config.spam.key_file = spam_key_file(&a.backend)?;
    }
    // A busy or unusable address is found before anything is seeded or a
    // secret printed: a second `serve` on the same port must not mint an
    // admin token nobody can use, nor seed a demo into the store.
    check_listen(&config.listen)?;
    let mut store = a.backend.open()?;
    let found = store.accounts().census()?;
    let env_token = std::env::var("C5HUB_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    match c5hub_server::ensure_admin(&mut store, &config, env_token.as_deref())? {
        AdminToken::Generated(secret) => {
            // "First start" only when it is one: a store with data whose
            // admin tokens were all revoked gets a new one, and says so.
            let first = found == c5hub_store::Census::default();
            eprintln!(
                "{}: an admin account exists ({}).",
                if first {
                    "First start"
                } else {
                    "No live admin token was found"
                },
                c5hub_server::admin_user(&config.org)
            );
            eprintln!(
                "Its API token, shown only now (it also logs in to the web UI):\n\n    {secret}\n"
            );
        }
        AdminToken::FromEnvironment => eprintln!("admin token taken from C5HUB_ADMIN_TOKEN"),
        AdminToken::Existing => {}
    }
    if found != c5hub_store::Census::default() {
        eprintln!("{}", found_line(&a.backend.location().to_string(), found));
    }
    if a.demo {
        let password = std::env::var("C5HUB_DEMO_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| c5hub_store::new_secret()[4..20].to_owned());
        match c5hub_server::demo::seed(&mut store, &config.org, &password, 300)? {
            Some(s) => {
                eprintln!(
                    "Demo hub seeded: {} incidents. Demo users (password {password}):",
                    s.incidents
                );
                for (email, org, role) in &s.users {
                    eprintln!("    {email:<32} {org:<14} {role}");
                }
            }
            None => eprintln!("the store already holds incidents: demo data not seeded"),
        }
        if config.spam.subscribers.is_empty() {
            // Invented subscriber counts, so the demo shows reports per
            // thousand subscribers.
            config.spam.subscribers = [
                ("telco-alpha".to_owned(), 2_400_000),
                ("telco-beta".to_owned(), 900_000),
            ]
            .into_iter()
            .collect();
        }
        match c5hub_server::demo::seed_spam(&mut store, &config.spam) {
            Ok(0) => {}
            Ok(n) => eprintln!("Demo spam reports seeded: {n} from telco-alpha and telco-beta."),
            Err(e) => bail!("seeding demo spam reports: {e}"),
        }
    }
    drop(store);
    let location = a.backend.location();
    let options = a.backend.options()?;
    c5hub_server::serve_blocking(location.clone(), options, config, |addr| {
        eprintln!(
            "c5hub serving {location} on http://{addr}/ (API: /api/v1, OpenAPI: /api/openapi.json)"
        );
    })
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok(ExitCode::SUCCESS)
}

/// Binds the listen address once and lets it go, so a busy port is a
/// clear error before the store is touched.
fn check_listen(listen: &str) -> Result<()> {
    std::net::TcpListener::bind(listen)
        .map(drop)
        .with_context(|| {
            format!("cannot listen on {listen} (is another c5hub or program using it? pick another with --listen); nothing was changed")
        })
}

/// What a restart found in the store, in words.
fn found_line(location: &str, c: c5hub_store::Census) -> String {
    format!(
        "store at {location}: {}, {}, {}",
        plural(c.orgs, "organisation", "organisations"),
        plural(c.users, "user", "users"),
        plural(c.incidents, "incident", "incidents")
    )
}

/// `1 incident`, `2 incidents`.
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The spam pseudonym key when the config names none: `C5HUB_SPAM_KEY_FILE`
/// (as for `c5hub spam`), else `DATA/spam.key` for the embedded store,
/// made with 32 random bytes on first start, so pseudonyms and recipient
/// hashes stay the same across restarts. With PostgreSQL and neither, the
/// server uses a key that lasts until it stops (and says so).
fn spam_key_file(backend: &Backend) -> Result<Option<PathBuf>> {
    if let Some(p) = std::env::var_os("C5HUB_SPAM_KEY_FILE").filter(|p| !p.is_empty()) {
        return Ok(Some(PathBuf::from(p)));
    }
    if backend.database.is_some() {
        return Ok(None);
    }
    let path = backend.data.join("spam.key");
    if !path.exists() {
        std::fs::create_dir_all(&backend.data)
            .with_context(|| format!("cannot create {}", backend.data.display()))?;
        let hex: String = c5hub_store::new_secret();
        write_private(&path, hex.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("made the spam pseudonym key {}", path.display());
    }
    Ok(Some(path))
}

/// Writes a secret readable by its owner only.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)?.write_all(bytes)
}

/// `c5hub orgs`.
#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Add a member organisation.
    Add {
        /// Its name (a-z, 0-9, '-', '_', '.'), as incidents record their reporter.
        name: String,
        /// national-cirt, sector-cirt, operator, regulator or peer-hub.
        #[arg(long = "type")]
        kind: String,
        #[command(flatten)]
        backend: Backend,
    },
    /// List organisations.
    List {
        /// Output format (`json`: the API's `GET /api/v1/orgs`).
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        backend: Backend,
    },
}

/// `c5hub users`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user. The password is read from C5HUB_PASSWORD when set;
    /// without one the user logs in by token only.
    Add {
        /// Login email.
        email: String,
        /// Organisation.
        #[arg(long)]
        org: String,
        /// admin, analyst, reporter or viewer.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        backend: Backend,
    },
    /// List users.
    List {
        /// Output format (`json`: the API's `GET /api/v1/users`).
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        backend: Backend,
    },
    /// Set a user's password, read from C5HUB_PASSWORD (12+ characters).
    Passwd {
        /// Login email.
        email: String,
        #[command(flatten)]
        backend: Backend,
    },
    /// Disable a user (their sessions end); `--enable` lets them in again.
    Disable {
        /// Login email.
        email: String,
        /// Enable instead.
        #[arg(long)]
        enable: bool,
        #[command(flatten)]
        backend: Backend,
    },
    /// Change a user's role.
    Role {
        /// Login email.
        email: String,
        /// admin, analyst, reporter or viewer.
        role: String,
        #[command(flatten)]
        backend: Backend,
    },
}

/// `c5hub tokens`.
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Make an API token and print it (the only time it is shown).
    Create {
        /// Organisation it acts for.
        #[arg(long)]
        org: String,
        /// admin, analyst, reporter or viewer.
        #[arg(long)]
        role: String,
        /// What it is for.
        #[arg(long)]
        label: Option<String>,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
        #[command(flatten)]
        backend: Backend,
    },
    /// List tokens (never their secrets).
    List {
        /// Output format (`json`: the API's `GET /api/v1/tokens`).
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        backend: Backend,
    },
    /// Revoke a token by id.
    Revoke {
        /// The token's id (from `tokens list`).
        id: i64,
        #[command(flatten)]
        backend: Backend,
    },
}

/// Whoever runs the command line on the store holds the hub (they hold its
/// database): the account commands act with the hub's authority, through
/// the same operations as the API and the web UI.
pub(crate) fn console() -> Authority {
    Authority::Console {
        name: format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
        ),
    }
}

/// Prints a listing as the API answers it: one JSON array.
fn print_json<T: serde::Serialize>(items: impl Iterator<Item = T>) -> Result<()> {
    println!(
        "{}",
        serde_json::to_string_pretty(&items.collect::<Vec<_>>())?
    );
    Ok(())
}

/// Runs `c5hub orgs`.
pub fn orgs(c: OrgsCommand) -> Result<ExitCode> {
    match c {
        OrgsCommand::Add {
            name,
            kind,
            backend,
        } => {
            let kind: OrgKind = kind.parse()?;
            let mut s = backend.open()?;
            let o = accounts::add_org(&mut s, &console(), &name, kind)?;
            println!("{}\t{}", o.name, o.kind);
        }
        OrgsCommand::List { format, backend } => {
            let orgs = accounts::orgs(&mut backend.open()?)?;
            match format {
                ListFormat::Json => print_json(orgs.iter().map(wire::OrgAnswer::from))?,
                ListFormat::Table => {
                    for o in orgs {
                        println!("{}\t{}\t{}", o.name, o.kind, o.created_at.to_rfc3339());
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `c5hub users`.
pub fn users(c: UsersCommand) -> Result<ExitCode> {
    match c {
        UsersCommand::Add {
            email,
            org,
            role,
            backend,
        } => {
            let role: Role = role.parse()?;
            let password = std::env::var("C5HUB_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty());
            let mut s = backend.open()?;
            let new = accounts::NewUser {
                email,
                org,
                role,
                password,
            };
            let u = accounts::add_user(&mut s, &console(), &new)?;
            println!("{}\t{}\t{}", u.email, u.org, u.role);
        }
        UsersCommand::Passwd { email, backend } => {
            let password = std::env::var("C5HUB_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty())
                .context("set the new password in C5HUB_PASSWORD (never on the command line, where other users see it)")?;
            let u = accounts::reset_password(&mut backend.open()?, &console(), &email, &password)?;
            eprintln!("password of {} set", u.email);
        }
        UsersCommand::Disable {
            email,
            enable,
            backend,
        } => {
            let u = accounts::set_user_disabled(&mut backend.open()?, &console(), &email, !enable)?;
            eprintln!(
                "{} {}",
                u.email,
                if u.disabled { "disabled" } else { "enabled" }
            );
        }
        UsersCommand::Role {
            email,
            role,
            backend,
        } => {
            let role: Role = role.parse()?;
            let u = accounts::set_user_role(&mut backend.open()?, &console(), &email, role)?;
            println!("{}\t{}\t{}", u.email, u.org, u.role);
        }
        UsersCommand::List { format, backend } => {
            let users = accounts::users(&mut backend.open()?, &console())?;
            if let ListFormat::Json = format {
                print_json(users.iter().map(wire::UserAnswer::from))?;
                return Ok(ExitCode::SUCCESS);
            }
            for u in users {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.email,
                    u.org,
                    u.role,
                    if u.disabled { "disabled" } else { "active" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `c5hub tokens`.
pub fn tokens(c: TokensCommand) -> Result<ExitCode> {
    match c {
        TokensCommand::Create {
            org,
            role,
            label,
            expires_days,
            backend,
        } => {
            let role: Role = role.parse()?;
            let expires =
                expires_days.map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d)));
            if expires_days == Some(0) {
                bail!("--expires-days must be at least 1");
            }
            let mut s = backend.open()?;
            let new = accounts::NewToken {
                org: org.clone(),
                role,
                user: None,
                label,
                expires_at: expires,
            };
            let (info, secret) = accounts::create_token(&mut s, &console(), &new)?;
            eprintln!("token {} for {org} ({role}); shown only now:", info.id);
            println!("{secret}");
        }
        TokensCommand::List { format, backend } => {
            let tokens = accounts::tokens(&mut backend.open()?, &console())?;
            if let ListFormat::Json = format {
                print_json(tokens.iter().map(wire::TokenAnswer::from))?;
                return Ok(ExitCode::SUCCESS);
            }
            for t in tokens {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.org,
                    t.role,
                    t.label.unwrap_or_default(),
                    state
                );
            }
        }
        TokensCommand::Revoke { id, backend } => {
            let mut s = backend.open()?;
            if let Err(e) = accounts::revoke_token(&mut s, &console(), id) {
                match e {
                    c5hub_hub::Error::NotFound(_) => bail!("no active token {id}"),
                    other => return Err(other.into()),
                }
            }
            eprintln!("token {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}
