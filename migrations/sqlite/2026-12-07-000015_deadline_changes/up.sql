-- Each change of a docket's closing time (an extension, or a reopening
-- after it closed), with the public notice that explains it: the docket
-- page and API show them in order.
CREATE TABLE deadline_changes (
    id TEXT PRIMARY KEY NOT NULL,
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    closes_before TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    notice TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX deadline_changes_docket ON deadline_changes (docket_id, created_at);
