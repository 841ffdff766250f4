DROP TABLE daily_rejections;
DROP TABLE daily_counters;
