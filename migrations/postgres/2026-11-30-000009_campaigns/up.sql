-- Form-letter campaigns (docs/ARCHITECTURE.md, "Campaigns").
--
-- A campaign is a group of near-identical comments; its members, each
-- with how alike it is to the template and how many words it adds.
-- Groups below the docket's min_size are kept (a new comment may grow
-- one) and left out of every list.
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    -- Given by analysts; kept across rebuilds (a rebuilt group takes the
    -- id of the campaign it shares most members with).
    name TEXT,
    confirmed_by TEXT,
    confirmed_at TIMESTAMP,
    template_id TEXT NOT NULL REFERENCES comments (id),
    size INTEGER NOT NULL,
    signatories BIGINT NOT NULL,
    first_received TIMESTAMP NOT NULL,
    last_received TIMESTAMP NOT NULL,
    -- JSON: members by category and by organization (the 20 largest),
    -- and the signals (kind, explanation, comment ids).
    categories TEXT NOT NULL,
    organizations TEXT NOT NULL,
    signals TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX campaigns_docket ON campaigns (docket_id, size);

CREATE TABLE campaign_members (
    comment_id TEXT PRIMARY KEY REFERENCES comments (id),
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    similarity DOUBLE PRECISION NOT NULL,
    added_words INTEGER NOT NULL
);
CREATE INDEX campaign_members_campaign ON campaign_members (campaign_id, comment_id);

-- What incremental assignment looks up: each comment's exact-text hash
-- and a few of its LSH band keys (the rebuild uses them all, in memory).
CREATE TABLE campaign_prints (
    comment_id TEXT PRIMARY KEY REFERENCES comments (id),
    docket_id TEXT NOT NULL,
    exact_hash BIGINT NOT NULL
);
CREATE INDEX campaign_prints_exact ON campaign_prints (docket_id, exact_hash);
CREATE TABLE campaign_keys (
    band_key BIGINT NOT NULL,
    comment_id TEXT NOT NULL,
    PRIMARY KEY (band_key, comment_id)
);
CREATE INDEX campaign_keys_comment ON campaign_keys (comment_id);

-- Per docket: the boilerplate profile detection discounts, and how far
-- through the change feed new comments have been assigned.
CREATE TABLE campaign_profiles (
    docket_id TEXT PRIMARY KEY REFERENCES dockets (id),
    profile TEXT NOT NULL,
    comments BIGINT NOT NULL,
    checked_seq BIGINT NOT NULL,
    built_at TIMESTAMP NOT NULL
);

-- Analysts' corrections, applied again after every rebuild: a member
-- split off (kept out of every campaign), two campaigns merged (named by
-- a member of each).
CREATE TABLE campaign_corrections (
    id TEXT PRIMARY KEY,
    docket_id TEXT NOT NULL REFERENCES dockets (id),
    kind TEXT NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    other_id TEXT REFERENCES comments (id),
    actor TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX campaign_corrections_docket ON campaign_corrections (docket_id, created_at);
CREATE INDEX campaign_corrections_comment ON campaign_corrections (comment_id);

-- A docket's comments in id order (the rebuild's pages): without it each
-- page scanned and sorted the docket's whole index by time received.
CREATE INDEX comments_docket_id ON comments (docket_id, id);

-- A keyed hash of the client address a comment came from (the key is in
-- server_secrets, never the address): the "one client" signal.
ALTER TABLE comments ADD COLUMN client_key TEXT;
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
