-- Signals per comment (docs/ARCHITECTURE.md, "Campaigns"): what search
-- filters and counts by. Each row says one signal of one kind concerns
-- the comment, and where it was found: a campaign (its id) or the whole
-- docket ('docket'). The explanation stays with the source (the
-- campaign's or the docket profile's signals), not copied per member.
CREATE TABLE comment_signals (
    source TEXT NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    kind TEXT NOT NULL,
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    PRIMARY KEY (source, comment_id, kind)
);
CREATE INDEX comment_signals_comment ON comment_signals (comment_id);
CREATE INDEX comment_signals_docket ON comment_signals (docket_id, kind);
