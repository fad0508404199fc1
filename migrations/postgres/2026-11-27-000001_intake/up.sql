-- Intake: dockets, comments, attachments, the receipt outbox, the change
-- feed and idempotency keys. Keep in step with migrations/sqlite.
CREATE TABLE dockets (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    agency TEXT NOT NULL,
    summary TEXT NOT NULL,
    definition TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    extended_until TIMESTAMP,
    late_policy TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE comments (
    id TEXT PRIMARY KEY NOT NULL,
    tracking_number TEXT NOT NULL UNIQUE,
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    received_at TIMESTAMP NOT NULL,
    late BOOLEAN NOT NULL,
    submitter_type TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    organization TEXT,
    organization_type TEXT,
    category TEXT NOT NULL,
    country TEXT NOT NULL,
    state_province TEXT,
    email TEXT,
    answers TEXT NOT NULL,
    general_comment TEXT,
    business_confidential BOOLEAN NOT NULL,
    signatories BIGINT,
    posting_status TEXT NOT NULL
);
CREATE INDEX comments_docket_received ON comments (docket_id, received_at);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    position INTEGER NOT NULL,
    filename TEXT NOT NULL,
    kind TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE INDEX attachments_comment ON attachments (comment_id);

CREATE TABLE receipts (
    comment_id TEXT PRIMARY KEY NOT NULL REFERENCES comments (id),
    recipient TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP
);
CREATE INDEX receipts_due ON receipts (status, next_attempt_at);

CREATE TABLE change_feed (
    seq BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    comment_id TEXT NOT NULL,
    docket_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE idempotency_keys (
    docket_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (docket_id, idem_key)
);
