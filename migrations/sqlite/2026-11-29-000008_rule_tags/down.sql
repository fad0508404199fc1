INSERT INTO comment_tags (id, comment_id, tag_id, source, source_id, coder, excerpt_field,
        excerpt_start, excerpt_end, excerpt_text, created_at)
    SELECT 'rule-' || t.rule_id || '-' || t.comment_id, t.comment_id, t.tag_id, 'rule',
        t.rule_id, r.author, '', 0, 0, NULL, t.created_at
    FROM rule_tags t JOIN tag_rules r ON r.id = t.rule_id;
DROP TABLE rule_tags;
