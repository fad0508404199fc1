//! Background work as leased jobs. Every kind of background task is a
//! [`Handler`], registered in one place ([`handlers`]); one runner thread
//! per node claims due jobs from the `jobs` table with a lease, runs them,
//! and settles each in one transaction with the writes that complete it.
//!
//! - A job is claimed by one node at a time: the claim is a conditional
//!   UPDATE, so of two nodes that pick the same row only one gets it.
//! - A node that dies holds its leases until they lapse; a node that
//!   restarts (same data directory, same node id) takes its own back at once.
//! - A failure that may pass is retried with exponential backoff up to the
//!   kind's limit; then the job is `failed`, with its reason, and
//!   [`Handler::gave_up`] records what the failure means (a file's text is
//!   `extraction_failed`). A failure that would recur (a file no reader can
//!   read) fails at once. Either way the runner moves on: one bad job
//!   never holds up the next.
//! - Each kind runs in its own lane (thread), or several
//!   ([`Handler::lanes`]), so a receipt never waits behind a minute-long
//!   text extraction, and one slow file does not hold up the next. A lane takes up to its kind's
//!   batch at once (receipts: 200), and settles the batch in one
//!   transaction.
//! - A job may be born claimed by the node that wrote it (a new comment's
//!   receipt) and handed to its lane in memory ([`handoff`]): at 10,000
//!   comments a second that saves a claim per receipt.
//! - Staff see counts and every failure at `GET /api/v1/admin/jobs`.

pub mod bulk_posting;
pub mod bulk_tag;
pub mod campaigns;
pub mod extract_text;
pub mod handoff;
pub mod node;
pub mod packed_ids;
pub mod purge;
pub mod runner;
pub mod send_receipt;
pub mod tag_rules;

use crate::db::models::job::JobRow;
use crate::db::{DbConn, DbError};
use chrono::NaiveDateTime;
use std::time::Duration;

/// Writes that complete a job, run in the transaction that settles it.
pub type Write = Box<dyn FnOnce(&mut DbConn) -> Result<(), DbError> + Send>;

pub fn no_write() -> Write {
    Box::new(|_| Ok(()))
}

/// How one run of a job ended.
pub enum Outcome {
    /// Finished.
    Done(Write),
    /// Finished for now; run again at this time (recurring work).
    Again(NaiveDateTime, Write),
    /// Failed in a way that would fail again: no retry.
    Failed(String, Write),
    /// Failed in a way that may pass later: retried with backoff. Seen
    /// while the node is stopping, it is not counted: the job stays leased
    /// to this node, which takes it back when it starts again.
    Retry(String),
}

/// How a kind of job is retried.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Runs before the job fails for good.
    pub max_attempts: i32,
    /// Wait before the first retry; doubled for each one after it.
    pub first_retry: Duration,
    /// How long a claimed job stays with its node before another may take
    /// it: longer than a run of a whole batch lasts.
    pub lease: Duration,
    /// Most jobs one run takes.
    pub batch: usize,
}

impl Policy {
    /// The wait after the `attempts`-th failed run, at most an hour.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 16) as u32;
        (self.first_retry * 2u32.pow(doublings)).min(Duration::from_secs(3600))
    }
}

/// What a job's run may use. Take a connection only while reading: a
/// run may last a minute.
pub struct Context<'a> {
    pub pool: &'a crate::db::Pool,
    pub now: NaiveDateTime,
    pub stop: &'a std::sync::atomic::AtomicBool,
}

pub trait Handler: Send + Sync {
    /// The `kind` column of its jobs.
    fn kind(&self) -> &'static str;
    fn policy(&self) -> Policy;
    /// How many lanes (threads) run this kind on each node.
    fn lanes(&self) -> usize {
        1
    }
    /// Does the work (reads only: its writes go in the returned outcome).
    fn run(&self, subject: &str, ctx: &mut Context<'_>) -> Outcome;
    /// Runs a batch: one outcome per job, in order. Kinds whose jobs share
    /// work (one query, one connection) do it once here.
    fn run_batch(&self, jobs: &[JobRow], ctx: &mut Context<'_>) -> Vec<Outcome> {
        jobs.iter().map(|j| self.run(&j.subject, ctx)).collect()
    }
    /// Whether what its jobs write may append to the change feed (the
    /// search follower is then woken when they settle).
    fn changes_index(&self) -> bool {
        false
    }
    /// What giving up after the last retry records, besides the job row.
    fn gave_up(&self, subject: &str, reason: &str, now: NaiveDateTime) -> Write;
}

/// Every kind of background job, in one place.
pub fn handlers(
    receipts: send_receipt::SendReceipt,
    extract: (extract_text::ExtractText, extract_text::ExtractText),
    rules: tag_rules::TagRules,
    campaigns: (campaigns::Campaigns, campaigns::CampaignsRebuild),
    tagging_batch: i64,
) -> Vec<std::sync::Arc<dyn Handler>> {
    vec![
        std::sync::Arc::new(receipts),
        std::sync::Arc::new(extract.0),
        std::sync::Arc::new(extract.1),
        std::sync::Arc::new(purge::Purge),
        std::sync::Arc::new(bulk_tag::BulkApply(tagging_batch)),
        std::sync::Arc::new(bulk_tag::BulkUndo(tagging_batch)),
        std::sync::Arc::new(bulk_posting::BulkPosting(tagging_batch)),
        std::sync::Arc::new(rules),
        std::sync::Arc::new(campaigns.0),
        std::sync::Arc::new(campaigns.1),
    ]
}

/// Background threads (job lanes, the search follower) yield the cores to
/// intake when both want them: a comment is acknowledged first, indexed
/// and receipted after. Linux niceness is per thread; raising one's own
/// needs no privilege. Elsewhere this does nothing.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread's own id.
        let rc = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, BACKGROUND_NICE)
        };
        if rc != 0 {
            tracing::debug!("could not lower a background thread's priority");
        }
    }
}

/// The niceness of background threads (0 is normal, 19 the lowest).
const BACKGROUND_NICE: libc::c_int = 10;

pub(crate) fn delta(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

/// What staff see of the background work: counts per kind and status, and
/// the jobs that failed or are waiting to retry, with their reasons.
#[derive(Debug, serde::Serialize)]
pub struct JobsReport {
    /// kind -> status -> count
    pub counts: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>,
    pub troubled: Vec<TroubledJob>,
}

#[derive(Debug, serde::Serialize)]
pub struct TroubledJob {
    pub kind: String,
    pub subject: String,
    /// `failed` (for good), or `queued` (to be retried at `run_after`).
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub run_after: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// The report, with the 100 most recent troubled jobs. Receipts are
/// named by tracking number (never the recipient).
pub fn report(conn: &mut DbConn) -> Result<JobsReport, DbError> {
    use crate::db::models::job;
    let mut counts: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>> =
        Default::default();
    for (kind, status, n) in job::counts(conn)? {
        counts.entry(kind).or_default().insert(status, n);
    }
    let troubled = job::troubled(conn, 100)?
        .into_iter()
        .map(|j| TroubledJob {
            kind: j.kind,
            subject: j.subject,
            status: j.status,
            attempts: j.attempts,
            last_error: j.last_error,
            run_after: j.run_after.and_utc(),
            updated_at: j.updated_at.and_utc(),
        })
        .collect();
    Ok(JobsReport { counts, troubled })
}
