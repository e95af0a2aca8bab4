//! Forms that recover: the one place where the hub's error answers (JSON
//! pointers, query parameters, the model's wording) become messages beside
//! the form fields, in words a user reads.
//!
//! The checks themselves stay where they are (the model, the format
//! registry, c5hub-hub): a page only maps their answers to its fields, so
//! the UI can never accept what the API refuses.

use maud::{Markup, html};

use crate::problem::Problem;

/// Messages by form field; the field `""` holds what belongs to no field.
#[derive(Clone, Debug, Default)]
pub(crate) struct FieldErrors {
    by_field: Vec<(String, String)>,
}

impl FieldErrors {
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.by_field.push((field.to_owned(), message.into()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_field.is_empty()
    }

    /// Every message, in order.
    pub(crate) fn all(&self) -> impl Iterator<Item = &str> {
        self.by_field.iter().map(|(_, m)| m.as_str())
    }

    fn of(&self, field: &str) -> impl Iterator<Item = &str> {
        self.by_field
            .iter()
            .filter(move |(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The messages beside field `field` (nothing when it has none). The
    /// id lets the field name them with `aria-describedby`.
    pub(crate) fn beside(&self, field: &str) -> Markup {
        let msgs: Vec<&str> = self.of(field).collect();
        html! {
            @if !msgs.is_empty() {
                span.field-error id={ "err-" (field) } role="alert" {
                    @for (i, m) in msgs.iter().enumerate() { @if i > 0 { br; } (m) }
                }
            }
        }
    }

    /// `aria-describedby` for a field with messages.
    pub(crate) fn described(&self, field: &str) -> Option<String> {
        self.of(field).next().map(|_| format!("err-{field}"))
    }

    /// A summary at the top of the form: what belongs to no field, and a
    /// count of the rest.
    pub(crate) fn summary(&self) -> Markup {
        self.summary_saying("Nothing was saved: ")
    }

    /// [`FieldErrors::summary`] with its own first words.
    pub(crate) fn summary_saying(&self, lead: &str) -> Markup {
        let general: Vec<&str> = self.of("").collect();
        let rest = self.by_field.len() - general.len();
        html! {
            @if !self.is_empty() {
                div.error role="alert" {
                    @if rest > 0 {
                        p { (lead)
                            @if rest == 1 { "one field needs" } @else { (rest) " fields need" }
                            " a correction (see the messages beside them). What you typed is kept." }
                    }
                    @for m in &general { p { (m) } }
                }
            }
        }
    }
}

/// The model says `invalid <what> "<input>": <why>`; a person reads
/// `<input>: <why>`. Other texts are kept as they are.
pub(crate) fn plain(detail: &str) -> String {
    let Some(rest) = detail.strip_prefix("invalid ") else {
        return detail.to_owned();
    };
    let Some(open) = rest.find('"') else {
        return detail.to_owned();
    };
    let Some(close) = rest.rfind("\": ") else {
        return detail.to_owned();
    };
    if close <= open {
        return detail.to_owned();
    }
    let input = &rest[open + 1..close];
    let why = &rest[close + 3..];
    if why == "not recognised as any kind of observable" {
        return format!(
            "{input} is not an IP address, prefix, domain, URL, e-mail address, hash or phone number"
        );
    }
    // Four dotted numbers that are no address read as a domain to the
    // model, whose reason then speaks of labels.
    if why == "the last label is all digits" {
        return format!("{input} is not an IP address or domain (a domain never ends in a number)");
    }
    if why == "expected category/type" {
        return format!(
            "{input} is not a class of the RSIT taxonomy: pick one from the list (category/type, e.g. fraud/phishing)"
        );
    }
    if why == "not a known value" {
        return format!("{input} is not one of the values offered");
    }
    format!("{input}: {why}")
}

/// The labels of the submission form's fields, by the pointer or field
/// name the hub answers with.
fn submission_field(at: &str) -> Option<(&'static str, &'static str)> {
    Some(match at.trim_start_matches('/') {
        "id" => ("id", "Incident id"),
        "title" => ("title", "Title"),
        "classification" => ("classification", "RSIT class"),
        "tlp" => ("tlp", "TLP"),
        "description" => ("description", "Description"),
        "shared_with" => ("shared_with", "Share AMBER with"),
        "recipients" => ("recipients", "RED recipients"),
        "status" => ("status", "Status"),
        "detected" => ("detected", "Detected"),
        "document" => ("document", "Document"),
        "observables" => ("observables", "Observables"),
        _ => return None,
    })
}

/// A submission's errors by field. `observable_lines` gives, for each
/// observable sent (in order), the form's line number it came from, so
/// `/observables/1/value` becomes "Observables, line 3".
pub(crate) fn submission_errors(p: &Problem, observable_lines: &[usize]) -> FieldErrors {
    let mut out = FieldErrors::default();
    for e in &p.errors {
        let detail = plain(&e.detail);
        if let Some(rest) = e.at.strip_prefix("/observables/") {
            let n = rest.split('/').next().and_then(|n| n.parse::<usize>().ok());
            let line = n.and_then(|n| observable_lines.get(n).copied());
            match line {
                Some(l) => out.add("observables", format!("Observables, line {l}: {detail}")),
                None => out.add("observables", format!("Observables: {detail}")),
            }
            continue;
        }
        match submission_field(&e.at) {
            Some((field, label)) => out.add(field, format!("{label}: {detail}")),
            // A place in an uploaded document (an IODEF element path, a
            // line and column) belongs to the document.
            None if !e.at.is_empty() => out.add("document", format!("{}: {detail}", e.at)),
            None => out.add("", detail),
        }
    }
    if out.is_empty() {
        out.add("", plain(&p.detail));
    }
    out
}

/// A list filter's errors by field: the API names them `query parameter
/// <name>`.
pub(crate) fn filter_errors(p: &Problem) -> FieldErrors {
    let mut out = FieldErrors::default();
    for e in &p.errors {
        let detail = plain(&e.detail);
        match e.at.strip_prefix("query parameter ") {
            Some(name) => {
                let label = match name {
                    "classification" => "RSIT class",
                    "not_classification" => "Not this class",
                    "observable" => "Value",
                    "tlp" => "TLP",
                    "status" => "Status",
                    "reporter" => "Reporter",
                    "since" | "from" => "Received from",
                    "until" | "to" => "Received to",
                    "sort" => "Sort by",
                    "order" => "Order",
                    "cursor" | "offset" | "limit" => "Page",
                    other => other,
                };
                // The order and the page come from links, not from a
                // field of the form: theirs is said above it.
                let field = match name {
                    "sort" | "order" | "cursor" | "offset" | "limit" => "",
                    _ => name,
                };
                out.add(field, format!("{label}: {detail}"));
            }
            None => out.add("", detail),
        }
    }
    if out.is_empty() {
        out.add("", plain(&p.detail));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Where;

    fn problem(errors: &[(&str, &str)]) -> Problem {
        Problem::bad_request("x").with(
            errors
                .iter()
                .map(|(at, d)| Where {
                    at: (*at).to_owned(),
                    detail: (*d).to_owned(),
                })
                .collect(),
        )
    }

    #[test]
    fn pointers_become_labels_and_observables_their_line() {
        let p = problem(&[
            (
                "/id",
                "expected `name:id` (the IODEF IncidentID name and id)",
            ),
            (
                "/observables/1/value",
                "invalid observable \"999.1.1.1\": not recognised as any kind of observable",
            ),
            ("line 3 column 1", "not XML"),
            (
                "/observables/0/value",
                "invalid domain \"999.1.1.1\": the last label is all digits",
            ),
        ]);
        let e = submission_errors(&p, &[1, 3]);
        let obs: Vec<&str> = e.of("observables").collect();
        assert_eq!(
            obs,
            [
                "Observables, line 3: 999.1.1.1 is not an IP address, prefix, domain, URL, e-mail address, hash or phone number",
                "Observables, line 1: 999.1.1.1 is not an IP address or domain (a domain never ends in a number)"
            ]
        );
        assert_eq!(
            e.of("id").collect::<Vec<_>>(),
            ["Incident id: expected `name:id` (the IODEF IncidentID name and id)"]
        );
        assert_eq!(
            e.of("document").collect::<Vec<_>>(),
            ["line 3 column 1: not XML"]
        );
    }

    #[test]
    fn query_parameters_become_filter_fields() {
        let p = problem(&[(
            "query parameter classification",
            "invalid RSIT class \"fraud\": expected category/type",
        )]);
        let e = filter_errors(&p);
        assert_eq!(
            e.of("classification").collect::<Vec<_>>(),
            [
                "RSIT class: fraud is not a class of the RSIT taxonomy: pick one from the list (category/type, e.g. fraud/phishing)"
            ]
        );
    }
}
