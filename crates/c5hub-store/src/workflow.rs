//! Triage on stored incidents: assignment, comments, and the statistics a
//! dashboard shows. Every read takes the caller's [`Viewer`], and counts are
//! computed over readable incidents only, so a number never reveals an
//! incident its reader may not see.

use c5hub_model::{IncidentStatus, RsitClass, Tlp, Viewer};
use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{FromRow, NamedRow, Read, Value};
use crate::{Error, Store, now_ms, time, tlp_rank};

/// A comment on an incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Its key.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author: String,
    /// Their organisation.
    pub org: String,
    /// The text.
    pub body: String,
}

/// A change of assignee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// When.
    pub at: DateTime<Utc>,
    /// Who assigned.
    pub actor: String,
    /// To whom (none: unassigned).
    pub assignee: Option<String>,
}

/// The current assignee of an incident and how it came to be.
pub type Assignments = (Option<String>, Vec<Assignment>);

/// What a dashboard shows, over the incidents a viewer may read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Readable incidents.
    pub total: i64,
    /// By RSIT class (unclassified as `None`), most first.
    pub by_class: Vec<(Option<RsitClass>, i64)>,
    /// By TLP, CLEAR to RED.
    pub by_tlp: Vec<(Tlp, i64)>,
    /// By status, in workflow order.
    pub by_status: Vec<(IncidentStatus, i64)>,
    /// Incidents per day (UTC) of detection, or of receipt when no
    /// detection time is known; oldest first, every day present.
    pub daily: Vec<(NaiveDate, i64)>,
}

/// Longest comment accepted, in bytes.
pub const MAX_COMMENT_BYTES: usize = 16 * 1024;

/// Longest note on a status change, in bytes.
pub const MAX_NOTE_BYTES: usize = 16 * 1024;

/// Longest assignee (a user's e-mail address), in bytes.
pub const MAX_ASSIGNEE_BYTES: usize = 320;

/// The SQL condition (on `incidents i`) that holds exactly for the
/// incidents `viewer` may read, with its parameters numbered from
/// `$first`. It is the TLP rule of [`Viewer::can_read`] in SQL, so that
/// lists and counts are filtered by the database; a test checks the two
/// agree (`tests/readable.rs`).
pub(crate) fn visible_sql(viewer: &Viewer, first: usize) -> (String, Vec<Value>) {
    visible_sql_on(viewer, first, "i", "i.id")
}

/// [`visible_sql`] on any table alias with `tlp` and `reporter` columns
/// (`incidents`, `domain_postings`), `key` naming its incident key.
pub(crate) fn visible_sql_on(
    viewer: &Viewer,
    first: usize,
    alias: &str,
    key: &str,
) -> (String, Vec<Value>) {
    match viewer {
        Viewer::Anonymous {
            public_access: true,
        } => (
            format!("{alias}.tlp = {}", tlp_rank(Tlp::Clear)),
            Vec::new(),
        ),
        Viewer::Anonymous {
            public_access: false,
        } => ("1 = 0".to_owned(), Vec::new()),
        Viewer::Member { org } => {
            let p = format!("${first}");
            (
                format!(
                    "({alias}.reporter = {p} OR {alias}.tlp <= {green} \
                     OR ({alias}.tlp = {amber} AND EXISTS (SELECT 1 FROM incident_shares s WHERE s.incident = {key} AND s.org = {p} AND s.kind = 'share')) \
                     OR ({alias}.tlp = {red} AND EXISTS (SELECT 1 FROM incident_shares s WHERE s.incident = {key} AND s.org = {p} AND s.kind = 'recipient')))",
                    green = tlp_rank(Tlp::Green),
                    amber = tlp_rank(Tlp::Amber),
                    red = tlp_rank(Tlp::Red),
                ),
                vec![org.as_str().into()],
            )
        }
    }
}

impl Store {
    /// Sets (or clears) the assignee of an incident and records who did it;
    /// `false` when there is no such incident.
    pub fn set_assignee(
        &mut self,
        key: i64,
        assignee: Option<&str>,
        actor: &str,
    ) -> Result<bool, Error> {
        if let Some(a) = assignee.filter(|a| a.len() > MAX_ASSIGNEE_BYTES) {
            return Err(Error::Invalid(format!(
                "an assignee has at most {MAX_ASSIGNEE_BYTES} bytes, this one {}",
                a.len()
            )));
        }
        self.db.begin()?;
        let result = (|| -> Result<bool, Error> {
            let now = now_ms();
            let n = self.db.execute(
                "UPDATE incidents SET assignee = $1, updated_at = $2 WHERE id = $3",
                &[assignee.into(), now.into(), key.into()],
            )?;
            if n == 0 {
                return Ok(false);
            }
            self.db.execute(
                "INSERT INTO assignments (incident, at, actor, assignee) VALUES ($1, $2, $3, $4)",
                &[key.into(), now.into(), actor.into(), assignee.into()],
            )?;
            crate::changes::record(
                self.db.as_mut(),
                crate::ChangeKind::Assignee,
                key,
                None,
                now,
            )?;
            Ok(true)
        })();
        match result {
            Ok(v) => {
                self.db.commit()?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.db.rollback();
                Err(e)
            }
        }
    }

    /// The current assignee and the assignment history of an incident the
    /// viewer may read.
    pub fn assignments(&mut self, key: i64, viewer: &Viewer) -> Result<Option<Assignments>, Error> {
        if !self.readable_key(key, viewer)? {
            return Ok(None);
        }
        let current = self
            .db
            .texts(
                "SELECT assignee FROM incidents WHERE id = $1",
                &[key.into()],
                "assignee",
            )?
            .into_iter()
            .next();
        let history = self.db.all(
            "SELECT at, actor, assignee FROM assignments WHERE incident = $1 ORDER BY at, id",
            &[key.into()],
        )?;
        Ok(Some((current, history)))
    }

    /// Adds a comment to an incident the author's organisation may read;
    /// `None` when it may not (or the incident does not exist).
    pub fn add_comment(
        &mut self,
        key: i64,
        author: &str,
        org: &str,
        body: &str,
    ) -> Result<Option<Comment>, Error> {
        let body = body.trim();
        if body.is_empty() {
            return Err(Error::Invalid("a comment needs text".to_owned()));
        }
        if body.len() > MAX_COMMENT_BYTES {
            return Err(Error::Invalid(format!(
                "a comment has at most {MAX_COMMENT_BYTES} bytes, this one {}",
                body.len()
            )));
        }
        if !self.readable_key(key, &Viewer::member(org))? {
            return Ok(None);
        }
        let now = now_ms();
        // The comment and its change-feed row commit together.
        self.db.begin()?;
        let result = (|| -> Result<i64, Error> {
            self.db.execute(
                "INSERT INTO comments (incident, at, author, org, body) VALUES ($1, $2, $3, $4, $5)",
                &[
                    key.into(),
                    now.into(),
                    author.into(),
                    org.into(),
                    body.into(),
                ],
            )?;
            let id = self
                .db
                .int(
                    "SELECT MAX(id) AS id FROM comments WHERE incident = $1 AND author = $2",
                    &[key.into(), author.into()],
                    "id",
                )?
                .unwrap_or_default();
            crate::changes::record(
                self.db.as_mut(),
                crate::ChangeKind::Comment,
                key,
                Some(id),
                now,
            )?;
            Ok(id)
        })();
        let id = match result {
            Ok(id) => {
                self.db.commit()?;
                id
            }
            Err(e) => {
                let _ = self.db.rollback();
                return Err(e);
            }
        };
        Ok(Some(Comment {
            id,
            at: time(&now.into()).unwrap_or(DateTime::<Utc>::MIN_UTC),
            author: author.to_owned(),
            org: org.to_owned(),
            body: body.to_owned(),
        }))
    }

    /// Comments on an incident the viewer may read, oldest first.
    pub fn comments(&mut self, key: i64, viewer: &Viewer) -> Result<Option<Vec<Comment>>, Error> {
        if !self.readable_key(key, viewer)? {
            return Ok(None);
        }
        Ok(Some(self.db.all(
            "SELECT id, at, author, org, body FROM comments WHERE incident = $1 ORDER BY id",
            &[key.into()],
        )?))
    }

    /// The organisations the reporter named as co-handlers of an incident
    /// (whoever asks: the caller checks who may know).
    pub fn handlers(&mut self, key: i64) -> Result<Vec<String>, Error> {
        self.db.texts(
            "SELECT org FROM incident_shares WHERE incident = $1 AND kind = 'handler' ORDER BY org",
            &[key.into()],
            "org",
        )
    }

    /// Replaces an incident's co-handlers (organisations that may triage it
    /// beside its reporter and the hub operator). Each must be a member
    /// organisation.
    pub fn set_handlers(&mut self, key: i64, orgs: &[String]) -> Result<(), Error> {
        for o in orgs {
            if self.org(o)?.is_none() {
                return Err(Error::NotFound(format!("organisation {o:?}")));
            }
        }
        self.db.begin()?;
        let result = (|| -> Result<(), Error> {
            self.db.execute(
                "DELETE FROM incident_shares WHERE incident = $1 AND kind = 'handler'",
                &[key.into()],
            )?;
            for o in orgs {
                self.db.execute(
                    "INSERT INTO incident_shares (incident, org, kind) VALUES ($1, $2, 'handler') ON CONFLICT DO NOTHING",
                    &[key.into(), o.as_str().into()],
                )?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.db.commit(),
            Err(e) => {
                let _ = self.db.rollback();
                Err(e)
            }
        }
    }

    /// Whether the incident exists and the viewer may read it.
    pub fn readable_key(&mut self, key: i64, viewer: &Viewer) -> Result<bool, Error> {
        match self.summary(key)? {
            Some(s) => self.can_read(viewer, s.key, s.tlp, &s.reporter),
            None => Ok(false),
        }
    }
}

impl FromRow for Assignment {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Assignment {
            at: time(&r.take("at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            actor: r.text("actor")?.unwrap_or_default(),
            assignee: r.text("assignee")?,
        })
    }
}

impl FromRow for Comment {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Comment {
            id: r.int("id")?.unwrap_or_default(),
            at: time(&r.take("at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            author: r.text("author")?.unwrap_or_default(),
            org: r.text("org")?.unwrap_or_default(),
            body: r.text("body")?.unwrap_or_default(),
        })
    }
}
