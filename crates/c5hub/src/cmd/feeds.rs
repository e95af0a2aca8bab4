//! `c5hub feeds`: the polled feeds (TAXII 2.1 collections, MISP feeds),
//! a door onto `c5hub_hub::feeds`. Secrets are read from files, never
//! from the command line (which other users of the machine can see), and
//! never printed back.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use c5hub_hub::feeds::{self, Asked, Kind};
use clap::{Args, Subcommand};

use super::serve::console;
use super::store::{Backend, ListFormat};

/// `c5hub feeds ...`
#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Add a feed, polled by `c5hub serve`.
    #[command(subcommand)]
    Add(AddCommand),
    /// Every feed with its state (last success, error, objects, next poll).
    List {
        /// Output format (`json`: the API's `GET /api/v1/feeds`).
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        backend: Backend,
    },
    /// Remove a feed.
    Remove {
        /// The feed's id (see `feeds list`).
        id: i64,
        #[command(flatten)]
        backend: Backend,
    },
}

/// The kinds of feed.
#[derive(Debug, Subcommand)]
pub enum AddCommand {
    /// A TAXII 2.1 collection: URL is the API root (or the collection's
    /// own URL).
    Taxii {
        /// The API root, e.g. http://taxii.example/api1/ (plain http only).
        url: String,
        /// The collection's id.
        #[arg(long)]
        collection: String,
        #[command(flatten)]
        common: Common,
    },
    /// A MISP feed: URL is where its manifest.json is.
    Misp {
        /// The feed's URL, e.g. http://hub.example/misp/ (plain http only).
        url: String,
        #[command(flatten)]
        common: Common,
    },
}

/// What every kind of feed takes.
#[derive(Debug, Args)]
pub struct Common {
    /// HTTP Basic user name (with --password-file).
    #[arg(long, requires = "password_file", conflicts_with = "token_file")]
    user: Option<String>,
    /// File holding the Basic password (first line).
    #[arg(long, requires = "user")]
    password_file: Option<PathBuf>,
    /// File holding a bearer token (first line).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Time between polls: 30s, 15m, 2h, 1d.
    #[arg(long, default_value = "15m")]
    every: String,
    /// The organisation whose incidents the feed's become (default: the
    /// hub operator's).
    #[arg(long = "as")]
    as_org: Option<String>,
    /// TLP of objects that carry none (clear, green, amber, amber+strict, red).
    #[arg(long, default_value = "amber")]
    tlp: String,
    #[command(flatten)]
    backend: Backend,
}

fn add(kind: Kind, url: String, collection: Option<String>, c: Common) -> Result<ExitCode> {
    if c.user.is_some() != c.password_file.is_some() || (c.user.is_some() && c.token_file.is_some())
    {
        bail!("give either --user with --password-file, or --token-file");
    }
    let password = c
        .password_file
        .as_ref()
        .map(|p| super::secret_file(p, "password"))
        .transpose()?;
    let token = c
        .token_file
        .as_ref()
        .map(|p| super::secret_file(p, "token"))
        .transpose()?;
    let r = Asked {
        kind: kind.as_str(),
        url: &url,
        collection: collection.as_deref(),
        user: c.user.as_deref(),
        password: password.as_deref(),
        token: token.as_deref(),
        every: Some(&c.every),
        as_org: c.as_org.as_deref(),
        tlp: Some(&c.tlp),
    }
    .request()?;
    let mut s = c.backend.open()?;
    let f = feeds::add(&mut s, &console(), &r)?;
    println!("{}\t{}\t{}\tas {}", f.id, f.kind, f.url, f.as_org);
    Ok(ExitCode::SUCCESS)
}

/// Runs `c5hub feeds`.
pub fn run(c: FeedsCommand) -> Result<ExitCode> {
    match c {
        FeedsCommand::Add(AddCommand::Taxii {
            url,
            collection,
            common,
        }) => add(Kind::Taxii, url, Some(collection), common),
        FeedsCommand::Add(AddCommand::Misp { url, common }) => add(Kind::Misp, url, None, common),
        FeedsCommand::List { format, backend } => {
            let mut s = backend.open()?;
            let all = feeds::list(&mut s, &console())?;
            if let ListFormat::Json = format {
                let answers: Vec<_> = all
                    .iter()
                    .map(c5hub_wire::feeds::FeedAnswer::from)
                    .collect();
                println!("{}", serde_json::to_string_pretty(&answers)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "id\tkind\turl\tcollection\tas\ttlp\tevery\tobjects\tlast_success\tnext_due\tfailures\tlast_error"
            );
            for f in all {
                let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
                    d.map_or_else(|| "-".to_owned(), |d| d.to_rfc3339())
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}s\t{}\t{}\t{}\t{}\t{}",
                    f.id,
                    f.kind,
                    f.url,
                    if f.collection.is_empty() {
                        "-"
                    } else {
                        &f.collection
                    },
                    f.as_org,
                    f.tlp,
                    f.every_s,
                    f.objects_total,
                    t(f.last_success),
                    f.next_due.to_rfc3339(),
                    f.failures,
                    f.last_error.as_deref().unwrap_or("-"),
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        FeedsCommand::Remove { id, backend } => {
            feeds::remove(&mut backend.open()?, &console(), id)?;
            println!("removed feed {id}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
