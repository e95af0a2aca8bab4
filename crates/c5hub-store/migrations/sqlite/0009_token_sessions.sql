
ALTER TABLE sessions ADD COLUMN token_id INTEGER;
CREATE INDEX audit_log_org ON audit_log (org, id);
