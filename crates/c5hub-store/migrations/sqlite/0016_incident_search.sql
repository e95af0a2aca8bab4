-- Search over incident titles and descriptions: an FTS5 index of their
-- words. Tokens are runs of letters and digits, case folded and accents
-- kept, as PostgreSQL's index tokenises them, so both backends find the
-- same incidents.
--
-- Contentless (the text stays in incidents alone) with deletes by rowid,
-- kept in step by the store's write paths (search.rs, `index_stored`),
-- not by triggers: a trigger on incidents makes every statement writing
-- incidents keep a statement journal, a copy of each page it touches,
-- which made a bulk import take 75 % more instructions. A search asks for
-- words (the last as a prefix), never phrases or ranks, so the index
-- keeps no positions (detail=none). An incident with neither title nor
-- description (a feed row) has no row here.
CREATE VIRTUAL TABLE incidents_fts USING fts5(
  title, description,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 0',
  detail = none
);
INSERT INTO incidents_fts (rowid, title, description)
  SELECT id, title, description FROM incidents
  WHERE title IS NOT NULL OR description IS NOT NULL;
