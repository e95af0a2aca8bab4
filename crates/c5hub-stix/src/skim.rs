//! What the first pass of [`crate::stream`] needs of one object (its type,
//! its id, the ids it references), read straight from its bytes. It finds
//! the same as [`crate::import::Graph::add`] finds in the object's JSON
//! value, without building that value: no map, and no owned string where
//! the text has no escape. The second pass builds the value, once, for
//! the objects of the group it converts.
//!
//! Every value is read with `deserialize_any`, as a `serde_json::Value`
//! is, so that a text this refuses is exactly one the value reader
//! refuses, with the same error.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A top-level property: absent, a string, or something else.
#[derive(Default)]
pub(crate) enum Prop<'a> {
    #[default]
    Missing,
    Str(Cow<'a, str>),
    Other,
}

/// One object, skimmed.
#[derive(Default)]
pub(crate) struct Skim<'a> {
    /// `false` when the value is no JSON object (nothing else is then read).
    pub object: bool,
    pub type_: Prop<'a>,
    pub id: Prop<'a>,
    /// Every id in a `*_ref`/`*_refs` property and in `extension-definition--`
    /// keys, at any depth (as `import::collect_refs`).
    pub refs: Vec<Cow<'a, str>>,
    /// The top-level `source_ref`, `target_ref` and `sighting_of_ref`, when
    /// strings.
    pub source_ref: Option<Cow<'a, str>>,
    pub target_ref: Option<Cow<'a, str>>,
    pub sighting_of_ref: Option<Cow<'a, str>>,
    /// The strings of the top-level `object_refs`.
    pub object_refs: Vec<Cow<'a, str>>,
    /// A member name is given twice in some object of the value. A value
    /// reader keeps the last one, which a skim cannot follow: the caller
    /// reads the value instead.
    pub twice: bool,
}

/// Skims one object's bytes. `Err` when they are not JSON (serde_json's
/// error, as a value reader gives it).
pub(crate) fn skim(bytes: &[u8]) -> Result<Skim<'_>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut out = Skim::default();
    (&mut de).deserialize_any(Top(&mut out))?;
    de.end()?;
    Ok(out)
}

/// The object itself.
struct Top<'s, 'a>(&'s mut Skim<'a>);

/// Any value below the top, searched for references.
struct Walk<'s, 'a> {
    refs: &'s mut Vec<Cow<'a, str>>,
    twice: &'s mut bool,
}

/// Any value, only read through.
struct Skip;

/// A string value (borrowed when the text has no escape), else `None`.
struct Str;

/// A member name.
struct Key;

/// The strings of a list (the rest of it only read through).
struct Strings<'s, 'a>(&'s mut Vec<Cow<'a, str>>);

macro_rules! skip_scalars {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Default::default())
        }
    };
}

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_scalars!();
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Str {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Str {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_scalars!();
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(s.to_owned())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Skip.visit_seq(seq).map(|()| None)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Skip.visit_map(map).map(|()| None)
    }
}

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
}

impl<'de> DeserializeSeed<'de> for Strings<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strings<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_scalars!();
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(s) = seq.next_element_seed(Str)? {
            if let Some(s) = s {
                self.0.push(s);
            }
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        Skip.visit_map(map)
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_scalars!();
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(Walk {
                refs: &mut *self.refs,
                twice: &mut *self.twice,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        members(map, self.refs, self.twice, None)
    }
}

impl<'de> Visitor<'de> for Top<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    skip_scalars!();
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Skip.visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let s = self.0;
        s.object = true;
        let mut top = TopFields::default();
        members(map, &mut s.refs, &mut s.twice, Some(&mut top))?;
        s.type_ = top.type_;
        s.id = top.id;
        s.source_ref = top.source_ref;
        s.target_ref = top.target_ref;
        s.sighting_of_ref = top.sighting_of_ref;
        s.object_refs = top.object_refs;
        Ok(())
    }
}

/// What the top-level object's members say besides references.
#[derive(Default)]
struct TopFields<'a> {
    type_: Prop<'a>,
    id: Prop<'a>,
    source_ref: Option<Cow<'a, str>>,
    target_ref: Option<Cow<'a, str>>,
    sighting_of_ref: Option<Cow<'a, str>>,
    object_refs: Vec<Cow<'a, str>>,
}

/// The members of an object, searched for references as
/// `import::collect_refs` searches a map.
fn members<'de, A: MapAccess<'de>>(
    mut map: A,
    refs: &mut Vec<Cow<'de, str>>,
    twice: &mut bool,
    mut top: Option<&mut TopFields<'de>>,
) -> Result<(), A::Error> {
    let mut names: Vec<Cow<'de, str>> = Vec::new();
    while let Some(k) = map.next_key_seed(Key)? {
        if k.starts_with("extension-definition--") {
            refs.push(k.clone());
        }
        if let Some(t) = top.as_deref_mut().filter(|_| k == "type" || k == "id") {
            let p = match map.next_value_seed(Str)? {
                Some(s) => Prop::Str(s),
                None => Prop::Other,
            };
            if k == "type" {
                t.type_ = p;
            } else {
                t.id = p;
            }
        } else if k.ends_with("_ref") {
            let s = map.next_value_seed(Str)?;
            if let Some(s) = &s {
                refs.push(s.clone());
            }
            if let Some(t) = top.as_deref_mut() {
                match &*k {
                    "source_ref" => t.source_ref = s,
                    "target_ref" => t.target_ref = s,
                    "sighting_of_ref" => t.sighting_of_ref = s,
                    _ => {}
                }
            }
        } else if k.ends_with("_refs") {
            let from = refs.len();
            map.next_value_seed(Strings(refs))?;
            if let Some(t) = top.as_deref_mut().filter(|_| k == "object_refs") {
                t.object_refs = refs[from..].to_vec();
            }
        } else {
            map.next_value_seed(Walk {
                refs: &mut *refs,
                twice: &mut *twice,
            })?;
        }
        names.push(k);
    }
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        *twice = true;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// The references a value reader finds ([`crate::import::collect_refs`]).
    fn value_refs(text: &str) -> Vec<String> {
        let v: Value = serde_json::from_str(text).expect("JSON");
        let mut out = Vec::new();
        crate::import::collect_refs(v.as_object().expect("an object"), &mut out);
        out.into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn finds_the_references_a_value_reader_finds() {
        let texts = [
            r#"{"type":"indicator","id":"indicator--1","created_by_ref":"identity--2","object_marking_refs":["marking-definition--3",4,"marking-definition--5"]}"#,
            r#"{"type":"x","id":"x--1","a":{"b":[{"c_ref":"y--2"},{"d_refs":["z--3"]}],"e_ref":{"f_ref":"not--followed"}},"g_refs":"not-a-list"}"#,
            r#"{"type":"x","id":"x--1","extensions":{"extension-definition--9":{"extension_type":"property-extension","h_ref":"esc\u0061ped--1"}}}"#,
            r#"{"type":"x","id":"x--1","n":[1,-2,3.5e10,true,null,"s"],"i_refs":[[ "nested--no" ], {"k_ref":"nested--no"}]}"#,
        ];
        for t in texts {
            let k = skim(t.as_bytes()).expect("skims");
            assert!(!k.twice, "{t}");
            let refs: Vec<String> = k.refs.iter().map(|r| r.to_string()).collect();
            assert_eq!(refs, value_refs(t), "{t}");
        }
    }

    #[test]
    fn top_level_properties_and_their_kinds() {
        let k = skim(
            br#"{"id":"relationship--1","type":"relationship","source_ref":"a--1","target_ref":7}"#,
        )
        .expect("skims");
        assert!(matches!(&k.type_, Prop::Str(t) if t == "relationship"));
        assert!(matches!(&k.id, Prop::Str(t) if t == "relationship--1"));
        assert_eq!(k.source_ref.as_deref(), Some("a--1"));
        assert_eq!(k.target_ref, None);
        let k = skim(br#"{"type":["x"]}"#).expect("skims");
        assert!(matches!(k.type_, Prop::Other));
        assert!(matches!(k.id, Prop::Missing));
        let k = skim(br#"{"type":"note","id":"note--1","object_refs":["a--1",2,"b--2"]}"#)
            .expect("skims");
        assert_eq!(k.object_refs, ["a--1", "b--2"]);
        assert!(!skim(b"[1,2]").expect("skims").object);
    }

    /// A value reader keeps the last of a name given twice; the skim says
    /// so instead of guessing, at any depth.
    #[test]
    fn a_name_given_twice_is_reported() {
        for t in [
            r#"{"type":"x","id":"x--1","type":"y"}"#,
            r#"{"type":"x","id":"x--1","a":{"b_ref":"c--1","b_ref":"c--2"}}"#,
            r#"{"type":"x","id":"x--1","a":[{"k":1,"k":2}]}"#,
        ] {
            assert!(skim(t.as_bytes()).expect("skims").twice, "{t}");
        }
    }

    /// What the value reader refuses, the skim refuses with the same error.
    #[test]
    fn refuses_what_a_value_reader_refuses_with_its_error() {
        for t in [
            r#"{"type":"x","n":1e999}"#,
            r#"{"type":"x","s":"\ud800"}"#,
            r#"{"type":"x",}"#,
            r#"{"type":"x"} 1"#,
            r#"{"a":[1,2}"#,
        ] {
            let v = serde_json::from_str::<Value>(t).expect_err("a value reader refuses it");
            let k = skim(t.as_bytes()).err().expect("the skim refuses it");
            assert_eq!(k.to_string(), v.to_string(), "{t}");
        }
    }
}
