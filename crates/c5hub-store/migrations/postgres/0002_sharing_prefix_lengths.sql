
CREATE TABLE incident_shares (
  incident BIGINT NOT NULL,
  org TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (incident, org, kind)
);
CREATE TABLE prefix_lengths (
  family BIGINT NOT NULL,
  len BIGINT NOT NULL,
  PRIMARY KEY (family, len)
);
INSERT INTO prefix_lengths (family, len)
  SELECT DISTINCT CASE WHEN strpos(value, ':') > 0 THEN 6 ELSE 4 END,
         CAST(split_part(value, '/', 2) AS BIGINT)
  FROM observables WHERE kind = 'cidr'
ON CONFLICT DO NOTHING;
