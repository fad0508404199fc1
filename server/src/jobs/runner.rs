//! The runner: one thread per node that claims due jobs, runs them and
//! settles them. Claims and settlements go through the writer (on SQLite
//! it is the only writer; on PostgreSQL it is this node's).

use super::{delta, Context, Handler, Outcome, Write, LEASE};
use crate::db::models::job::{self, JobRow, DONE, FAILED, QUEUED};
use crate::db::writer::Writer;
use crate::db::{write_transaction, DbError, Pool};
use crate::domain::clock::Clock;
use crate::feed_signal::FeedSignal;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct Runner {
    pub node: String,
    pub handlers: Vec<Arc<dyn Handler>>,
    pub writer: Writer,
    pub pool: Pool,
    pub clock: Arc<dyn Clock>,
    pub signal: Arc<FeedSignal>,
    pub stop: Arc<AtomicBool>,
    pub runtime: tokio::runtime::Handle,
}

/// Waiting for work when there is none: the writer's commits (a new
/// comment's file) wake the runner sooner.
const IDLE: Duration = Duration::from_secs(1);

impl Runner {
    pub fn start(self) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("rfidesk-jobs".into())
            .spawn(move || self.run())
            .expect("spawn job runner thread")
    }

    fn run(self) {
        let by_kind: HashMap<&'static str, Arc<dyn Handler>> = self
            .handlers
            .iter()
            .map(|h| (h.kind(), h.clone()))
            .collect();
        let kinds: Vec<&'static str> = by_kind.keys().copied().collect();
        // Leases this node held when it last stopped or died are its own.
        let node = self.node.clone();
        let now = self.clock.now().naive_utc();
        match self.write(move |conn| job::release_node(conn, &node, now)) {
            Ok(n) if n > 0 => tracing::info!(jobs = n, "took back this node's unfinished jobs"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not take back this node's jobs"),
        }
        let mut trouble = Duration::from_secs(1);
        while !self.stop.load(Ordering::Relaxed) {
            let seen = self.signal.current();
            match self.step(&kinds, &by_kind) {
                Ok(true) => trouble = Duration::from_secs(1),
                Ok(false) => {
                    self.signal.wait(seen, IDLE);
                }
                Err(e) => {
                    // The database is away: try again later, never stall.
                    tracing::error!(error = %e, "job runner could not reach the database");
                    self.signal.wait(seen, trouble);
                    trouble = (trouble * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// A write that wakes no one (a claim).
    fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut crate::db::DbConn) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        self.runtime
            .block_on(self.writer.run(f))
            .map_err(|e| DbError::Repeated(e.to_string()))
    }

    /// A settlement, which may append to the change feed (a file's text).
    fn write_and_wake<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut crate::db::DbConn) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        self.runtime
            .block_on(self.writer.run_and_wake(f))
            .map_err(|e| DbError::Repeated(e.to_string()))
    }

    /// Claims, runs and settles one job; false when none was due.
    fn step(
        &self,
        kinds: &[&'static str],
        by_kind: &HashMap<&'static str, Arc<dyn Handler>>,
    ) -> Result<bool, DbError> {
        let now = self.clock.now().naive_utc();
        let (node, claim_kinds) = (self.node.clone(), kinds.to_vec());
        let lease_until = now + delta(LEASE);
        let Some(claimed) = self.write(move |conn| {
            write_transaction(conn, |conn| {
                job::claim(conn, &claim_kinds, &node, lease_until, now)
            })
        })?
        else {
            return Ok(false);
        };
        let handler = by_kind
            .get(claimed.kind.as_str())
            .expect("claimed only registered kinds")
            .clone();
        let mut ctx = Context {
            pool: &self.pool,
            now,
            stop: &self.stop,
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handler.run(&claimed.subject, &mut ctx)
        }))
        .unwrap_or_else(|_| Outcome::Retry("the job panicked".into()));
        if self.stop.load(Ordering::Relaxed) {
            // Possibly cut short by the stop: the next start takes it back.
            return Ok(true);
        }
        let finished = self.clock.now().naive_utc();
        let (id, node) = (claimed.id.clone(), self.node.clone());
        let settled = match outcome {
            Outcome::Retry(reason) => self.fail(&handler, &claimed, reason, finished),
            Outcome::Done(write) => self.settle(id, node, DONE, None, None, write, finished),
            Outcome::Again(at, write) => {
                self.settle(id, node, QUEUED, Some(at), None, write, finished)
            }
            Outcome::Failed(reason, write) => {
                tracing::warn!(job = %claimed.id, reason = %reason, "job failed");
                self.settle(id, node, FAILED, None, Some(reason), write, finished)
            }
        };
        if let Err(e) = settled {
            // What the job produced could not be stored: that is a failure
            // of the job too, retried (and given up on) like any other.
            let reason = format!("its result could not be stored: {e}");
            self.fail(&handler, &claimed, reason, finished)?;
        }
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    fn settle(
        &self,
        id: String,
        node: String,
        status: &'static str,
        run_after: Option<chrono::NaiveDateTime>,
        error: Option<String>,
        write: Write,
        now: chrono::NaiveDateTime,
    ) -> Result<(), DbError> {
        let recurring = run_after.is_some() && error.is_none();
        self.write_and_wake(move |conn| {
            write_transaction(conn, |conn| {
                // Another node took it after our lease lapsed: its run counts.
                if !job::holds(conn, &id, &node)? {
                    return Ok(());
                }
                write(conn)?;
                job::settle(
                    conn,
                    &id,
                    status,
                    run_after,
                    error.as_deref(),
                    recurring,
                    now,
                )
            })
        })
    }

    /// A failure that may pass: retry after a backoff, or give up.
    fn fail(
        &self,
        handler: &Arc<dyn Handler>,
        claimed: &JobRow,
        reason: String,
        now: chrono::NaiveDateTime,
    ) -> Result<(), DbError> {
        let policy = handler.policy();
        let (id, node) = (claimed.id.clone(), self.node.clone());
        if claimed.attempts >= policy.max_attempts {
            tracing::warn!(job = %claimed.id, attempts = claimed.attempts, reason = %reason, "job failed for good");
            let write = handler.gave_up(&claimed.subject, &reason, now);
            return self.settle(id, node, FAILED, None, Some(reason), write, now);
        }
        let at = now + delta(policy.backoff(claimed.attempts));
        tracing::info!(job = %claimed.id, attempts = claimed.attempts, reason = %reason, "job will be retried");
        self.settle(
            id,
            node,
            QUEUED,
            Some(at),
            Some(reason),
            super::no_write(),
            now,
        )
    }
}
