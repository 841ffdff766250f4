DROP INDEX responses_service_export;
CREATE INDEX responses_service_id ON responses (service_id, id);
ALTER TABLE responses DROP COLUMN export_key;
