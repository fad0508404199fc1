-- A bulk tag: one tag put on every comment a search matched when it was
-- asked for (bulk_targets), applied and undone as a whole by leased jobs.
CREATE TABLE bulk_operations (
    id TEXT PRIMARY KEY NOT NULL,
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    tag_id TEXT NOT NULL REFERENCES tags (id),
    -- the search, as JSON: q and filters
    search TEXT NOT NULL,
    coder TEXT NOT NULL,
    -- applying, applied, undoing, undone
    status TEXT NOT NULL,
    matched INTEGER NOT NULL,
    -- comments tagged so far (applying) or still tagged (undoing)
    applied INTEGER NOT NULL,
    -- the last comment id applied: the jobs go in comment id order
    cursor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX bulk_operations_docket ON bulk_operations (docket_id, created_at);

CREATE TABLE bulk_targets (
    operation_id TEXT NOT NULL REFERENCES bulk_operations (id),
    comment_id TEXT NOT NULL,
    PRIMARY KEY (operation_id, comment_id)
);
-- Undoing finds a bulk operation's tags by source.
CREATE INDEX comment_tags_source ON comment_tags (source, source_id);
