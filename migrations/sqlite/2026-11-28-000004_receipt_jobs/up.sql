-- Receipts become jobs of kind 'receipt' (subject: the comment's tracking
-- number), leased, retried and reported like every other background job.
-- A receipt goes to the comment's email address, so the job is all that is
-- kept: its status is the receipt's (done: sent; failed: given up).
INSERT INTO jobs (id, kind, subject, status, attempts, run_after, last_error, created_at, updated_at)
SELECT 'receipt:' || c.tracking_number, 'receipt', c.tracking_number,
       CASE r.status WHEN 'sent' THEN 'done' WHEN 'failed' THEN 'failed' ELSE 'queued' END,
       r.attempts, r.next_attempt_at, r.last_error, c.received_at,
       COALESCE(r.sent_at, r.next_attempt_at)
FROM receipts r JOIN comments c ON c.id = r.comment_id;

DROP INDEX receipts_due;
DROP TABLE receipts;
