DROP INDEX jobs_claim_lapsed;
DROP INDEX jobs_claim_queued;
CREATE INDEX jobs_due ON jobs (status, run_after);
