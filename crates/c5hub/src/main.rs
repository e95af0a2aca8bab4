//! The `c5hub` binary: parses the command line, calls the library crates,
//! and maps their outcome to an exit code. Nothing else lives here.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// c5hub: the cooperation hub for national CIRTs, sector CIRTs, telecom
/// regulators and operators.
#[derive(Debug, Parser)]
#[command(name = "c5hub", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate, convert and summarise IODEF v2 (RFC 7970 = ITU-T X.1541)
    /// documents, in XML or the RFC 8727 JSON binding.
    #[command(subcommand)]
    Iodef(cmd::iodef::IodefCommand),
    /// National cybersecurity assessment (GCI style): score answers or
    /// pillar scores, tier stability under other weights, regional and
    /// progress views, HTML reports.
    #[command(subcommand)]
    Assess(cmd::assess::AssessCommand),
    /// Import IODEF documents, CSV feeds and IntelMQ events into the store
    /// (files and directories; formats detected from content).
    Import(cmd::store::ImportArgs),
    /// List and show stored incidents.
    #[command(subcommand)]
    Incidents(cmd::store::IncidentsCommand),
    /// Everything the store knows about a value: matching incidents (exact,
    /// prefix either way, same domain) and sightings.
    Lookup(cmd::store::LookupArgs),
    /// Incidents whose title or description holds every word, newest
    /// first; one value answers its lookup.
    Search(cmd::store::SearchArgs),
    /// Export incidents as IODEF XML, IODEF JSON or CSV.
    Export(cmd::store::ExportArgs),
    /// The change feed: new incidents and versions, status and assignee
    /// changes and comments, in commit order, over incidents you may read.
    Changes(cmd::store::ChangesArgs),
    /// Measurements for BENCHMARKS.md (ingest rate, lookup latency, size).
    #[command(subcommand)]
    Bench(cmd::bench::BenchCommand),
    /// Countering spam: train, evaluate and apply the short-text classifier.
    #[command(subcommand)]
    Spam(cmd::spam::SpamCommand),
    /// Run the hub: REST API, web UI, metrics (`--demo` seeds a
    /// demonstration hub).
    Serve(cmd::serve::ServeArgs),
    /// Member organisations.
    #[command(subcommand)]
    Orgs(cmd::serve::OrgsCommand),
    /// Users of member organisations.
    #[command(subcommand)]
    Users(cmd::serve::UsersCommand),
    /// API tokens (stored hashed; printed once when made).
    #[command(subcommand)]
    Tokens(cmd::serve::TokensCommand),
    /// Polled feeds: TAXII 2.1 collections and MISP feeds `serve` pulls
    /// from.
    #[command(subcommand)]
    Feeds(cmd::feeds::FeedsCommand),
    /// Peer hubs this hub federates with, each under its own policy.
    #[command(subcommand)]
    Peers(cmd::peers::PeersCommand),
    // New subcommand groups are added here, one variant each.
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Iodef(c) => cmd::iodef::run(c),
        Command::Assess(c) => cmd::assess::run(c),
        Command::Import(a) => cmd::store::import(a),
        Command::Incidents(c) => cmd::store::incidents(c),
        Command::Lookup(a) => cmd::store::lookup(a),
        Command::Search(a) => cmd::store::search(a),
        Command::Export(a) => cmd::store::export(a),
        Command::Changes(a) => cmd::store::changes(a),
        Command::Bench(c) => cmd::bench::run(c),
        Command::Spam(c) => cmd::spam::run(c),
        Command::Serve(a) => cmd::serve::serve(a),
        Command::Orgs(c) => cmd::serve::orgs(c),
        Command::Users(c) => cmd::serve::users(c),
        Command::Tokens(c) => cmd::serve::tokens(c),
        Command::Feeds(c) => cmd::feeds::run(c),
        Command::Peers(c) => cmd::peers::run(c),
        // New subcommand groups are dispatched here.
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            // Usage and I/O failures: exit 2, the error chain on stderr once.
            eprintln!("c5hub: {err:#}");
            ExitCode::from(2)
        }
    }
}
