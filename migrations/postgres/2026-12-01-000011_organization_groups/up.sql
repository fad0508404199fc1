-- Analysts' corrections of how organization spellings are grouped in
-- summaries (docs/ARCHITECTURE.md, "Summaries"): a spelling, as written,
-- put in a group. Without one, a spelling's group is its key.
CREATE TABLE organization_groups (
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    spelling TEXT NOT NULL,
    group_key TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (docket_id, spelling)
);

-- The summary's quotes read a docket's coded excerpts, oldest first: the
-- few tags with an excerpt, not every tag.
CREATE INDEX comment_tags_excerpts ON comment_tags (created_at, id)
    WHERE excerpt_text IS NOT NULL;
