-- The registry: public bodies, the origins their pages are served from, and their services.
CREATE TABLE bodies (
    ipa_code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    body_kind TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE body_origins (
    ipa_code TEXT NOT NULL REFERENCES bodies (ipa_code) ON DELETE CASCADE,
    origin TEXT NOT NULL,
    PRIMARY KEY (ipa_code, origin)
);

CREATE TABLE services (
    id TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL REFERENCES bodies (ipa_code),
    name TEXT NOT NULL,
    service_kind TEXT NOT NULL,
    questionnaire_id TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX services_body ON services (body);
