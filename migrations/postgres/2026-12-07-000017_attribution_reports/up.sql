-- Someone says a posted comment was submitted in their name without
-- their consent: a review item for staff (docs/ARCHITECTURE.md,
-- "Posting review"). The reporter's contact details are for staff only.
CREATE TABLE attribution_reports (
    id TEXT PRIMARY KEY NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    docket_id TEXT NOT NULL,
    reporter_name TEXT NOT NULL,
    reporter_email TEXT NOT NULL,
    statement TEXT NOT NULL,
    -- `open`, `confirmed` (the comment is not theirs; staff withhold it)
    -- or `dismissed`
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    resolved_by TEXT,
    resolved_at TIMESTAMP,
    resolution_note TEXT
);
CREATE INDEX attribution_reports_docket ON attribution_reports (docket_id, status, created_at);
