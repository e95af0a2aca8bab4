
CREATE TABLE changes (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  incident INTEGER NOT NULL,
  version INTEGER NOT NULL,
  comment INTEGER
);
INSERT INTO changes (seq, at, kind, incident, version)
  SELECT ROW_NUMBER() OVER (ORDER BY i.id),
         COALESCE((SELECT d.received_at FROM documents d WHERE d.incident = i.id AND d.version = i.version),
                  CASE WHEN i.version = 1 THEN i.created_at ELSE i.updated_at END),
         CASE WHEN i.version = 1 THEN 'incident' ELSE 'version' END,
         i.id, i.version
  FROM incidents i;
