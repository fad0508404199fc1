-- Analyst search: accounts, API tokens, sign-in sessions, and the text
-- extracted from attachment files. Keep in step with the other backend.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    -- argon2id PHC string; NULL for an account that signs in by token only.
    password_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

-- Tokens and session ids are random 256-bit values: a SHA-256 of them is
-- enough to make a stolen table useless, and lets a request find its row.
CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One row per distinct file (attachments are stored by content hash, so a
-- form letter's attachment is read once however many comments carry it).
CREATE TABLE blob_texts (
    sha256 TEXT PRIMARY KEY NOT NULL,
    -- extracted | extraction_failed | not_extracted (a kind with no text)
    status TEXT NOT NULL,
    detail TEXT,
    content TEXT NOT NULL,
    extracted_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_sha256 ON attachments (sha256);
