//! `c5hub spam`: train, evaluate and apply the spam classifier.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use c5hub_hub::spam::{DeskSettings, REASONS, SpamDesk};
use c5hub_model::Tlp;
use c5hub_spam::analysis::{self, Analysis, Settings};
use c5hub_spam::eval::{self, Algorithm, Metrics};
use c5hub_spam::report::{self, PseudonymKey};
use c5hub_spam::reputation::Policy;
use c5hub_spam::rules::Rules;
use c5hub_spam::{FeatureConfig, Model, TrainOptions, Workspace};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

/// The `spam` subcommands.
#[derive(Debug, Subcommand)]
pub enum SpamCommand {
    /// Train a model from a corpus of `label<TAB>text` lines (labels spam,
    /// ham; an RFC 3339 time may stand between them).
    Train(TrainArgs),
    /// Classify messages, one a line (stdin without FILE); one JSON object
    /// a line, in order, with `label` and `score`.
    Classify(ClassifyArgs),
    /// Cross-validate on a corpus and print accuracy, spam caught, ham
    /// blocked, MCC and ROC AUC as JSON (plus a time-ordered online
    /// evaluation when every line has a time).
    Eval(EvalArgs),
    /// Update a model online from confirmed reports (`label<TAB>text`
    /// lines, in order), one gradient step each.
    Learn(LearnArgs),
    /// Check an X.1242 rules file (TOML) and print how many rules it has.
    Rules(RulesArgs),
    /// Run reports (CSV or JSON lines) through rules and model: one JSON
    /// line per report with the decision and who made it, the reasons,
    /// indicators, smishing flag and campaign. With --store, confirmed
    /// spam becomes incidents (abusive-content/spam or fraud/phishing).
    Reports(ReportsArgs),
    /// Reports stored in a hub's store, newest first, as JSON (the answer
    /// of `GET /api/v1/spam/reports` to the hub's own organisation: senders
    /// and numbers in the text as pseudonyms under the key).
    Stored(StoredArgs),
    /// Campaigns of confirmed spam across operators, as JSON.
    Campaigns(AnalysisArgs),
    /// The reputation feed (senders, URLs, domains, campaign
    /// fingerprints; phone numbers and e-mails as HMAC pseudonyms).
    Reputation(ReputationArgs),
    /// Impact metrics as JSON (or an HTML report with charts): reports per
    /// operator and per thousand subscribers, spam and smishing shares,
    /// campaign spread, time to listing, top senders.
    Impact(ImpactArgs),
    /// Classification speed on one thread, in CPU time (BENCHMARKS.md):
    /// the model alone, and rules then model.
    Bench(BenchArgs),
}

/// Arguments of `spam bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Messages to classify, `label<TAB>text` or one a line.
    #[arg(long)]
    corpus: PathBuf,
    /// Passes over the messages.
    #[arg(long, default_value_t = 50)]
    passes: u32,
    /// Rules evaluated before the model in the second measurement.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// A model file (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
}

/// Arguments of `spam learn`.
#[derive(Debug, Args)]
pub struct LearnArgs {
    /// The model to start from (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Confirmed reports as a labelled corpus.
    #[arg(long)]
    corpus: PathBuf,
    /// Where to write the updated model.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
}

/// Arguments of `spam rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// The rules file.
    file: PathBuf,
}

/// What every report-analysing command reads.
#[derive(Debug, Args)]
pub struct AnalysisArgs {
    /// Report files: CSV with a header, or JSON lines (see README).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// X.1242 rules evaluated before the model.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// A model file (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Region for national phone numbers (ISO 3166 alpha-2, e.g. GB).
    #[arg(long)]
    region: Option<String>,
    /// Secret key (at least 16 bytes) for recipient hashes and the HMAC
    /// pseudonyms of phone numbers and e-mail addresses.
    #[arg(long, env = "C5HUB_SPAM_KEY_FILE")]
    key_file: PathBuf,
    /// Jaccard similarity at which a message joins a campaign.
    #[arg(long, default_value_t = 0.5)]
    campaign_threshold: f32,
}

/// Arguments of `spam reports`.
#[derive(Debug, Args)]
pub struct ReportsArgs {
    #[command(flatten)]
    analysis: AnalysisArgs,
    /// Store every report durably (once per operator and content), and
    /// confirmed spam also as incidents reported by the report's operator.
    #[arg(long)]
    store: bool,
    /// TLP of the stored incidents.
    #[arg(long, default_value = "green")]
    tlp: String,
    #[command(flatten)]
    backend: super::store::Backend,
}

/// Arguments of `spam stored`.
#[derive(Debug, Args)]
pub struct StoredArgs {
    /// The hub's pseudonym key (its `spam.key_file`).
    #[arg(long, env = "C5HUB_SPAM_KEY_FILE")]
    key_file: PathBuf,
    /// Region for national phone numbers (the hub's `spam.region`).
    #[arg(long)]
    region: Option<String>,
    /// Only this operator's reports.
    #[arg(long)]
    operator: Option<String>,
    /// The `next_cursor` of the previous page.
    #[arg(long)]
    cursor: Option<i64>,
    /// Reports per page, 1 to 1000.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
    limit: u16,
    #[command(flatten)]
    backend: super::store::Backend,
}

/// Formats of the reputation feed.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FeedFormat {
    /// JSON: publisher, generation time, entries.
    Json,
    /// CSV with a header.
    Csv,
}

/// Arguments of `spam reputation`.
#[derive(Debug, Args)]
pub struct ReputationArgs {
    #[command(flatten)]
    analysis: AnalysisArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: FeedFormat,
    /// Only entries seen since this RFC 3339 time (what a poller asks for).
    #[arg(long)]
    since: Option<String>,
    /// Days an entry lives after its last report.
    #[arg(long, default_value_t = 30)]
    ttl_days: i64,
    /// Confidence at which an entry is listed.
    #[arg(long, default_value_t = 0.85)]
    listing_confidence: f64,
    /// Distinct operators whose reports must back an entry before it is
    /// listed (as the hub's `[spam] listing_min_operators`).
    #[arg(long, default_value_t = 2)]
    min_operators: usize,
}

/// Arguments of `spam impact`.
#[derive(Debug, Args)]
pub struct ImpactArgs {
    #[command(flatten)]
    analysis: AnalysisArgs,
    /// Subscribers per operator: CSV lines `operator,subscribers`.
    #[arg(long)]
    subscribers: Option<PathBuf>,
    /// How many campaigns and senders to list.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// `json`, or `html`: a self-contained report with the same SVG charts
    /// as the hub's spam page.
    #[arg(long, value_enum, default_value = "json")]
    format: ImpactFormat,
}

/// Formats of `spam impact`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ImpactFormat {
    /// The metrics as JSON.
    Json,
    /// An HTML report with charts.
    Html,
}

/// Training knobs shared by `train` and `eval`.
#[derive(Debug, Args)]
pub struct TrainingArgs {
    /// Hash features into 2^BITS buckets.
    #[arg(long, default_value_t = FeatureConfig::default().bits)]
    bits: u8,
    /// Shortest character n-gram.
    #[arg(long, default_value_t = FeatureConfig::default().char_min)]
    char_min: u8,
    /// Longest character n-gram.
    #[arg(long, default_value_t = FeatureConfig::default().char_max)]
    char_max: u8,
    /// Leave word bigrams out.
    #[arg(long)]
    no_bigrams: bool,
    /// Passes over the training data.
    #[arg(long, default_value_t = TrainOptions::default().epochs)]
    epochs: u32,
    /// AdaGrad learning rate.
    #[arg(long, default_value_t = TrainOptions::default().rate)]
    rate: f32,
    /// L2 regularisation.
    #[arg(long, default_value_t = TrainOptions::default().l2)]
    l2: f32,
    /// Weight of a ham example relative to a spam one.
    #[arg(long, default_value_t = TrainOptions::default().ham_weight)]
    ham_weight: f32,
    /// Decision threshold on the score.
    #[arg(long, default_value_t = TrainOptions::default().threshold)]
    threshold: f32,
    /// Seed of the example order.
    #[arg(long, default_value_t = TrainOptions::default().seed)]
    seed: u64,
}

impl TrainingArgs {
    fn resolve(&self) -> (FeatureConfig, TrainOptions) {
        (
            FeatureConfig {
                bits: self.bits,
                char_min: self.char_min,
                char_max: self.char_max,
                word_bigrams: !self.no_bigrams,
            },
            TrainOptions {
                epochs: self.epochs,
                rate: self.rate,
                l2: self.l2,
                ham_weight: self.ham_weight,
                threshold: self.threshold,
                seed: self.seed,
                ..TrainOptions::default()
            },
        )
    }
}

/// Arguments of `spam train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// The labelled corpus.
    #[arg(long)]
    corpus: PathBuf,
    /// Where to write the model.
    #[arg(short = 'o', long = "output")]
    output: PathBuf,
    #[command(flatten)]
    training: TrainingArgs,
}

/// Arguments of `spam classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// A model file (default: the shipped model).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Messages, one a line (default: standard input).
    file: Option<PathBuf>,
    /// Add the N features that weighed most to each line.
    #[arg(long, value_name = "N")]
    explain: Option<usize>,
}

/// Which learner `eval` cross-validates.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AlgorithmArg {
    /// Logistic regression (the shipped model).
    Logistic,
    /// Multinomial naive Bayes on the same features.
    NaiveBayes,
}

/// Arguments of `spam eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The labelled corpus.
    #[arg(long)]
    corpus: PathBuf,
    /// Folds of the cross-validation (record i is in fold i mod FOLDS).
    #[arg(long, default_value_t = 10)]
    folds: usize,
    /// The learner.
    #[arg(long, value_enum, default_value = "logistic")]
    algorithm: AlgorithmArg,
    /// Write each message's out-of-fold score, one a line, to this file.
    #[arg(long)]
    scores: Option<PathBuf>,
    #[command(flatten)]
    training: TrainingArgs,
}

/// Runs a `spam` subcommand.
pub fn run(c: SpamCommand) -> Result<ExitCode> {
    match c {
        SpamCommand::Train(a) => train(a),
        SpamCommand::Classify(a) => classify(a),
        SpamCommand::Eval(a) => evaluate(a),
        SpamCommand::Learn(a) => learn(a),
        SpamCommand::Rules(a) => rules(a),
        SpamCommand::Reports(a) => reports(a),
        SpamCommand::Stored(a) => stored(a),
        SpamCommand::Campaigns(a) => campaigns(a),
        SpamCommand::Reputation(a) => reputation(a),
        SpamCommand::Impact(a) => impact(a),
        SpamCommand::Bench(a) => bench(a),
    }
}

/// Reads a corpus; says on stderr how many messages were cut.
fn read_corpus(path: &PathBuf) -> Result<Vec<c5hub_spam::Example>> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let c = eval::read_corpus_counted(BufReader::new(f))
        .with_context(|| format!("reading {}", path.display()))?;
    if c.cut > 0 {
        eprintln!("{}", cut_note(c.cut));
    }
    Ok(c.examples)
}

fn cut_note(n: usize) -> String {
    if n == 1 {
        "1 message longer than 64 KiB was cut (features are taken from its first 64 KiB)".to_owned()
    } else {
        format!(
            "{n} messages longer than 64 KiB were cut (features are taken from their first 64 KiB)"
        )
    }
}

fn train(a: TrainArgs) -> Result<ExitCode> {
    let corpus = read_corpus(&a.corpus)?;
    let (cfg, opts) = a.training.resolve();
    let model = Model::train(cfg, &corpus, &opts)?;
    std::fs::write(&a.output, model.to_bytes())
        .with_context(|| format!("writing {}", a.output.display()))?;
    eprintln!(
        "trained on {} messages ({} spam); {} non-zero weights; wrote {}",
        corpus.len(),
        corpus.iter().filter(|e| e.spam).count(),
        model.nonzero_weights(),
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn load_model(path: Option<&PathBuf>) -> Result<Model> {
    match path {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            Model::from_bytes(&bytes).with_context(|| format!("loading {}", p.display()))
        }
        None => Ok(c5hub_spam::default_model()?),
    }
}

fn classify(a: ClassifyArgs) -> Result<ExitCode> {
    let model = load_model(a.model.as_ref())?;
    let input: Box<dyn BufRead> = match &a.file {
        Some(p) => Box::new(BufReader::new(
            File::open(p).with_context(|| format!("opening {}", p.display()))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut ws = Workspace::default();
    let mut cut = 0;
    for line in input.split(b'\n') {
        let line = line.context("reading messages")?;
        let text = String::from_utf8_lossy(&line);
        let (text, was_cut) = eval::cut(text.trim_end_matches('\r'));
        cut += usize::from(was_cut);
        let obj = match a.explain {
            Some(n) => {
                let e = model.explain(text, n);
                json!({
                    "label": if e.verdict.spam { "spam" } else { "ham" },
                    "score": e.verdict.score,
                    "reasons": e.top.iter().map(|c| json!({"feature": c.feature, "weight": c.weight})).collect::<Vec<_>>(),
                })
            }
            None => {
                let v = model.classify(text, &mut ws);
                json!({"label": if v.spam { "spam" } else { "ham" }, "score": v.score})
            }
        };
        serde_json::to_writer(&mut out, &obj)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if cut > 0 {
        eprintln!("{}", cut_note(cut));
    }
    Ok(ExitCode::SUCCESS)
}

fn metrics_json(m: &Metrics) -> Value {
    json!({
        "messages": m.total(),
        "accuracy_pct": m.accuracy_pct(),
        "spam_caught_pct": m.spam_caught_pct(),
        "ham_blocked_pct": m.ham_blocked_pct(),
        "mcc": m.mcc(),
        "roc_auc": m.roc_auc,
        "one_minus_auc_pct": 100.0 * (1.0 - m.roc_auc),
        "confusion": {"spam_as_spam": m.tp, "ham_as_spam": m.fp, "ham_as_ham": m.tn, "spam_as_ham": m.fn_},
    })
}

fn evaluate(a: EvalArgs) -> Result<ExitCode> {
    let corpus = read_corpus(&a.corpus)?;
    let (cfg, opts) = a.training.resolve();
    let algorithm = match a.algorithm {
        AlgorithmArg::Logistic => Algorithm::Logistic,
        AlgorithmArg::NaiveBayes => Algorithm::NaiveBayes,
    };
    let (cv, scores) = eval::cross_validate(cfg, &corpus, a.folds, &opts, algorithm)?;
    if let Some(p) = &a.scores {
        let mut w =
            BufWriter::new(File::create(p).with_context(|| format!("creating {}", p.display()))?);
        for s in scores {
            writeln!(w, "{s}")?;
        }
        w.flush()?;
    }
    let online = eval::online(cfg, &corpus, &opts)?;
    let report = json!({
        "corpus": a.corpus.display().to_string(),
        "algorithm": format!("{:?}", a.algorithm).to_lowercase(),
        "folds": a.folds,
        "threshold": opts.threshold,
        "cross_validation": metrics_json(&cv),
        "online": online.as_ref().map(metrics_json),
    });
    print_json(&report)?;
    Ok(ExitCode::SUCCESS)
}

fn learn(a: LearnArgs) -> Result<ExitCode> {
    let mut model = load_model(a.model.as_ref())?;
    let corpus = read_corpus(&a.corpus)?;
    let mut ws = Workspace::default();
    let mut wrong_before = 0;
    for e in &corpus {
        let before = model.learn(&e.text, e.spam, &mut ws);
        wrong_before += usize::from((before >= model.threshold()) != e.spam);
    }
    std::fs::write(&a.output, model.to_bytes())
        .with_context(|| format!("writing {}", a.output.display()))?;
    eprintln!(
        "learned {} confirmed reports ({wrong_before} misclassified before their update); wrote {}",
        corpus.len(),
        a.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn load_rules(path: Option<&PathBuf>) -> Result<Rules> {
    match path {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Rules::parse(&text).with_context(|| format!("in {}", p.display()))
        }
        None => Ok(Rules::default()),
    }
}

fn rules(a: RulesArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("reading {}", a.file.display()))?;
    match Rules::parse(&text) {
        Ok(r) => {
            println!("{}: {} rules", a.file.display(), r.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{}: {e}", a.file.display());
            Ok(ExitCode::from(1))
        }
    }
}

fn load_key(path: &PathBuf) -> Result<PseudonymKey> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading the key {}", path.display()))?;
    let trimmed = bytes.trim_ascii();
    PseudonymKey::new(trimmed).with_context(|| format!("in {}", path.display()))
}

/// Imports every file, runs the pipeline; returns the analysis, the key,
/// and whether any record was refused (reported on stderr).
fn analyse(a: &AnalysisArgs, policy: Policy) -> Result<(Analysis, PseudonymKey, bool)> {
    let key = load_key(&a.key_file)?;
    let rules = load_rules(a.rules.as_ref())?;
    let model = load_model(a.model.as_ref())?;
    let mut reports = Vec::new();
    let mut refused = false;
    for f in &a.files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let imported = report::import(&bytes, &key);
        for e in &imported.errors {
            eprintln!("{}: {e}", f.display());
            refused = true;
        }
        reports.extend(imported.reports);
    }
    let settings = Settings {
        region: a.region.clone(),
        campaign_threshold: a.campaign_threshold,
        policy,
    };
    Ok((
        analysis::analyse(reports, &rules, &model, &settings),
        key,
        refused,
    ))
}

fn exit(refused: bool) -> ExitCode {
    if refused {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn reports(a: ReportsArgs) -> Result<ExitCode> {
    let tlp: Tlp = a.tlp.parse().map_err(|e| anyhow::anyhow!("--tlp: {e}"))?;
    let (analysis, key, refused) = analyse(&a.analysis, Policy::default())?;
    let model = load_model(a.analysis.model.as_ref())?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    for p in &analysis.processed {
        let line = c5hub_wire::spam::SpamDecision::new(p, &model, &key, REASONS);
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    if a.store {
        // The same operation as `POST /api/v1/spam/reports`: reports,
        // then confirmed new spam as incidents, then the audit line.
        let desk = console_desk(
            key,
            load_rules(a.analysis.rules.as_ref())?,
            model,
            a.analysis.region.clone(),
            tlp,
        )?;
        let processed = analysis
            .processed
            .iter()
            .map(|p| {
                let campaign = p
                    .campaign
                    .and_then(|c| analysis.campaigns.get(c))
                    .map(|c| c.fingerprint.clone());
                (p.clone(), campaign)
            })
            .collect();
        let mut store = a.backend.open()?;
        let done = c5hub_hub::spam::store_processed(
            &desk,
            &super::serve::console(),
            &mut store,
            processed,
        )
        .context("storing spam reports")?;
        eprintln!(
            "stored {} new spam reports",
            done.iter().filter(|d| d.new).count()
        );
        eprintln!(
            "stored {} confirmed spam reports as incidents",
            done.iter().filter(|d| d.incident.is_some()).count()
        );
    }
    Ok(exit(refused))
}

/// A desk for the console: the key, rules and model the hub would use,
/// with the settings a run that learns nothing needs.
fn console_desk(
    key: PseudonymKey,
    rules: Rules,
    model: Model,
    region: Option<String>,
    incident_tlp: Tlp,
) -> Result<SpamDesk> {
    SpamDesk::new(DeskSettings {
        key,
        rules,
        model,
        model_file: None,
        region,
        incident_tlp,
        subscribers: Default::default(),
        window_days: 30,
        listing_confidence: Policy::default().listing_confidence,
        ttl_days: 30,
        listing_min_operators: 1,
        verdicts_per_hour: 0,
        learning_budget: 0.0,
    })
    .map_err(|e| anyhow::anyhow!("{e}"))
}

fn stored(a: StoredArgs) -> Result<ExitCode> {
    let desk = console_desk(
        load_key(&a.key_file)?,
        Rules::default(),
        load_model(None)?,
        a.region.clone(),
        Tlp::Green,
    )?;
    let mut store = a.backend.open()?;
    let page = c5hub_hub::spam::list(
        &desk,
        &super::serve::console(),
        &mut store,
        a.operator.as_deref(),
        a.cursor,
        usize::from(a.limit),
    )
    .context("reading spam reports")?;
    println!(
        "{}",
        serde_json::to_string(&c5hub_wire::spam::StoredReportPage::from(&page))?
    );
    Ok(ExitCode::SUCCESS)
}

fn campaigns(a: AnalysisArgs) -> Result<ExitCode> {
    let (analysis, key, refused) = analyse(&a, Policy::default())?;
    print_json(&c5hub_wire::spam::Campaign::all(&analysis, &key))?;
    Ok(exit(refused))
}

fn reputation(a: ReputationArgs) -> Result<ExitCode> {
    if a.ttl_days < 1 || !(0.0..=1.0).contains(&a.listing_confidence) || a.min_operators < 1 {
        bail!("--ttl-days and --min-operators must be at least 1 and --listing-confidence in 0..1");
    }
    let policy = Policy {
        listing_confidence: a.listing_confidence,
        ttl: chrono::Duration::days(a.ttl_days),
        min_operators: a.min_operators,
        ..Policy::default()
    };
    let since = a
        .since
        .as_deref()
        .map(|s| chrono::DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&chrono::Utc)))
        .transpose()
        .context("--since")?;
    let (analysis, key, refused) = analyse(&a.analysis, policy)?;
    // The feed is as of the newest report, so a file of past reports gives
    // the same feed whenever it is run.
    let now = analysis::last_seen(&analysis).unwrap_or_else(chrono::Utc::now);
    let feed = analysis.reputation.feed(now, since);
    match a.format {
        FeedFormat::Json => print_json(&c5hub_wire::spam::ReputationFeed::new(
            &analysis.reputation,
            &feed,
            &key,
            now,
        ))?,
        FeedFormat::Csv => {
            let mut out = std::io::stdout().lock();
            out.write_all(analysis.reputation.to_csv(&feed, &key).as_bytes())?;
            out.flush()?;
        }
    }
    Ok(exit(refused))
}

fn impact(a: ImpactArgs) -> Result<ExitCode> {
    let mut subscribers = HashMap::new();
    if let Some(p) = &a.subscribers {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("operator,") {
                continue;
            }
            let (op, count) = line.split_once(',').with_context(|| {
                format!("{}:{}: expected operator,subscribers", p.display(), n + 1)
            })?;
            let count: u64 = count.trim().parse().with_context(|| {
                format!(
                    "{}:{}: subscribers must be a whole number",
                    p.display(),
                    n + 1
                )
            })?;
            subscribers.insert(op.trim().to_owned(), count);
        }
    }
    let (analysis, key, refused) = analyse(&a.analysis, Policy::default())?;
    let impact =
        c5hub_wire::spam::ImpactAnswer::new(&analysis.impact(&subscribers, &key, a.top), None);
    match a.format {
        ImpactFormat::Json => print_json(&impact)?,
        ImpactFormat::Html => {
            // The report embeds and charts the same document.
            let impact = serde_json::to_value(&impact)?;
            let mut out = std::io::stdout().lock();
            out.write_all(c5hub_spam::chart::impact_html(&impact, "Spam impact").as_bytes())?;
            out.flush()?;
        }
    }
    Ok(exit(refused))
}

/// Pretty JSON on stdout; a closed pipe is an error, not a panic.
fn print_json(v: &impl serde::Serialize) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Nanoseconds this thread has spent on a CPU (Linux schedstat), if known.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn bench(a: BenchArgs) -> Result<ExitCode> {
    let model = load_model(a.model.as_ref())?;
    let rules = load_rules(a.rules.as_ref())?;
    let text = std::fs::read_to_string(&a.corpus)
        .with_context(|| format!("reading {}", a.corpus.display()))?;
    let texts: Vec<&str> = text
        .lines()
        .map(|l| l.split_once('\t').map_or(l, |(_, t)| t))
        .collect();
    if texts.is_empty() || a.passes == 0 {
        bail!("nothing to classify");
    }
    let at = chrono::Utc::now();
    let mut results = Vec::new();
    for with_rules in [false, true] {
        let mut ws = Workspace::default();
        let mut spam = 0u64;
        let wall = std::time::Instant::now();
        let cpu0 = thread_cpu_ns();
        for _ in 0..a.passes {
            for t in &texts {
                spam += u64::from(if with_rules {
                    let msg = c5hub_spam::rules::Message {
                        text: t,
                        sender: Some("+447911123456"),
                        recipient: None,
                        received_at: at,
                    };
                    c5hub_spam::rules::decide(&rules, &model, &msg, &mut ws).spam
                } else {
                    model.classify(std::hint::black_box(t), &mut ws).spam
                });
            }
        }
        let wall = wall.elapsed().as_secs_f64();
        let cpu = cpu0.zip(thread_cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e9);
        let n = texts.len() as f64 * f64::from(a.passes);
        results.push(json!({
            "measure": if with_rules { "rules_then_model" } else { "model" },
            "rules": rules.len(),
            "messages": n,
            "spam": spam,
            "wall_s": wall,
            "cpu_s": cpu,
            "messages_per_cpu_second": cpu.map(|c| n / c),
            "messages_per_wall_second": n / wall,
        }));
    }
    print_json(&json!({"corpus": a.corpus.display().to_string(), "results": results}))?;
    Ok(ExitCode::SUCCESS)
}
