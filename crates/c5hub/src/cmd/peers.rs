//! `c5hub peers`: the hubs this hub federates with, a door onto
//! `c5hub_hub::peers`. Tokens and keys are read from files, never from
//! the command line (which other users of the machine can see), and never
//! printed back.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use c5hub_hub::peers::{self, Asked};
use c5hub_store::Peer;
use c5hub_wire::peers::PeerAnswer;
use clap::Subcommand;

use super::serve::console;
use super::store::{Backend, ListFormat};

/// `c5hub peers ...`
#[derive(Debug, Subcommand)]
pub enum PeersCommand {
    /// Add a peer hub.
    Add {
        /// The peer hub's name (what incidents' paths will carry).
        name: String,
        /// Its TAXII 2.1 API root, e.g. http://regional.example/taxii2/api1/
        /// (plain http only).
        url: String,
        /// File holding the token this hub sends it (first line).
        #[arg(long)]
        token_file: PathBuf,
        /// The policy file (TOML: `[out]` and `[in]`; see README,
        /// "Federation"). Without it, the defaults: CLEAR and GREEN out,
        /// personal data as pseudonyms.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// File holding the key of the pseudonyms shared with this peer
        /// (hex, first line; at least 16 bytes).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// `c5hub` (native federation) or `taxii` (any TAXII 2.1 server).
        #[arg(long, default_value = "c5hub")]
        kind: String,
        /// The organisation that stands for the peer on this hub (AMBER
        /// incidents shared with it may flow).
        #[arg(long)]
        org: Option<String>,
        #[command(flatten)]
        backend: Backend,
    },
    /// Every peer with its state.
    List {
        /// Output format (`json`: one object per peer).
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        backend: Backend,
    },
    /// One peer: its policy and each direction's state.
    Show {
        /// The peer's name.
        name: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        backend: Backend,
    },
    /// Stop exchanging with a peer; its cursors are kept.
    Pause {
        /// The peer's name.
        name: String,
        #[command(flatten)]
        backend: Backend,
    },
    /// Go on exchanging with a paused peer, where it stopped.
    Resume {
        /// The peer's name.
        name: String,
        #[command(flatten)]
        backend: Backend,
    },
    /// Remove a peer.
    Remove {
        /// The peer's name.
        name: String,
        #[command(flatten)]
        backend: Backend,
    },
}

fn print(p: &Peer, format: ListFormat) -> Result<()> {
    if let ListFormat::Json = format {
        println!("{}", serde_json::to_string_pretty(&PeerAnswer::from(p))?);
        return Ok(());
    }
    let t = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map_or_else(|| "-".to_owned(), |d| d.to_rfc3339())
    };
    println!("name\t{}", p.name);
    println!("url\t{}", p.url);
    println!("kind\t{}", p.kind);
    println!("org\t{}", p.org.as_deref().unwrap_or("-"));
    println!("paused\t{}", p.paused);
    println!(
        "out\tcursor {}\t{} objects\t{} bytes\t{} changes behind",
        p.cursor_out, p.sent_objects, p.sent_bytes, p.lag
    );
    println!(
        "in\tcursor {}\t{} objects\t{} bytes",
        if p.cursor_in.is_empty() {
            "-"
        } else {
            &p.cursor_in
        },
        p.received_objects,
        p.received_bytes
    );
    println!("last_success\t{}", t(p.last_success));
    println!("last_error\t{}", p.last_error.as_deref().unwrap_or("-"));
    println!("policy\n{}", p.policy);
    Ok(())
}

/// Runs `c5hub peers`.
pub fn run(c: PeersCommand) -> Result<ExitCode> {
    match c {
        PeersCommand::Add {
            name,
            url,
            token_file,
            policy,
            key_file,
            kind,
            org,
            backend,
        } => {
            let token = super::secret_file(&token_file, "token")?;
            let key = key_file
                .map(|k| super::secret_file(&k, "key"))
                .transpose()?;
            let policy = match policy {
                Some(p) => std::fs::read_to_string(&p)
                    .with_context(|| format!("cannot read the policy file {}", p.display()))?,
                None => String::new(),
            };
            let mut s = backend.open()?;
            let p = peers::add(
                &mut s,
                &console(),
                &Asked {
                    name: &name,
                    url: &url,
                    kind: Some(&kind),
                    token: &token,
                    policy: &policy,
                    pseudonym_key: key.as_deref(),
                    org: org.as_deref(),
                },
            )?;
            println!("{}\t{}\t{}", p.name, p.kind, p.url);
            Ok(ExitCode::SUCCESS)
        }
        PeersCommand::List { format, backend } => {
            let all = peers::list(&mut backend.open()?, &console())?;
            if let ListFormat::Json = format {
                let answers: Vec<PeerAnswer> = all.iter().map(PeerAnswer::from).collect();
                println!("{}", serde_json::to_string_pretty(&answers)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "name\tkind\turl\torg\tpaused\tcursor_out\tsent\treceived\tlast_success\tlast_error"
            );
            for p in all {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    p.name,
                    p.kind,
                    p.url,
                    p.org.as_deref().unwrap_or("-"),
                    p.paused,
                    p.cursor_out,
                    p.sent_objects,
                    p.received_objects,
                    p.last_success
                        .map_or_else(|| "-".to_owned(), |d| d.to_rfc3339()),
                    p.last_error.as_deref().unwrap_or("-"),
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PeersCommand::Show {
            name,
            format,
            backend,
        } => {
            let p = peers::show(&mut backend.open()?, &console(), &name)?;
            print(&p, format)?;
            Ok(ExitCode::SUCCESS)
        }
        PeersCommand::Pause { name, backend } => {
            peers::set_paused(&mut backend.open()?, &console(), &name, true)?;
            println!("paused peer {name} (its cursors are kept)");
            Ok(ExitCode::SUCCESS)
        }
        PeersCommand::Resume { name, backend } => {
            let p = peers::set_paused(&mut backend.open()?, &console(), &name, false)?;
            println!("resumed peer {name} from change {}", p.cursor_out);
            Ok(ExitCode::SUCCESS)
        }
        PeersCommand::Remove { name, backend } => {
            peers::remove(&mut backend.open()?, &console(), &name)?;
            println!("removed peer {name}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
