//! `c5hub spam`: train, evaluate and apply the spam classifier.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use c5hub_spam::eval::{self, Algorithm, Metrics};
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
    }
}

fn read_corpus(path: &PathBuf) -> Result<Vec<c5hub_spam::Example>> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    eval::read_corpus(BufReader::new(f)).with_context(|| format!("reading {}", path.display()))
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
    for line in input.split(b'\n') {
        let line = line.context("reading messages")?;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches('\r');
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
        let mut w = BufWriter::new(File::create(p).with_context(|| format!("creating {}", p.display()))?);
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
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}
