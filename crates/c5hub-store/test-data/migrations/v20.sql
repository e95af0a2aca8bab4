-- Data as schema version 20 wrote it (valid SQL for SQLite and PostgreSQL): the v19 data (migration 20 changed an index only); what SQLite alone holds is in v20.sqlite.sql.
-- A reporter's incident with an address, a prefix and a domain.
INSERT INTO incidents (id, reporter, global_id, version, status, tlp, rsit, title, description, detected, created_at, updated_at)
  VALUES (1, 'bank', 'bank.test:OLD-1', 1, 'new', 1, 'fraud/phishing', 'old incident', 'stored by schema v1', 1700000000000, 1700000000000, 1700000000000);
INSERT INTO incident_versions (incident, version, doc_sha256, submitted_at) VALUES (1, 1, NULL, 1700000000000);
INSERT INTO status_history (incident, at, actor, old_status, new_status, note) VALUES (1, 1700000000000, 'bank', NULL, 'new', 'created');
INSERT INTO observables (id, kind, value, ip_lo, ip_hi, domain, first_seen, last_seen, sightings)
  VALUES (1, 'cidr', '203.0.116.0/24', NULL, NULL, NULL, 1700000000000, 1700000000000, 1),
         (2, 'domain', 'old.test', NULL, NULL, 'test.old.', 1700000000000, 1700000000000, 1);
INSERT INTO postings (observable, incident, role) VALUES (1, 1, 'source'), (2, 1, 'indicator');
INSERT INTO incident_shares (incident, org, kind) VALUES (1, 'peer', 'share');
INSERT INTO prefix_lengths (family, len) VALUES (4, 24);
INSERT INTO orgs (name, kind, created_at) VALUES ('peer', 'national-cirt', 1700000000000);
INSERT INTO users (id, email, org, role, password_hash, disabled, created_at)
  VALUES (1, 'analyst@peer', 'peer', 'analyst', NULL, 0, 1700000000000);
INSERT INTO audit_log (at, actor, org, action, target, detail) VALUES (1700000000000, 'c5hub', 'peer', 'org.add', 'org:peer', 'national-cirt');
INSERT INTO spam_reports (key, report_id, operator, channel, body, sender, recipient_hash, received_at, reported_at, verdict, label, score_ppm, decided_by, smishing, campaign, created_at)
  VALUES (1, 'r-old', 'peer', 'sms', 'Your parcel is held', '+447911123456', 'hmac-sha256:00ff', 1700000000000, 1700000060000, 'spam', 'spam', 987654, 'model', 1, NULL, 1700000060000);
INSERT INTO spam_intake (id, operator, recipient_hash, body, sender, started_at, completed_at, report_key)
  VALUES (1, 'peer', NULL, 'forwarded text', NULL, 1700000000000, NULL, NULL);
INSERT INTO assess_editions (id, methodology, methodology_version, year, title, open, created_at, created_by)
  VALUES (7, 'cirt-readiness', '1.0.0', 2024, 'before the upgrade', 1, 1700000000000, 'c5hub');
INSERT INTO assess_responses (id, edition, iso3, org, status, reason, created_at, updated_at)
  VALUES (1, 7, 'GHA', 'peer', 'draft', NULL, 1700000000000, 1700000000000);
INSERT INTO domain_postings (domain, incident, observable, role, tlp, reporter) VALUES ('test.old.', 1, 2, 'indicator', 1, 'bank');
INSERT INTO changes (at, kind, incident, version) VALUES (1700000000000, 'incident', 1, 1);
INSERT INTO incident_counts (org, scope, tlp, rsit, status, n)
  SELECT org, scope, tlp, rsit, status, COUNT(*) FROM (
    SELECT '' AS org, 0 AS scope, tlp, COALESCE(rsit, '') AS rsit, status FROM incidents WHERE tlp <= 1
    UNION ALL
    SELECT reporter, 1, tlp, COALESCE(rsit, ''), status FROM incidents WHERE tlp >= 2
    UNION ALL
    SELECT s.org, 1, i.tlp, COALESCE(i.rsit, ''), i.status
      FROM incident_shares s JOIN incidents i ON i.id = s.incident
      WHERE s.org <> i.reporter AND ((i.tlp = 2 AND s.kind = 'share') OR (i.tlp = 4 AND s.kind = 'recipient'))
  ) a GROUP BY org, scope, tlp, rsit, status;
INSERT INTO incident_days (org, day, scope, tlp, n)
  SELECT org, CASE WHEN t >= 0 THEN t / 86400000 ELSE (t + 1) / 86400000 - 1 END AS day, scope, tlp, COUNT(*) FROM (
    SELECT '' AS org, 0 AS scope, tlp, COALESCE(detected, created_at) AS t FROM incidents WHERE tlp <= 1
    UNION ALL
    SELECT reporter, 1, tlp, COALESCE(detected, created_at) FROM incidents WHERE tlp >= 2
    UNION ALL
    SELECT s.org, 1, i.tlp, COALESCE(i.detected, i.created_at)
      FROM incident_shares s JOIN incidents i ON i.id = s.incident
      WHERE s.org <> i.reporter AND ((i.tlp = 2 AND s.kind = 'share') OR (i.tlp = 4 AND s.kind = 'recipient'))
  ) a GROUP BY org, CASE WHEN t >= 0 THEN t / 86400000 ELSE (t + 1) / 86400000 - 1 END, scope, tlp;
INSERT INTO notify_prefs (user_email, event, in_app, email) VALUES ('analyst@peer', 'shared', 1, 0);
INSERT INTO notifications (id, user_email, event, dedup, incident, seq, at, summary, read_at)
  VALUES (1, 'analyst@peer', 'shared', 'shared:1:1', 1, 1, 1700000000000, 'old incident shared with peer', NULL);
-- A TAXII status resource of peer's (migration 17).
INSERT INTO taxii_status (id, org, at, status, total, success_count, failure_count, pending_count, successes, failures, pendings) VALUES ('status-old', 'peer', 1700000000000, 'complete', 1, 1, 0, 0, '[]', '[]', '[]');
-- A polled TAXII feed with its cursor (migration 18); its id is far from where a new store numbers feeds.
INSERT INTO feeds (id, kind, url, collection, auth, username, secret, every_s, as_org, tlp, cursor, last_success, last_error, last_attempt, objects_total, next_due, failures, created_at)
  VALUES (1000, 'taxii', 'http://taxii.example/api1/', 'c1', 'bearer', '', 'secret-old', 900, 'peer', 1, 'cursor-old', 1700000000000, NULL, 1700000000000, 5, 1700000900000, 0, 1700000000000);
-- A peer hub with its cursors (migration 19).
INSERT INTO peers (id, name, url, kind, secret, pseudonym_key, policy, org, paused, cursor_out, cursor_in, last_success, last_error, last_attempt, sent_objects, received_objects, sent_bytes, received_bytes, created_at)
  VALUES (1000, 'regional-old', 'http://regional.test/taxii2/api1/', 'c5hub', 'token-old', '', '[out]
pseudonymise = false
', 'peer', 1, 7, '', 1700000000000, NULL, 1700000000000, 3, 0, 900, 0, 1700000000000);
