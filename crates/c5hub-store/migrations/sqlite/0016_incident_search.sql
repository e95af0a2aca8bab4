-- Search over incident titles and descriptions. The FTS5 table reads its
-- text from incidents (external content) and the triggers keep it in step
-- with every write, whichever path makes it. Tokens are runs of letters and
-- digits, case folded and accents kept, as PostgreSQL's index tokenises
-- them, so both backends find the same incidents.
CREATE VIRTUAL TABLE incidents_fts USING fts5(
  title, description,
  content = 'incidents', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 0'
);
CREATE TRIGGER incidents_fts_insert AFTER INSERT ON incidents BEGIN
  INSERT INTO incidents_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER incidents_fts_update AFTER UPDATE OF title, description ON incidents BEGIN
  INSERT INTO incidents_fts (incidents_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
  INSERT INTO incidents_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER incidents_fts_delete AFTER DELETE ON incidents BEGIN
  INSERT INTO incidents_fts (incidents_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
END;
INSERT INTO incidents_fts (incidents_fts) VALUES ('rebuild');
