-- One row whose version every registry import increases, so that running collectors notice an
-- import by reading one number and reload their in-memory copy of the registry.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);

INSERT INTO registry_version (id, version) VALUES (1, 0);
