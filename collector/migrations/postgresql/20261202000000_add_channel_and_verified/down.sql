ALTER TABLE responses DROP COLUMN verified;
ALTER TABLE responses DROP COLUMN channel;
