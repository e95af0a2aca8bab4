-- The dashboard's panels ("assigned to me", "new and unassigned for my
-- organisation") list newest first by a filter that matches few rows; without
-- these the page walks every incident to find fewer than ten.
CREATE INDEX incidents_assignee ON incidents (assignee, id) WHERE assignee IS NOT NULL;
CREATE INDEX incidents_reporter_status ON incidents (reporter, status, id);
