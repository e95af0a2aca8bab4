-- Peer hubs this hub federates with (issue 18): where they are, the token
-- this hub sends them (kept as given: it is sent, so it cannot be a
-- one-way hash), the key of the pseudonyms shared with them (hex), their
-- policy (the TOML text as the operator gave it, checked when added), the
-- organisation that stands for them here, whether they are paused, and
-- each direction's cursor and counters. Pausing keeps the cursors.
CREATE TABLE peers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  kind TEXT NOT NULL,
  secret TEXT NOT NULL,
  pseudonym_key TEXT NOT NULL,
  policy TEXT NOT NULL,
  org TEXT,
  paused INTEGER NOT NULL,
  cursor_out INTEGER NOT NULL,
  cursor_in TEXT NOT NULL,
  last_success INTEGER,
  last_error TEXT,
  last_attempt INTEGER,
  sent_objects INTEGER NOT NULL,
  received_objects INTEGER NOT NULL,
  sent_bytes INTEGER NOT NULL,
  received_bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
