-- Search over incident titles and descriptions. The FTS5 table reads its
-- text from incidents (external content) and the triggers keep it in step
-- with every write, whichever path makes it. Tokens are runs of letters and
-- digits, case folded and accents kept, as PostgreSQL's index tokenises
-- them, so both backends find the same incidents.
--
-- A search asks for words (the last as a prefix), never for phrases or
-- ranks, so the index keeps no positions and no sizes (detail=none,
-- columnsize=0), and an incident with neither title nor description (a
-- feed row) is not indexed at all: with positions, sizes and a row for
-- every incident, the triggers doubled the instructions of a bulk import.
CREATE VIRTUAL TABLE incidents_fts USING fts5(
  title, description,
  content = 'incidents', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 0',
  detail = none, columnsize = 0
);
CREATE TRIGGER incidents_fts_insert AFTER INSERT ON incidents
  WHEN new.title IS NOT NULL OR new.description IS NOT NULL BEGIN
  INSERT INTO incidents_fts (rowid, title, description) VALUES (new.id, new.title, new.description);
END;
-- What the index removes must be what it was given: the old text, only
-- when there was some.
CREATE TRIGGER incidents_fts_update AFTER UPDATE OF title, description ON incidents BEGIN
  INSERT INTO incidents_fts (incidents_fts, rowid, title, description)
    SELECT 'delete', old.id, old.title, old.description
    WHERE old.title IS NOT NULL OR old.description IS NOT NULL;
  INSERT INTO incidents_fts (rowid, title, description)
    SELECT new.id, new.title, new.description
    WHERE new.title IS NOT NULL OR new.description IS NOT NULL;
END;
CREATE TRIGGER incidents_fts_delete AFTER DELETE ON incidents
  WHEN old.title IS NOT NULL OR old.description IS NOT NULL BEGIN
  INSERT INTO incidents_fts (incidents_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
END;
INSERT INTO incidents_fts (rowid, title, description)
  SELECT id, title, description FROM incidents
  WHERE title IS NOT NULL OR description IS NOT NULL;
