//! The bundle model: every object kept as the JSON map it was written as
//! (unknown objects and properties, custom `x-` ones and extension
//! definitions included, in their order), with typed views of the
//! properties c5hub reads and every type error found in them.

use serde_json::{Map, Value};

/// Limits on untrusted bundles.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Longest string anywhere, in bytes.
    pub max_string: usize,
    /// Most objects in a bundle read whole.
    pub max_objects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_string: c5hub_model::Incident::MAX_DESCRIPTION_LEN,
            max_objects: 1_000_000,
        }
    }
}

/// What is wrong, and where: the object (its id, or its index when it has
/// none) and the property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// `objects[3]`, an object id, or `bundle`.
    pub object: String,
    /// The property (`pattern`, `object_marking_refs[1]`), or empty.
    pub property: String,
    /// What is wrong.
    pub message: String,
}

impl Error {
    /// An error about `property` of `object`.
    pub fn new(object: &str, property: &str, message: &str) -> Error {
        Error {
            object: object.to_owned(),
            property: property.to_owned(),
            message: message.to_owned(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.property.is_empty() {
            write!(f, "{}: {}", self.object, self.message)
        } else {
            write!(f, "{} {}: {}", self.object, self.property, self.message)
        }
    }
}

impl std::error::Error for Error {}

/// A STIX bundle.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// `bundle--…`.
    pub id: String,
    /// Its objects, in order.
    pub objects: Vec<Object>,
}

/// One STIX object, exactly as written.
#[derive(Clone, Debug)]
pub struct Object {
    /// Every property, in the order written.
    pub map: Map<String, Value>,
    /// Type errors in the properties c5hub reads.
    pub errors: Vec<Error>,
}

impl Object {
    /// Reads one object: `at` names it (`objects[3]`) until its id is known.
    /// `Err` when it is no object or has no string `type` and `id`.
    pub fn read(v: Value, at: &str, limits: &Limits) -> Result<Object, Error> {
        let Value::Object(map) = v else {
            return Err(Error::new(at, "", "is not a JSON object"));
        };
        let type_ = match map.get("type") {
            Some(Value::String(t)) => t,
            Some(_) => return Err(Error::new(at, "type", "is not a string")),
            None => return Err(Error::new(at, "type", "is missing")),
        };
        let id = match map.get("id") {
            Some(Value::String(t)) => t,
            Some(_) => return Err(Error::new(at, "id", "is not a string")),
            None => return Err(Error::new(at, "id", "is missing")),
        };
        let errors = check(&map, type_, id, at, limits);
        Ok(Object { map, errors })
    }

    /// `type`.
    pub fn type_(&self) -> &str {
        self.str("type").unwrap_or_default()
    }

    /// `id`.
    pub fn id(&self) -> &str {
        self.str("id").unwrap_or_default()
    }

    /// A string property.
    pub fn str(&self, p: &str) -> Option<&str> {
        self.map.get(p).and_then(Value::as_str)
    }

    /// A list property.
    pub fn list(&self, p: &str) -> Option<&Vec<Value>> {
        self.map.get(p).and_then(Value::as_array)
    }

    /// A timestamp property.
    pub fn time(&self, p: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::parse_from_rfc3339(self.str(p)?)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }
}

/// The type errors in the properties c5hub reads of the object `map`.
fn check(map: &Map<String, Value>, type_: &str, id: &str, at: &str, limits: &Limits) -> Vec<Error> {
    let name = if id.is_empty() { at } else { id };
    let mut errs = Vec::new();
    let err = |errs: &mut Vec<Error>, p: &str, m: &str| errs.push(Error::new(name, p, m));
    if type_.len() < 3
        || type_.len() > 250
        || !type_
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        err(
            &mut errs,
            "type",
            "is not a STIX type name (a-z, 0-9, '-', 3 to 250)",
        );
    }
    match id.split_once("--") {
        Some((t, u)) if t == type_ && uuid::Uuid::try_parse(u).is_ok() => {}
        _ => err(&mut errs, "id", &format!("is not {type_}--<UUID>")),
    }
    // One pass over the properties finds those checked below, so that
    // no name is looked up (hashed) twice.
    let mut found = Props::default();
    for (k, v) in map {
        if over_limit(v, limits) {
            check_value(k, v, name, limits, &mut errs);
        }
        if k.ends_with("_ref") && !v.is_string() {
            err(&mut errs, k, "is not a string (an identifier)");
        }
        if k.ends_with("_refs") && !is_list_of(v, Value::is_string) {
            err(&mut errs, k, "is not a list of identifiers");
        }
        found.see(k, v);
    }
    let p = found;
    let strings = [
        ("spec_version", p.spec_version),
        ("created", p.created),
        ("modified", p.modified),
        ("name", p.name),
        ("description", p.description),
        ("pattern", p.pattern),
        ("pattern_type", p.pattern_type),
        ("relationship_type", p.relationship_type),
        ("value", p.value),
        ("definition_type", p.definition_type),
    ];
    for (prop, v) in strings {
        if v.is_some_and(|v| !v.is_string()) {
            err(&mut errs, prop, "is not a string");
        }
    }
    let lists = [
        ("labels", p.labels),
        ("indicator_types", p.indicator_types),
        ("report_types", p.report_types),
    ];
    for (prop, v) in lists {
        if v.is_some_and(|v| !is_list_of(v, Value::is_string)) {
            err(&mut errs, prop, "is not a list of strings");
        }
    }
    let times = [
        ("created", p.created),
        ("modified", p.modified),
        ("valid_from", p.valid_from),
    ];
    for (prop, v) in times {
        if let Some(s) = v.and_then(Value::as_str) {
            if chrono::DateTime::parse_from_rfc3339(s).is_err() {
                err(&mut errs, prop, "is not an RFC 3339 timestamp");
            }
        }
    }
    if p.external_references
        .is_some_and(|v| !is_list_of(v, Value::is_object))
    {
        err(&mut errs, "external_references", "is not a list of objects");
    }
    if p.extensions.is_some_and(|v| !v.is_object()) {
        err(&mut errs, "extensions", "is not an object");
    }
    if p.hashes.is_some_and(|v| {
        !v.as_object()
            .is_some_and(|h| h.values().all(Value::is_string))
    }) {
        err(&mut errs, "hashes", "is not an object of strings");
    }
    if type_ == "autonomous-system" && p.number.is_some_and(|v| !v.is_u64()) {
        err(&mut errs, "number", "is not a non-negative integer");
    }
    if type_ == "relationship" {
        let required = [
            ("source_ref", p.source_ref),
            ("target_ref", p.target_ref),
            ("relationship_type", p.relationship_type),
        ];
        for (prop, v) in required {
            if v.is_none() {
                err(&mut errs, prop, "is missing");
            }
        }
    }
    if type_ == "indicator" && p.pattern.is_none() {
        err(&mut errs, "pattern", "is missing");
    }
    if let Some(ext) = p
        .extensions
        .and_then(|e| e.get(crate::export::INCIDENT_EXTENSION))
    {
        let p = "extensions.incident_types";
        if !ext.is_object() {
            err(
                &mut errs,
                "extensions",
                "the incident core extension is not an object",
            );
        } else if ext
            .get("incident_types")
            .is_some_and(|v| !is_list_of(v, Value::is_string))
        {
            err(&mut errs, p, "is not a list of strings");
        }
    }
    errs
}

/// The properties [`Object::check`] looks at, found in one pass.
#[derive(Default, Clone, Copy)]
struct Props<'a> {
    spec_version: Option<&'a Value>,
    created: Option<&'a Value>,
    modified: Option<&'a Value>,
    name: Option<&'a Value>,
    description: Option<&'a Value>,
    pattern: Option<&'a Value>,
    pattern_type: Option<&'a Value>,
    relationship_type: Option<&'a Value>,
    value: Option<&'a Value>,
    definition_type: Option<&'a Value>,
    labels: Option<&'a Value>,
    indicator_types: Option<&'a Value>,
    report_types: Option<&'a Value>,
    valid_from: Option<&'a Value>,
    external_references: Option<&'a Value>,
    extensions: Option<&'a Value>,
    hashes: Option<&'a Value>,
    number: Option<&'a Value>,
    source_ref: Option<&'a Value>,
    target_ref: Option<&'a Value>,
}

impl<'a> Props<'a> {
    fn see(&mut self, k: &str, v: &'a Value) {
        let slot = match k {
            "spec_version" => &mut self.spec_version,
            "created" => &mut self.created,
            "modified" => &mut self.modified,
            "name" => &mut self.name,
            "description" => &mut self.description,
            "pattern" => &mut self.pattern,
            "pattern_type" => &mut self.pattern_type,
            "relationship_type" => &mut self.relationship_type,
            "value" => &mut self.value,
            "definition_type" => &mut self.definition_type,
            "labels" => &mut self.labels,
            "indicator_types" => &mut self.indicator_types,
            "report_types" => &mut self.report_types,
            "valid_from" => &mut self.valid_from,
            "external_references" => &mut self.external_references,
            "extensions" => &mut self.extensions,
            "hashes" => &mut self.hashes,
            "number" => &mut self.number,
            "source_ref" => &mut self.source_ref,
            "target_ref" => &mut self.target_ref,
            _ => return,
        };
        *slot = Some(v);
    }
}

fn is_list_of(v: &Value, f: impl Fn(&Value) -> bool) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(f))
}

/// Whether a string or a member name anywhere in `v` is over the limit:
/// the paths [`check_value`] names are written only then.
fn over_limit(v: &Value, limits: &Limits) -> bool {
    match v {
        Value::String(s) => s.len() > limits.max_string,
        Value::Array(a) => a.iter().any(|x| over_limit(x, limits)),
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| k.len() > limits.max_string || over_limit(x, limits)),
        _ => false,
    }
}

/// Strings over the limit, anywhere in a property's value.
fn check_value(path: &str, v: &Value, at: &str, limits: &Limits, errs: &mut Vec<Error>) {
    match v {
        Value::String(s) if s.len() > limits.max_string => errs.push(Error::new(
            at,
            path,
            &format!(
                "is a string of {} bytes, more than the limit of {}",
                s.len(),
                limits.max_string
            ),
        )),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| check_value(&format!("{path}[{i}]"), x, at, limits, errs)),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            if k.len() > limits.max_string {
                errs.push(Error::new(at, path, "has a key over the string limit"));
            }
            check_value(&format!("{path}.{k}"), x, at, limits, errs)
        }),
        _ => {}
    }
}

/// Reads a whole bundle. `Err` when it is not one (syntax, nesting,
/// limits, wrong shape); type errors in single objects are kept with the
/// object ([`Object::errors`]) so that the rest can be read.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Bundle, Error> {
    // serde_json refuses nesting deeper than 128 with an error, not a
    // stack overflow.
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::new("bundle", "", &format!("is not JSON: {e}")))?;
    from_value(v, limits)
}

/// A bundle from its JSON value.
pub fn from_value(v: Value, limits: &Limits) -> Result<Bundle, Error> {
    let Value::Object(mut m) = v else {
        return Err(Error::new("bundle", "", "is not a JSON object"));
    };
    if m.get("type").and_then(Value::as_str) != Some("bundle") {
        return Err(Error::new("bundle", "type", "is not \"bundle\""));
    }
    let id = match m.get("id") {
        Some(Value::String(s)) if s.starts_with("bundle--") => s.clone(),
        _ => return Err(Error::new("bundle", "id", "is not bundle--<UUID>")),
    };
    let objects = match m.remove("objects") {
        None => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(Error::new(&id, "objects", "is not a list")),
    };
    if objects.len() > limits.max_objects {
        return Err(Error::new(
            &id,
            "objects",
            &format!(
                "holds {} objects, more than the limit of {}",
                objects.len(),
                limits.max_objects
            ),
        ));
    }
    let objects = objects
        .into_iter()
        .enumerate()
        .map(|(i, o)| Object::read(o, &format!("objects[{i}]"), limits))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Bundle { id, objects })
}
