-- Data as schema version 3 wrote it (valid SQL for SQLite and PostgreSQL): the v2 data, whose tables v3 left as they were.
-- A reporter's incident with an address, a prefix and a domain.
INSERT INTO incidents (id, reporter, global_id, version, status, tlp, rsit, title, description, detected, created_at, updated_at)
  VALUES (1, 'bank', 'bank.test:OLD-1', 1, 'new', 1, 'fraud/phishing', 'old incident', 'stored by schema v1', 1700000000000, 1700000000000, 1700000000000);
INSERT INTO incident_versions (incident, version, doc_sha256, submitted_at) VALUES (1, 1, NULL, 1700000000000);
INSERT INTO status_history (incident, at, actor, old_status, new_status, note) VALUES (1, 1700000000000, 'bank', NULL, 'new', 'created');
INSERT INTO observables (id, kind, value, ip_lo, ip_hi, domain, first_seen, last_seen, sightings)
  VALUES (1, 'cidr', '203.0.116.0/24', NULL, NULL, NULL, 1700000000000, 1700000000000, 1),
         (2, 'domain', 'old.test', NULL, NULL, 'old.test', 1700000000000, 1700000000000, 1);
INSERT INTO postings (observable, incident, role) VALUES (1, 1, 'source'), (2, 1, 'indicator');
INSERT INTO incident_shares (incident, org, kind) VALUES (1, 'peer', 'share');
INSERT INTO prefix_lengths (family, len) VALUES (4, 24);
