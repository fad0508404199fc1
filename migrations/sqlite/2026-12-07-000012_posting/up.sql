-- Review before public posting (docs/ARCHITECTURE.md, "Posting"): why a
-- withheld comment is withheld, and when and by whom its status last
-- changed (the audit log keeps every change).
ALTER TABLE comments ADD COLUMN withheld_reason TEXT;
ALTER TABLE comments ADD COLUMN posting_changed_at TIMESTAMP;
ALTER TABLE comments ADD COLUMN posting_changed_by TEXT;
