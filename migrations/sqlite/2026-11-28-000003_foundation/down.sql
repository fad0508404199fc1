DROP TABLE feed_horizon;
DROP TABLE index_nodes;
DROP INDEX jobs_due;
DROP TABLE jobs;
ALTER TABLE blob_texts DROP COLUMN content_bytes;
DROP INDEX IF EXISTS sessions_expires;
ALTER TABLE api_tokens DROP COLUMN expires_at;
