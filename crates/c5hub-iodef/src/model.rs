//! Conversion between IODEF documents and the c5hub domain model.

use std::fmt::Write;

use crate::Decoded;
use crate::schema::Class;

/// A readable overview of a document.
pub fn summary(d: &Decoded) -> String {
    let mut s = String::new();
    let doc = &d.document;
    let incidents: Vec<_> = doc.root.children_of(Class::Incident).collect();
    let _ = writeln!(
        s,
        "IODEF v2 document ({:?} binding), {} incident(s)",
        d.binding,
        incidents.len()
    );
    s
}
