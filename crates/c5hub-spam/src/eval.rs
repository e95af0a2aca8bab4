//! Evaluation: labelled corpora, k-fold cross-validation, TREC-style
//! online evaluation, and the figures we report.
//!
//! Folds are assigned by position: record `i` (0-based, in file order) is in
//! fold `i mod k`. That rule is trivial to reproduce outside c5hub, so the
//! peer benchmarks (`tools/bench/spam/`) train and test Rspamd and
//! SpamAssassin on exactly the same folds.

use std::io::BufRead;

use chrono::DateTime;

use crate::Error;
use crate::features::FeatureConfig;
use crate::model::{self, Example, Model, NaiveBayes, TrainOptions};

/// Longest message features are extracted from (bytes): a longer one is
/// cut there, at a character boundary, and counted; never refused (a real
/// e-mail corpus has such messages, and the start of a message says what
/// it is).
pub const MAX_LINE: usize = 64 * 1024;

/// `text` cut to at most [`MAX_LINE`] bytes at a character boundary, and
/// whether it was cut.
pub fn cut(text: &str) -> (&str, bool) {
    if text.len() <= MAX_LINE {
        return (text, false);
    }
    let mut end = MAX_LINE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// A corpus as read, with how many messages were cut.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    /// The messages, each at most [`MAX_LINE`] bytes.
    pub examples: Vec<Example>,
    /// Messages longer than [`MAX_LINE`], cut.
    pub cut: usize,
}

/// Reads a corpus: one message per line, `label<TAB>text` or
/// `label<TAB>time<TAB>text` with an RFC 3339 time; labels `spam` and
/// `ham` (any case). Empty lines are skipped; a bad line is an error naming
/// it; a message longer than [`MAX_LINE`] is cut ([`read_corpus_counted`]
/// says how many were).
pub fn read_corpus(reader: impl BufRead) -> Result<Vec<Example>, Error> {
    Ok(read_corpus_counted(reader)?.examples)
}

/// [`read_corpus`], counting the messages that were cut.
pub fn read_corpus_counted(reader: impl BufRead) -> Result<Corpus, Error> {
    let mut out = Corpus::default();
    for (n, line) in reader.split(b'\n').enumerate() {
        let line_no = n as u64 + 1;
        let line = line.map_err(|e| Error::input(line_no, e.to_string()))?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() {
            continue;
        }
        let mut e = parse_corpus_line(line).map_err(|m| Error::input(line_no, m))?;
        let (kept, was_cut) = cut(&e.text);
        if was_cut {
            e.text = kept.to_owned();
            out.cut += 1;
        }
        out.examples.push(e);
    }
    Ok(out)
}

/// One corpus line.
pub fn parse_corpus_line(line: &str) -> Result<Example, String> {
    let (label, rest) = line.split_once('\t').ok_or("expected label<TAB>text")?;
    let spam = match label.trim().to_ascii_lowercase().as_str() {
        "spam" => true,
        "ham" => false,
        other => return Err(format!("label {other:?} is neither spam nor ham")),
    };
    let (time_ms, text) = match rest.split_once('\t') {
        Some((t, text)) => match DateTime::parse_from_rfc3339(t.trim()) {
            Ok(t) => (Some(t.timestamp_millis()), text),
            Err(_) => (None, rest),
        },
        None => (None, rest),
    };
    Ok(Example {
        text: text.to_owned(),
        spam,
        time_ms,
    })
}

/// The confusion matrix and the figures derived from it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Metrics {
    /// Spam classified spam.
    pub tp: u64,
    /// Ham classified spam (blocked ham).
    pub fp: u64,
    /// Ham classified ham.
    pub tn: u64,
    /// Spam classified ham (missed spam).
    pub fn_: u64,
    /// Area under the ROC curve of the scores.
    pub roc_auc: f64,
}

impl Metrics {
    /// From `(score, is_spam)` pairs and a threshold.
    pub fn from_scores(scored: &[(f32, bool)], threshold: f32) -> Metrics {
        let mut m = Metrics::default();
        for &(s, spam) in scored {
            match (s >= threshold, spam) {
                (true, true) => m.tp += 1,
                (true, false) => m.fp += 1,
                (false, false) => m.tn += 1,
                (false, true) => m.fn_ += 1,
            }
        }
        m.roc_auc = roc_auc(scored);
        m
    }

    /// Messages.
    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// Share classified correctly, in percent.
    pub fn accuracy_pct(&self) -> f64 {
        pct(self.tp + self.tn, self.total())
    }

    /// Share of spam caught, in percent (recall).
    pub fn spam_caught_pct(&self) -> f64 {
        pct(self.tp, self.tp + self.fn_)
    }

    /// Share of ham blocked, in percent (false-positive rate).
    pub fn ham_blocked_pct(&self) -> f64 {
        pct(self.fp, self.fp + self.tn)
    }

    /// Matthews correlation coefficient.
    pub fn mcc(&self) -> f64 {
        let (tp, fp, tn, fn_) = (
            self.tp as f64,
            self.fp as f64,
            self.tn as f64,
            self.fn_ as f64,
        );
        let d = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
        if d == 0.0 {
            0.0
        } else {
            (tp * tn - fp * fn_) / d
        }
    }
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// ROC AUC by ranks (ties count half): the probability that a random spam
/// scores above a random ham.
pub fn roc_auc(scored: &[(f32, bool)]) -> f64 {
    let mut v: Vec<(f32, bool)> = scored.to_vec();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum, mut pos, mut neg) = (0f64, 0u64, 0u64);
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j < v.len() && v[j].0 == v[i].0 {
            j += 1;
        }
        // Ranks i+1..=j share their mean.
        let mean_rank = (i + 1 + j) as f64 / 2.0;
        for item in &v[i..j] {
            if item.1 {
                rank_sum += mean_rank;
                pos += 1;
            } else {
                neg += 1;
            }
        }
        i = j;
    }
    if pos == 0 || neg == 0 {
        return 0.5;
    }
    (rank_sum - (pos * (pos + 1)) as f64 / 2.0) / (pos as f64 * neg as f64)
}

/// A trained fold's scoring function.
type Scorer = Box<dyn Fn(&[u32]) -> f32>;

/// Which learner a cross-validation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Logistic regression (the shipped model).
    Logistic,
    /// Multinomial naive Bayes on the same features, for comparison.
    NaiveBayes,
}

/// k-fold cross-validation: fold of record `i` is `i mod folds`. Returns
/// the pooled metrics and each message's out-of-fold score, in input order.
pub fn cross_validate(
    cfg: FeatureConfig,
    examples: &[Example],
    folds: usize,
    opts: &TrainOptions,
    algorithm: Algorithm,
) -> Result<(Metrics, Vec<f32>), Error> {
    if folds < 2 || folds > examples.len() {
        return Err(Error::Invalid(format!(
            "{folds} folds for {} messages: need 2 to one per message",
            examples.len()
        )));
    }
    let feats = model::featurize(&cfg, examples);
    let labels: Vec<bool> = examples.iter().map(|e| e.spam).collect();
    let mut scores = vec![0f32; examples.len()];
    for f in 0..folds {
        let train: Vec<usize> = (0..examples.len()).filter(|i| i % folds != f).collect();
        let tx: Vec<Vec<u32>> = train.iter().map(|&i| feats[i].clone()).collect();
        let ty: Vec<bool> = train.iter().map(|&i| labels[i]).collect();
        let score: Scorer = match algorithm {
            Algorithm::Logistic => {
                let m = Model::train_featurized(cfg, &tx, &ty, opts)?;
                Box::new(move |x| m.score_featurized(x))
            }
            Algorithm::NaiveBayes => {
                let m = NaiveBayes::train(&cfg, &tx, &ty, 0.1);
                Box::new(move |x| m.score(x))
            }
        };
        for i in (f..examples.len()).step_by(folds) {
            scores[i] = score(&feats[i]);
        }
    }
    let scored: Vec<(f32, bool)> = scores.iter().copied().zip(labels).collect();
    Ok((Metrics::from_scores(&scored, opts.threshold), scores))
}

/// TREC-style online evaluation: messages in time order, each classified
/// by the model as it stands and then learned with its true label, starting
/// from an empty model. `None` when the corpus has no times.
pub fn online(
    cfg: FeatureConfig,
    examples: &[Example],
    opts: &TrainOptions,
) -> Result<Option<Metrics>, Error> {
    if examples.is_empty() || examples.iter().any(|e| e.time_ms.is_none()) {
        return Ok(None);
    }
    let mut order: Vec<&Example> = examples.iter().collect();
    order.sort_by_key(|e| e.time_ms);
    let mut m = Model::empty(cfg, opts)?;
    let mut ws = model::Workspace::default();
    let scored: Vec<(f32, bool)> = order
        .iter()
        .map(|e| (m.learn(&e.text, e.spam, &mut ws), e.spam))
        .collect();
    Ok(Some(Metrics::from_scores(&scored, opts.threshold)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_lines() {
        let text = "ham\tok lar\nspam\tWIN now\n\nSPAM\t2024-05-01T10:00:00Z\tclaim\tprize\n";
        let c = read_corpus(text.as_bytes()).expect("valid corpus");
        assert_eq!(c.len(), 3);
        assert!(!c[0].spam && c[1].spam && c[2].spam);
        assert_eq!(c[2].text, "claim\tprize");
        assert_eq!(c[2].time_ms, Some(1_714_557_600_000));
        let err = read_corpus("ham\tok\nmaybe\tx\n".as_bytes()).expect_err("bad label");
        assert_eq!(
            err.to_string(),
            "line 2: label \"maybe\" is neither spam nor ham"
        );
        assert!(read_corpus("no tab here".as_bytes()).is_err());
    }

    #[test]
    fn metrics_match_hand_computation() {
        // 3 spam (2 caught), 5 ham (1 blocked).
        let scored = [
            (0.9, true),
            (0.8, true),
            (0.3, true),
            (0.7, false),
            (0.2, false),
            (0.1, false),
            (0.1, false),
            (0.0, false),
        ];
        let m = Metrics::from_scores(&scored, 0.5);
        assert_eq!((m.tp, m.fp, m.tn, m.fn_), (2, 1, 4, 1));
        assert!((m.accuracy_pct() - 75.0).abs() < 1e-9);
        assert!((m.spam_caught_pct() - 200.0 / 3.0).abs() < 1e-9);
        assert!((m.ham_blocked_pct() - 20.0).abs() < 1e-9);
        // (2*4 - 1*1) / sqrt(3*3*5*5) = 7/15
        assert!((m.mcc() - 7.0 / 15.0).abs() < 1e-9);
        // Pairs spam>ham: 0.9 beats 5, 0.8 beats 5, 0.3 beats 4 => 14 of 15.
        assert!((m.roc_auc - 14.0 / 15.0).abs() < 1e-9);
    }

    #[test]
    fn auc_counts_ties_half() {
        assert!((roc_auc(&[(0.5, true), (0.5, false)]) - 0.5).abs() < 1e-12);
        assert!((roc_auc(&[(0.6, true), (0.5, false)]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn long_messages_are_cut_and_counted_not_refused() {
        let long = format!(
            "ham\tshort\nspam\t{}é\nham\t{}\n",
            "x".repeat(MAX_LINE - 1),
            "y".repeat(100 * 1024)
        );
        let counted =
            read_corpus_counted(long.as_bytes()).expect("long lines are cut, not refused");
        assert_eq!(counted.cut, 2);
        assert_eq!(counted.examples.len(), 3);
        assert_eq!(
            counted.examples[1].text.len(),
            MAX_LINE - 1,
            "cut at a character boundary"
        );
        assert_eq!(counted.examples[2].text.len(), MAX_LINE);
    }

    #[test]
    fn folds_are_checked() {
        let c = read_corpus("ham\ta\nspam\tb\n".as_bytes()).expect("valid");
        let cfg = FeatureConfig {
            bits: 12,
            ..FeatureConfig::default()
        };
        let o = TrainOptions::default();
        assert!(cross_validate(cfg, &c, 1, &o, Algorithm::Logistic).is_err());
        assert!(cross_validate(cfg, &c, 3, &o, Algorithm::Logistic).is_err());
        assert!(cross_validate(cfg, &c, 2, &o, Algorithm::Logistic).is_ok());
    }

    #[test]
    fn online_evaluation_needs_times_and_learns() {
        let cfg = FeatureConfig {
            bits: 16,
            ..FeatureConfig::default()
        };
        let o = TrainOptions::default();
        let untimed = read_corpus("ham\ta\nspam\tb\n".as_bytes()).expect("valid");
        assert_eq!(online(cfg, &untimed, &o).expect("runs"), None);
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/test-data/corpus/timestamped.tsv"
        );
        let text = std::fs::read_to_string(path).expect("test corpus present");
        let c = read_corpus(text.as_bytes()).expect("valid");
        let m = online(cfg, &c, &o).expect("runs").expect("times present");
        assert_eq!(m.total(), c.len() as u64);
        // Learning as it goes, it must do far better than chance.
        assert!(m.roc_auc > 0.8, "{m:?}");
    }
}
