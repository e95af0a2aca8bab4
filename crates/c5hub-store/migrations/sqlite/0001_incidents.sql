
CREATE TABLE documents (
  incident INTEGER NOT NULL,
  version INTEGER NOT NULL,
  format TEXT NOT NULL,
  bytes BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (incident, version)
);
CREATE TABLE incidents (
  id INTEGER PRIMARY KEY,
  reporter TEXT NOT NULL,
  global_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  tlp INTEGER NOT NULL,
  rsit TEXT,
  title TEXT,
  description TEXT,
  detected INTEGER, started INTEGER, ended INTEGER, reported INTEGER, generated INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  doc_sha256 BLOB,
  UNIQUE (reporter, global_id)
);
CREATE INDEX incidents_created ON incidents (created_at);
CREATE TABLE incident_versions (
  incident INTEGER NOT NULL,
  version INTEGER NOT NULL,
  doc_sha256 BLOB,
  submitted_at INTEGER NOT NULL,
  PRIMARY KEY (incident, version)
);
CREATE TABLE contacts (
  incident INTEGER NOT NULL,
  name TEXT,
  email TEXT,
  role TEXT NOT NULL
);
CREATE INDEX contacts_incident ON contacts (incident);
CREATE TABLE status_history (
  id INTEGER PRIMARY KEY,
  incident INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  old_status TEXT,
  new_status TEXT NOT NULL,
  note TEXT
);
CREATE INDEX status_history_incident ON status_history (incident);
CREATE TABLE observables (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  ip_lo BLOB,
  ip_hi BLOB,
  domain TEXT,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  sightings INTEGER NOT NULL,
  UNIQUE (kind, value)
);
CREATE INDEX observables_ip ON observables (ip_lo) WHERE ip_lo IS NOT NULL;
CREATE INDEX observables_domain ON observables (domain) WHERE domain IS NOT NULL;
CREATE TABLE postings (
  observable INTEGER NOT NULL,
  incident INTEGER NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (observable, incident, role)
) WITHOUT ROWID;
CREATE INDEX postings_incident ON postings (incident);
