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
CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
  id INTEGER PRIMARY KEY,
  webhook INTEGER NOT NULL,
  dedup TEXT NOT NULL,
  event TEXT NOT NULL,
  incident INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  summary TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  UNIQUE (webhook, dedup)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_at);
CREATE TABLE webhook_attempts (
  id INTEGER PRIMARY KEY,
  webhook INTEGER NOT NULL,
  delivery INTEGER NOT NULL,
  at INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook, id);
CREATE TABLE email_outbox (
  id INTEGER PRIMARY KEY,
  user_email TEXT NOT NULL,
  dedup TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  last_error TEXT,
  UNIQUE (user_email, dedup)
);
CREATE INDEX email_outbox_due ON email_outbox (state, next_at);
