DROP TABLE posting_targets;
DROP TABLE posting_operations;
