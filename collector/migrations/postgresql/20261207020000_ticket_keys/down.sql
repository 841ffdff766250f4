ALTER TABLE monthly_counters DROP COLUMN tickets_key;
ALTER TABLE daily_counters DROP COLUMN tickets_key;
