-- Where incidents that came from peer hubs come from (issue 18): the hub
-- each was reported to, its key and version there, the hubs it came
-- through (origin first, one name per line) and when it arrived. Hubs
-- recognise a federated incident by (origin, origin_key), whichever peer
-- it arrives from, so one that arrives by two paths is stored once; the
-- origin's version orders copies. An incident reported here has no row.
CREATE TABLE incident_origins (
  incident BIGINT PRIMARY KEY,
  origin TEXT NOT NULL,
  origin_key BIGINT NOT NULL,
  origin_version BIGINT NOT NULL,
  path TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  UNIQUE (origin, origin_key)
);
