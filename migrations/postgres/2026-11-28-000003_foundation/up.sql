-- API tokens may expire (NULL: until revoked).
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;
-- Sign-ins name the account by name; disabling one must end its sessions.
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires_at);
-- The size of each extracted text, so readers can plan batches by bytes
-- without loading the text.
ALTER TABLE blob_texts ADD COLUMN content_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE blob_texts SET content_bytes = OCTET_LENGTH(content);
