//! Property tests: documents generated from the schema table are valid, and
//! survive XML → XML, JSON → JSON, and the trip through the other binding.
//!
//! The generator walks the class table itself, so every class, attribute and
//! enumeration value it holds can come up; proptest drives it with a seed.

use c5hub_iodef::schema::{Class, Content, ForeignJson, NS_DSIG, Target, ValueType};
use c5hub_iodef::{
    Document, Element, Foreign, Limits, Node, decode_json, decode_xml, encode_json, encode_xml,
    validate,
};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// A seeded generator, to pick shapes.
struct Rng(ChaCha8Rng);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

struct Gen {
    rng: Rng,
    next_id: usize,
    elements: usize,
}

const PIECES: &[&str] = &[
    "abc",
    "Zoë",
    "a&b",
    "<tag>",
    "\"q\"",
    "'s'",
    " lead",
    "trail ",
    "x\ny",
    "tab\there",
    "日本",
    "👾",
    "]]>",
    "",
];

impl Gen {
    fn text(&mut self) -> String {
        let n = 1 + self.rng.below(3);
        (0..n)
            .map(|_| PIECES[self.rng.below(PIECES.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn value(&mut self, ty: ValueType) -> String {
        let r = &mut self.rng;
        match ty {
            ValueType::String => self.text(),
            ValueType::Enum(e) => e.values[r.below(e.values.len())].to_owned(),
            ValueType::Id => {
                self.next_id += 1;
                format!("id-{}", self.next_id)
            }
            ValueType::IdRef => unreachable!("references are made by the caller"),
            ValueType::Integer => format!("{}", r.below(70_000)),
            ValueType::Float => ["0.5", "12", "-3.25", "1e3", "INF"][r.below(5)].to_owned(),
            ValueType::PositiveFloat => {
                ["0.5", "12", "3.25", "1e3", "86400"][r.below(5)].to_owned()
            }
            ValueType::DateTime => {
                format!(
                    "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
                    10 + r.below(20),
                    1 + r.below(12),
                    1 + r.below(28),
                    r.below(24),
                    r.below(60),
                    r.below(60),
                    ["Z", "+05:30", "-03:00", ".250Z"][r.below(4)]
                )
            }
            ValueType::Url => [
                "https://cert.example/a?b=1",
                "http://[2001:db8::1]/x",
                "mailto:abuse@isp.example",
                "urn:x:y",
            ][r.below(4)]
            .to_owned(),
            ValueType::Portlist => ["22", "80,443", "1-1024,8080"][r.below(3)].to_owned(),
            ValueType::Timezone => ["Z", "+14:00", "-03:30"][r.below(3)].to_owned(),
            ValueType::Lang => ["en", "fr-CA", "ar", "zh-Hant"][r.below(4)].to_owned(),
        }
    }

    fn element(&mut self, class: Class, depth: usize) -> Element {
        self.elements += 1;
        let def = class.def();
        let mut el = Element::new(class);
        for a in def.attrs {
            let required = a.required || (class == Class::IodefDocument && a.xml == "version");
            if matches!(a.ty, ValueType::IdRef) || a.xml.starts_with("ext-") {
                continue;
            }
            if class == Class::IndicatorReference {
                continue; // set below: exactly one of uid-ref and euid-ref
            }
            if !required && !self.rng.chance(35) {
                continue;
            }
            let v = match a.fixed {
                Some(f) => f.to_owned(),
                None => self.value(a.ty),
            };
            if v == "ext-value" {
                el.set_attr(&format!("ext-{}", a.xml), "private-value");
            }
            el.set_attr(a.xml, v);
        }
        if class == Class::IndicatorReference {
            el.set_attr("euid-ref", "urn:example:indicator:1");
        }
        match def.content {
            Content::Text(ty) => el.text = Some(self.value(ty)),
            Content::Mixed => {
                let dtype = el.attr("dtype").map(str::to_owned);
                if dtype.as_deref() == Some("xml") && self.rng.chance(70) {
                    el.text =
                        Some(r#"<x:v xmlns:x="urn:example:ext" a="1">t<x:w/></x:v>"#.to_owned());
                    el.text_is_xml = true;
                } else {
                    el.text = Some(self.text());
                }
            }
            Content::Elements | Content::Empty => {}
        }
        let deep = depth >= 10 || self.elements > 600;
        let mut chosen: Vec<Option<usize>> = vec![None; def.groups.len()];
        for (g, gd) in def.groups.iter().enumerate() {
            let members: Vec<usize> = (0..def.children.len())
                .filter(|&i| def.children[i].group == Some(g as u16))
                .collect();
            let want = gd.min_present > 0 || (!deep && self.rng.chance(50));
            if want && !members.is_empty() {
                // Near the depth limit prefer a leaf alternative.
                let pick = if deep {
                    *members
                        .iter()
                        .rev()
                        .find(|&&i| leafish(def.children[i].target))
                        .unwrap_or(&members[0])
                } else {
                    members[self.rng.below(members.len())]
                };
                chosen[g] = Some(pick);
            }
        }
        for (slot, sd) in def.children.iter().enumerate() {
            let count = match sd.group {
                Some(g) if chosen[g as usize] == Some(slot) => {
                    1 + usize::from(!deep && sd.max.is_none_or(|m| m > 1) && self.rng.chance(30))
                }
                Some(_) => 0,
                None => {
                    let extra = usize::from(
                        !deep && sd.max.is_none_or(|m| m > sd.min) && self.rng.chance(30),
                    );
                    sd.min as usize + extra
                }
            };
            for _ in 0..count {
                match sd.target {
                    Target::Class(Class::ObservableReference) => {
                        // Needs an ID to point at: the generator's last one, or
                        // (none yet) a fresh Observable-free reference is not
                        // possible, so skip.
                        if self.next_id > 0 {
                            let mut r = Element::new(Class::ObservableReference);
                            r.set_attr("uid-ref", format!("id-{}", self.next_id));
                            el.children.push(Node::Element(r));
                        } else {
                            let ir = self.element(Class::IndicatorReference, depth + 1);
                            if def.slot_of_class(Class::IndicatorReference).is_some() {
                                el.children.push(Node::Element(ir));
                            }
                        }
                    }
                    Target::Class(k) => {
                        let c = self.element(k, depth + 1);
                        el.children.push(Node::Element(c));
                    }
                    Target::Foreign { ns, name, json } => {
                        let xml = match json {
                            ForeignJson::AlgorithmAttr => format!(
                                r#"<ds:{name} xmlns:ds="{ns}" Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#
                            ),
                            ForeignJson::Text => {
                                format!(r#"<ds:{name} xmlns:ds="{ns}">q83vEjRWeJA=</ds:{name}>"#)
                            }
                            ForeignJson::RawXml => format!(
                                r#"<ds:{name} xmlns:ds="{ns}"><ds:Inner>v &amp; w</ds:Inner></ds:{name}>"#
                            ),
                        };
                        assert_eq!(ns, NS_DSIG);
                        el.children.push(Node::Foreign(Foreign {
                            ns: ns.to_owned(),
                            name: name.to_owned(),
                            xml,
                        }));
                    }
                }
            }
        }
        el
    }
}

/// Alternatives that end the recursion quickly.
fn leafish(t: Target) -> bool {
    match t {
        Target::Class(k) => matches!(
            k,
            Class::IndicatorReference
                | Class::Address
                | Class::AdditionalData
                | Class::SameDomainContact
                | Class::Description
                | Class::Hash
                | Class::SystemImpact
        ),
        Target::Foreign { .. } => true,
    }
}

fn generate(seed: u64) -> Document {
    let mut g = Gen {
        rng: Rng(ChaCha8Rng::seed_from_u64(seed)),
        next_id: 0,
        elements: 0,
    };
    Document {
        root: g.element(Class::IodefDocument, 0),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generated_documents_are_valid_and_round_trip(seed in any::<u64>()) {
        let doc = generate(seed);
        let problems = validate(&doc);
        prop_assert!(problems.is_empty(), "generator made an invalid document: {:?}", problems);

        let xml = encode_xml(&doc);
        let from_xml = decode_xml(xml.as_bytes(), &Limits::default()).expect("our XML decodes");
        prop_assert!(from_xml.violations.is_empty(), "{:?}\n{}", from_xml.violations, xml);
        prop_assert_eq!(&from_xml.document, &doc, "XML round trip:\n{}", xml);

        let json = encode_json(&doc, false);
        let from_json = decode_json(json.as_bytes(), &Limits::default()).expect("our JSON decodes");
        prop_assert!(from_json.violations.is_empty(), "{:?}\n{}", from_json.violations, json);
        let canon = doc.clone().canonical();
        prop_assert_eq!(from_json.document.clone().canonical(), canon.clone(), "through JSON:\n{}", json);
        // JSON to JSON is exact once in JSON's own order.
        let again = decode_json(encode_json(&from_json.document, true).as_bytes(), &Limits::default()).expect("decodes");
        prop_assert_eq!(again.document, from_json.document);
    }
}

#[test]
fn the_generator_reaches_every_class() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..3000u64 {
        for e in generate(seed).root.descendants() {
            seen.insert(e.class);
        }
    }
    let missing: Vec<&str> = Class::ALL
        .iter()
        .filter(|c| !seen.contains(c))
        .map(|c| c.name())
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}
