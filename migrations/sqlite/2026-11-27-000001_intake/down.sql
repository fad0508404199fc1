DROP TABLE idempotency_keys;
DROP TABLE change_feed;
DROP TABLE receipts;
DROP TABLE attachments;
DROP TABLE comments;
DROP TABLE dockets;
