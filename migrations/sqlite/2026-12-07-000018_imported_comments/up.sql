-- Comments loaded from a regulations.gov bulk download (`rfidesk import
-- regulations-gov`): what the export says beyond the comment itself. The
-- comment keeps its original tracking number and received date; a second
-- import of the same file finds them and adds nothing.
CREATE TABLE imported_comments (
    comment_id TEXT PRIMARY KEY NOT NULL REFERENCES comments (id),
    docket_id TEXT NOT NULL,
    -- regulations.gov's Document ID (e.g. DOC-2025-0001-0042)
    document_id TEXT NOT NULL,
    -- the Category column as written (the comment's category is the
    -- docket's that matches it, or `other`)
    category_text TEXT,
    -- Duplicate Comments: how many identical comments this one stands for
    duplicate_comments BIGINT,
    -- JSON list of the Attachment Files addresses (files stay there)
    attachment_urls TEXT NOT NULL,
    source_file TEXT NOT NULL,
    source_line BIGINT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX imported_comments_document ON imported_comments (docket_id, document_id);
