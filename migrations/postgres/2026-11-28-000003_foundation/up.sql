-- API tokens may expire (NULL: until revoked).
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;
-- Sign-ins name the account by name; disabling one must end its sessions.
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires_at);
-- The size of each extracted text, so readers can plan batches by bytes
-- without loading the text.
ALTER TABLE blob_texts ADD COLUMN content_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE blob_texts SET content_bytes = OCTET_LENGTH(content);

-- Background work as leased jobs: one row per kind of work and subject
-- (id "kind:subject"), claimed by one node at a time with a lease,
-- retried with backoff, failed with a reason after a limit.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- queued, running, done, failed
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_after TIMESTAMP NOT NULL,
    leased_by TEXT,
    lease_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_after);

-- Files stored before jobs existed that still have no text.
INSERT INTO jobs (id, kind, subject, status, attempts, run_after, created_at, updated_at)
SELECT 'extract_text:' || pending.sha256, 'extract_text', pending.sha256, 'queued', 0, (NOW() AT TIME ZONE 'UTC'), (NOW() AT TIME ZONE 'UTC'), (NOW() AT TIME ZONE 'UTC')
FROM (SELECT DISTINCT a.sha256 AS sha256 FROM attachments a
      LEFT JOIN blob_texts b ON b.sha256 = a.sha256 WHERE b.sha256 IS NULL) pending;

-- The recurring purge of what is kept only for a while.
INSERT INTO jobs (id, kind, subject, status, attempts, run_after, created_at, updated_at)
VALUES ('purge:retention', 'purge', 'retention', 'queued', 0, (NOW() AT TIME ZONE 'UTC'), (NOW() AT TIME ZONE 'UTC'), (NOW() AT TIME ZONE 'UTC'));

-- How far each node's index has applied the change feed, so the purge
-- never drops a change a live index still needs.
CREATE TABLE index_nodes (
    node_id TEXT PRIMARY KEY NOT NULL,
    applied_seq BIGINT NOT NULL,
    seen_at TIMESTAMP NOT NULL
);

-- The highest change-feed sequence purged: an index behind it rebuilds.
CREATE TABLE feed_horizon (
    id INTEGER PRIMARY KEY NOT NULL,
    purged_through BIGINT NOT NULL
);
INSERT INTO feed_horizon (id, purged_through) VALUES (1, 0);
