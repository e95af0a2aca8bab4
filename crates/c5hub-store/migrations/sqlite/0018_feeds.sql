-- Polled feeds (TAXII 2.1 collections, MISP feeds over HTTP): where, how
-- to authenticate, whose incidents they become, and the poller's state.
-- The secret is kept as given (the hub sends it to the remote, so it
-- cannot be a one-way hash); nothing but the poller reads it back.
-- The cursor is the poller's own text: for TAXII the last added_after
-- (X-TAXII-Date-Added-Last) and next, for MISP each event's timestamp seen.
CREATE TABLE feeds (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  collection TEXT NOT NULL,
  auth TEXT NOT NULL,
  username TEXT NOT NULL,
  secret TEXT NOT NULL,
  every_s INTEGER NOT NULL,
  as_org TEXT NOT NULL,
  tlp INTEGER NOT NULL,
  cursor TEXT NOT NULL,
  last_success INTEGER,
  last_error TEXT,
  last_attempt INTEGER,
  objects_total INTEGER NOT NULL,
  next_due INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
