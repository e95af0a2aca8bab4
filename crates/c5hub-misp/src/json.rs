//! A JSON tree that borrows its strings from the document it was read
//! from: what the reader checks and converts an event from.
//!
//! `serde_json::Value` owns every key and string and hashes every object's
//! keys; an event is read once, looked at a few times and dropped, so
//! reading it into owned maps was most of the cost of an import. This
//! tree copies a string only when it holds an escape, keeps an object's
//! members in a list (events have a few keys each: a scan is quicker than a
//! hash) and is turned into a `Value` only for what leaves the crate.

use std::borrow::Cow;
use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Number, Value};

/// A JSON value read from a document that outlives it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Obj<'a>),
}

/// An object's members in their order. A key given twice counts with its
/// last value (as `serde_json::Map` reads it, in the first one's place):
/// [`Obj::get`] finds the last, [`Obj::insert`] replaces; [`Obj::push`]
/// keeps both, for the fast reader, whose documents are read again whole
/// (with `insert`) when a limit is passed.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Obj<'a>(Vec<(Cow<'a, str>, Json<'a>)>);

impl<'a> Obj<'a> {
    pub(crate) fn with_capacity(n: usize) -> Obj<'a> {
        Obj(Vec::with_capacity(n))
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        // Keys of an object mostly differ in length or first byte: those
        // are compared before the whole key.
        let first = key.as_bytes().first();
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k.len() == key.len() && k.as_bytes().first() == first && k == key)
            .map(|(_, v)| v)
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &Json<'a>)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// Takes a member's value out, leaving null in its place.
    pub(crate) fn take(&mut self, key: &str) -> Option<Json<'a>> {
        self.0
            .iter_mut()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| std::mem::replace(v, Json::Null))
    }

    pub(crate) fn push(&mut self, key: Cow<'a, str>, value: Json<'a>) {
        self.0.push((key, value));
    }

    pub(crate) fn insert(&mut self, key: Cow<'a, str>, value: Json<'a>) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key, value)),
        }
    }

    pub(crate) fn to_map(&self) -> Map<String, Value> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.to_value()))
            .collect()
    }
}

impl<'a> Json<'a> {
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.as_object()?.get(key)
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    pub(crate) fn as_object(&self) -> Option<&Obj<'a>> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub(crate) fn is_string(&self) -> bool {
        matches!(self, Json::String(_))
    }

    pub(crate) fn is_boolean(&self) -> bool {
        matches!(self, Json::Bool(_))
    }

    pub(crate) fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// The same value as `serde_json` reads it.
    pub(crate) fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.clone()),
            Json::String(s) => Value::String(s.as_ref().to_owned()),
            Json::Array(a) => Value::Array(a.iter().map(Json::to_value).collect()),
            Json::Object(o) => Value::Object(o.to_map()),
        }
    }
}

/// As `Value` writes itself (messages quote values this way).
impl fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_value(), f)
    }
}

/// What of a value is kept: an event's reader keeps the members c5hub
/// checks or converts and reads past the rest (they stay in the event's
/// original bytes), so an attribute is a few members, not a dozen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Everything.
    All,
    /// Nothing: the value is read (it must be JSON within the limits) and
    /// dropped.
    Skip,
    /// `{"Event": ...}`.
    Wrapper,
    /// An event's object.
    Event,
    /// An attribute (the items of an `Attribute` list).
    Attribute,
    /// A MISP object.
    Object,
    /// A tag.
    Tag,
    /// `Orgc` or `Org`.
    Org,
    /// A galaxy.
    Galaxy,
    /// A galaxy cluster.
    Cluster,
    /// An object whose members are not read (a sighting: only its being
    /// an object is checked).
    Bare,
}

impl Keep {
    /// How many members an object kept as `self` usually keeps (what its
    /// list is made for, so that it is not grown member by member).
    pub(crate) fn members(self) -> usize {
        match self {
            Keep::Event => 16,
            Keep::All | Keep::Attribute => 8,
            Keep::Object => 6,
            Keep::Org | Keep::Galaxy | Keep::Cluster | Keep::Wrapper => 2,
            Keep::Tag => 1,
            Keep::Skip | Keep::Bare => 0,
        }
    }

    /// What is kept of the member `key` of an object kept as `self`
    /// (`Skip`: not kept). A list's items are kept as the list is.
    pub(crate) fn member(self, key: &str) -> Keep {
        use Keep::*;
        // By kind first: each arm then compares the key with its own few
        // names only.
        match self {
            All => All,
            Skip | Bare => Skip,
            Wrapper => match key {
                "Event" => Event,
                _ => Skip,
            },
            Event => match key {
                "uuid" | "info" | "date" | "distribution" | "threat_level_id" | "analysis"
                | "timestamp" | "publish_timestamp" | "sharing_group_id" | "published" => All,
                "Orgc" | "Org" => Org,
                "Tag" => Tag,
                "Attribute" => Attribute,
                "Object" => Object,
                "Galaxy" => Galaxy,
                "Sighting" => Bare,
                _ => Skip,
            },
            Attribute => match key {
                "uuid" | "type" | "value" | "distribution" | "deleted" | "to_ids" => All,
                "Tag" => Tag,
                "Sighting" => Bare,
                _ => Skip,
            },
            Object => match key {
                "name" | "uuid" | "deleted" | "distribution" => All,
                "Tag" => Tag,
                "Attribute" => Attribute,
                _ => Skip,
            },
            Tag => match key {
                "name" => All,
                _ => Skip,
            },
            Org => match key {
                "name" | "uuid" => All,
                _ => Skip,
            },
            Cluster => match key {
                "uuid" | "tag_name" => All,
                _ => Skip,
            },
            Galaxy => match key {
                "uuid" => All,
                "GalaxyCluster" => Cluster,
                _ => Skip,
            },
        }
    }
}

/// How deep a value nests (arrays and objects, itself included) and its
/// longest string value: what the limits are checked against, kept for
/// what is read past too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) depth: usize,
    pub(crate) longest: usize,
}

impl Shape {
    pub(crate) fn string(len: usize) -> Shape {
        Shape {
            depth: 0,
            longest: len,
        }
    }

    pub(crate) fn add(&mut self, child: Shape) {
        self.add_at(child, 1);
    }

    /// Adds a value `below` levels under this one.
    pub(crate) fn add_at(&mut self, child: Shape, below: usize) {
        if child.depth > 0 {
            self.depth = self.depth.max(child.depth + below);
        }
        self.longest = self.longest.max(child.longest);
    }
}

/// Reads a value keeping what `Keep` says, with its shape.
#[derive(Clone, Copy)]
pub(crate) struct Seed(pub(crate) Keep);

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = (Json<'de>, Shape);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = (Json<'de>, Shape);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok((Json::Bool(b), Shape::default()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok((Json::Number(n.into()), Shape::default()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok((Json::Number(n.into()), Shape::default()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        Ok((
            Number::from_f64(n).map_or(Json::Null, Json::Number),
            Shape::default(),
        ))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        let j = match self.0 {
            Keep::Skip => Json::Null,
            _ => Json::String(Cow::Borrowed(s)),
        };
        Ok((j, Shape::string(s.len())))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        let j = match self.0 {
            Keep::Skip => Json::Null,
            _ => Json::String(Cow::Owned(s.to_owned())),
        };
        Ok((j, Shape::string(s.len())))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        let len = s.len();
        let j = match self.0 {
            Keep::Skip => Json::Null,
            _ => Json::String(Cow::Owned(s)),
        };
        Ok((j, Shape::string(len)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok((Json::Null, Shape::default()))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok((Json::Null, Shape::default()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut shape = Shape {
            depth: 1,
            longest: 0,
        };
        if self.0 == Keep::Skip {
            while let Some((_, s)) = seq.next_element_seed(self)? {
                shape.add(s);
            }
            return Ok((Json::Null, shape));
        }
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some((x, s)) = seq.next_element_seed(self)? {
            shape.add(s);
            v.push(x);
        }
        Ok((Json::Array(v), shape))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut shape = Shape {
            depth: 1,
            longest: 0,
        };
        if self.0 == Keep::Skip {
            while map.next_key::<IgnoredAny>()?.is_some() {
                shape.add(map.next_value_seed(self)?.1);
            }
            return Ok((Json::Null, shape));
        }
        let mut o = Obj::with_capacity(self.0.members());
        while let Some(Key(k)) = map.next_key()? {
            let keep = self.0.member(&k);
            let (v, s) = map.next_value_seed(Seed(keep))?;
            shape.add(s);
            if keep != Keep::Skip {
                o.insert(k, v);
            }
        }
        Ok((Json::Object(o), shape))
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json<'de>, D::Error> {
        Seed(Keep::All).deserialize(d).map(|(j, _)| j)
    }
}

/// A key, borrowed when it has no escape (`Cow`'s own `Deserialize`
/// always copies).
pub(crate) struct Key<'a>(pub(crate) Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_as_value_does() {
        let doc = r#"{"a":[1,-2,3.5,true,null,"x\n\u00e9"],"b":{"c":"d"},"a":"last","e":1e2}"#;
        let j: Json<'_> = serde_json::from_str(doc).expect("json");
        let v: Value = serde_json::from_str(doc).expect("json");
        assert_eq!(j.to_value(), v);
        assert_eq!(j.to_string(), v.to_string());
        assert_eq!(j.get("a").and_then(Json::as_str), Some("last"));
        let Json::Object(o) = &j else {
            panic!("an object")
        };
        let keys: Vec<&str> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["a", "b", "e"]);
        assert!(matches!(
            j.get("b").and_then(|b| b.get("c")),
            Some(Json::String(Cow::Borrowed("d")))
        ));
    }
}
