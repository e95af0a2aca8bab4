
-- domain_postings copy each incident's TLP and reporter: bring every copy
-- back to the incident's current ones, and drop rows whose posting is gone.
UPDATE domain_postings
  SET tlp = (SELECT i.tlp FROM incidents i WHERE i.id = domain_postings.incident),
      reporter = (SELECT i.reporter FROM incidents i WHERE i.id = domain_postings.incident)
  WHERE EXISTS (SELECT 1 FROM incidents i WHERE i.id = domain_postings.incident
                AND (i.tlp <> domain_postings.tlp OR i.reporter <> domain_postings.reporter));
DELETE FROM domain_postings
  WHERE NOT EXISTS (SELECT 1 FROM postings p WHERE p.incident = domain_postings.incident
                    AND p.observable = domain_postings.observable AND p.role = domain_postings.role);
-- An incident whose current version was committed together with the one
-- before it (both documents received in the same batch) holds the union of
-- both versions' sharing lists, and which entries are the current
-- version's was never recorded: fail closed, keep none (the reporter still
-- reads it and can send it again with its lists).
DELETE FROM incident_shares
  WHERE incident IN (SELECT cur.incident FROM incidents i
                     JOIN documents cur ON cur.incident = i.id AND cur.version = i.version
                     JOIN documents prev ON prev.incident = i.id AND prev.version = i.version - 1
                     WHERE cur.received_at = prev.received_at);
