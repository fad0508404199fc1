//! Sends receipts from the outbox, with retries and backoff.
//!
//! Receipts are rows written in the same transaction as their comment, so
//! an SMTP outage only delays them; intake never waits on mail. Each batch
//! is leased (`locked_until`) so two nodes never send the same receipt at
//! once, and a crash mid-send leaves it to be retried when the lease ends.

use crate::db::models::receipt::{self, Attempt, DueReceipt, LEASE};
use crate::db::writer::Writer;
use crate::domain::clock::Clock;
use crate::mail::{message, transport::Transport};
use chrono::TimeDelta;
use lettre::message::Mailbox;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

const BATCH: i64 = 200;
/// After this many failed attempts (about a day and a half of backoff) a
/// receipt is marked failed for staff to look at.
const MAX_ATTEMPTS: i32 = 16;
/// Retries are also looked for this often, not only when woken.
const POLL: Duration = Duration::from_secs(1);

pub struct ReceiptWorker {
    /// Outcomes are written by the one writer.
    pub writer: Writer,
    pub transport: Transport,
    pub from: Mailbox,
    pub public_url: String,
    pub clock: Arc<dyn Clock>,
    /// Receipts of comments this node just committed, already leased to it.
    pub fresh: mpsc::Receiver<DueReceipt>,
}

/// 10 s, 20 s, 40 s ... capped at 2 hours.
pub fn backoff(attempts: i32) -> TimeDelta {
    let secs = 10i64
        .saturating_mul(1 << attempts.clamp(0, 20))
        .min(2 * 3600);
    TimeDelta::seconds(secs)
}

impl ReceiptWorker {
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut fresh = Vec::with_capacity(BATCH as usize);
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // New receipts first: they are why someone is waiting.
                biased;
                n = self.fresh.recv_many(&mut fresh, BATCH as usize) => {
                    if n == 0 {
                        return;
                    }
                    let batch = std::mem::take(&mut fresh);
                    if let Err(e) = self.send(batch).await {
                        tracing::error!(error = %e, "receipt outbox unavailable");
                    }
                }
                _ = poll.tick() => {
                    // Retries, and receipts whose node died before sending.
                    loop {
                        match self.claim_due().await {
                            Ok(due) if due.is_empty() => break,
                            Ok(due) => {
                                let full = due.len() as i64 == BATCH;
                                if let Err(e) = self.send(due).await {
                                    tracing::error!(error = %e, "receipt outbox unavailable");
                                    break;
                                }
                                if !full {
                                    break;
                                }
                            }
                            Err(e) => {
                                tracing::error!(error = %e, "receipt outbox unavailable");
                                break;
                            }
                        }
                    }
                }
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    async fn claim_due(&self) -> anyhow::Result<Vec<DueReceipt>> {
        let now = self.clock.now();
        Ok(self
            .writer
            .run(move |conn| receipt::claim_due(conn, now, now + LEASE, BATCH))
            .await?)
    }

    /// Sends receipts this worker holds the lease of, then records the
    /// outcomes in one transaction.
    async fn send(&self, due: Vec<DueReceipt>) -> anyhow::Result<()> {
        let mut results = Vec::with_capacity(due.len());
        for r in &due {
            let sent = match message::build(r, &self.from, &self.public_url) {
                Ok(m) => self.transport.send(&r.tracking_number, m).await,
                Err(e) => Err(e),
            };
            let now = self.clock.now();
            let attempt = match sent {
                Ok(()) => {
                    tracing::info!(tracking_number = %r.tracking_number, "receipt sent");
                    Attempt::Sent { at: now }
                }
                Err(error) => {
                    let attempts = r.attempts + 1;
                    // The error text may echo the address: log only the number.
                    tracing::warn!(tracking_number = %r.tracking_number, attempts, "receipt not sent; will retry");
                    Attempt::Failed {
                        error,
                        retry_at: (attempts < MAX_ATTEMPTS).then(|| now + backoff(attempts - 1)),
                    }
                }
            };
            results.push((r.comment_id.clone(), attempt));
        }
        if !results.is_empty() {
            self.writer.record_receipts(results).await?;
        }
        Ok(())
    }
}
