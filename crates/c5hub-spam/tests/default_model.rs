//! The shipped model: it loads, it classifies, and it is exactly what the
//! documented training command produces from the corpus.

use std::path::Path;

use c5hub_spam::{FeatureConfig, Model, TrainOptions, Workspace, default_model, eval};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpora/sms-spam-collection/SMSSpamCollection"
);

#[test]
fn default_model_loads_and_separates_obvious_cases() {
    let m = default_model().expect("the shipped model reads");
    let mut ws = Workspace::default();
    let spam = "WINNER!! You have been selected to receive a £900 prize reward! To claim call 09061701461. Claim code KL341. Valid 12 hours only.";
    let ham = "Sorry, I'll call you later, in a meeting";
    assert!(m.classify(spam, &mut ws).spam);
    assert!(!m.classify(ham, &mut ws).spam);
}

#[test]
fn default_model_is_reproducible_from_the_corpus() {
    if !Path::new(CORPUS).exists() {
        eprintln!("skipped: {CORPUS} not present");
        return;
    }
    let text = std::fs::read(CORPUS).expect("corpus readable");
    let corpus = eval::read_corpus(&text[..]).expect("corpus parses");
    let m = Model::train(FeatureConfig::default(), &corpus, &TrainOptions::default())
        .expect("default options are valid");
    assert!(
        m.to_bytes() == c5hub_spam::DEFAULT_MODEL_BYTES,
        "models/default.c5sm differs from a fresh training run: rebuild it (models/README.md)"
    );
}
