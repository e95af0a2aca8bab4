-- Settings of the hub kept with its data: today the hub operator's
-- organisation, so commands run on the store (import, users) know it
-- without the server's settings file.
CREATE TABLE hub_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
