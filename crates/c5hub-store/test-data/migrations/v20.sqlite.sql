-- What schema version 20 wrote on SQLite alone: the search index of the titles and descriptions in v20.sql.
INSERT INTO incidents_fts (rowid, title, description)
  SELECT id, title, description FROM incidents WHERE title IS NOT NULL OR description IS NOT NULL;
