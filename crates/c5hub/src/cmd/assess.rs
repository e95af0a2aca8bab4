//! `c5hub assess`: GCI-style national cybersecurity assessment: scoring,
//! weight sensitivity, regional and progress views, HTML reports.
//!
//! This module only reads files, parses flags and writes output; all the
//! work is in the `c5hub-assess` crate.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use c5hub_assess::sensitivity::{self, SensitivityConfig};
use c5hub_assess::{
    CountryScore, Diagnostic, Methodology, RegionTable, ResponseSet, Severity, limits, methodology,
    pillar_scores, render, report, scoring, views,
};
use clap::{Args, Subcommand, ValueEnum};

/// The `assess` subcommands.
#[derive(Debug, Subcommand)]
pub enum AssessCommand {
    /// List the built-in methodologies, or describe one (`--source` prints
    /// its TOML, a starting point for your own).
    Methodology {
        /// A built-in name or a TOML file; lists the built-ins when absent.
        name: Option<String>,
        /// Print the TOML source instead of a summary.
        #[arg(long, requires = "name")]
        source: bool,
    },
    /// Score answers or published pillar scores: per country the pillar
    /// scores, overall score and tier. Exit 1 with --strict when an input
    /// record or answer was rejected.
    Score(Box<ScoreArgs>),
    /// Monte Carlo over pillar weights: each country's tier stability,
    /// near-threshold flags and the weight-free dominance view.
    Sensitivity(Box<SensitivityArgs>),
    /// Tier distribution and mean scores by ITU region and edition.
    Regions(Box<RegionsArgs>),
    /// Changes between editions, within one methodology; a baseline scored
    /// with another methodology is re-scored (answers) or flagged as not
    /// comparable (pillar scores).
    Progress(Box<ProgressArgs>),
    /// Write a self-contained HTML report of the latest edition: tiers by
    /// region, stability, progress, each country's pillar profile.
    Report(Box<ReportArgs>),
    /// Convert a responses file between CSV and JSON.
    Convert {
        /// The responses file (CSV or JSON).
        file: PathBuf,
        /// The format to write.
        #[arg(long, value_enum)]
        to: ResponsesFormat,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// The hub's assessment editions in a store, as JSON (the answer of
    /// `GET /api/v1/assess/editions`).
    Editions {
        #[command(flatten)]
        backend: super::store::Backend,
    },
}

/// Arguments of `assess score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScoreFormat::Json)]
    format: ScoreFormat,
    /// Add competition ranks within each year (off by default: results
    /// are presented by tier).
    #[arg(long)]
    ranks: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// Arguments of `assess sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    mc: MonteCarloArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Json)]
    format: TableFormat,
    #[command(flatten)]
    output: OutputArgs,
}

/// Arguments of `assess regions`.
#[derive(Debug, Args)]
pub struct RegionsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Json)]
    format: TableFormat,
    #[command(flatten)]
    output: OutputArgs,
}

/// Arguments of `assess progress`.
#[derive(Debug, Args)]
pub struct ProgressArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    baseline: BaselineArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableFormat::Json)]
    format: TableFormat,
    #[command(flatten)]
    output: OutputArgs,
}

/// Arguments of `assess report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    baseline: BaselineArgs,
    #[command(flatten)]
    mc: MonteCarloArgs,
    /// The report file to write.
    #[arg(long)]
    out: PathBuf,
    /// The report's title.
    #[arg(long, default_value = "National cybersecurity assessment")]
    title: String,
    /// A note to show at the top (repeatable). Comment lines at the top of
    /// the input files are shown too.
    #[arg(long)]
    note: Vec<String>,
}

/// Formats of `assess score`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ScoreFormat {
    /// A JSON array, one object per country and edition.
    Json,
    /// CSV, one row per country and edition.
    Csv,
    /// A standalone HTML table.
    Html,
}

/// Formats of the tabular subcommands.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TableFormat {
    /// JSON.
    Json,
    /// CSV.
    Csv,
}

/// Formats of a responses file.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ResponsesFormat {
    /// CSV, one answer per line.
    Csv,
    /// JSON document `c5hub-assess-responses/1`.
    Json,
}

/// The methodology and the data to score.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// A built-in methodology (gci-2024, cirt-readiness) or a TOML file.
    #[arg(long, short = 'm')]
    methodology: String,
    #[command(flatten)]
    source: SourceArgs,
    /// A region table (CSV iso3,name,region,status) instead of the built-in
    /// ITU-D classification.
    #[arg(long)]
    regions: Option<PathBuf>,
    /// Exit 1 when any record or answer was rejected.
    #[arg(long)]
    strict: bool,
}

/// Answers or pillar scores.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SourceArgs {
    /// Answers with evidence (CSV or JSON).
    #[arg(long)]
    responses: Option<PathBuf>,
    /// Published pillar scores (CSV iso3,year,<pillar ids>[,overall]).
    #[arg(long)]
    scores: Option<PathBuf>,
}

/// An earlier edition to compare with.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Answers of an earlier edition.
    #[arg(long, conflicts_with = "baseline_scores")]
    baseline_responses: Option<PathBuf>,
    /// Pillar scores of an earlier edition.
    #[arg(long)]
    baseline_scores: Option<PathBuf>,
    /// The baseline's methodology, when not the same as --methodology.
    #[arg(long)]
    baseline_methodology: Option<String>,
}

/// Monte Carlo parameters.
#[derive(Debug, Args)]
pub struct MonteCarloArgs {
    /// Number of weight draws.
    #[arg(long, default_value_t = SensitivityConfig::default().draws)]
    draws: usize,
    /// Dirichlet concentration around the configured weights; the number
    /// of pillars with equal weights means uniformly random weights.
    #[arg(long, default_value_t = SensitivityConfig::default().concentration)]
    concentration: f64,
    /// Random seed (runs with the same seed give the same result).
    #[arg(long, default_value_t = SensitivityConfig::default().seed)]
    seed: u64,
    /// Points from a tier threshold within which a score is flagged.
    #[arg(long, default_value_t = SensitivityConfig::default().margin)]
    margin: f64,
    /// Stability below which a country counts as unstable in summaries.
    #[arg(long, default_value_t = SensitivityConfig::default().stable_share)]
    stable_share: f64,
}

impl MonteCarloArgs {
    fn config(&self) -> SensitivityConfig {
        SensitivityConfig {
            draws: self.draws,
            concentration: self.concentration,
            seed: self.seed,
            margin: self.margin,
            stable_share: self.stable_share,
        }
    }
}

/// Where output goes.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write here instead of standard output.
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
}

/// Runs an `assess` subcommand.
pub fn run(cmd: AssessCommand) -> Result<ExitCode> {
    match cmd {
        AssessCommand::Methodology { name, source } => {
            let Some(name) = name else {
                for (name, _) in methodology::BUILTIN {
                    let m = Methodology::builtin(name)?;
                    println!("{name}\t{}\t{}", m.version, m.title);
                }
                return Ok(ExitCode::SUCCESS);
            };
            if source {
                let text = match methodology::builtin_source(&name) {
                    Some(text) => text.to_owned(),
                    None => read_text(Path::new(&name))?,
                };
                print!("{text}");
            } else {
                print!("{}", describe(&load_methodology(&name)?));
            }
            Ok(ExitCode::SUCCESS)
        }
        AssessCommand::Score(args) => {
            let ScoreArgs {
                input,
                format,
                ranks,
                output,
            } = *args;
            let loaded = load(&input)?;
            let m = &loaded.methodology;
            let ranks = ranks.then(|| scoring::ranks(&loaded.scores));
            let text = match format {
                ScoreFormat::Json => {
                    c5hub_wire::assess::ScoresAnswer::new(m, &loaded.scores, ranks.as_deref())
                        .to_pretty()
                }
                ScoreFormat::Csv => render::scores_csv(m, &loaded.scores, ranks.as_deref()),
                ScoreFormat::Html => {
                    report::scores_page(m, &loaded.scores, &loaded.regions, ranks.as_deref())
                }
            };
            write_output(output.out.as_deref(), &text)?;
            Ok(loaded.exit_code(input.strict))
        }
        AssessCommand::Sensitivity(args) => {
            let SensitivityArgs {
                input,
                mc,
                format,
                output,
            } = *args;
            let loaded = load(&input)?;
            let m = &loaded.methodology;
            let result = sensitivity::run(m, &loaded.scores, &mc.config())?;
            let dominance = sensitivity::dominance(&loaded.scores, m.missing);
            let text = match format {
                TableFormat::Json => {
                    render::sensitivity_json(m, &loaded.scores, &result, &dominance)
                }
                TableFormat::Csv => render::sensitivity_csv(m, &loaded.scores, &result, &dominance),
            };
            write_output(output.out.as_deref(), &text)?;
            Ok(loaded.exit_code(input.strict))
        }
        AssessCommand::Regions(args) => {
            let RegionsArgs {
                input,
                format,
                output,
            } = *args;
            let loaded = load(&input)?;
            let m = &loaded.methodology;
            let view = views::regional(m, &loaded.scores, &loaded.regions);
            let text = match format {
                TableFormat::Json => render::regions_json(m, &view),
                TableFormat::Csv => render::regions_csv(m, &view),
            };
            write_output(output.out.as_deref(), &text)?;
            Ok(loaded.exit_code(input.strict))
        }
        AssessCommand::Progress(args) => {
            let ProgressArgs {
                input,
                baseline,
                format,
                output,
            } = *args;
            let mut loaded = load(&input)?;
            let rows = progress_rows(&mut loaded, &input, &baseline)?;
            let m = &loaded.methodology;
            let text = match format {
                TableFormat::Json => render::progress_json(m, &rows),
                TableFormat::Csv => render::progress_csv(m, &rows),
            };
            write_output(output.out.as_deref(), &text)?;
            Ok(loaded.exit_code(input.strict))
        }
        AssessCommand::Report(args) => {
            let ReportArgs {
                input,
                baseline,
                mc,
                out,
                title,
                note,
            } = *args;
            let mut loaded = load(&input)?;
            let progress = progress_rows(&mut loaded, &input, &baseline)?;
            let m = &loaded.methodology;
            // The report shows the latest edition; earlier ones appear in
            // the progress section.
            let latest = loaded.scores.iter().map(|s| s.year).max();
            let edition: Vec<CountryScore> = loaded
                .scores
                .iter()
                .filter(|s| Some(s.year) == latest)
                .cloned()
                .collect();
            let result = sensitivity::run(m, &edition, &mc.config())?;
            let dominance = sensitivity::dominance(&edition, m.missing);
            let mut notes = loaded.notes.clone();
            notes.extend(note);
            let rejected = loaded.rejected();
            if rejected > 0 {
                notes.push(format!(
                    "{rejected} input records or answers were rejected; run `c5hub assess score` to list them."
                ));
            }
            let html = report::html_report(&report::ReportInput {
                title: &title,
                methodology: m,
                scores: &edition,
                regions: &loaded.regions,
                sensitivity: Some((&result, &dominance)),
                progress: &progress,
                notes: &notes,
            });
            write_output(Some(&out), &html)?;
            eprintln!(
                "c5hub assess: wrote {} ({} countries, {} draws)",
                out.display(),
                edition.len(),
                result.config.draws
            );
            Ok(loaded.exit_code(input.strict))
        }
        AssessCommand::Editions { backend } => {
            let mut store = backend.open()?;
            let eds = c5hub_hub::assess::editions(&mut store, &super::serve::console())
                .context("reading the editions")?;
            println!(
                "{}",
                serde_json::to_string(&c5hub_wire::assess::EditionsAnswer::from(eds.as_slice()))?
            );
            Ok(ExitCode::SUCCESS)
        }
        AssessCommand::Convert { file, to, output } => {
            let text = read_text(&file)?;
            let parsed = parse_responses(&file, &text)?;
            let rejected = report_diagnostics(&parsed.diagnostics);
            let out = match to {
                ResponsesFormat::Csv => parsed.value.to_csv(),
                ResponsesFormat::Json => parsed.value.to_json(),
            };
            write_output(output.out.as_deref(), &out)?;
            Ok(if rejected > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Everything read for one command.
struct Loaded {
    methodology: Methodology,
    scores: Vec<CountryScore>,
    regions: RegionTable,
    diagnostics: Vec<Diagnostic>,
    /// Leading comment lines of the input files.
    notes: Vec<String>,
}

impl Loaded {
    fn rejected(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    fn exit_code(&self, strict: bool) -> ExitCode {
        if strict && self.rejected() > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

fn load(input: &InputArgs) -> Result<Loaded> {
    let methodology = load_methodology(&input.methodology)?;
    let regions = match &input.regions {
        Some(path) => RegionTable::from_csv(&read_text(path)?)
            .with_context(|| format!("reading {}", path.display()))?,
        None => RegionTable::itu(),
    };
    let mut loaded = Loaded {
        methodology,
        scores: Vec::new(),
        regions,
        diagnostics: Vec::new(),
        notes: Vec::new(),
    };
    let (path, is_responses) = match (&input.source.responses, &input.source.scores) {
        (Some(p), _) => (p, true),
        (None, Some(p)) => (p, false),
        (None, None) => bail!("give --responses or --scores"),
    };
    let (scores, notes) = score_file(
        &loaded.methodology,
        path,
        is_responses,
        None,
        &mut loaded.diagnostics,
    )?;
    loaded.scores = scores;
    loaded.notes = notes;
    Ok(loaded)
}

/// Scores one input file with `m`; `rescored_from` marks answers given for
/// another methodology.
fn score_file(
    m: &Methodology,
    path: &Path,
    is_responses: bool,
    rescored_from: Option<c5hub_assess::MethodologyRef>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<(Vec<CountryScore>, Vec<String>)> {
    let text = read_text(path)?;
    let notes = leading_comments(&text);
    let scores = if is_responses {
        let parsed = parse_responses(path, &text)?;
        report_diagnostics(&parsed.diagnostics);
        diagnostics.extend(parsed.diagnostics);
        let scored = match rescored_from {
            Some(from) => scoring::rescore_responses(m, &parsed.value, from),
            None => scoring::score_responses(m, &parsed.value),
        };
        report_diagnostics(&scored.diagnostics);
        diagnostics.extend(scored.diagnostics);
        scored.value
    } else {
        let parsed = pillar_scores::read_pillar_scores(m, &text)
            .with_context(|| format!("reading {}", path.display()))?;
        report_diagnostics(&parsed.diagnostics);
        diagnostics.extend(parsed.diagnostics);
        scoring::score_pillar_rows(m, &parsed.value)
    };
    Ok((scores, notes))
}

/// Adds the baseline's scores (if any) to `loaded.scores` and returns the
/// progress rows over all of them.
fn progress_rows(
    loaded: &mut Loaded,
    input: &InputArgs,
    baseline: &BaselineArgs,
) -> Result<Vec<views::ProgressRow>> {
    let (path, is_responses) = match (&baseline.baseline_responses, &baseline.baseline_scores) {
        (Some(p), _) => (Some(p), true),
        (None, Some(p)) => (Some(p), false),
        (None, None) => (None, false),
    };
    let mut all = loaded.scores.clone();
    if let Some(path) = path {
        let name = baseline
            .baseline_methodology
            .as_deref()
            .unwrap_or(&input.methodology);
        let base_m = load_methodology(name)?;
        let same = base_m.reference() == loaded.methodology.reference();
        let (scores, notes) = if same {
            score_file(&base_m, path, is_responses, None, &mut loaded.diagnostics)?
        } else if is_responses {
            // Answers can be re-scored with the current methodology, so the
            // editions become comparable (and are marked as re-scored).
            score_file(
                &loaded.methodology,
                path,
                true,
                Some(base_m.reference()),
                &mut loaded.diagnostics,
            )?
        } else {
            // Pillar scores of another methodology cannot be re-scored: they
            // keep their own methodology and are reported as not comparable.
            score_file(&base_m, path, false, None, &mut loaded.diagnostics)?
        };
        loaded.notes.extend(notes);
        all.extend(scores);
    }
    Ok(views::progress(&all))
}

fn load_methodology(name: &str) -> Result<Methodology> {
    if methodology::builtin_source(name).is_some() {
        return Ok(Methodology::builtin(name)?);
    }
    let path = Path::new(name);
    if !path.exists() {
        bail!(
            "unknown methodology {name:?}: not a built-in ({}) nor a file",
            methodology::builtin_names().join(", ")
        );
    }
    let text = read_text(path)?;
    Ok(Methodology::from_toml(&text, &path.display().to_string())?)
}

fn parse_responses(path: &Path, text: &str) -> Result<c5hub_assess::Parsed<ResponseSet>> {
    let is_json = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => true,
        Some(e) if e.eq_ignore_ascii_case("csv") => false,
        _ => text.trim_start().starts_with('{'),
    };
    let parsed = if is_json {
        ResponseSet::from_json(text)
    } else {
        ResponseSet::from_csv(text)
    };
    parsed.with_context(|| format!("reading {}", path.display()))
}

fn read_text(path: &Path) -> Result<String> {
    let size = fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > limits::MAX_INPUT_BYTES as u64 {
        bail!(
            "{} has {size} bytes, more than {}",
            path.display(),
            limits::MAX_INPUT_BYTES
        );
    }
    fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(path) => fs::write(path, text).with_context(|| format!("writing {}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .context("writing to standard output")
        }
    }
}

/// The `#` lines at the top of a file, without the `#`.
fn leading_comments(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Prints diagnostics on standard error (the first 50, then a count) and
/// returns how many rejected something.
fn report_diagnostics(diagnostics: &[Diagnostic]) -> usize {
    const SHOWN: usize = 50;
    for d in diagnostics.iter().take(SHOWN) {
        eprintln!("c5hub assess: {d}");
    }
    if diagnostics.len() > SHOWN {
        eprintln!(
            "c5hub assess: ... and {} more diagnostics",
            diagnostics.len() - SHOWN
        );
    }
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

fn describe(m: &Methodology) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "{} ({})", m.title, m.reference());
    if !m.description.is_empty() {
        let _ = writeln!(s, "{}", m.description);
    }
    let _ = writeln!(
        s,
        "scale {}, aggregation {}, missing answers {}, {} questions",
        m.scale,
        m.aggregation.as_str(),
        m.missing.as_str(),
        m.question_count()
    );
    let _ = writeln!(s, "pillars:");
    for (i, p) in m.pillars.iter().enumerate() {
        let questions = m.questions().filter(|(pi, _)| *pi == i).count();
        let _ = writeln!(
            s,
            "  {:<16} weight {:.3}, max {:>6.2}, {questions} questions  {}",
            p.id,
            p.share,
            m.pillar_max(i),
            p.name
        );
    }
    let _ = writeln!(s, "{}s:", m.tier_label);
    for t in &m.tiers {
        let _ = writeln!(s, "  {:<4} {:<16} from {}", t.code, t.name, t.min);
    }
    let _ = writeln!(s, "answer types:");
    for a in &m.answer_types {
        let _ = writeln!(s, "  {:<14} {}", a.name, a.accepted());
    }
    s
}
