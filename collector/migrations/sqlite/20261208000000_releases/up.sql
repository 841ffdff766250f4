-- Official releases (docs/methods.md#official-releases): an immutable snapshot of every published table
-- of a period, its SHA-256 over the canonical encoding stored in `content`, and when it becomes
-- public. A correction is a new row that `revises` an earlier one, with the reason and the
-- observations that changed. Nothing updates or deletes a row.
CREATE TABLE releases (
    id TEXT PRIMARY KEY NOT NULL,
    period TEXT NOT NULL,
    kind TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    publish_at TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    content TEXT NOT NULL,
    revises TEXT REFERENCES releases (id),
    reason TEXT,
    changes TEXT,
    created_by TEXT NOT NULL,
    UNIQUE (period, kind, sequence)
);
CREATE INDEX releases_by_publication ON releases (publish_at);
