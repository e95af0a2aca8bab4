CREATE TABLE notify_prefs (
  user_email TEXT NOT NULL,
  event TEXT NOT NULL,
  in_app INTEGER NOT NULL,
  email INTEGER NOT NULL,
  PRIMARY KEY (user_email, event)
);
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  user_email TEXT NOT NULL,
  event TEXT NOT NULL,
  dedup TEXT NOT NULL,
  incident INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  summary TEXT NOT NULL,
  read_at INTEGER,
  UNIQUE (user_email, dedup)
);
CREATE INDEX notifications_by_user ON notifications (user_email, id);
CREATE TABLE notify_cursor (
  name TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
);
INSERT INTO notify_cursor (name, seq) SELECT 'notifier', COALESCE(MAX(seq), 0) FROM changes;
