
CREATE TABLE spam_pseudonymise (incident INTEGER PRIMARY KEY);
INSERT INTO spam_pseudonymise (incident)
  SELECT id FROM incidents
  WHERE global_id LIKE 'spam-report.%' AND substr(global_id, 13, length(reporter) + 1) = reporter || ':';
ALTER TABLE spam_reports ADD COLUMN verdict_by TEXT;
ALTER TABLE spam_reports ADD COLUMN learned TEXT;
