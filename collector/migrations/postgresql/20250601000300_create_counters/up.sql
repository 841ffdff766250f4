-- Per-service, per-day counters (the response rate is responses over tickets) and refusals by
-- reason. Days are UTC dates written YYYY-MM-DD.
CREATE TABLE daily_counters (
    service_id TEXT NOT NULL REFERENCES services (id),
    day TEXT NOT NULL,
    tickets_issued BIGINT NOT NULL DEFAULT 0,
    responses_stored BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (service_id, day)
);

CREATE TABLE daily_rejections (
    day TEXT NOT NULL,
    reason TEXT NOT NULL,
    count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, reason)
);
