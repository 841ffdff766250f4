-- Every published questionnaire version a response may answer, with its content hash.
CREATE TABLE questionnaire_versions (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
