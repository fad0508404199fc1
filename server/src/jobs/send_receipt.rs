//! `receipt` jobs: the emailed receipt of one comment (subject: its
//! tracking number). Born with the comment, claimed by the node that took
//! it, and sent at once; an SMTP outage only delays them.

use super::{Context, Handler, Outcome, Policy, Write};
use crate::db::models::job::JobRow;
use crate::db::models::receipt::{self, DueReceipt};
use crate::mail::{message, transport::Transport};
use chrono::NaiveDateTime;
use lettre::message::Mailbox;
use std::collections::HashMap;
use std::time::Duration;

pub use crate::db::models::receipt::KIND;

/// A new receipt stays with the node that took its comment this long; if
/// that node dies first, any node sends it after.
pub const LEASE: Duration = Duration::from_secs(120);

pub struct SendReceipt {
    pub transport: Transport,
    pub from: Mailbox,
    pub public_url: String,
    /// Signs the submitter's private link.
    pub keys: crate::keyed_hash::KeyedHash,
    pub runtime: tokio::runtime::Handle,
}

impl SendReceipt {
    fn send(&self, r: &DueReceipt) -> Outcome {
        let own = crate::admin::self_service::path(&self.keys, &r.tracking_number);
        let message = match message::build(r, &self.from, &self.public_url, &own) {
            Ok(m) => m,
            // An address intake accepted but lettre does not: no retry helps.
            Err(e) => return Outcome::Failed(e, super::no_write()),
        };
        match self
            .runtime
            .block_on(self.transport.send(&r.tracking_number, message))
        {
            Ok(()) => {
                tracing::info!(tracking_number = %r.tracking_number, "receipt sent");
                Outcome::Done(super::no_write())
            }
            // The error text may echo the address: log only the number
            // (the runner logs the job id, which is the number).
            Err(e) => Outcome::Retry(e),
        }
    }
}

impl Handler for SendReceipt {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn policy(&self) -> Policy {
        // 10 s, 20 s, 40 s ... then hourly: 40 attempts span about a day
        // and a half of SMTP outage before a receipt is marked failed.
        Policy {
            max_attempts: 40,
            first_retry: Duration::from_secs(10),
            lease: LEASE,
            // Sent one after another: a batch of 200 takes well under the
            // lease even at 0.5 s a message.
            batch: 200,
        }
    }

    fn run(&self, subject: &str, ctx: &mut Context<'_>) -> Outcome {
        let job = JobRow::new(KIND, subject, ctx.now);
        self.run_batch(std::slice::from_ref(&job), ctx)
            .pop()
            .unwrap_or_else(|| Outcome::Retry("no outcome".into()))
    }

    fn run_batch(&self, jobs: &[JobRow], ctx: &mut Context<'_>) -> Vec<Outcome> {
        let numbers: Vec<String> = jobs.iter().map(|j| j.subject.clone()).collect();
        let due = ctx
            .pool
            .get()
            .map_err(crate::db::DbError::from)
            .and_then(|mut conn| receipt::due(&mut conn, &numbers));
        let due: HashMap<String, DueReceipt> = match due {
            Ok(rows) => rows
                .into_iter()
                .map(|r| (r.tracking_number.clone(), r))
                .collect(),
            Err(e) => {
                let reason = format!("the database: {e}");
                return jobs
                    .iter()
                    .map(|_| Outcome::Retry(reason.clone()))
                    .collect();
            }
        };
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in jobs {
            if ctx.stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Not tried: left to the next start.
                outcomes.push(Outcome::Retry("the node is stopping".into()));
                continue;
            }
            outcomes.push(match due.get(&job.subject) {
                Some(r) => self.send(r),
                // The comment has no address (or is gone): nothing to send.
                None => {
                    Outcome::Failed("the comment has no email address".into(), super::no_write())
                }
            });
        }
        outcomes
    }

    fn gave_up(&self, _subject: &str, _reason: &str, _now: NaiveDateTime) -> Write {
        // The job's `failed` status is the receipt's.
        super::no_write()
    }
}
