-- A docket's codebook: hierarchical tags ("region/asean/malaysia"). A tag
-- keeps its id for life; its path may be renamed, and every path it ever
-- had still resolves to it (tag_names). Retired tags stay on the comments
-- that have them but cannot be applied again.
CREATE TABLE tags (
    id TEXT PRIMARY KEY NOT NULL,
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    path TEXT NOT NULL,
    label TEXT NOT NULL,
    instructions TEXT NOT NULL DEFAULT '',
    retired_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tags_path ON tags (docket_id, path);

-- Every path a tag has had, its current one included. A path once used is
-- never given to another tag, so an old link always means the same tag.
CREATE TABLE tag_names (
    docket_id TEXT NOT NULL,
    name TEXT NOT NULL,
    tag_id TEXT NOT NULL REFERENCES tags (id),
    named_at TIMESTAMP NOT NULL,
    PRIMARY KEY (docket_id, name)
);

-- Tags on comments, one row per application: by a person, a bulk operation
-- or a rule (source, source_id), with who (coder) and when. An excerpt tag
-- marks a character range of one field and quotes its text.
CREATE TABLE comment_tags (
    id TEXT PRIMARY KEY NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    tag_id TEXT NOT NULL REFERENCES tags (id),
    -- person, bulk, rule
    source TEXT NOT NULL,
    -- the bulk operation's or the rule's id; '' for a person
    source_id TEXT NOT NULL,
    coder TEXT NOT NULL,
    -- '' for the whole comment; 'comment', 'answer:<question>', 'attachment:<n>'
    excerpt_field TEXT NOT NULL,
    excerpt_start INTEGER NOT NULL,
    excerpt_end INTEGER NOT NULL,
    excerpt_text TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX comment_tags_once ON comment_tags
    (comment_id, tag_id, source, source_id, coder, excerpt_field, excerpt_start, excerpt_end);
CREATE INDEX comment_tags_tag ON comment_tags (tag_id);

-- Every change to the codebook and to tags, in order.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    docket_id TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    -- a user name, or 'rule:<id>'
    actor TEXT NOT NULL,
    -- tag.added, tag.removed, codebook.added, codebook.renamed, ...
    action TEXT NOT NULL,
    -- a tracking number, a tag path, an operation id
    subject TEXT NOT NULL,
    -- JSON
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_docket ON audit_log (docket_id, id);
