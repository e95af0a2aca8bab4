-- TAXII 2.1 status resources: what became of the objects of each POST,
-- kept so GET .../status/{id}/ answers after the POST returned and after
-- a restart. Read by the requesting organisation only. The lists are
-- the server's JSON (the store knows no TAXII).
CREATE TABLE taxii_status (
  id TEXT PRIMARY KEY,
  org TEXT NOT NULL,
  at BIGINT NOT NULL,
  status TEXT NOT NULL,
  total BIGINT NOT NULL,
  success_count BIGINT NOT NULL,
  failure_count BIGINT NOT NULL,
  pending_count BIGINT NOT NULL,
  successes TEXT NOT NULL,
  failures TEXT NOT NULL,
  pendings TEXT NOT NULL
);
CREATE INDEX taxii_status_at ON taxii_status (at);
