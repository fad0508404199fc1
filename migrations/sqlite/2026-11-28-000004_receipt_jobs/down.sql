ALTER TABLE receipts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD COLUMN next_attempt_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE receipts ADD COLUMN locked_until TIMESTAMP;
ALTER TABLE receipts ADD COLUMN last_error TEXT;
CREATE INDEX receipts_due ON receipts (status, next_attempt_at);
UPDATE receipts SET
  attempts = COALESCE((SELECT j.attempts FROM jobs j JOIN comments c ON j.subject = c.tracking_number
                       WHERE j.kind = 'receipt' AND c.id = receipts.comment_id), 0),
  last_error = (SELECT j.last_error FROM jobs j JOIN comments c ON j.subject = c.tracking_number
                WHERE j.kind = 'receipt' AND c.id = receipts.comment_id);
DELETE FROM jobs WHERE kind = 'receipt';
