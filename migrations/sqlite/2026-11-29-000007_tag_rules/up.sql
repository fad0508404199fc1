-- Saved rules: a search whose every match carries a tag, now and as
-- comments arrive. One recurring job (tag_rules:all) applies a new or
-- edited rule to the existing comments, a window of comment ids at a time
-- (cursor), and then checks each rule against the change feed from
-- checked_seq on, as the comments there are indexed.
CREATE TABLE tag_rules (
    id TEXT PRIMARY KEY NOT NULL,
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    tag_id TEXT NOT NULL REFERENCES tags (id),
    -- the search, as JSON: q and filters
    search TEXT NOT NULL,
    author TEXT NOT NULL,
    -- applying, active, deleting, deleted
    status TEXT NOT NULL,
    -- one more with each edit: a run for an older version changes nothing
    version INTEGER NOT NULL,
    -- applying and deleting: the last comment id reconciled
    cursor TEXT NOT NULL,
    -- the change-feed position the index had when applying began
    apply_seq BIGINT NOT NULL,
    -- active: changes up to here have been checked against the rule
    checked_seq BIGINT NOT NULL,
    -- rows of comment_tags the rule has now, kept with each change (a
    -- count of millions of rows would cost every listing a scan)
    tagged BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tag_rules_docket ON tag_rules (docket_id, created_at);

-- An analyst said the rule's tag is wrong on this comment: the rule never
-- puts it there again, whatever the comment or the rule become.
CREATE TABLE rule_rejections (
    rule_id TEXT NOT NULL REFERENCES tag_rules (id),
    comment_id TEXT NOT NULL REFERENCES comments (id),
    rejected_by TEXT NOT NULL,
    rejected_at TIMESTAMP NOT NULL,
    PRIMARY KEY (rule_id, comment_id)
);

-- A rule's (and a bulk operation's) tags in comment id order.
DROP INDEX comment_tags_source;
CREATE INDEX comment_tags_source ON comment_tags (source, source_id, comment_id);

-- The job itself (tag_rules:all) is made sure of at every start.
