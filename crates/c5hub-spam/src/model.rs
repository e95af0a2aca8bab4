//! The classifier: logistic regression on hashed features, trained with
//! AdaGrad, updated online from confirmed reports, with explanations and a
//! versioned file format.
//!
//! Why logistic regression rather than naive Bayes: on the SMS Spam
//! Collection with the same features and the same ten folds, logistic
//! regression makes fewer errors of both kinds (figures in BENCHMARKS.md,
//! `c5hub spam eval --algorithm naive-bayes` reproduces the comparison),
//! its score is a calibrated probability, and an online update from one
//! confirmed report is one gradient step.
//!
//! Weights are stored quantised (16 bits, one scale per model) and a
//! trained model is quantised before it is used, so what is evaluated is
//! exactly what is saved, and save → load → save is byte-identical.

use crate::Error;
use crate::features::{self, Buckets, FeatureConfig, Named, Scratch};

/// How a model is trained.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainOptions {
    /// Passes over the training set.
    pub epochs: u32,
    /// AdaGrad's base learning rate.
    pub rate: f32,
    /// L2 regularisation on the weights a message touches.
    pub l2: f32,
    /// How much a ham example weighs against a spam one: above 1 makes
    /// blocking ham costlier than missing spam.
    pub ham_weight: f32,
    /// Seed of the example order.
    pub seed: u64,
    /// The decision threshold on the score.
    pub threshold: f32,
    /// Step size of an online update ([`Model::learn`]).
    pub online_rate: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 12,
            rate: 0.4,
            l2: 1e-6,
            ham_weight: 1.0,
            seed: 42,
            threshold: 0.5,
            online_rate: 0.5,
        }
    }
}

/// One labelled message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    /// The message text.
    pub text: String,
    /// Whether it is spam.
    pub spam: bool,
    /// When it was received, in milliseconds since the Unix epoch, if the
    /// corpus says (time-ordered evaluation needs it).
    pub time_ms: Option<i64>,
}

/// Reusable buffers for classification: one per thread.
#[derive(Debug, Default)]
pub struct Workspace {
    scratch: Scratch,
    buckets: Option<Buckets>,
}

impl Workspace {
    fn buckets(&mut self, cfg: &FeatureConfig) -> (&mut Scratch, &mut Buckets) {
        let b = self.buckets.get_or_insert_with(|| Buckets::new(cfg));
        b.indices.clear();
        (&mut self.scratch, b)
    }
}

/// The classifier's verdict on one message.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// Probability of spam, 0..1.
    pub score: f32,
    /// Whether the score reaches the model's threshold.
    pub spam: bool,
}

/// One feature's part in a decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    /// The feature, e.g. `word:free`, `chars:_win`, `link_shortener`.
    pub feature: String,
    /// What it added to the log-odds (positive: towards spam).
    pub weight: f32,
}

/// A verdict with the features that weighed most.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The verdict.
    pub verdict: Verdict,
    /// The model's bias (log-odds before any feature).
    pub bias: f32,
    /// Features by decreasing absolute contribution.
    pub top: Vec<Contribution>,
}

/// A trained classifier.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    cfg: FeatureConfig,
    weights: Vec<f32>,
    bias: f32,
    threshold: f32,
    online_rate: f32,
    examples: u64,
}

#[inline]
fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// splitmix64: a small seedable generator for the example order.
///
/// Kept by hand rather than taken from `rand_chacha`: the order it gives is
/// part of how the shipped model (`models/default.c5sm`) is reproduced
/// from the corpus, bit for bit (`tests/default_model.rs`). Another
/// generator would train another model, changing the shipped weights and
/// every figure measured with them, for no gain in an example shuffle.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// The bucket indices of each example, extracted once for all epochs.
pub(crate) fn featurize(cfg: &FeatureConfig, examples: &[Example]) -> Vec<Vec<u32>> {
    let mut scratch = Scratch::default();
    examples
        .iter()
        .map(|e| {
            let mut b = Buckets::new(cfg);
            features::extract(cfg, &e.text, &mut scratch, &mut b);
            b.indices
        })
        .collect()
}

#[inline]
fn scale(n: usize) -> f32 {
    if n == 0 { 0.0 } else { 1.0 / (n as f32).sqrt() }
}

impl Model {
    /// An untrained model (every score 0.5), the start of online learning.
    pub fn empty(cfg: FeatureConfig, opts: &TrainOptions) -> Result<Model, Error> {
        if !cfg.is_valid() {
            return Err(Error::Invalid(format!(
                "feature configuration out of range: {cfg:?}"
            )));
        }
        Ok(Model {
            cfg,
            weights: vec![0.0; cfg.buckets()],
            bias: 0.0,
            threshold: opts.threshold,
            online_rate: opts.online_rate,
            examples: 0,
        })
    }

    /// Trains on `examples` (deterministic for the same examples, options
    /// and configuration).
    pub fn train(
        cfg: FeatureConfig,
        examples: &[Example],
        opts: &TrainOptions,
    ) -> Result<Model, Error> {
        let feats = featurize(&cfg, examples);
        let labels: Vec<bool> = examples.iter().map(|e| e.spam).collect();
        Self::train_featurized(cfg, &feats, &labels, opts)
    }

    pub(crate) fn train_featurized(
        cfg: FeatureConfig,
        feats: &[Vec<u32>],
        labels: &[bool],
        opts: &TrainOptions,
    ) -> Result<Model, Error> {
        let mut model = Model::empty(cfg, opts)?;
        if !(opts.rate > 0.0 && opts.l2 >= 0.0 && opts.ham_weight > 0.0) {
            return Err(Error::Invalid(
                "rate and ham weight must be positive".into(),
            ));
        }
        let mut g2 = vec![0f32; cfg.buckets()];
        let mut g2_bias = 0f32;
        let mut order: Vec<usize> = (0..feats.len()).collect();
        let mut rng = SplitMix(opts.seed);
        const EPS: f32 = 1e-6;
        for _ in 0..opts.epochs {
            rng.shuffle(&mut order);
            for &k in &order {
                let x = &feats[k];
                let s = scale(x.len());
                let z = model.bias + s * x.iter().map(|&i| model.weights[i as usize]).sum::<f32>();
                let y = if labels[k] { 1.0 } else { 0.0 };
                let w = if labels[k] { 1.0 } else { opts.ham_weight };
                let g = (sigmoid(z) - y) * w;
                for &i in x {
                    let i = i as usize;
                    let grad = g * s + opts.l2 * model.weights[i];
                    g2[i] += grad * grad;
                    model.weights[i] -= opts.rate * grad / (g2[i] + EPS).sqrt();
                }
                g2_bias += g * g;
                model.bias -= opts.rate * g / (g2_bias + EPS).sqrt();
            }
        }
        model.examples = feats.len() as u64;
        model.quantize();
        Ok(model)
    }

    /// The feature configuration the model was trained with.
    pub fn config(&self) -> &FeatureConfig {
        &self.cfg
    }

    /// The decision threshold.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Sets the decision threshold (0..1).
    pub fn set_threshold(&mut self, t: f32) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&t) {
            return Err(Error::Invalid(format!("threshold {t} is not in 0..1")));
        }
        self.threshold = t;
        Ok(())
    }

    /// How many examples trained it (initial training plus online updates).
    pub fn examples(&self) -> u64 {
        self.examples
    }

    /// Weights that are not zero.
    pub fn nonzero_weights(&self) -> usize {
        self.weights.iter().filter(|w| **w != 0.0).count()
    }

    fn log_odds(&self, x: &[u32]) -> f32 {
        self.bias + scale(x.len()) * x.iter().map(|&i| self.weights[i as usize]).sum::<f32>()
    }

    pub(crate) fn score_featurized(&self, x: &[u32]) -> f32 {
        sigmoid(self.log_odds(x))
    }

    /// Classifies one message.
    pub fn classify(&self, text: &str, ws: &mut Workspace) -> Verdict {
        let (scratch, buckets) = ws.buckets(&self.cfg);
        features::extract(&self.cfg, text, scratch, buckets);
        let score = self.score_featurized(&buckets.indices);
        Verdict {
            score,
            spam: score >= self.threshold,
        }
    }

    /// Classifies one message and names the `top` features that weighed
    /// most (each feature's occurrences summed).
    pub fn explain(&self, text: &str, top: usize) -> Explanation {
        let mut named = Named::new(&self.cfg);
        features::extract(&self.cfg, text, &mut Scratch::default(), &mut named);
        let s = scale(named.features.len());
        let mut by_name: std::collections::HashMap<&str, f32> = Default::default();
        for (i, name) in &named.features {
            *by_name.entry(name.as_str()).or_default() += s * self.weights[*i as usize];
        }
        let mut contributions: Vec<Contribution> = by_name
            .into_iter()
            .filter(|(_, w)| *w != 0.0)
            .map(|(n, w)| Contribution {
                feature: n.to_owned(),
                weight: w,
            })
            .collect();
        contributions.sort_by(|a, b| {
            b.weight
                .abs()
                .total_cmp(&a.weight.abs())
                .then_with(|| a.feature.cmp(&b.feature))
        });
        contributions.truncate(top);
        let idx: Vec<u32> = named.features.iter().map(|f| f.0).collect();
        let score = self.score_featurized(&idx);
        Explanation {
            verdict: Verdict {
                score,
                spam: score >= self.threshold,
            },
            bias: self.bias,
            top: contributions,
        }
    }

    /// One online step from a confirmed report: moves the model towards
    /// `spam` for this text. Returns the score before the update.
    pub fn learn(&mut self, text: &str, spam: bool, ws: &mut Workspace) -> f32 {
        let (scratch, buckets) = ws.buckets(&self.cfg);
        features::extract(&self.cfg, text, scratch, buckets);
        let x = std::mem::take(&mut buckets.indices);
        let before = self.learn_featurized(&x, spam);
        if let Some(b) = ws.buckets.as_mut() {
            b.indices = x;
        }
        before
    }

    /// One online step like [`Model::learn`], whose size is at most
    /// `limit`: the step's error term (`score - label`, at most 1 in size)
    /// is clamped to `limit`, so a caller that keeps a budget of `limit`s
    /// bounds how far its examples move the weights (each weight by at most
    /// the online rate times the budget). Returns the score before and the
    /// size used.
    pub fn learn_limited(
        &mut self,
        text: &str,
        spam: bool,
        limit: f32,
        ws: &mut Workspace,
    ) -> (f32, f32) {
        let (scratch, buckets) = ws.buckets(&self.cfg);
        features::extract(&self.cfg, text, scratch, buckets);
        let x = std::mem::take(&mut buckets.indices);
        let p = self.score_featurized(&x);
        let err = p - if spam { 1.0 } else { 0.0 };
        let g = err.clamp(-limit.max(0.0), limit.max(0.0));
        let s = scale(x.len());
        for &i in &x {
            self.weights[i as usize] -= self.online_rate * g * s;
        }
        self.bias -= self.online_rate * g;
        self.examples += 1;
        if let Some(b) = ws.buckets.as_mut() {
            b.indices = x;
        }
        (p, g.abs())
    }

    pub(crate) fn learn_featurized(&mut self, x: &[u32], spam: bool) -> f32 {
        let p = self.score_featurized(x);
        let g = p - if spam { 1.0 } else { 0.0 };
        let s = scale(x.len());
        for &i in x {
            self.weights[i as usize] -= self.online_rate * g * s;
        }
        self.bias -= self.online_rate * g;
        self.examples += 1;
        p
    }

    /// Rounds the weights to what the file format stores.
    fn quantize(&mut self) {
        let q = Quantizer::for_weights(&self.weights);
        for w in &mut self.weights {
            *w = q.dequantize(q.quantize(*w));
        }
    }
}

/// 16-bit weights with one scale.
struct Quantizer {
    scale: f32,
}

impl Quantizer {
    fn for_weights(w: &[f32]) -> Quantizer {
        let max = w.iter().fold(0f32, |m, x| m.max(x.abs()));
        Quantizer {
            scale: if max > 0.0 { max / 32767.0 } else { 1.0 },
        }
    }

    fn quantize(&self, w: f32) -> i16 {
        (w / self.scale).round().clamp(-32767.0, 32767.0) as i16
    }

    fn dequantize(&self, q: i16) -> f32 {
        f32::from(q) * self.scale
    }
}

/// File format: magic, then a fixed header, then the non-zero weights as
/// (varint index delta, i16) pairs, then an FNV-1a checksum of all that
/// precedes it.
const MAGIC: &[u8; 8] = b"C5HSPAM\0";
/// The model file version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
const HEADER_LEN: usize = 8 + 2 + 4 + 2 + 4 * 4 + 8 + 4;
/// Largest model file accepted.
pub const MAX_MODEL_BYTES: usize = 256 << 20;

fn fnv64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    })
}

impl Model {
    /// The model file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let q = Quantizer::for_weights(&self.weights);
        let entries: Vec<(u32, i16)> = self
            .weights
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u32, q.quantize(*w)))
            .filter(|(_, q)| *q != 0)
            .collect();
        let mut out = Vec::with_capacity(HEADER_LEN + entries.len() * 4 + 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(self.cfg.bits);
        out.push(self.cfg.char_min);
        out.push(self.cfg.char_max);
        out.push(u8::from(self.cfg.word_bigrams));
        out.extend_from_slice(&0u16.to_le_bytes());
        for f in [self.bias, self.threshold, self.online_rate, q.scale] {
            out.extend_from_slice(&f.to_le_bytes());
        }
        out.extend_from_slice(&self.examples.to_le_bytes());
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        let mut prev = 0u32;
        for (k, (i, w)) in entries.iter().enumerate() {
            let mut delta = if k == 0 { *i } else { i - prev - 1 };
            prev = *i;
            loop {
                let byte = (delta & 0x7F) as u8;
                delta >>= 7;
                if delta == 0 {
                    out.push(byte);
                    break;
                }
                out.push(byte | 0x80);
            }
            out.extend_from_slice(&w.to_le_bytes());
        }
        let sum = fnv64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Reads a model file. Never panics; anything malformed is an
    /// [`Error::ModelFile`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, Error> {
        let bad = |m: &str| Error::ModelFile(m.to_owned());
        if bytes.len() > MAX_MODEL_BYTES {
            return Err(bad("larger than the 256 MiB limit"));
        }
        if bytes.len() < HEADER_LEN + 8 || &bytes[..8] != MAGIC {
            return Err(bad("not a c5hub spam model (magic missing)"));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        let mut r = Reader {
            bytes: body,
            pos: 8,
        };
        let version = u16::from_le_bytes(r.array()?);
        if version != FORMAT_VERSION {
            return Err(Error::ModelFile(format!(
                "format version {version}; this build reads version {FORMAT_VERSION}"
            )));
        }
        if u64::from_le_bytes(sum.try_into().map_err(|_| bad("truncated"))?) != fnv64(body) {
            return Err(bad("checksum mismatch (damaged or truncated)"));
        }
        let [bits, char_min, char_max, flags] = r.array()?;
        if flags > 1 {
            return Err(bad("unknown flags"));
        }
        let _reserved: [u8; 2] = r.array()?;
        let cfg = FeatureConfig {
            bits,
            char_min,
            char_max,
            word_bigrams: flags == 1,
        };
        if !cfg.is_valid() {
            return Err(Error::ModelFile(format!(
                "feature configuration out of range: {cfg:?}"
            )));
        }
        let bias = f32::from_le_bytes(r.array()?);
        let threshold = f32::from_le_bytes(r.array()?);
        let online_rate = f32::from_le_bytes(r.array()?);
        let scale = f32::from_le_bytes(r.array()?);
        let examples = u64::from_le_bytes(r.array()?);
        let n = u32::from_le_bytes(r.array()?) as usize;
        if !(bias.is_finite() && online_rate.is_finite() && scale.is_finite() && scale > 0.0) {
            return Err(bad("non-finite bias, rate or scale"));
        }
        if !(0.0..=1.0).contains(&threshold) {
            return Err(bad("threshold outside 0..1"));
        }
        if n > cfg.buckets() {
            return Err(bad("more weights than buckets"));
        }
        let q = Quantizer { scale };
        let mut weights = vec![0f32; cfg.buckets()];
        let mut next = 0u64;
        for _ in 0..n {
            let delta = r.varint()?;
            let i = next + delta;
            if i >= cfg.buckets() as u64 {
                return Err(bad("weight index beyond the bucket count"));
            }
            weights[i as usize] = q.dequantize(i16::from_le_bytes(r.array()?));
            next = i + 1;
        }
        if r.pos != body.len() {
            return Err(bad("trailing bytes after the weights"));
        }
        Ok(Model {
            cfg,
            weights,
            bias,
            threshold,
            online_rate,
            examples,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let end = self.pos + N;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| Error::ModelFile("truncated".into()))?;
        self.pos = end;
        slice
            .try_into()
            .map_err(|_| Error::ModelFile("truncated".into()))
    }

    fn varint(&mut self) -> Result<u64, Error> {
        let mut v = 0u64;
        for shift in (0..35).step_by(7) {
            let [b] = self.array()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Error::ModelFile("varint too long".into()))
    }
}

/// Multinomial naive Bayes on the same hashed features, kept for the
/// evaluation that justifies logistic regression; not a shipped model.
#[derive(Debug)]
pub struct NaiveBayes {
    log_odds: Vec<f32>,
    prior: f32,
}

impl NaiveBayes {
    /// Trains with Laplace smoothing `alpha`.
    pub(crate) fn train(
        cfg: &FeatureConfig,
        feats: &[Vec<u32>],
        labels: &[bool],
        alpha: f32,
    ) -> Self {
        let mut counts = [vec![0f32; cfg.buckets()], vec![0f32; cfg.buckets()]];
        let mut totals = [0f32; 2];
        let mut docs = [0f32; 2];
        for (x, &spam) in feats.iter().zip(labels) {
            let c = usize::from(spam);
            docs[c] += 1.0;
            for &i in x {
                counts[c][i as usize] += 1.0;
            }
            totals[c] += x.len() as f32;
        }
        let v = cfg.buckets() as f32;
        let log_odds = (0..cfg.buckets())
            .map(|i| {
                ((counts[1][i] + alpha) / (totals[1] + alpha * v)).ln()
                    - ((counts[0][i] + alpha) / (totals[0] + alpha * v)).ln()
            })
            .collect();
        NaiveBayes {
            log_odds,
            prior: ((docs[1] + 1.0) / (docs[0] + 1.0)).ln(),
        }
    }

    /// Probability of spam.
    pub(crate) fn score(&self, x: &[u32]) -> f32 {
        sigmoid(self.prior + x.iter().map(|&i| self.log_odds[i as usize]).sum::<f32>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limited_steps_move_the_model_no_further_than_their_limit() {
        let text = "WINNER!! You have been selected for a prize, call 09061701461 now";
        let base = crate::default_model().expect("shipped model");
        let mut ws = Workspace::default();
        let mut none = base.clone();
        let (before, used) = none.learn_limited(text, false, 0.0, &mut ws);
        assert_eq!(used, 0.0);
        assert_eq!(
            none.classify(text, &mut ws).score,
            before,
            "a zero limit moves nothing"
        );
        let (mut full, mut small) = (base.clone(), base.clone());
        full.learn(text, false, &mut ws);
        let (_, used) = small.learn_limited(text, false, 0.1, &mut ws);
        assert!((used - 0.1).abs() < 1e-6);
        let (f, s) = (
            full.classify(text, &mut ws).score,
            small.classify(text, &mut ws).score,
        );
        assert!(f < s && s < before, "{f} < {s} < {before}");
    }

    fn ex(text: &str, spam: bool) -> Example {
        Example {
            text: text.into(),
            spam,
            time_ms: None,
        }
    }

    fn toy() -> Vec<Example> {
        let mut v = Vec::new();
        for i in 0..30 {
            v.push(ex(
                &format!("WIN a FREE prize now! txt WIN to 8{i:04} £{i}00 cash"),
                true,
            ));
            v.push(ex(
                &format!("URGENT your account is locked verify at bit.ly/a{i}"),
                true,
            ));
            v.push(ex(
                &format!("are we still meeting at {i} tonight? call me"),
                false,
            ));
            v.push(ex(&format!("ok see you soon, love mum {i}"), false));
        }
        v
    }

    fn small() -> FeatureConfig {
        FeatureConfig {
            bits: 16,
            ..FeatureConfig::default()
        }
    }

    #[test]
    fn learns_a_separable_toy_corpus() {
        let m = Model::train(small(), &toy(), &TrainOptions::default()).expect("valid options");
        let mut ws = Workspace::default();
        assert!(m.classify("FREE prize! txt WIN to 80099 now", &mut ws).spam);
        assert!(
            m.classify("verify your locked account at bit.ly/zz", &mut ws)
                .spam
        );
        assert!(!m.classify("see you tonight, love", &mut ws).spam);
    }

    #[test]
    fn training_is_deterministic_and_the_file_round_trips() {
        let a = Model::train(small(), &toy(), &TrainOptions::default()).expect("valid");
        let b = Model::train(small(), &toy(), &TrainOptions::default()).expect("valid");
        let bytes = a.to_bytes();
        assert_eq!(bytes, b.to_bytes());
        let back = Model::from_bytes(&bytes).expect("own output reads back");
        assert_eq!(back, a, "loaded model equals the trained (quantised) one");
        assert_eq!(back.to_bytes(), bytes);
    }

    #[test]
    fn damaged_files_are_refused() {
        let bytes = Model::train(small(), &toy(), &TrainOptions::default())
            .expect("valid")
            .to_bytes();
        assert!(matches!(
            Model::from_bytes(&bytes[..bytes.len() - 1]),
            Err(Error::ModelFile(_))
        ));
        let mut flipped = bytes.clone();
        flipped[HEADER_LEN + 3] ^= 0x40;
        assert!(matches!(
            Model::from_bytes(&flipped),
            Err(Error::ModelFile(_))
        ));
        let mut version = bytes.clone();
        version[8] = 9;
        let err = Model::from_bytes(&version).expect_err("version 9 unknown");
        assert!(err.to_string().contains("version 9"), "{err}");
        assert!(Model::from_bytes(b"").is_err());
    }

    #[test]
    fn explanation_names_the_features_that_weighed() {
        let m = Model::train(small(), &toy(), &TrainOptions::default()).expect("valid");
        let e = m.explain("WIN a FREE prize now!", 5);
        assert!(e.verdict.spam);
        assert_eq!(e.top.len(), 5);
        assert!(
            e.top
                .windows(2)
                .all(|w| w[0].weight.abs() >= w[1].weight.abs()),
            "sorted by weight: {:?}",
            e.top
        );
        let all = m.explain("WIN a FREE prize now!", 1000);
        let total: f32 = all.top.iter().map(|c| c.weight).sum::<f32>() + all.bias;
        let p = 1.0 / (1.0 + (-total).exp());
        assert!(
            (p - e.verdict.score).abs() < 1e-4,
            "contributions add up to the score"
        );
        assert!(
            all.top
                .iter()
                .any(|c| c.feature == "word:free" && c.weight > 0.0)
        );
        let mut ws = Workspace::default();
        assert_eq!(e.verdict, m.classify("WIN a FREE prize now!", &mut ws));
    }

    #[test]
    fn online_learning_moves_the_score() {
        let mut m = Model::empty(small(), &TrainOptions::default()).expect("valid");
        let mut ws = Workspace::default();
        let text = "Claim your parcel fee at dhl-pay.top";
        assert_eq!(m.classify(text, &mut ws).score, 0.5);
        let mut last = 0.5;
        for _ in 0..10 {
            m.learn(text, true, &mut ws);
            let now = m.classify(text, &mut ws).score;
            assert!(now > last, "each confirmation raises the score");
            last = now;
        }
        assert!(last > 0.9, "{last}");
        assert_eq!(m.examples(), 10);
    }
}
