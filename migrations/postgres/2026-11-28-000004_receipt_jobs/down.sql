CREATE TABLE receipts (
    comment_id TEXT PRIMARY KEY NOT NULL REFERENCES comments (id),
    recipient TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP
);
CREATE INDEX receipts_due ON receipts (status, next_attempt_at);
INSERT INTO receipts (comment_id, recipient, status, attempts, next_attempt_at, last_error, sent_at)
SELECT c.id, c.email,
       CASE j.status WHEN 'done' THEN 'sent' WHEN 'failed' THEN 'failed' ELSE 'pending' END,
       j.attempts, j.run_after, j.last_error,
       CASE j.status WHEN 'done' THEN j.updated_at END
FROM jobs j JOIN comments c ON c.tracking_number = j.subject
WHERE j.kind = 'receipt' AND c.email IS NOT NULL;
DELETE FROM jobs WHERE kind = 'receipt';
