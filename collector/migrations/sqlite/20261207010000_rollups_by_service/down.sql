DROP INDEX monthly_counters_by_service;
DROP INDEX rollup_choices_by_service;
DROP INDEX rollups_by_service;
