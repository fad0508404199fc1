ALTER TABLE comments DROP COLUMN posting_changed_by;
ALTER TABLE comments DROP COLUMN posting_changed_at;
ALTER TABLE comments DROP COLUMN withheld_reason;
