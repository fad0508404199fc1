-- Staff's redacted text of a comment (docs/ARCHITECTURE.md, "Posting
-- review"): what the public reads in place of the original, field by
-- field; a field not listed is public as submitted. The original stays
-- in `comments` for staff and analysts.
CREATE TABLE redactions (
    comment_id TEXT PRIMARY KEY NOT NULL REFERENCES comments (id),
    -- JSON object: question id to its redacted answer
    answers TEXT NOT NULL,
    general_comment TEXT,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
