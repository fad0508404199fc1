-- A posting decision for every comment a search matched (bulk posting),
-- applied by a job in comment id order; the targets are the comments
-- matched when staff asked.
CREATE TABLE posting_operations (
    id TEXT PRIMARY KEY NOT NULL,
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    status TEXT NOT NULL,
    reason TEXT,
    search TEXT NOT NULL,
    actor TEXT NOT NULL,
    state TEXT NOT NULL,
    matched INTEGER NOT NULL,
    done INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    cursor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE posting_targets (
    operation_id TEXT NOT NULL REFERENCES posting_operations (id),
    comment_id TEXT NOT NULL,
    PRIMARY KEY (operation_id, comment_id)
);
