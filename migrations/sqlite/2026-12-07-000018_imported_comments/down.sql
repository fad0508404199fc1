DROP TABLE imported_comments;
