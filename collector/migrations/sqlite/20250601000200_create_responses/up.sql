-- Stored responses: one row per ticket, with each indicator answer in its own column, and the
-- redacted free texts apart so that they can be purged.
CREATE TABLE responses (
    id TEXT PRIMARY KEY NOT NULL,
    service_id TEXT NOT NULL REFERENCES services (id),
    questionnaire_id TEXT NOT NULL,
    questionnaire_version INTEGER NOT NULL,
    questionnaire_hash TEXT NOT NULL,
    ticket_id TEXT NOT NULL UNIQUE,
    body_fingerprint TEXT NOT NULL,
    received_at TEXT NOT NULL,
    locale TEXT NOT NULL,
    answers TEXT NOT NULL,
    valutazione INTEGER,
    motivo TEXT,
    esito TEXT,
    soddisfazione INTEGER,
    fiducia INTEGER,
    FOREIGN KEY (questionnaire_id, questionnaire_version)
        REFERENCES questionnaire_versions (id, version)
);

CREATE INDEX responses_service_received ON responses (service_id, received_at);

CREATE TABLE free_texts (
    id TEXT PRIMARY KEY NOT NULL,
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    text TEXT NOT NULL,
    redacted_kinds TEXT NOT NULL,
    purge_after TEXT NOT NULL
);

CREATE INDEX free_texts_purge_after ON free_texts (purge_after);
