
CREATE TABLE incident_shares (
  incident INTEGER NOT NULL,
  org TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (incident, org, kind)
) WITHOUT ROWID;
CREATE TABLE prefix_lengths (
  family INTEGER NOT NULL,
  len INTEGER NOT NULL,
  PRIMARY KEY (family, len)
) WITHOUT ROWID;
INSERT OR IGNORE INTO prefix_lengths (family, len)
  SELECT CASE WHEN instr(value, ':') > 0 THEN 6 ELSE 4 END,
         CAST(substr(value, instr(value, '/') + 1) AS INTEGER)
  FROM observables WHERE kind = 'cidr';
