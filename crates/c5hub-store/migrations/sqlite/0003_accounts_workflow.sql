
CREATE TABLE orgs (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  org TEXT NOT NULL REFERENCES orgs (name),
  role TEXT NOT NULL,
  password_hash TEXT,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  secret_sha256 BLOB NOT NULL UNIQUE,
  org TEXT NOT NULL REFERENCES orgs (name),
  role TEXT NOT NULL,
  user_email TEXT,
  label TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  last_used_at INTEGER
);
CREATE TABLE sessions (
  secret_sha256 BLOB PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users (id),
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE TABLE comments (
  id INTEGER PRIMARY KEY,
  incident INTEGER NOT NULL,
  at INTEGER NOT NULL,
  author TEXT NOT NULL,
  org TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX comments_incident ON comments (incident);
CREATE TABLE assignments (
  id INTEGER PRIMARY KEY,
  incident INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  assignee TEXT
);
CREATE INDEX assignments_incident ON assignments (incident);
ALTER TABLE incidents ADD COLUMN assignee TEXT;
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  org TEXT,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT
);
