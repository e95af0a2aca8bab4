
CREATE TABLE incident_counts (
  org TEXT NOT NULL,
  scope BIGINT NOT NULL,
  tlp BIGINT NOT NULL,
  rsit TEXT NOT NULL,
  status TEXT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (org, scope, tlp, rsit, status)
);
CREATE TABLE incident_days (
  org TEXT NOT NULL,
  day BIGINT NOT NULL,
  scope BIGINT NOT NULL,
  tlp BIGINT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (org, day, scope, tlp)
);
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
CREATE INDEX incident_shares_org ON incident_shares (org, kind, incident);
