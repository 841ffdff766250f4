DROP TABLE monthly_counters;
DROP TABLE rollup_choices;
DROP TABLE rollups;
