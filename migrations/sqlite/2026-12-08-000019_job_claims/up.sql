-- Claims look for one kind's due work: queued and due, or running with a
-- lapsed lease. With jobs_due (status, run_after) every claim of every
-- lane read all running rows of every kind to check their leases (a
-- burst's receipts, born leased, were 84,000 of them): each claim became
-- slower with every comment. One index per branch, kind first, reads only
-- the rows that are due. (A third index on status, for the admin page and
-- the purge, cost PostgreSQL a quarter of its intake under a burst: every
-- settlement rewrites it. Those two read the table instead.)
DROP INDEX jobs_due;
CREATE INDEX jobs_claim_queued ON jobs (kind, status, run_after);
CREATE INDEX jobs_claim_lapsed ON jobs (kind, status, lease_until);
