-- Receipts become jobs of kind 'receipt' (subject: the comment's tracking
-- number), leased, retried and reported like every other background job.
-- The receipts table keeps what the receipt page shows: to whom, and
-- whether it was sent.
INSERT INTO jobs (id, kind, subject, status, attempts, run_after, last_error, created_at, updated_at)
SELECT 'receipt:' || c.tracking_number, 'receipt', c.tracking_number,
       CASE WHEN r.status = 'failed' THEN 'failed' ELSE 'queued' END,
       r.attempts, r.next_attempt_at, r.last_error, c.received_at, r.next_attempt_at
FROM receipts r JOIN comments c ON c.id = r.comment_id
WHERE r.status <> 'sent';

DROP INDEX receipts_due;
ALTER TABLE receipts DROP COLUMN attempts;
ALTER TABLE receipts DROP COLUMN next_attempt_at;
ALTER TABLE receipts DROP COLUMN locked_until;
ALTER TABLE receipts DROP COLUMN last_error;
