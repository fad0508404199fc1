DROP INDEX comment_tags_source;
DROP TABLE bulk_targets;
DROP INDEX bulk_operations_docket;
DROP TABLE bulk_operations;
