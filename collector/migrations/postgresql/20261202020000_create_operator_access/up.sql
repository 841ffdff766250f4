-- Operator tokens (the token itself is never stored: only its id, role, body and times), so
-- that `token list` shows them and a revocation reaches every collector within seconds.
CREATE TABLE operator_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    role TEXT NOT NULL,
    body TEXT,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Who did what, when: tokens issued and revoked, registry imports, exports, raw-data reads.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    body TEXT,
    detail TEXT NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at);

-- Keyset pages of one service's responses in the order of their (random) ids, which says nothing
-- about when each came; and the retention purge, by time received.
CREATE INDEX responses_service_id ON responses (service_id, id);
CREATE INDEX responses_received ON responses (received_at);
