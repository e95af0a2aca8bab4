//! ITU regions: the BDT (ITU-D) regional classification of the 193 ITU
//! Member States plus Palestine, from `data/itu-regions.csv`.
//!
//! The table is data: its header comments say which edition's
//! classification it follows, and callers may load their own table with
//! [`RegionTable::from_csv`] (same columns).

use std::collections::HashMap;
use std::fmt;

use crate::error::Error;
use crate::responses::normalise_iso3;

/// The embedded ITU region table.
pub const ITU_REGIONS_CSV: &str = include_str!("../data/itu-regions.csv");

/// An ITU-D region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Region {
    /// Africa.
    Africa,
    /// Americas.
    Americas,
    /// Arab States.
    ArabStates,
    /// Asia-Pacific.
    AsiaPacific,
    /// Commonwealth of Independent States.
    Cis,
    /// Europe.
    Europe,
}

impl Region {
    /// The six regions, in ITU's usual order.
    pub const ALL: [Region; 6] = [
        Region::Africa,
        Region::Americas,
        Region::ArabStates,
        Region::AsiaPacific,
        Region::Cis,
        Region::Europe,
    ];

    /// The identifier used in data files (`arab-states`).
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Africa => "africa",
            Region::Americas => "americas",
            Region::ArabStates => "arab-states",
            Region::AsiaPacific => "asia-pacific",
            Region::Cis => "cis",
            Region::Europe => "europe",
        }
    }

    /// The display name (`Arab States`).
    pub fn name(self) -> &'static str {
        match self {
            Region::Africa => "Africa",
            Region::Americas => "Americas",
            Region::ArabStates => "Arab States",
            Region::AsiaPacific => "Asia-Pacific",
            Region::Cis => "CIS",
            Region::Europe => "Europe",
        }
    }

    /// Parses an identifier or display name, ignoring case.
    pub fn parse(raw: &str) -> Option<Region> {
        let key = crate::methodology::normalise_option(raw);
        Region::ALL
            .into_iter()
            .find(|r| r.as_str() == key || crate::methodology::normalise_option(r.name()) == key)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One country in a region table.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionEntry {
    /// ISO 3166-1 alpha-3 code.
    pub iso3: String,
    /// Short English name.
    pub name: String,
    /// Its region.
    pub region: Region,
    /// `true` for ITU Member States, `false` for observers.
    pub member: bool,
}

/// Countries and their regions.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionTable {
    entries: Vec<RegionEntry>,
    index: HashMap<String, usize>,
}

impl RegionTable {
    /// The embedded ITU-D table.
    pub fn itu() -> RegionTable {
        // The embedded file is checked by the `itu_table` test below.
        RegionTable::from_csv(ITU_REGIONS_CSV).expect("embedded ITU region table is valid")
    }

    /// Reads a table with the columns `iso3,name,region,status` (status
    /// `member` or `observer`); `#` starts a comment line.
    pub fn from_csv(text: &str) -> Result<RegionTable, Error> {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let err = |line: Option<u64>, message: String| Error::Csv {
            what: "regions",
            line,
            message,
        };
        let headers = reader
            .headers()
            .map_err(|e| err(e.position().map(|p| p.line()), e.to_string()))?;
        if headers.iter().collect::<Vec<_>>() != ["iso3", "name", "region", "status"] {
            return Err(err(
                Some(1),
                "the header must be iso3,name,region,status".to_owned(),
            ));
        }
        let mut entries = Vec::new();
        let mut index = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| err(e.position().map(|p| p.line()), e.to_string()))?;
            let line = record.position().map(|p| p.line());
            let field = |i: usize| record.get(i).unwrap_or("");
            let iso3 = normalise_iso3(field(0))
                .ok_or_else(|| err(line, format!("iso3 {:?} is not three letters", field(0))))?;
            let region = Region::parse(field(2))
                .ok_or_else(|| err(line, format!("unknown region {:?}", field(2))))?;
            let member = match field(3) {
                "member" => true,
                "observer" => false,
                other => {
                    return Err(err(
                        line,
                        format!("status {other:?} is not member or observer"),
                    ));
                }
            };
            if index.insert(iso3.clone(), entries.len()).is_some() {
                return Err(err(line, format!("{iso3} appears twice")));
            }
            entries.push(RegionEntry {
                iso3,
                name: field(1).to_owned(),
                region,
                member,
            });
        }
        Ok(RegionTable { entries, index })
    }

    /// The region of a country.
    pub fn region_of(&self, iso3: &str) -> Option<Region> {
        self.get(iso3).map(|e| e.region)
    }

    /// The name of a country, or its code when unknown.
    pub fn name_of<'a>(&'a self, iso3: &'a str) -> &'a str {
        self.get(iso3).map_or(iso3, |e| e.name.as_str())
    }

    /// The entry of a country.
    pub fn get(&self, iso3: &str) -> Option<&RegionEntry> {
        self.index.get(iso3).map(|&i| &self.entries[i])
    }

    /// Every entry, in file order.
    pub fn entries(&self) -> &[RegionEntry] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itu_table() {
        let t = RegionTable::itu();
        assert_eq!(t.entries().len(), 194);
        assert_eq!(t.entries().iter().filter(|e| e.member).count(), 193);
        let count = |r: Region| t.entries().iter().filter(|e| e.region == r).count();
        assert_eq!(count(Region::Africa), 44);
        assert_eq!(count(Region::Americas), 35);
        assert_eq!(count(Region::ArabStates), 22);
        assert_eq!(count(Region::AsiaPacific), 38);
        assert_eq!(count(Region::Cis), 9);
        assert_eq!(count(Region::Europe), 46);
        // Spot checks where classifications are easy to get wrong.
        assert_eq!(t.region_of("EGY"), Some(Region::ArabStates));
        assert_eq!(t.region_of("SSD"), Some(Region::Africa));
        assert_eq!(t.region_of("IRN"), Some(Region::AsiaPacific));
        assert_eq!(t.region_of("ISR"), Some(Region::Europe));
        assert_eq!(t.region_of("KAZ"), Some(Region::Cis));
        assert_eq!(t.region_of("VAT"), Some(Region::Europe));
        assert_eq!(t.region_of("PLW"), None, "Palau is not an ITU Member State");
        assert_eq!(t.get("PSE").map(|e| e.member), Some(false));
        assert_eq!(t.name_of("XAA"), "XAA");
    }

    #[test]
    fn region_names_parse() {
        for r in Region::ALL {
            assert_eq!(Region::parse(r.as_str()), Some(r));
            assert_eq!(Region::parse(r.name()), Some(r));
        }
        assert_eq!(Region::parse("Asia Pacific"), Some(Region::AsiaPacific));
        assert_eq!(Region::parse("Oceania"), None);
    }

    #[test]
    fn custom_tables_are_checked() {
        assert!(
            RegionTable::from_csv("iso3,name,region,status\nXAA,Sampleland,europe,member\n")
                .is_ok()
        );
        assert!(
            RegionTable::from_csv("iso3,name,region,status\nXAA,Sampleland,atlantis,member\n")
                .is_err()
        );
        assert!(RegionTable::from_csv("iso3,region\n").is_err());
        assert!(
            RegionTable::from_csv("iso3,name,region,status\nXAA,A,cis,member\nXAA,B,cis,member\n")
                .is_err()
        );
    }
}
