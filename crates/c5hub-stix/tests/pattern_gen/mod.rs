//! Generators of pattern trees for the property tests (pattern_props.rs)
//! and the differential test against the OASIS validator
//! (pattern_oasis.rs). Generated trees keep to what `parse` returns:
//! flattened operand lists, operands of the types the grammar allows, no
//! `hashes` in paths (whose values the validator checks).

use c5hub_stix::pattern::{
    ComparisonExpr, Literal, ObjectPath, ObservationExpr, PathStep, PropTest, Qualifier, Test,
};
use proptest::prelude::*;

pub const TIMESTAMP: &str = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,4})?Z";

pub fn any_text() -> impl Strategy<Value = String> {
    // Quotes, backslashes, spaces, newlines and non-ASCII are the
    // interesting characters for the printer's escaping.
    prop_oneof![
        "[a-zA-Z0-9 '\\\\\n\t_./%^$*-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

pub fn literal(with_bool: bool) -> BoxedStrategy<Literal> {
    let mut options = vec![
        "-?(0|[1-9][0-9]{0,25})".prop_map(Literal::Int).boxed(),
        "-?[0-9]{0,3}\\.[0-9]{1,4}".prop_map(Literal::Float).boxed(),
        any_text().prop_map(Literal::Str).boxed(),
        "([A-Za-z0-9+/]{4}){0,3}([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)"
            .prop_map(Literal::Binary)
            .boxed(),
        "([0-9a-fA-F]{2}){0,5}".prop_map(Literal::Hex).boxed(),
        TIMESTAMP.prop_map(Literal::Timestamp).boxed(),
    ];
    if with_bool {
        options.push(any::<bool>().prop_map(Literal::Bool).boxed());
    }
    proptest::strategy::Union::new(options).boxed()
}

/// Property names: identifiers (printed bare), reserved words and other
/// text (printed quoted).
pub fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        prop::sample::select(vec![
            "AND", "LAST", "true", "false", "IN", "x-y", "SHA-256", "1a"
        ])
        .prop_map(String::from),
        any_text(),
    ]
}

pub fn object_path() -> impl Strategy<Value = ObjectPath> {
    let step = prop_oneof![
        key().prop_map(PathStep::Key),
        prop_oneof![3 => "0|[1-9][0-9]{0,3}", 1 => "-?(0|[1-9][0-9]{0,25})"]
            .prop_map(PathStep::Index),
        Just(PathStep::AnyIndex),
    ];
    (
        "[a-z_][a-z0-9_-]{0,12}".prop_filter("not a boolean", |t| t != "true" && t != "false"),
        key(),
        prop::collection::vec(step, 0..4),
    )
        .prop_map(|(object_type, property, steps)| ObjectPath {
            object_type,
            property,
            steps,
        })
        // The validator's hash-value check applies under `hashes`; keep
        // generated values out of its way.
        .prop_filter("no hashes", |p| {
            p.property != "hashes"
                && !p
                    .steps
                    .iter()
                    .any(|s| matches!(s, PathStep::Key(k) if k == "hashes"))
        })
}

pub fn prop_test() -> impl Strategy<Value = PropTest> {
    let test = prop_oneof![
        literal(true).prop_map(Test::Eq),
        literal(true).prop_map(Test::Ne),
        literal(false).prop_map(Test::Lt),
        literal(false).prop_map(Test::Le),
        literal(false).prop_map(Test::Gt),
        literal(false).prop_map(Test::Ge),
        prop::collection::vec(literal(true), 0..4).prop_map(Test::In),
        any_text().prop_map(Test::Like),
        any_text().prop_map(Test::Matches),
        any_text().prop_map(Test::IsSubset),
        any_text().prop_map(Test::IsSuperset),
        Just(Test::Exists),
    ];
    (object_path(), any::<bool>(), test).prop_map(|(path, negated, test)| PropTest {
        path,
        negated,
        test,
    })
}

pub fn comparison() -> impl Strategy<Value = ComparisonExpr> {
    prop_test()
        .prop_map(ComparisonExpr::Test)
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(ComparisonExpr::and),
                prop::collection::vec(inner, 2..4).prop_map(ComparisonExpr::or),
            ]
        })
}

pub fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        "(0|[1-9][0-9]{0,6})|[0-9]{0,3}\\.[0-9]{1,3}".prop_map(Qualifier::Within),
        "0|[1-9][0-9]{0,6}".prop_map(Qualifier::Repeats),
        (TIMESTAMP, TIMESTAMP).prop_map(|(start, stop)| Qualifier::StartStop { start, stop }),
    ]
}

pub fn observation() -> impl Strategy<Value = ObservationExpr> {
    comparison()
        .prop_map(ObservationExpr::Comparison)
        .prop_recursive(5, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::and),
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::or),
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::followed_by),
                (inner, qualifier()).prop_map(|(e, q)| ObservationExpr::Qualified(Box::new(e), q)),
            ]
        })
}
