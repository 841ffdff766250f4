-- The cell key method for tickets (docs/methods.md#the-cell-key-method): every ticket draws a
-- record key, an integer uniform on 0 .. 2^32 - 1, when it is counted; the counters keep the sum
-- of the keys of the tickets they count, so a cell's tickets get the same noise in every table
-- they appear in (a service, its body, a kind, a month or its days). The days counted before get
-- one key drawn here: modulo 2^32 the sum of any number of uniform keys is itself uniform. Each
-- month is the sum of its days, as the writer and `rollups rebuild` keep it.
ALTER TABLE daily_counters ADD COLUMN tickets_key BIGINT NOT NULL DEFAULT 0;
UPDATE daily_counters SET tickets_key = abs(random()) % 4294967296 WHERE tickets_issued > 0;
ALTER TABLE monthly_counters ADD COLUMN tickets_key BIGINT NOT NULL DEFAULT 0;
UPDATE monthly_counters SET tickets_key = COALESCE((
    SELECT SUM(d.tickets_key) FROM daily_counters d
    WHERE d.service_id = monthly_counters.service_id
        AND substr(d.day, 1, 7) = monthly_counters.month
), 0);
