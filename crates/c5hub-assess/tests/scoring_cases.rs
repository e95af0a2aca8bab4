//! Scoring checked against values computed by hand, and tier boundaries.

use std::path::PathBuf;

use c5hub_assess::{
    Answer, CountryResponses, Flag, Methodology, ResponseSet, pillar_scores, scoring,
};

fn test_data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hand() -> Methodology {
    Methodology::from_toml(
        &test_data("methodologies/hand-computed.toml"),
        "hand-computed.toml",
    )
    .expect("valid")
}

fn one_country(answers: &[(&str, &str)]) -> ResponseSet {
    ResponseSet {
        methodology: None,
        countries: vec![CountryResponses {
            iso3: "XAA".into(),
            year: 2024,
            answers: answers.iter().map(|(q, a)| Answer::new(*q, *a)).collect(),
        }],
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// q1 partial = 0.5, q2 40% = 0.4, q3 count 3 = 0.5 (band from 2),
/// q4 x;y = 0.6, q5 yes = 1, q6 count 1 of 4 = 0.25.
///
/// A1a = (1·0.5 + 3·0.4) / 4 = 0.425; A1b = 0.5; A1 = (0.425 + 0.5) / 2 =
/// 0.4625; A2 = 0.6; A = (2·0.4625 + 1·0.6) / 3 = 0.508333…; A points =
/// 75 · 0.508333… = 38.125. B = (1 + 0.25) / 2 = 0.625; B points = 15.625.
/// Overall = 53.75: tier H (≥ 50).
const FULL: [(&str, &str); 6] = [
    ("q1", "partial"),
    ("q2", "40"),
    ("q3", "3"),
    ("q4", "x; y"),
    ("q5", "Yes"),
    ("q6", "1"),
];

#[test]
fn hand_computed_weighted_arithmetic() {
    let m = hand();
    assert_eq!(m.pillar_max(0), 75.0);
    assert_eq!(m.pillar_max(1), 25.0);
    let scored = scoring::score_responses(&m, &one_country(&FULL));
    assert!(scored.diagnostics.is_empty(), "{:?}", scored.diagnostics);
    let s = &scored.value[0];
    assert!(
        close(s.pillars[0].points, 38.125),
        "{}",
        s.pillars[0].points
    );
    assert!(
        close(s.pillars[1].points, 15.625),
        "{}",
        s.pillars[1].points
    );
    assert!(close(s.overall, 53.75), "{}", s.overall);
    assert_eq!(s.tier_code, "H");
    assert_eq!(s.pillars[0].answered, 4);
    assert!(!s.flags.iter().any(Flag::is_missing_data));
}

/// q2 and q4 unanswered. Zero: A1a = (0.5 + 0) / 4 = 0.125, A1 = 0.3125,
/// A2 = 0, A = 2·0.3125 / 3 = 0.208333…, 15.625 points; overall
/// 15.625 + 15.625 = 31.25. Exclude: A1a = 0.5, A1 = 0.5, A2 left out,
/// A = 0.5, 37.5 points; overall 53.125.
#[test]
fn hand_computed_missing_policies() {
    let answers: Vec<_> = FULL
        .iter()
        .copied()
        .filter(|(q, _)| *q != "q2" && *q != "q4")
        .collect();
    let m = hand();
    let s = &scoring::score_responses(&m, &one_country(&answers)).value[0];
    assert!(
        close(s.pillars[0].points, 15.625),
        "{}",
        s.pillars[0].points
    );
    assert!(close(s.overall, 31.25), "{}", s.overall);
    assert_eq!(s.tier_code, "L");
    assert!(s.flags.contains(&Flag::MissingAnswers {
        missing: 2,
        total: 6
    }));

    let text = test_data("methodologies/hand-computed.toml")
        .replace("missing = \"zero\"", "missing = \"exclude\"");
    let m = Methodology::from_toml(&text, "exclude variant").expect("valid");
    let s = &scoring::score_responses(&m, &one_country(&answers)).value[0];
    assert!(close(s.pillars[0].points, 37.5), "{}", s.pillars[0].points);
    assert!(close(s.overall, 53.125), "{}", s.overall);
    assert_eq!(s.tier_code, "H");
}

/// Geometric: 100 · 0.508333…^0.75 · 0.625^0.25.
#[test]
fn hand_computed_weighted_geometric() {
    let text = test_data("methodologies/hand-computed.toml").replace(
        "aggregation = \"weighted-arithmetic\"",
        "aggregation = \"weighted-geometric\"",
    );
    let m = Methodology::from_toml(&text, "geometric variant").expect("valid");
    let s = &scoring::score_responses(&m, &one_country(&FULL)).value[0];
    let expected = 100.0 * (1.525f64 / 3.0).powf(0.75) * 0.625f64.powf(0.25);
    assert!(close(s.overall, expected), "{} vs {expected}", s.overall);
    assert!((s.overall - 53.53).abs() < 0.005);
}

#[test]
fn invalid_and_unknown_answers_are_flagged() {
    let m = hand();
    let mut answers = FULL.to_vec();
    answers[0] = ("q1", "sometimes");
    answers.push(("q99", "yes"));
    let scored = scoring::score_responses(&m, &one_country(&answers));
    let s = &scored.value[0];
    assert!(s.flags.contains(&Flag::InvalidAnswers { count: 1 }));
    assert!(s.flags.contains(&Flag::UnknownQuestions { count: 1 }));
    assert_eq!(scored.diagnostics.len(), 2);
    // q1 counts as missing (zero): A1a = 1.2 / 4 = 0.3, A1 = 0.4,
    // A = (0.8 + 0.6) / 3, A points = 35; overall 50.625.
    assert!(close(s.overall, 50.625), "{}", s.overall);
}

/// Two pillars of the sample country XAB 2024, by hand.
///
/// Legal: substantive (in-force 1, yes 1) = 1; procedural (adopted 0.75,
/// yes 1) = 0.875; cybercrime = 0.9375; regulation (1, 1, 1, 60% = 0.6) =
/// 0.9; legal = 0.91875 · 20 = 18.375.
/// Technical: national CIRT sub-indicator (weight 2: yes ×2, yes) = 1;
/// sectoral (2 CIRTs: band from 1 = 0.25) = 0.25; CIRT indicator (weight 2)
/// = (2 + 0.25) / 3 = 0.75; standards (yes, yes, partial) = 2.5 / 3;
/// technical = (2 · 0.75 + 2.5 / 3) / 3 · 20 = 15.5555….
#[test]
fn sample_country_by_hand() {
    let m = Methodology::builtin("gci-2024").expect("built-in");
    let set = ResponseSet::from_csv(&test_data("sample-responses.csv"))
        .expect("readable")
        .value;
    let scored = scoring::score_responses(&m, &set);
    assert!(scored.diagnostics.is_empty(), "{:?}", scored.diagnostics);
    let s = scored
        .value
        .iter()
        .find(|s| s.iso3 == "XAB" && s.year == 2024)
        .expect("XAB 2024 in the sample");
    assert!(
        close(s.pillars[0].points, 18.375),
        "{}",
        s.pillars[0].points
    );
    let technical = (2.0 * 0.75 + 2.5 / 3.0) / 3.0 * 20.0;
    assert!(
        close(s.pillars[1].points, technical),
        "{}",
        s.pillars[1].points
    );
    // XAA answered every question at best; XAD at worst but for four.
    let xaa = scored.value.iter().find(|s| s.iso3 == "XAA").expect("XAA");
    assert!(close(xaa.overall, 100.0));
    assert_eq!(xaa.tier_code, "T1");
    let xac = scored.value.iter().find(|s| s.iso3 == "XAC").expect("XAC");
    assert!(xac.flags.contains(&Flag::MissingAnswers {
        missing: 2,
        total: 31
    }));
}

/// Every GCI tier boundary, from pillar-score CSV text: a hundredth below
/// the threshold is in the lower tier, the threshold itself in the upper,
/// whether the sum is exact in binary or not.
#[test]
fn gci_tier_boundaries() {
    let m = Methodology::builtin("gci-2024").expect("built-in");
    let cases = [
        ("19,19,19,19,18.99", 94.99, "T2"),
        ("19,19,19,19,19", 95.00, "T1"),
        ("19.99,19.99,19.99,19.99,15.04", 95.00, "T1"),
        ("17,17,17,17,16.99", 84.99, "T3"),
        ("17,17,17,17,17", 85.00, "T2"),
        ("16.1,16.7,17.3,17.9,17", 85.00, "T2"),
        ("11,11,11,11,10.99", 54.99, "T4"),
        ("11,11,11,11,11", 55.00, "T3"),
        ("10.1,10.2,11.3,12.4,11", 55.00, "T3"),
        ("4,4,4,4,3.99", 19.99, "T5"),
        ("4,4,4,4,4", 20.00, "T4"),
        ("0.1,0.2,0.3,19.3,0.1", 20.00, "T4"),
        ("0,0,0,0,0", 0.0, "T5"),
        ("20,20,20,20,20", 100.0, "T1"),
    ];
    let mut csv = String::from("iso3,year,legal,technical,organizational,capacity,cooperation\n");
    for (i, (pillars, _, _)) in cases.iter().enumerate() {
        csv.push_str(&format!(
            "X{}{},2024,{pillars}\n",
            char::from(b'A' + (i / 26) as u8),
            char::from(b'A' + (i % 26) as u8)
        ));
    }
    let rows = pillar_scores::read_pillar_scores(&m, &csv)
        .expect("readable")
        .value;
    let scores = scoring::score_pillar_rows(&m, &rows);
    for ((pillars, overall, tier), s) in cases.iter().zip(&scores) {
        assert!(
            (s.overall - overall).abs() < 1e-9,
            "{pillars}: {}",
            s.overall
        );
        assert_eq!(s.tier_code, *tier, "{pillars}: overall {}", s.overall);
    }
}

/// 94.995 is below 95: it is T2 though two-decimal display may show 95.00.
#[test]
fn display_rounding_does_not_move_tiers() {
    let m = Methodology::builtin("gci-2024").expect("built-in");
    let csv = "iso3,year,legal,technical,organizational,capacity,cooperation\n\
               XAA,2024,19,19,19,19,18.996\n";
    let rows = pillar_scores::read_pillar_scores(&m, csv)
        .expect("readable")
        .value;
    let s = &scoring::score_pillar_rows(&m, &rows)[0];
    assert_eq!(s.tier_code, "T2");
    assert_eq!(scoring::round2(s.overall), 95.0);
    let csv = c5hub_assess::render::scores_csv(&m, std::slice::from_ref(s), None);
    assert!(csv.contains(",95.00,T2,"), "{csv}");
}

#[test]
fn cirt_readiness_maturity_levels() {
    let m = Methodology::builtin("cirt-readiness").expect("built-in");
    let set = ResponseSet::from_csv(&test_data("sample-cirt-readiness.csv"))
        .expect("readable")
        .value;
    let scored = scoring::score_responses(&m, &set);
    assert!(scored.diagnostics.is_empty(), "{:?}", scored.diagnostics);
    let codes: Vec<_> = scored.value.iter().map(|s| s.tier_code.as_str()).collect();
    assert_eq!(codes, ["L5", "L2"]);
    // Funding of XAD: budget line no (0), multi-year no (0), coverage 40%:
    // 0.4 / 3 of 10 points.
    let xad = &scored.value[1];
    assert!(
        close(xad.pillars[5].points, 0.4 / 3.0 * 10.0),
        "{}",
        xad.pillars[5].points
    );
}
