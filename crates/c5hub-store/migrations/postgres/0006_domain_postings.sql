
CREATE TABLE domain_postings (
  domain TEXT NOT NULL,
  incident BIGINT NOT NULL,
  observable BIGINT NOT NULL,
  role TEXT NOT NULL,
  tlp BIGINT NOT NULL,
  reporter TEXT NOT NULL,
  PRIMARY KEY (domain, incident, observable, role)
);
INSERT INTO domain_postings (domain, incident, observable, role, tlp, reporter)
  SELECT o.domain, p.incident, p.observable, p.role, i.tlp, i.reporter
  FROM observables o JOIN postings p ON p.observable = o.id JOIN incidents i ON i.id = p.incident
  WHERE o.domain IS NOT NULL;
DROP INDEX observables_domain;
