//! Dashboard statistics kept at write time (migration 10).
//!
//! Counting a viewer's incidents by class, TLP, status and day when the
//! dashboard asks took seconds at a million incidents. Instead every write
//! that changes what decides a count (an incident's reporter, TLP, class,
//! status, detection time or sharing lists) moves the counts in the same
//! transaction, and a dashboard sums a few hundred counter rows.
//!
//! A count row belongs to an audience: everyone (`org = ''`, `scope = 0`)
//! for CLEAR and GREEN incidents, or one organisation (`scope = 1`) for an
//! AMBER, AMBER+STRICT or RED incident: its reporter, and each
//! organisation an AMBER incident is shared with or a RED one is
//! addressed to. An incident is counted once in each of its audiences, and
//! a member reads exactly the everyone rows plus its own (see
//! [`Viewer::can_read`]: no incident is in two audiences a member reads),
//! so its figures are those sums. A test checks them against a direct
//! count with the rule in Rust on random data.
//!
//! Every write path brackets its change with a [`Tally`]: the incident's
//! [`Facts`] before counted with -1, after with +1, written by
//! [`Tally::write`] before the transaction commits.

use std::collections::{BTreeMap, HashMap};

use c5hub_model::{IncidentStatus, RsitClass, Tlp, Viewer};
use chrono::{Duration, NaiveDate, Utc};

use crate::db::{Db, FromRow, NamedRow, Param, Read, Value};
use crate::workflow::Stats;
use crate::{Error, Submission, tlp_of, tlp_rank};

/// A day in milliseconds: `incident_days.day` is the UTC day number
/// (days since 1970-01-01) of detection, or of receipt.
const DAY_MS: i64 = 86_400_000;

/// The UTC day number of a time in milliseconds (floored, also before 1970,
/// as the migration's SQL does).
pub(crate) fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// What about one incident decides where it is counted.
#[derive(Clone, Debug)]
pub(crate) struct Facts {
    reporter: String,
    tlp: Tlp,
    /// The RSIT path, `""` when unclassified (a key column cannot be NULL:
    /// NULLs never conflict, so the counts would not add up).
    rsit: String,
    status: String,
    /// Detection time, or receipt time when unknown, in milliseconds.
    when: i64,
    /// Organisations other than the reporter that read it by its sharing
    /// lists (the AMBER sharing list or the RED recipients), sorted.
    readers: Vec<String>,
}

/// The sharing list of a submission that names its incident's readers
/// besides the reporter: the AMBER sharing list or the RED recipients.
pub(crate) fn readers_of<'a>(s: &Submission<'a>) -> &'a [String] {
    match s.incident.tlp {
        Tlp::Amber => s.shared_with,
        Tlp::Red => s.recipients,
        _ => &[],
    }
}

impl Facts {
    /// The facts a submission gives its incident once stored, received at
    /// `created_at` (the incident's first receipt, which a new version
    /// keeps).
    pub(crate) fn of(s: &Submission<'_>, created_at: i64) -> Facts {
        let m = s.incident;
        let lists = readers_of(s);
        Facts::new(
            s.reporter.to_owned(),
            m.tlp,
            m.classification.map(|c| c.path()).unwrap_or_default(),
            m.status.as_str().to_owned(),
            m.times
                .detected
                .map_or(created_at, |t| t.timestamp_millis()),
            lists.to_vec(),
        )
    }

    fn new(
        reporter: String,
        tlp: Tlp,
        rsit: String,
        status: String,
        when: i64,
        mut readers: Vec<String>,
    ) -> Facts {
        readers.retain(|o| *o != reporter);
        readers.sort_unstable();
        readers.dedup();
        Facts {
            reporter,
            tlp,
            rsit,
            status,
            when,
            readers,
        }
    }

    /// The facts of a stored incident; `None` when there is none.
    pub(crate) fn read(db: &mut dyn Db, key: i64) -> Result<Option<Facts>, Error> {
        let Some(r) = db.one::<FactsRow>(
            "SELECT reporter, tlp, rsit, status, COALESCE(detected, created_at) AS at FROM incidents WHERE id = $1",
            &[key.into()],
        )?
        else {
            return Ok(None);
        };
        let tlp = tlp_of(r.tlp.unwrap_or(4));
        let kind = match tlp {
            Tlp::Amber => Some("share"),
            Tlp::Red => Some("recipient"),
            _ => None,
        };
        let readers = match kind {
            Some(kind) => db.texts(
                "SELECT org FROM incident_shares WHERE incident = $1 AND kind = $2",
                &[key.into(), kind.into()],
                "org",
            )?,
            None => Vec::new(),
        };
        Ok(Some(Facts::new(
            r.reporter.unwrap_or_default(),
            tlp,
            r.rsit.unwrap_or_default(),
            r.status.unwrap_or_default(),
            r.at.unwrap_or_default(),
            readers,
        )))
    }

    /// The audiences counting it: `(org, scope)`.
    fn audiences(&self) -> impl Iterator<Item = (&str, i64)> {
        let everyone = (self.tlp <= Tlp::Green).then_some(("", 0));
        let own = (self.tlp > Tlp::Green).then_some((self.reporter.as_str(), 1));
        everyone
            .into_iter()
            .chain(own)
            .chain(self.readers.iter().map(|o| (o.as_str(), 1)))
    }
}

/// Count changes of one transaction, written together (in key order, so
/// that two transactions moving the same rows never wait for each other in
/// a cycle on PostgreSQL).
#[derive(Default)]
pub(crate) struct Tally {
    /// (org, scope, tlp, rsit, status): change.
    counts: BTreeMap<(String, i64, i64, String, String), i64>,
    /// (org, day, scope, tlp): change.
    days: BTreeMap<(String, i64, i64, i64), i64>,
    /// Incidents whose counts before this transaction are taken out
    /// already (or that it created), with their receipt time.
    entered: HashMap<i64, i64>,
}

impl Tally {
    /// Counts `f` with `sign` (+1 or -1).
    pub(crate) fn add(&mut self, f: &Facts, sign: i64) {
        let tlp = tlp_rank(f.tlp);
        let day = day_of(f.when);
        for (org, scope) in f.audiences() {
            *self
                .counts
                .entry((org.to_owned(), scope, tlp, f.rsit.clone(), f.status.clone()))
                .or_default() += sign;
            *self
                .days
                .entry((org.to_owned(), day, scope, tlp))
                .or_default() += sign;
        }
    }

    /// An incident this transaction created, received at `created_at`.
    pub(crate) fn created(&mut self, key: i64, created_at: i64) {
        self.entered.insert(key, created_at);
    }

    /// Before the first change of an existing incident in this
    /// transaction: takes its stored counts out. Returns its receipt time.
    pub(crate) fn leave(&mut self, db: &mut dyn Db, key: i64) -> Result<i64, Error> {
        if let Some(&at) = self.entered.get(&key) {
            return Ok(at);
        }
        let created_at = db
            .int(
                "SELECT created_at FROM incidents WHERE id = $1",
                &[key.into()],
                "created_at",
            )?
            .unwrap_or_default();
        if let Some(f) = Facts::read(db, key)? {
            self.add(&f, -1);
        }
        self.entered.insert(key, created_at);
        Ok(created_at)
    }

    /// Writes the changes (nothing for those that cancel out).
    pub(crate) fn write(self, db: &mut dyn Db) -> Result<(), Error> {
        let params: Vec<Param<'_>> = self
            .counts
            .iter()
            .filter(|(_, n)| **n != 0)
            .flat_map(|((org, scope, tlp, rsit, status), n)| {
                [
                    Param::Text(org),
                    Param::Int(*scope),
                    Param::Int(*tlp),
                    Param::Text(rsit),
                    Param::Text(status),
                    Param::Int(*n),
                ]
            })
            .collect();
        db.insert_rows(
            "INSERT INTO incident_counts (org, scope, tlp, rsit, status, n) VALUES ",
            6,
            &params,
            " ON CONFLICT (org, scope, tlp, rsit, status) DO UPDATE SET n = incident_counts.n + excluded.n",
        )?;
        let params: Vec<Param<'_>> = self
            .days
            .iter()
            .filter(|(_, n)| **n != 0)
            .flat_map(|((org, day, scope, tlp), n)| {
                [
                    Param::Text(org),
                    Param::Int(*day),
                    Param::Int(*scope),
                    Param::Int(*tlp),
                    Param::Int(*n),
                ]
            })
            .collect();
        db.insert_rows(
            "INSERT INTO incident_days (org, day, scope, tlp, n) VALUES ",
            5,
            &params,
            " ON CONFLICT (org, day, scope, tlp) DO UPDATE SET n = incident_days.n + excluded.n",
        )?;
        Ok(())
    }
}

/// Moves an incident's counts from its stored status to `to`, in the
/// caller's transaction.
pub(crate) fn restatus(db: &mut dyn Db, key: i64, to: IncidentStatus) -> Result<(), Error> {
    let Some(before) = Facts::read(db, key)? else {
        return Ok(());
    };
    let mut after = before.clone();
    after.status = to.as_str().to_owned();
    let mut t = Tally::default();
    t.add(&before, -1);
    t.add(&after, 1);
    t.write(db)
}

impl crate::Incidents<'_> {
    /// How many incidents `filter` selects for `viewer`, from the counts
    /// kept at write time, when they can tell: a filter by TLP, class,
    /// "not this class" and status only (the dashboard's figures, so a
    /// count there and the list it opens agree). `None` for any other
    /// filter: counting those would read every matching row.
    pub fn total(
        &mut self,
        filter: &crate::IncidentFilter,
        viewer: &Viewer,
    ) -> Result<Option<i64>, Error> {
        let f = filter;
        if f.since.is_some()
            || f.until.is_some()
            || f.reporter.is_some()
            || f.observable.is_some()
            || f.assignee.is_some()
            || f.unassigned
        {
            return Ok(None);
        }
        let (cond, params) = audience(viewer);
        let rows: Vec<CountRow> = self.st.db.all(
            &format!(
                "SELECT tlp, rsit, status, CAST(SUM(n) AS BIGINT) AS n FROM incident_counts WHERE {cond} GROUP BY tlp, rsit, status"
            ),
            &params,
        )?;
        let path = |c: Option<RsitClass>| c.map(|c| c.path());
        let (class, not_class) = (path(f.classification), path(f.not_classification));
        let n = rows
            .iter()
            .filter(|r| f.tlp.is_none_or(|t| r.tlp == Some(tlp_rank(t))))
            .filter(|r| {
                f.status
                    .is_none_or(|s| r.status.as_deref() == Some(s.as_str()))
            })
            .filter(|r| class.as_ref().is_none_or(|c| r.rsit.as_ref() == Some(c)))
            .filter(|r| {
                not_class
                    .as_ref()
                    .is_none_or(|c| r.rsit.as_ref() != Some(c))
            })
            .filter_map(|r| r.n)
            .sum();
        Ok(Some(n))
    }

    /// Dashboard figures over the incidents the viewer may read; `daily`
    /// covers the `days` days up to and including today (UTC), by
    /// detection time (what an analyst charts), falling back to the time
    /// the hub received the incident.
    ///
    /// Read from the counts kept at write time (see the module): a few
    /// hundred rows whatever the size of the store.
    pub fn stats(&mut self, viewer: &Viewer, days: u32) -> Result<Stats, Error> {
        let (cond, mut params) = audience(viewer);
        let rows: Vec<CountRow> = self.st.db.all(
            &format!(
                "SELECT tlp, rsit, status, CAST(SUM(n) AS BIGINT) AS n FROM incident_counts WHERE {cond} GROUP BY tlp, rsit, status"
            ),
            &params,
        )?;
        let mut by_class: BTreeMap<String, i64> = BTreeMap::new();
        let mut tlps = [0i64; 5];
        let mut statuses: HashMap<String, i64> = HashMap::new();
        for r in rows {
            let n = r.n.unwrap_or(0);
            if n == 0 {
                continue;
            }
            let tlp = usize::try_from(r.tlp.unwrap_or(4)).unwrap_or(4).min(4);
            tlps[tlp] += n;
            *by_class.entry(r.rsit.unwrap_or_default()).or_default() += n;
            *statuses.entry(r.status.unwrap_or_default()).or_default() += n;
        }
        let mut by_class: Vec<(Option<RsitClass>, i64)> = by_class
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .map(|(p, n)| (RsitClass::from_path(&p).ok(), n))
            .collect();
        by_class.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then(a.0.map(|c| c.path()).cmp(&b.0.map(|c| c.path())))
        });
        let by_tlp = Tlp::ALL
            .iter()
            .map(|t| (*t, tlps[usize::try_from(tlp_rank(*t)).unwrap_or(4)]))
            .collect();
        let by_status: Vec<(IncidentStatus, i64)> = IncidentStatus::ALL
            .iter()
            .map(|s| (*s, statuses.get(s.as_str()).copied().unwrap_or(0)))
            .collect();
        let total = by_status.iter().map(|(_, n)| n).sum();

        let today = Utc::now().date_naive();
        let first = today - Duration::days(i64::from(days.max(1)) - 1);
        let first_day = (first - NaiveDate::default()).num_days();
        // SQLite numbers `$n` parameters in order of first appearance: the
        // condition's come first, the day after them.
        params.push(first_day.into());
        let at = params.len();
        let rows: Vec<DayRow> = self.st.db.all(
            &format!(
                "SELECT day, CAST(SUM(n) AS BIGINT) AS n FROM incident_days WHERE {cond} AND day >= ${at} GROUP BY day"
            ),
            &params,
        )?;
        let mut daily: Vec<(NaiveDate, i64)> = (0..i64::from(days.max(1)))
            .map(|d| (first + Duration::days(d), 0))
            .collect();
        for r in rows {
            if let (Some(d), Some(n)) = (r.day, r.n) {
                if let Some(slot) = usize::try_from(d - first_day)
                    .ok()
                    .and_then(|d| daily.get_mut(d))
                {
                    slot.1 += n;
                }
            }
        }
        Ok(Stats {
            total,
            by_class,
            by_tlp,
            by_status,
            daily,
        })
    }
}

/// An incident's facts as stored.
struct FactsRow {
    reporter: Option<String>,
    tlp: Option<i64>,
    rsit: Option<String>,
    status: Option<String>,
    /// Detection time, else receipt time.
    at: Option<i64>,
}

impl FromRow for FactsRow {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(FactsRow {
            reporter: r.text("reporter")?,
            tlp: r.int("tlp")?,
            rsit: r.text("rsit")?,
            status: r.text("status")?,
            at: r.int("at")?,
        })
    }
}

/// One line of `incident_counts` summed over a viewer's audiences.
/// The count rows `viewer` reads: everyone's and its own (an org named ""
/// reads both scopes of "", and only those); anonymous readers CLEAR only.
fn audience(viewer: &Viewer) -> (&'static str, Vec<Value>) {
    match viewer {
        Viewer::Member { org } => (
            "org IN ('', $1) AND (scope = 0 OR org = $1)",
            vec![org.as_str().into()],
        ),
        Viewer::Anonymous {
            public_access: true,
        } => (
            "org = '' AND scope = 0 AND tlp = $1",
            vec![tlp_rank(Tlp::Clear).into()],
        ),
        Viewer::Anonymous {
            public_access: false,
        } => ("1 = 0 AND tlp = $1", vec![0.into()]),
    }
}

struct CountRow {
    tlp: Option<i64>,
    rsit: Option<String>,
    status: Option<String>,
    n: Option<i64>,
}

impl FromRow for CountRow {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(CountRow {
            tlp: r.int("tlp")?,
            rsit: r.text("rsit")?,
            status: r.text("status")?,
            n: r.int("n")?,
        })
    }
}

/// One day of `incident_days` summed over a viewer's audiences.
struct DayRow {
    day: Option<i64>,
    n: Option<i64>,
}

impl FromRow for DayRow {
    fn from_row(r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(DayRow {
            day: r.int("day")?,
            n: r.int("n")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_floor_before_1970() {
        assert_eq!(day_of(0), 0);
        assert_eq!(day_of(DAY_MS - 1), 0);
        assert_eq!(day_of(-1), -1);
        assert_eq!(day_of(-DAY_MS), -1);
        assert_eq!(day_of(-DAY_MS - 1), -2);
    }

    #[test]
    fn one_audience_per_reader() {
        let f = Facts::new(
            "bank".into(),
            Tlp::Amber,
            String::new(),
            "new".into(),
            0,
            vec!["peer".into(), "bank".into(), "peer".into()],
        );
        let a: Vec<_> = f.audiences().collect();
        assert_eq!(a, vec![("bank", 1), ("peer", 1)]);
        let g = Facts::new(
            "bank".into(),
            Tlp::Green,
            String::new(),
            "new".into(),
            0,
            Vec::new(),
        );
        assert_eq!(g.audiences().collect::<Vec<_>>(), vec![("", 0)]);
    }
}
