
CREATE TABLE assess_editions (
  id INTEGER PRIMARY KEY,
  methodology TEXT NOT NULL,
  methodology_version TEXT NOT NULL,
  year INTEGER NOT NULL,
  title TEXT NOT NULL,
  open INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  UNIQUE (methodology, methodology_version, year)
);
CREATE TABLE assess_responses (
  id INTEGER PRIMARY KEY,
  edition INTEGER NOT NULL REFERENCES assess_editions (id),
  iso3 TEXT NOT NULL,
  org TEXT NOT NULL REFERENCES orgs (name),
  status TEXT NOT NULL,
  reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  submitted_at INTEGER,
  submitted_by TEXT,
  decided_at INTEGER,
  decided_by TEXT,
  UNIQUE (edition, iso3)
);
CREATE TABLE assess_evidence (
  id INTEGER PRIMARY KEY,
  response INTEGER NOT NULL REFERENCES assess_responses (id),
  question TEXT NOT NULL,
  filename TEXT NOT NULL,
  media_type TEXT NOT NULL,
  bytes BLOB NOT NULL,
  sha256 BLOB NOT NULL,
  uploaded_at INTEGER NOT NULL,
  uploaded_by TEXT NOT NULL
);
CREATE INDEX assess_evidence_response ON assess_evidence (response);
CREATE TABLE assess_answers (
  response INTEGER NOT NULL REFERENCES assess_responses (id),
  question TEXT NOT NULL,
  value TEXT NOT NULL,
  evidence_url TEXT,
  evidence_doc INTEGER REFERENCES assess_evidence (id),
  provenance TEXT,
  validated_by TEXT,
  validated_on TEXT,
  note TEXT,
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (response, question)
);
