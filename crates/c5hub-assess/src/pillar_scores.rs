//! Published pillar scores, for editions where only those exist.
//!
//! CSV with the header `iso3,year,` then one column per pillar id of the
//! methodology (for gci-2024: `legal,technical,organizational,capacity,
//! cooperation`) and an optional `overall` column. Pillar values are points
//! on the pillar's own scale (0 to 20 for GCI). An empty cell is a missing
//! pillar. The `overall` column is checked against the recomputed overall
//! score, never used in its place. `#` starts a comment line.

use std::collections::{HashMap, HashSet};

use crate::error::{Diagnostic, Error};
use crate::limits;
use crate::methodology::Methodology;
use crate::responses::{Parsed, normalise_iso3, parse_year};

/// One row of a pillar-score CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct PillarScoreRow {
    /// ISO 3166-1 alpha-3 code, upper case.
    pub iso3: String,
    /// The edition's year.
    pub year: i32,
    /// Points per pillar, in methodology order; `None` when the cell is
    /// empty.
    pub pillars: Vec<Option<f64>>,
    /// The overall score the file states, if any.
    pub stated_overall: Option<f64>,
    /// The row's line in the file, for messages.
    pub line: u64,
}

/// Reads pillar scores for `methodology` from CSV text.
///
/// A row with an unreadable or out-of-range value is left out and reported;
/// an unknown or missing column is an error.
pub fn read_pillar_scores(
    methodology: &Methodology,
    text: &str,
) -> Result<Parsed<Vec<PillarScoreRow>>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let csv_err = |e: csv::Error| Error::Csv {
        what: "pillar scores",
        line: e.position().map(|p| p.line()),
        message: e.to_string(),
    };
    let headers = reader.headers().map_err(csv_err)?.clone();
    let header_err = |message: String| Error::Csv {
        what: "pillar scores",
        line: Some(1),
        message,
    };
    let mut col: HashMap<&str, usize> = HashMap::new();
    let expected: Vec<&str> = ["iso3", "year"]
        .into_iter()
        .chain(methodology.pillars.iter().map(|p| p.id.as_str()))
        .collect();
    for (i, h) in headers.iter().enumerate() {
        if !expected.contains(&h) && h != "overall" {
            return Err(header_err(format!(
                "unknown column {h:?}; methodology {} expects {},overall (overall optional)",
                methodology.id,
                expected.join(",")
            )));
        }
        if col.insert(h, i).is_some() {
            return Err(header_err(format!("column {h:?} appears twice")));
        }
    }
    for name in &expected {
        if !col.contains_key(name) {
            return Err(header_err(format!("missing column {name:?}")));
        }
    }

    let mut rows = Vec::new();
    let mut diagnostics = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(csv_err)?;
        if rows.len() >= limits::MAX_RECORDS {
            return Err(Error::Limit {
                message: format!("more than {} pillar-score rows", limits::MAX_RECORDS),
            });
        }
        let line = record.position().map_or(0, |p| p.line());
        let loc = format!("line {line}");
        let get = |name: &str| col.get(name).and_then(|&i| record.get(i)).unwrap_or("");
        let Some(iso3) = normalise_iso3(get("iso3")) else {
            diagnostics.push(Diagnostic::error(
                loc,
                format!("iso3 {:?} is not three letters; row left out", get("iso3")),
            ));
            continue;
        };
        let Some(year) = parse_year(get("year")) else {
            diagnostics.push(Diagnostic::error(
                loc,
                format!(
                    "year {:?} is not a year from 1990 to 2100; row left out",
                    get("year")
                ),
            ));
            continue;
        };
        let mut pillars = Vec::with_capacity(methodology.pillars.len());
        let mut bad = Vec::new();
        for (pi, p) in methodology.pillars.iter().enumerate() {
            let raw = get(&p.id);
            if raw.is_empty() {
                pillars.push(None);
                continue;
            }
            let max = methodology.pillar_max(pi);
            match raw.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 && v <= max + 1e-9 => pillars.push(Some(v)),
                Ok(v) if v.is_finite() => {
                    bad.push(format!("{} = {v} is outside 0..{max}", p.id));
                }
                _ => bad.push(format!("{} = {raw:?} is not a number", p.id)),
            }
        }
        if !bad.is_empty() {
            diagnostics.push(Diagnostic::error(
                loc,
                format!("{}; row left out", bad.join(", ")),
            ));
            continue;
        }
        let stated_overall = match get("overall") {
            "" => None,
            raw => match raw.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    diagnostics.push(Diagnostic::warning(
                        loc.clone(),
                        format!("overall {raw:?} is not a number; not checked"),
                    ));
                    None
                }
            },
        };
        if !seen.insert((iso3.clone(), year)) {
            diagnostics.push(Diagnostic::error(
                loc,
                format!("second row for {iso3} {year}; left out"),
            ));
            continue;
        }
        rows.push(PillarScoreRow {
            iso3,
            year,
            pillars,
            stated_overall,
            line,
        });
    }
    Ok(Parsed {
        value: rows,
        diagnostics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gci() -> Methodology {
        Methodology::builtin("gci-2024").expect("gci-2024 validates")
    }

    #[test]
    fn reads_rows_and_missing_cells() {
        let text = "iso3,year,legal,technical,organizational,capacity,cooperation,overall\n\
                    XAA,2024,20,19.5,18,17,16,90.5\n\
                    xab,2024,1,,3,4,5,\n";
        let parsed = read_pillar_scores(&gci(), text).expect("readable");
        assert!(parsed.diagnostics.is_empty());
        let rows = parsed.value;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].pillars[1], Some(19.5));
        assert_eq!(rows[0].stated_overall, Some(90.5));
        assert_eq!(rows[1].iso3, "XAB");
        assert_eq!(rows[1].pillars[1], None);
    }

    #[test]
    fn out_of_range_rows_are_left_out() {
        let text = "iso3,year,legal,technical,organizational,capacity,cooperation\n\
                    XAA,2024,21,1,1,1,1\n\
                    XAB,2024,x,1,1,1,1\n\
                    XAC,2024,1,1,1,1,1\n\
                    XAC,2024,1,1,1,1,1\n";
        let parsed = read_pillar_scores(&gci(), text).expect("readable");
        assert_eq!(parsed.value.len(), 1);
        assert_eq!(parsed.diagnostics.len(), 3, "{:?}", parsed.diagnostics);
        assert!(parsed.diagnostics[0].message.contains("outside"));
        assert!(parsed.diagnostics[2].location == "line 5");
    }

    #[test]
    fn header_must_match_the_methodology() {
        let missing = "iso3,year,legal,technical,organizational,capacity\n";
        assert!(read_pillar_scores(&gci(), missing).is_err());
        let unknown = "iso3,year,legal,technical,organizational,capacity,cooperation,rank\n";
        assert!(read_pillar_scores(&gci(), unknown).is_err());
    }
}
