
CREATE TABLE spam_reports (
  key INTEGER PRIMARY KEY,
  report_id TEXT NOT NULL,
  operator TEXT NOT NULL,
  channel TEXT NOT NULL,
  body TEXT NOT NULL,
  sender TEXT,
  recipient_hash TEXT,
  received_at INTEGER,
  reported_at INTEGER NOT NULL,
  verdict TEXT NOT NULL,
  label TEXT,
  score_ppm INTEGER,
  decided_by TEXT,
  smishing INTEGER NOT NULL DEFAULT 0,
  campaign TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (operator, report_id)
);
CREATE INDEX spam_reports_reported ON spam_reports (reported_at);
CREATE TABLE spam_intake (
  id INTEGER PRIMARY KEY,
  operator TEXT NOT NULL,
  recipient_hash TEXT,
  body TEXT NOT NULL,
  sender TEXT,
  started_at INTEGER NOT NULL,
  completed_at INTEGER,
  report_key INTEGER
);
