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
//! - Staff see counts and every failure at `GET /api/v1/admin/jobs`.

pub mod extract_text;
pub mod node;
pub mod purge;
pub mod runner;

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
    /// Failed in a way that may pass later: retried with backoff.
    Retry(String),
}

/// How a kind of job is retried.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Runs before the job fails for good.
    pub max_attempts: i32,
    /// Wait before the first retry; doubled for each one after it.
    pub first_retry: Duration,
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
    /// Does the work (reads only: its writes go in the returned outcome).
    fn run(&self, subject: &str, ctx: &mut Context<'_>) -> Outcome;
    /// What giving up after the last retry records, besides the job row.
    fn gave_up(&self, subject: &str, reason: &str, now: NaiveDateTime) -> Write;
}

/// Every kind of background job, in one place.
pub fn handlers(extract: extract_text::ExtractText) -> Vec<std::sync::Arc<dyn Handler>> {
    vec![
        std::sync::Arc::new(extract),
        std::sync::Arc::new(purge::Purge),
    ]
}

/// How long a claimed job stays with its node before another may take it:
/// longer than any job runs (text extraction stops at 60 s).
pub const LEASE: Duration = Duration::from_secs(300);

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

/// The report, with the 100 most recent troubled jobs. Receipts, which
/// keep their own leased outbox (`mail/`), are reported here too, as kind
/// `receipt`, by tracking number (never the recipient).
pub fn report(conn: &mut DbConn) -> Result<JobsReport, DbError> {
    use crate::db::models::{job, receipt};
    let mut counts: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>> =
        Default::default();
    for (kind, status, n) in job::counts(conn)? {
        counts.entry(kind).or_default().insert(status, n);
    }
    for (status, n) in receipt::counts(conn)? {
        counts
            .entry("receipt".into())
            .or_default()
            .insert(status, n);
    }
    let mut troubled: Vec<TroubledJob> = job::troubled(conn, 100)?
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
    troubled.extend(
        receipt::troubled(conn, 100)?
            .into_iter()
            .map(|r| TroubledJob {
                kind: "receipt".into(),
                subject: r.tracking_number,
                status: r.status,
                attempts: r.attempts,
                last_error: r.last_error,
                run_after: r.next_attempt_at.and_utc(),
                updated_at: r.next_attempt_at.and_utc(),
            }),
    );
    Ok(JobsReport { counts, troubled })
}
