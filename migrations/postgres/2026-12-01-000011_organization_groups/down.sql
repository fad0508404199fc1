DROP TABLE organization_groups;
DROP INDEX comment_tags_excerpts;
