-- A query of one service, or of one body's services, reads only their roll-up rows: the
-- primary keys lead with the grain and the period, which makes such a query scan every
-- service's rows of the period range.
CREATE INDEX rollups_by_service ON rollups (service_id, grain, period);
CREATE INDEX rollup_choices_by_service ON rollup_choices (service_id, grain, period);
CREATE INDEX monthly_counters_by_service ON monthly_counters (service_id, month);
