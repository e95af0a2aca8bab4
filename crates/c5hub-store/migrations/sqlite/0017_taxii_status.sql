-- TAXII 2.1 status resources: what became of the objects of each POST,
-- kept so GET .../status/{id}/ answers after the POST returned and after
-- a restart. Read by the requesting organisation only. The lists are
-- the server's JSON (the store knows no TAXII).
CREATE TABLE taxii_status (
  id TEXT PRIMARY KEY,
  org TEXT NOT NULL,
  at INTEGER NOT NULL,
  status TEXT NOT NULL,
  total INTEGER NOT NULL,
  success_count INTEGER NOT NULL,
  failure_count INTEGER NOT NULL,
  pending_count INTEGER NOT NULL,
  successes TEXT NOT NULL,
  failures TEXT NOT NULL,
  pendings TEXT NOT NULL
);
CREATE INDEX taxii_status_at ON taxii_status (at);
