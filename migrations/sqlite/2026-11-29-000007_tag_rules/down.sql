DELETE FROM jobs WHERE kind = 'tag_rules';
DROP INDEX comment_tags_source;
CREATE INDEX comment_tags_source ON comment_tags (source, source_id);
DROP TABLE rule_rejections;
DROP TABLE tag_rules;
