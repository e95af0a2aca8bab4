-- The panel "new and unassigned for my organisation" reads one
-- reporter's new, unassigned incidents, newest first. Its index now holds
-- those alone: migration 12's index (reporter, status, id) took every
-- incident stored, which cost a bulk import 8 % of its instructions. An
-- incident leaves this one when it is assigned or moves on from new.
DROP INDEX incidents_reporter_status;
CREATE INDEX incidents_waiting ON incidents (reporter, id) WHERE status = 'new' AND assignee IS NULL;
