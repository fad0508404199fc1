DROP INDEX attachments_sha256;
DROP TABLE blob_texts;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE users;
