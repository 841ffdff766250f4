-- Response ids become time-ordered (UUIDv7), so their unique index grows at its end instead of
-- taking a random page per response; the order of the raw export, which must say nothing about
-- when a response came, moves to a random key of its own that never leaves the server. Ids
-- stored before are random, so they serve as their own keys.
ALTER TABLE responses ADD COLUMN export_key TEXT NOT NULL DEFAULT '';
UPDATE responses SET export_key = id;
DROP INDEX responses_service_id;
CREATE UNIQUE INDEX responses_service_export ON responses (service_id, export_key);
