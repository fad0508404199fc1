-- Per attachment of a redacted comment, the file the public gets in its
-- place (docs/ARCHITECTURE.md, "Posting review"). The original stays in
-- `attachments` for staff and analysts; an attachment of a redacted
-- comment with no row here is withheld from the public.
CREATE TABLE redacted_files (
    attachment_id TEXT PRIMARY KEY NOT NULL REFERENCES attachments (id),
    comment_id TEXT NOT NULL REFERENCES comments (id),
    filename TEXT NOT NULL,
    kind TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX redacted_files_comment ON redacted_files (comment_id);
-- Text extraction finds the comments a file concerns by its hash.
CREATE INDEX redacted_files_sha256 ON redacted_files (sha256);
