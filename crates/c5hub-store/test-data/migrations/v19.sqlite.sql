-- What schema version 19 wrote on SQLite alone: the search index of the titles and descriptions in v19.sql.
INSERT INTO incidents_fts (rowid, title, description)
  SELECT id, title, description FROM incidents WHERE title IS NOT NULL OR description IS NOT NULL;
