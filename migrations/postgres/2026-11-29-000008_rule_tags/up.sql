-- A rule's tags in a narrow table of their own: which comments a rule has
-- tagged, with the tag it put there. A rule tags millions of comments at
-- once; as rows of comment_tags each tag went into the table and four
-- indexes of long keys, and applying 50 rules to 1,000,000 comments spent
-- most of its time there (docs/BENCHMARKS.md). Here: the primary key
-- (rule, comment) and one index by comment. A comment's tags are the
-- union of comment_tags (people, bulk operations) and rule_tags.
CREATE TABLE rule_tags (
    rule_id TEXT NOT NULL REFERENCES tag_rules (id),
    comment_id TEXT NOT NULL REFERENCES comments (id),
    tag_id TEXT NOT NULL REFERENCES tags (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (rule_id, comment_id)
);
CREATE INDEX rule_tags_comment ON rule_tags (comment_id);
-- Codebook counts read a tag's comments.
CREATE INDEX rule_tags_tag ON rule_tags (tag_id, comment_id);

INSERT INTO rule_tags (rule_id, comment_id, tag_id, created_at)
    SELECT source_id, comment_id, min(tag_id), min(created_at) FROM comment_tags
    WHERE source = 'rule' GROUP BY source_id, comment_id;
DELETE FROM comment_tags WHERE source = 'rule';
