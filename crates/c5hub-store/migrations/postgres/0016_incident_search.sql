-- Search over incident titles and descriptions: an expression index, so
-- every write keeps it in step and building it indexes what is stored.
-- Every run of characters that are not letters or digits becomes a space
-- before the 'simple' configuration (no stemming, no stop words) reads the
-- text, so `bank.example` is two words here as in SQLite's FTS5 table, and
-- both backends find the same incidents. The expression is
-- `incidents::SEARCH_TEXT_PG`; a query must repeat it exactly to use this index.
CREATE INDEX incidents_search ON incidents USING GIN (
  to_tsvector('simple', regexp_replace(lower(COALESCE(title, '') || ' ' || COALESCE(description, '')), '[^[:alnum:]]+', ' ', 'g'))
);
