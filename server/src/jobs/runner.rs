//! The runner: one lane (thread) per kind of job on each node, or as many
//! as the kind asks for. A lane takes
//! the jobs handed to it in memory, or else claims due ones from the
//! `jobs` table, runs them and settles them. Claims and settlements go
//! through the writer (on SQLite it is the only writer; on PostgreSQL it is
//! this node's).

use super::handoff::Handed;
use super::{delta, Context, Handler, Outcome, Write};
use crate::db::checkpoint;
use crate::db::models::job::{self, Ending, JobRow, DONE, FAILED, QUEUED};
use crate::db::writer::Writer;
use crate::db::{write_transaction, DbConn, DbError, Pool};
use crate::domain::clock::Clock;
use crate::feed_signal::FeedSignal;
use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct Runner {
    pub node: String,
    pub handlers: Vec<Arc<dyn Handler>>,
    /// Jobs born claimed by this node, by kind.
    pub handed: HashMap<&'static str, Handed>,
    pub writer: Writer,
    pub pool: Pool,
    pub clock: Arc<dyn Clock>,
    pub stop: Arc<AtomicBool>,
    pub runtime: tokio::runtime::Handle,
}

/// Waiting for work when there is none: a lane's own wake-up (a hand-off,
/// a new file) ends the wait sooner.
const IDLE: Duration = Duration::from_secs(1);
/// Longest a job's write waits for the WAL to be emptied before it goes on.
const ROOM_WAIT: Duration = Duration::from_secs(10);

struct Lane {
    handler: Arc<dyn Handler>,
    handed: Option<Handed>,
    node: String,
    writer: Writer,
    pool: Pool,
    clock: Arc<dyn Clock>,
    signal: Arc<FeedSignal>,
    stop: Arc<AtomicBool>,
    runtime: tokio::runtime::Handle,
}

/// How one job's run is recorded.
struct Settlement {
    id: String,
    status: &'static str,
    run_after: Option<NaiveDateTime>,
    error: Option<String>,
    reset_attempts: bool,
    write: Write,
}

impl Runner {
    /// Starts one lane per kind. Take this node's leases back first (see
    /// `job::release_node`), before anything can hand a lane new work.
    pub fn start(mut self) -> Vec<std::thread::JoinHandle<()>> {
        let mut threads = Vec::new();
        for handler in self.handlers {
            let kind = handler.kind();
            let handed = self.handed.remove(kind);
            for n in 0..handler.lanes() {
                let lane = Lane {
                    signal: handed
                        .as_ref()
                        .map(|h| h.signal().clone())
                        .unwrap_or_default(),
                    handed: handed.clone(),
                    handler: handler.clone(),
                    node: self.node.clone(),
                    writer: self.writer.clone(),
                    pool: self.pool.clone(),
                    clock: self.clock.clone(),
                    stop: self.stop.clone(),
                    runtime: self.runtime.clone(),
                };
                threads.push(
                    std::thread::Builder::new()
                        .name(format!("rfidesk-job-{kind}-{n}"))
                        .spawn(move || {
                            super::lower_priority();
                            lane.run()
                        })
                        .expect("spawn job lane thread"),
                );
            }
        }
        threads
    }
}

impl Lane {
    fn run(self) {
        let mut trouble = Duration::from_secs(1);
        while !self.stop.load(Ordering::Relaxed) {
            let seen = self.signal.current();
            match self.step() {
                Ok(true) => trouble = Duration::from_secs(1),
                Ok(false) => {
                    self.signal.wait(seen, IDLE);
                }
                Err(e) => {
                    // The database is away: try again later, never stall.
                    tracing::error!(kind = self.handler.kind(), error = %e, "job lane could not reach the database");
                    self.signal.wait(seen, trouble);
                    trouble = (trouble * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// A write that wakes no one (a claim, a receipt's status).
    fn write<T: Send + 'static>(
        &self,
        wakes: bool,
        f: impl FnOnce(&mut DbConn) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let done = if wakes {
            self.runtime.block_on(self.writer.run_and_wake(f))
        } else {
            self.runtime.block_on(self.writer.run(f))
        };
        done.map_err(|e| DbError::Repeated(e.to_string()))
    }

    /// Runs and settles one batch; false when nothing was due.
    fn step(&self) -> Result<bool, DbError> {
        let policy = self.handler.policy();
        let batch = policy.batch.max(1);
        let mut jobs = match &self.handed {
            Some(handed) => handed.take(batch),
            None => vec![],
        };
        if jobs.is_empty() {
            let now = self.clock.now().naive_utc();
            let (node, kind) = (self.node.clone(), self.handler.kind());
            let lease_until = now + delta(policy.lease);
            jobs = self.write(false, move |conn| {
                write_transaction(conn, |conn| {
                    job::claim(conn, kind, &node, lease_until, now, batch as i64)
                })
            })?;
        }
        if jobs.is_empty() {
            return Ok(false);
        }
        let mut ctx = Context {
            pool: &self.pool,
            now: self.clock.now().naive_utc(),
            stop: &self.stop,
        };
        let mut outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.handler.run_batch(&jobs, &mut ctx)
        }))
        .unwrap_or_default();
        // A handler that panicked, or answered for fewer jobs than it got.
        while outcomes.len() < jobs.len() {
            outcomes.push(Outcome::Retry("the job panicked".into()));
        }
        let stopping = self.stop.load(Ordering::Relaxed);
        let finished = self.clock.now().naive_utc();
        let settlements: Vec<Settlement> = jobs
            .iter()
            .zip(outcomes)
            // A failure while stopping may be the stop's doing (a child
            // process killed): the next start takes the job back.
            .filter(|(_, o)| !(stopping && matches!(o, Outcome::Retry(_))))
            .map(|(j, o)| self.settlement(j, o, finished))
            .collect();
        let ids: Vec<String> = settlements.iter().map(|s| s.id.clone()).collect();
        // Job writes are the bulk ones (campaigns, rules, bulk tags, file
        // text): while the WAL is past its bound they give the checkpointer
        // its turn (db/checkpoint.rs); intake never waits here.
        if let Ok(mut conn) = self.pool.get() {
            checkpoint::wait_for_room(&mut conn, ROOM_WAIT);
        }
        if let Err(e) = self.settle(settlements, finished) {
            // What the jobs produced could not be stored: that is a failure
            // of each job too, retried (and given up on) like any other.
            let reason = format!("its result could not be stored: {e}");
            for j in jobs.iter().filter(|j| ids.contains(&j.id)) {
                let s = self.settlement(j, Outcome::Retry(reason.clone()), finished);
                self.settle(vec![s], finished)?;
            }
        }
        Ok(true)
    }

    /// What an outcome records: a retry after a backoff, or giving up
    /// after the kind's last attempt.
    fn settlement(&self, job: &JobRow, outcome: Outcome, now: NaiveDateTime) -> Settlement {
        let id = job.id.clone();
        let plain = |status, run_after, error, reset_attempts, write| Settlement {
            id: id.clone(),
            status,
            run_after,
            error,
            reset_attempts,
            write,
        };
        match outcome {
            Outcome::Done(write) => plain(DONE, None, None, false, write),
            Outcome::Again(at, write) => plain(QUEUED, Some(at), None, true, write),
            Outcome::Failed(reason, write) => {
                tracing::warn!(job = %job.id, reason = %reason, "job failed");
                plain(FAILED, None, Some(reason), false, write)
            }
            Outcome::Retry(reason) => {
                let policy = self.handler.policy();
                if job.attempts >= policy.max_attempts {
                    tracing::warn!(job = %job.id, attempts = job.attempts, reason = %reason, "job failed for good");
                    let write = self.handler.gave_up(&job.subject, &reason, now);
                    plain(FAILED, None, Some(reason), false, write)
                } else {
                    let at = now + delta(policy.backoff(job.attempts));
                    tracing::info!(job = %job.id, attempts = job.attempts, reason = %reason, "job will be retried");
                    plain(QUEUED, Some(at), Some(reason), false, super::no_write())
                }
            }
        }
    }

    /// Records a batch's runs, with the writes that complete them, in one
    /// transaction. A job whose lease lapsed and was taken by another node
    /// is left to that node: its writes are dropped.
    fn settle(&self, settlements: Vec<Settlement>, now: NaiveDateTime) -> Result<(), DbError> {
        if settlements.is_empty() {
            return Ok(());
        }
        let node = self.node.clone();
        self.write(self.handler.changes_index(), move |conn| {
            write_transaction(conn, |conn| {
                for s in settlements {
                    let ending = Ending {
                        status: s.status,
                        run_after: s.run_after,
                        error: s.error.as_deref(),
                        reset_attempts: s.reset_attempts,
                    };
                    if job::settle(conn, &s.id, &node, ending, now)? {
                        (s.write)(conn)?;
                    }
                }
                Ok(())
            })
        })
    }
}
