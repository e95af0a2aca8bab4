
CREATE TABLE domain_postings (
  domain TEXT NOT NULL,
  incident INTEGER NOT NULL,
  observable INTEGER NOT NULL,
  role TEXT NOT NULL,
  tlp INTEGER NOT NULL,
  reporter TEXT NOT NULL,
  PRIMARY KEY (domain, incident, observable, role)
) WITHOUT ROWID;
INSERT INTO domain_postings (domain, incident, observable, role, tlp, reporter)
  SELECT o.domain, p.incident, p.observable, p.role, i.tlp, i.reporter
  FROM observables o JOIN postings p ON p.observable = o.id JOIN incidents i ON i.id = p.incident
  WHERE o.domain IS NOT NULL
  ORDER BY 1, 2, 3, 4;
DROP INDEX observables_domain;
