DROP INDEX audit_log_docket;
DROP TABLE audit_log;
DROP INDEX comment_tags_tag;
DROP INDEX comment_tags_once;
DROP TABLE comment_tags;
DROP TABLE tag_names;
DROP INDEX tags_path;
DROP TABLE tags;
