DROP TABLE services;
DROP TABLE body_origins;
DROP TABLE bodies;
