//! `c5hub import`, `c5hub incidents`, `c5hub lookup`, `c5hub export`,
//! `c5hub changes`: the store from the command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use c5hub_hub::{Authority, reads};
use c5hub_import::{Event, ImportOptions};
use c5hub_model::{IncidentStatus, RsitClass, Tlp};
use c5hub_store::{
    IncidentFilter, IncidentOrder, IncidentSummary, Location, Options, Outcome, SortColumn, Store,
    WarningList,
};
use c5hub_wire::incidents as wire;

use super::serve::plural;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};

/// Where the store is and who is asking.
#[derive(Debug, Args)]
pub struct StoreArgs {
    #[command(flatten)]
    backend: Backend,
    /// The member organisation this command acts for; TLP decides what it
    /// sees (default `local`; `import` defaults to the hub operator's).
    #[arg(long = "as", env = "C5HUB_ORG", global = true)]
    org: Option<String>,
}

/// Where the store is: `--data`, `--database`, `--warning-list`, shared by
/// every command that opens it (including `serve`).
#[derive(Debug, Args)]
pub struct Backend {
    /// Directory of the embedded store.
    #[arg(
        long,
        env = "C5HUB_DATA",
        default_value = "./c5hub-data",
        global = true
    )]
    pub data: PathBuf,
    /// PostgreSQL instead of the embedded store, e.g.
    /// `postgres://user:pass@host/db` or `host=/var/run/postgresql dbname=c5hub`.
    #[arg(long, env = "C5HUB_DATABASE_URL", global = true)]
    pub database: Option<String>,
    /// Values that never correlate: one address, prefix or domain a line.
    /// Default: the built-in list (private, documentation and loopback
    /// ranges, public resolvers, very common domains).
    // The list is applied when correlations are read, not when they are
    // stored, so every reading command needs the same one: the variable
    // saves repeating the flag.
    #[arg(long, env = "C5HUB_WARNING_LIST", global = true)]
    pub warning_list: Option<PathBuf>,
}

impl Backend {
    /// The store's location.
    pub fn location(&self) -> Location {
        match &self.database {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Sqlite(self.data.clone()),
        }
    }

    /// The store's options (the warning list).
    pub fn options(&self) -> Result<Options> {
        let warning_list = match &self.warning_list {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                WarningList::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
            }
            None => WarningList::builtin(),
        };
        Ok(Options { warning_list })
    }

    /// Opens (and migrates) the store.
    pub fn open(&self) -> Result<Store> {
        let loc = self.location();
        Store::open(&loc, self.options()?)
            .with_context(|| format!("cannot open the store at {loc}"))
    }
}

impl StoreArgs {
    fn open(&self) -> Result<Store> {
        self.backend.open()
    }

    /// `--as` as given, else `local` (the reads' default: a name no
    /// member holds, so it reads TLP:CLEAR and GREEN only).
    fn org(&self) -> &str {
        self.org.as_deref().unwrap_or("local")
    }

    /// Who imports. On a store with organisations (a hub's), `--as` must
    /// name one of them, else nobody could ever read what is imported;
    /// without `--as`, the hub operator's organisation when the store
    /// records one. A bare store (no organisations) takes any name, as a
    /// store used without a hub always has.
    fn importer(&self, store: &mut Store) -> Result<String> {
        let orgs: Vec<String> = store
            .accounts()
            .orgs()?
            .into_iter()
            .map(|o| o.name)
            .collect();
        let org = match (&self.org, store.accounts().operator()?) {
            (Some(o), _) => o.clone(),
            (None, Some(op)) => {
                eprintln!(
                    "importing as {op}, the hub operator's organisation (--as to choose another)"
                );
                op
            }
            (None, None) => "local".to_owned(),
        };
        if !orgs.is_empty() && !orgs.contains(&org) {
            bail!(
                "organisation {org:?} is not a member of this hub, so none of its users could read what it imports; known: {} (add one with `c5hub orgs add`)",
                orgs.join(", ")
            );
        }
        Ok(org)
    }

    /// Who reads: the organisation named by `--as`, through the hub's
    /// operations (which apply its TLP, as for a member on the API).
    fn reader(&self) -> Authority {
        Authority::ReadingAs {
            org: self.org().to_owned(),
        }
    }
}

/// `c5hub import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files and directories (read recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
    /// Where rejected input is copied, with its errors (default: DATA/quarantine).
    #[arg(long)]
    quarantine: Option<PathBuf>,
    /// Feed rows stored per transaction, at most: fewer use less memory
    /// (about 1.5 GB at 250,000 rows of a typical feed), more write less.
    #[arg(long, default_value_t = 250_000)]
    batch: usize,
    /// Accept IODEF documents with schema violations when they convert.
    #[arg(long)]
    lenient: bool,
    /// Mapping file for CSV headers c5hub does not know (see crates/c5hub-feeds/README.md).
    #[arg(long)]
    mapping: Option<PathBuf>,
    /// Print one line per stored unit (`ok FILE [rows A-B]`) once it is committed.
    #[arg(long)]
    ack: bool,
    /// Largest IODEF document, or Incident of an XML document, accepted,
    /// in bytes (XML documents are read one Incident at a time, so a file
    /// may be larger).
    #[arg(long, default_value_t = c5hub_iodef::Limits::default().max_bytes)]
    max_bytes: usize,
    /// Deepest element nesting accepted in an IODEF document.
    #[arg(long, default_value_t = c5hub_iodef::Limits::default().max_depth)]
    max_depth: usize,
    /// Most elements accepted in an IODEF document, or Incident of an XML
    /// document.
    #[arg(long, default_value_t = c5hub_iodef::Limits::default().max_elements)]
    max_elements: usize,
    /// The files are a hub's IODEF export (`c5hub export`): store each
    /// incident under the reporter, sharing lists and recipients it
    /// carries, and its versions in order, instead of as `--as`'s. For the
    /// hub's operator moving a hub: it asserts who reported what.
    #[arg(long)]
    hub_export: bool,
    /// TLP of feed rows that carry none (and get none from `--mapping`):
    /// clear, green, amber, amber+strict, red. Default: amber.
    #[arg(long)]
    tlp: Option<String>,
    /// Organisations every imported incident is shared with (comma-separated;
    /// each must exist). Not with `--hub-export`, whose records say it.
    #[arg(long, value_delimiter = ',')]
    share_with: Vec<String>,
}

/// Output format of listings.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// One JSON document.
    Json,
}

/// Filters shared by listing and export.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Stored on or after (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    since: Option<String>,
    /// Stored before (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    until: Option<String>,
    /// ENISA RSIT class, `category/type` (e.g. fraud/phishing).
    #[arg(long)]
    class: Option<String>,
    /// TLP level (clear, green, amber, amber+strict, red).
    #[arg(long)]
    tlp: Option<String>,
    /// Status (new, triaged, in-progress, resolved, closed).
    #[arg(long)]
    status: Option<String>,
    /// Reporting organisation.
    #[arg(long)]
    reporter: Option<String>,
    /// Only incidents holding this value.
    #[arg(long)]
    observable: Option<String>,
    /// Most incidents (0: all).
    #[arg(long, default_value_t = 0)]
    limit: usize,
    /// Order by this column: key, title, status, class, tlp, reporter or
    /// detected (default: key, newest first).
    #[arg(long, value_parser = parse_sort)]
    sort: Option<SortColumn>,
    /// asc or desc (default: asc with --sort, desc without); ties by key
    /// the same way.
    #[arg(long, value_parser = ["asc", "desc"])]
    order: Option<String>,
}

fn parse_sort(s: &str) -> std::result::Result<SortColumn, String> {
    SortColumn::named(s).ok_or_else(|| {
        let names: Vec<&str> = SortColumn::ALL.iter().map(|c| c.as_str()).collect();
        format!("{s:?} is not one of {}", names.join(", "))
    })
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("{s:?} is neither YYYY-MM-DD nor an RFC 3339 time"))?;
    Ok(d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default())
}

impl FilterArgs {
    fn filter(&self) -> Result<IncidentFilter> {
        Ok(IncidentFilter {
            since: self.since.as_deref().map(parse_time).transpose()?,
            until: self.until.as_deref().map(parse_time).transpose()?,
            classification: self
                .class
                .as_deref()
                .map(|c| RsitClass::from_str(c).map_err(|e| anyhow::anyhow!("--class: {e}")))
                .transpose()?,
            tlp: self
                .tlp
                .as_deref()
                .map(|t| Tlp::from_str(t).map_err(|e| anyhow::anyhow!("--tlp: {e}")))
                .transpose()?,
            status: self
                .status
                .as_deref()
                .map(|s| IncidentStatus::from_str(s).map_err(|e| anyhow::anyhow!("--status: {e}")))
                .transpose()?,
            reporter: self.reporter.clone(),
            observable: self
                .observable
                .as_deref()
                .map(|o| {
                    c5hub_model::Observable::guess(o)
                        .map_err(|e| anyhow::anyhow!("--observable: {e}"))
                })
                .transpose()?,
            before: None,
            limit: self.limit,
            // As the API: a column alone sorts smallest first.
            order: IncidentOrder {
                by: self.sort.unwrap_or_default(),
                ascending: self
                    .order
                    .as_deref()
                    .map_or(self.sort.is_some(), |o| o == "asc"),
            },
            ..IncidentFilter::default()
        })
    }
}

/// `c5hub incidents`.
#[derive(Debug, Subcommand)]
pub enum IncidentsCommand {
    /// Incidents you may read, newest first or in the order asked.
    List {
        // Boxed: the filters would make every other command as large.
        #[command(flatten)]
        filter: Box<FilterArgs>,
        /// Incidents older than this key: the `next_cursor` of the page
        /// before (the default order only).
        #[arg(long)]
        cursor: Option<i64>,
        /// Rows to skip: the `next_offset` of the page before.
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// One incident with its observables, contacts, history and related incidents.
    Show {
        /// The incident's key (first column of `incidents list`).
        id: i64,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `c5hub lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// A value: address, prefix, domain, URL, email, hash, phone number, ASN.
    value: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
    /// Incidents to show: the newest this many; the total is always
    /// given.
    #[arg(long, default_value_t = c5hub_store::DEFAULT_LOOKUP_LIMIT)]
    limit: usize,
    /// Show incidents with keys below this one: the `next` of the page
    /// before.
    #[arg(long)]
    before: Option<i64>,
    #[command(flatten)]
    store: StoreArgs,
}

/// `c5hub search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find in incident titles and descriptions (every word, the
    /// last one as a prefix), or one value (address, domain, URL, e-mail,
    /// phone number, hash), which is answered with its lookup.
    #[arg(required = true)]
    text: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
    /// The page, from 1 (newest first).
    #[arg(long, default_value_t = 1)]
    page: usize,
    /// Incidents per page (at most 200).
    #[arg(long, default_value_t = c5hub_hub::reads::DEFAULT_SEARCH_PAGE)]
    per_page: usize,
    #[command(flatten)]
    store: StoreArgs,
}

/// The formats export can write, from the format registry.
fn export_formats() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        c5hub_formats::encoders().map(|f| clap::builder::PossibleValue::new(f.name).help(f.label)),
    )
}

/// `c5hub export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Format.
    #[arg(long, value_parser = export_formats())]
    format: String,
    /// Output file (standard output when absent); an existing file is
    /// refused unless `--force`.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Overwrite the `--output` file when it exists.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    filter: FilterArgs,
    #[command(flatten)]
    store: StoreArgs,
    /// IODEF: every stored version of each incident, oldest first, not
    /// only the current one (earlier versions are read from their original
    /// IODEF documents; those stored from feeds or forms are left out).
    #[arg(long)]
    all_versions: bool,
}

/// Runs `c5hub import`.
pub fn import(a: ImportArgs) -> Result<ExitCode> {
    let tlp = a
        .tlp
        .as_deref()
        .map(|t| Tlp::from_str(t).map_err(|e| anyhow::anyhow!("--tlp: {e}")))
        .transpose()?;
    if a.hub_export && !a.share_with.is_empty() {
        bail!(
            "--share-with does not go with --hub-export: the export's records say who each incident is shared with"
        );
    }
    let files = c5hub_import::collect_files(&a.paths)?;
    let mut store = a.store.open()?;
    let reporter = a.store.importer(&mut store)?;
    let share_with: Vec<String> = a
        .share_with
        .iter()
        .map(|o| o.trim().to_owned())
        .filter(|o| !o.is_empty())
        .collect();
    for o in &share_with {
        if store.accounts().org(o)?.is_none() {
            let known: Vec<String> = store
                .accounts()
                .orgs()?
                .into_iter()
                .map(|o| o.name)
                .collect();
            bail!(
                "--share-with: organisation {o:?} does not exist; known: {}",
                if known.is_empty() {
                    "none (add them with `c5hub orgs add`)".to_owned()
                } else {
                    known.join(", ")
                }
            );
        }
    }
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let mapping = match &a.mapping {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Some(
                c5hub_feeds::Mapping::from_toml(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
            )
        }
        None => None,
    };
    let opts = ImportOptions {
        reporter,
        quarantine: a
            .quarantine
            .clone()
            .unwrap_or_else(|| a.store.backend.data.join("quarantine")),
        batch_size: a.batch.max(1),
        lenient: a.lenient,
        limits: c5hub_iodef::Limits {
            max_bytes: a.max_bytes,
            max_depth: a.max_depth,
            max_elements: a.max_elements,
        },
        feed_mapping: mapping,
        hub_export: a.hub_export,
        tlp,
        share_with,
    };
    // A progress bar on a terminal only; logs and pipes get the summary.
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} {wide_bar} {eta} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut done_files = 0u64;
    let mut io_err: Option<std::io::Error> = None;
    let mut on = |e: Event<'_>| match e {
        Event::Committed {
            file,
            rows,
            outcomes,
        } => {
            if a.ack {
                let range = rows
                    .map(|(f, l)| format!(" rows {f}-{l}"))
                    .unwrap_or_default();
                if let Err(e) = writeln!(out, "ok {}{range} {}", file.display(), describe(outcomes))
                    .and_then(|()| out.flush())
                {
                    io_err.get_or_insert(e);
                }
            }
            if rows.is_none() {
                done_files += 1;
                if let Some(b) = &bar {
                    b.set_message(format!("{done_files} documents"));
                }
            }
        }
        Event::Rejected(r) => {
            let line = format!("rejected {}: {}", r.input, r.reason);
            match &bar {
                Some(b) => b.println(line),
                None => eprintln!("{line}"),
            }
        }
        Event::Read(n) => {
            if let Some(b) = &bar {
                b.inc(n);
            }
        }
    };
    let sum = c5hub_import::import(&mut store, &files, &opts, &mut on)?;
    if let Some(e) = io_err {
        return Err(e.into());
    }
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    eprintln!(
        "imported {} into {} as {}: {}, {}, {}, {}, {} rejected{}",
        plural(sum.files, "file", "files"),
        store.location(),
        opts.reporter,
        plural(sum.new, "new incident", "new incidents"),
        plural(sum.versions, "new version", "new versions"),
        plural(sum.duplicates, "duplicate", "duplicates"),
        plural(sum.observables, "observable", "observables"),
        sum.rejected.len(),
        if sum.rejected.is_empty() {
            String::new()
        } else {
            format!(
                " (copied to {} with their errors)",
                opts.quarantine.display()
            )
        }
    );
    Ok(if sum.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn describe(outcomes: &[Outcome]) -> String {
    let (mut n, mut v, mut d) = (0, 0, 0);
    for o in outcomes {
        match o {
            Outcome::New(_) => n += 1,
            Outcome::NewVersion { .. } => v += 1,
            Outcome::Duplicate(_) => d += 1,
        }
    }
    format!("new={n} versions={v} duplicates={d}")
}

fn table_row(s: &IncidentSummary) -> String {
    format!(
        "{:>7}  {:<19}  {:<16}  {:<11}  {:<16}  {:<28}  {}",
        s.key,
        s.created_at.format("%Y-%m-%d %H:%M:%S"),
        clip(&s.reporter, 16),
        s.status.as_str(),
        s.tlp.as_str(),
        class_cell(s),
        clip(&s.global_id, 60)
    )
}

/// Widest title shown by `incidents list`, in characters: the row then
/// fits 160 columns with a typical incident id.
const TITLE_WIDTH: usize = 40;

/// The class, clipped to its column: RSIT's longest paths (70
/// characters) would push every later column out of line.
fn class_cell(s: &IncidentSummary) -> String {
    clip(
        &s.classification
            .map_or_else(|| "-".to_owned(), |c| c.path()),
        28,
    )
}

/// A row of `incidents list`: the listing columns, then the title clipped
/// to [`TITLE_WIDTH`], then the incident id.
fn list_row(s: &IncidentSummary) -> String {
    format!(
        "{:>7}  {:<19}  {:<16}  {:<11}  {:<12}  {:<28}  {:<TITLE_WIDTH$}  {}",
        s.key,
        s.created_at.format("%Y-%m-%d %H:%M:%S"),
        clip(&s.reporter, 16),
        s.status.as_str(),
        s.tlp.as_str(),
        class_cell(s),
        clip(s.title.as_deref().unwrap_or("-"), TITLE_WIDTH),
        s.global_id
    )
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// Runs `c5hub incidents`.
pub fn incidents(c: IncidentsCommand) -> Result<ExitCode> {
    match c {
        IncidentsCommand::List {
            filter,
            cursor,
            offset,
            format,
            store,
        } => {
            let filter = IncidentFilter {
                before: cursor,
                offset,
                ..filter.filter()?
            };
            if cursor.is_some() && !filter.order.is_default() {
                anyhow::bail!(
                    "--cursor pages only the default order (newest first); page another with --offset"
                );
            }
            let mut s = store.open()?;
            let rows = reads::list(&mut s, &store.reader(), &filter)?;
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match format {
                // The API's answer to the same question.
                ListFormat::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&wire::IncidentPage::new(&rows, &filter))?
                )?,
                ListFormat::Table => {
                    writeln!(
                        out,
                        "{:>7}  {:<19}  {:<16}  {:<11}  {:<12}  {:<28}  {:<TITLE_WIDTH$}  INCIDENT ID",
                        "ID", "STORED (UTC)", "REPORTER", "STATUS", "TLP", "CLASS (RSIT)", "TITLE",
                    )?;
                    for r in &rows {
                        writeln!(out, "{}", list_row(r))?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        IncidentsCommand::Show { id, format, store } => {
            let mut s = store.open()?;
            let who = store.reader();
            // Not found and not allowed look the same: the answer must not
            // reveal that an incident exists.
            let inc = match reads::incident(&mut s, &who, id) {
                Ok(i) => i,
                Err(c5hub_hub::Error::NotFound(_)) => {
                    eprintln!("c5hub: no incident {id} that {} may read", store.org());
                    return Ok(ExitCode::from(1));
                }
                Err(e) => return Err(e.into()),
            };
            let (history, assignments) = reads::history(&mut s, &who, id)?;
            let related = reads::related(&mut s, &who, id)?;
            let m = &inc.incident;
            let v = wire::IncidentShow {
                incident: wire::IncidentAnswer::new(
                    &inc,
                    Some(store.org()),
                    inc.assignee.as_deref(),
                ),
                history: wire::history(&history, &assignments),
                related: related.iter().map(wire::RelatedAnswer::from).collect(),
            };
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            match format {
                ListFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?,
                ListFormat::Table => {
                    writeln!(
                        out,
                        "Incident {} ({}), version {}",
                        inc.key, m.id, inc.version
                    )?;
                    writeln!(out, "  reporter        {}", inc.reporter)?;
                    writeln!(out, "  status          {}", m.status.as_str())?;
                    writeln!(out, "  TLP             {}", m.tlp.as_str())?;
                    writeln!(
                        out,
                        "  classification  {}",
                        m.classification
                            .map_or_else(|| "unclassified".to_owned(), |c| c.path())
                    )?;
                    if let Some(t) = &m.title {
                        writeln!(out, "  title           {t}")?;
                    }
                    if let Some(d) = &m.description {
                        writeln!(
                            out,
                            "  description     {}",
                            d.trim().replace('\n', "\n                  ")
                        )?;
                    }
                    if let Some(t) = m.times.detected {
                        writeln!(out, "  detected        {}", t.to_rfc3339())?;
                    }
                    writeln!(out, "  stored          {}", inc.created_at.to_rfc3339())?;
                    writeln!(out, "  contacts        {}", m.contacts.len())?;
                    for c in &m.contacts {
                        writeln!(
                            out,
                            "    {:<10} {:<24} {}",
                            c.role,
                            c.name.as_deref().unwrap_or("-"),
                            c.email.as_deref().unwrap_or("-")
                        )?;
                    }
                    writeln!(out, "  observables     {}", m.observables.len())?;
                    for o in &m.observables {
                        writeln!(
                            out,
                            "    {:<10} {:<12} {}",
                            o.observable.kind().as_str(),
                            o.role.as_str(),
                            o.observable.value()
                        )?;
                    }
                    writeln!(out, "  history")?;
                    for h in &history {
                        writeln!(
                            out,
                            "    {}  {:<20} {} -> {}",
                            h.at.format("%Y-%m-%d %H:%M:%S"),
                            clip(&h.actor, 20),
                            h.from.map_or("-", |s| s.as_str()),
                            h.to.as_str()
                        )?;
                    }
                    writeln!(out, "  related         {}", related.len())?;
                    for r in &related {
                        let shared: Vec<String> = r
                            .shared
                            .iter()
                            .map(|(_, b, how)| format!("{} ({})", b.value(), how.as_str()))
                            .collect();
                        writeln!(
                            out,
                            "    {:>7}  {}  {}",
                            r.incident.key,
                            clip(&r.incident.global_id, 40),
                            shared.join(", ")
                        )?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs `c5hub lookup`.
pub fn lookup(a: LookupArgs) -> Result<ExitCode> {
    let mut s = a.store.open()?;
    let page = c5hub_store::LookupPage {
        before: a.before,
        limit: a.limit.max(1),
    };
    let l = match reads::lookup(&mut s, &a.store.reader(), &a.value, page) {
        Ok(l) => l,
        Err(c5hub_hub::Error::Invalid { detail, .. }) => bail!("{detail}"),
        Err(e) => return Err(e.into()),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match a.format {
        // The API's answer to the same question.
        ListFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&wire::LookupAnswer::from(&l))?
        )?,
        ListFormat::Table => {
            let shown = if l.incidents.len() < l.total {
                format!(", the newest {} shown", l.incidents.len())
            } else {
                String::new()
            };
            writeln!(
                out,
                "{} {}: {} found{shown}",
                l.value.kind().as_str(),
                l.value.value(),
                plural(l.total as u64, "matching incident", "matching incidents"),
            )?;
            if let Some(w) = &l.warning {
                writeln!(out, "  warning list: {w} (never used to correlate)")?;
            }
            for hit in &l.incidents {
                writeln!(out, "  {}", table_row(&hit.incident))?;
                for v in &hit.values {
                    writeln!(
                        out,
                        "      {:<12} {} ({})",
                        v.how.as_str(),
                        v.observable.value(),
                        v.role.as_str()
                    )?;
                }
            }
            for s in &l.sightings {
                writeln!(
                    out,
                    "  seen {}: {} first {} last {}",
                    plural(u64::try_from(s.count).unwrap_or(0), "time", "times"),
                    s.observable.value(),
                    s.first_seen.to_rfc3339(),
                    s.last_seen.to_rfc3339()
                )?;
            }
            if let Some(next) = l.next {
                writeln!(out, "  more: --before {next}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `c5hub search`.
pub fn search(a: SearchArgs) -> Result<ExitCode> {
    let text = a.text.join(" ");
    if !(1..=c5hub_store::MAX_SEARCH_PAGE).contains(&a.per_page) {
        bail!(
            "--per-page: a number from 1 to {}",
            c5hub_store::MAX_SEARCH_PAGE
        );
    }
    let mut s = a.store.open()?;
    let found = match reads::search(&mut s, &a.store.reader(), &text, a.page, a.per_page) {
        Ok(f) => f,
        Err(c5hub_hub::Error::Invalid { field, detail }) => {
            bail!(
                "{}: {detail}",
                if field == "q" { "the search" } else { "--page" }
            )
        }
        Err(e) => return Err(e.into()),
    };
    let answer = wire::SearchAnswer::new(text.trim(), &found);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match a.format {
        // The API's answer to the same question.
        ListFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&answer)?)?,
        ListFormat::Table => match &found {
            reads::Search::Value(v) => writeln!(
                out,
                "{} {} is a value: see `c5hub lookup {}`",
                v.kind().as_str(),
                v.value(),
                v.value()
            )?,
            reads::Search::Text {
                hits,
                page,
                per_page,
            } => {
                let first = (page - 1) * per_page + 1;
                let shown = if hits.items.is_empty() {
                    String::new()
                } else {
                    format!(", {first}-{} shown", first + hits.items.len() - 1)
                };
                writeln!(
                    out,
                    "{}: {} found{shown}",
                    hits.words.join(" "),
                    plural(
                        u64::try_from(hits.total).unwrap_or(0),
                        "incident",
                        "incidents"
                    )
                )?;
                if !hits.items.is_empty() {
                    writeln!(
                        out,
                        "{:>7}  {:<19}  {:<16}  {:<11}  {:<12}  {:<28}  {:<TITLE_WIDTH$}  INCIDENT ID",
                        "ID", "STORED (UTC)", "REPORTER", "STATUS", "TLP", "CLASS (RSIT)", "TITLE",
                    )?;
                }
                for r in &hits.items {
                    writeln!(out, "{}", list_row(r))?;
                }
                if let Some(next) = answer.next_page {
                    writeln!(out, "  more: --page {next}")?;
                }
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `c5hub export`.
pub fn export(a: ExportArgs) -> Result<ExitCode> {
    // Checked before the (possibly long) read: a report overwritten by a
    // mistyped name is lost.
    if let Some(p) = &a.output {
        if p.exists() && !a.force {
            bail!(
                "{} exists: not overwritten (--force to replace it)",
                p.display()
            );
        }
    }
    let mut s = a.store.open()?;
    let incidents = reads::export(&mut s, &a.store.reader(), &a.filter.filter()?)?;
    let format = c5hub_formats::by_name(&a.format)
        .with_context(|| format!("{}: not a format c5hub writes", a.format))?;
    // A hub's own export: each incident with its record (reporter, sharing
    // lists, version), and with --all-versions its earlier versions, which
    // `import --hub-export` restores; formats with no place for the record
    // (CSV) leave it out.
    let (items, missing) = hub_export_items(&mut s, &a.store.reader(), &incidents, a.all_versions)?;
    if missing > 0 {
        eprintln!(
            "{} without an IODEF document {} not exported",
            plural(missing as u64, "earlier version", "earlier versions"),
            if missing == 1 { "was" } else { "were" }
        );
    }
    let exported: Vec<c5hub_formats::Exported<'_>> = items
        .iter()
        .map(|(at, m, r)| {
            let i = &incidents[*at];
            c5hub_formats::Exported {
                key: i.key,
                reporter: &i.reporter,
                created_at: i.created_at,
                incident: m,
                record: Some(r),
            }
        })
        .collect();
    let mut text = Vec::new();
    c5hub_formats::encode(format, &mut text, &exported, Utc::now())?;
    // A file ends with a line end (the IODEF JSON encoder writes none).
    if !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    match &a.output {
        Some(p) => {
            std::fs::write(p, &text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => std::io::stdout().write_all(&text)?,
    }
    eprintln!(
        "exported {}",
        plural(incidents.len() as u64, "incident", "incidents")
    );
    Ok(ExitCode::SUCCESS)
}

/// One Incident element of a hub's export: the place of its incident in
/// the list exported, the version's model, and its hub record.
type ExportItem = (usize, c5hub_model::Incident, c5hub_iodef::model::HubRecord);

/// Each incident (by its place in `incidents`) with its hub record
/// (reporter, sharing lists, recipients, version), preceded by its earlier
/// versions when asked; and how many earlier versions could not be read
/// back.
fn hub_export_items(
    s: &mut Store,
    who: &Authority,
    incidents: &[c5hub_store::StoredIncident],
    all_versions: bool,
) -> Result<(Vec<ExportItem>, usize)> {
    let limits = c5hub_iodef::Limits {
        max_bytes: c5hub_model::Incident::MAX_ORIGINAL_LEN,
        ..c5hub_iodef::Limits::default()
    };
    let mut items = Vec::with_capacity(incidents.len());
    let mut missing = 0;
    for (at, i) in incidents.iter().enumerate() {
        if all_versions && i.version > 1 {
            let versions = match reads::versions(s, who, i.key) {
                Ok(v) => v,
                // Gone since it was listed: its current version only.
                Err(c5hub_hub::Error::NotFound(_)) => Vec::new(),
                Err(e) => return Err(e.into()),
            };
            for v in 1..i.version {
                let earlier = versions.iter().find(|d| d.version == v).and_then(|d| {
                    c5hub_iodef::model::incident_from_original(&d.document, &i.incident.id, &limits)
                });
                match earlier {
                    Some(m) => items.push((
                        at,
                        m,
                        c5hub_iodef::model::HubRecord {
                            reporter: i.reporter.clone(),
                            version: Some(v),
                            // Earlier sharing lists are not kept: a
                            // version's lists replace its predecessor's.
                            ..Default::default()
                        },
                    )),
                    None => missing += 1,
                }
            }
        }
        items.push((
            at,
            i.incident.clone(),
            c5hub_iodef::model::HubRecord {
                reporter: i.reporter.clone(),
                shared_with: i.shared_with.clone(),
                recipients: i.recipients.clone(),
                version: Some(i.version),
                provenance: i.provenance.as_ref().map(|a| a.provenance.clone()),
            },
        ));
    }
    Ok((items, missing))
}

/// `c5hub changes`.
#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// Changes after this number: 0 for all, else the `next` of the page
    /// before.
    #[arg(long, default_value_t = 0)]
    since: u64,
    /// Changes per page, 1 to 10000.
    #[arg(long, default_value_t = c5hub_server::feed::DEFAULT_CHANGES_LIMIT as u64,
          value_parser = clap::value_parser!(u64).range(1..=c5hub_store::MAX_CHANGES_PAGE as u64))]
    limit: u64,
    #[arg(long, value_enum, default_value = "table")]
    format: ListFormat,
    #[command(flatten)]
    store: StoreArgs,
}

/// Runs `c5hub changes`: one page of the change feed, as
/// `GET /api/v1/changes` answers it.
pub fn changes(a: ChangesArgs) -> Result<ExitCode> {
    let since = i64::try_from(a.since).context("--since is too large")?;
    let limit = usize::try_from(a.limit).context("--limit is too large")?;
    let mut s = a.store.open()?;
    let page = reads::changes(&mut s, &a.store.reader(), since, limit)?;
    let answer = wire::ChangesAnswer::from(&page);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match a.format {
        // Exactly the API's body for the same question.
        ListFormat::Json => writeln!(out, "{}", serde_json::to_string(&answer)?)?,
        ListFormat::Table => {
            writeln!(
                out,
                "{:>9}  {:<19}  {:<8}  {:>8}  {:>3}  {:<16}  INCIDENT ID",
                "SEQ", "AT (UTC)", "KIND", "INCIDENT", "V", "REPORTER",
            )?;
            for c in &page.changes {
                let kind = match c.comment {
                    Some(id) => format!("{} {id}", c.kind.as_str()),
                    None => c.kind.as_str().to_owned(),
                };
                writeln!(
                    out,
                    "{:>9}  {:<19}  {:<8}  {:>8}  {:>3}  {:<16}  {}",
                    c.seq,
                    c.at.format("%Y-%m-%d %H:%M:%S"),
                    kind,
                    c.incident,
                    c.version,
                    clip(&c.reporter, 16),
                    c.global_id,
                )?;
            }
            writeln!(out, "next: {}", page.next)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
