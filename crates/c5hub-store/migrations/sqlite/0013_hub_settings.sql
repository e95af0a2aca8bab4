-- Settings of the hub kept with its data: today the hub operator's
-- organisation, so commands run on the store (import, users) know it
-- without the server's settings file.
CREATE TABLE hub_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- The organisation whose admins and analysts validate the hub operator's
-- own country's response (validators never validate their own
-- organisation's); NULL: the hub operator's admins do, as a recorded
-- conflict of interest.
ALTER TABLE assess_editions ADD COLUMN second_validator TEXT;
