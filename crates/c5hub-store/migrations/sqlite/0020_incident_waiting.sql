-- The panel "new and unassigned for my organisation" reads one
-- reporter's new, unassigned incidents, newest first. Its index now holds
-- those alone: migration 12's index (reporter, status, id) took every
-- incident stored, with a comparison of reporter, status and key at each
-- step of every insert's seek, 8 % of a bulk import's instructions. An
-- incident leaves this one when it is assigned or moves on from new. The
-- key needs no column of its own: SQLite ends each index entry with the
-- rowid, so one reporter's entries are in key order already.
DROP INDEX incidents_reporter_status;
CREATE INDEX incidents_waiting ON incidents (reporter) WHERE status = 'new' AND assignee IS NULL;
