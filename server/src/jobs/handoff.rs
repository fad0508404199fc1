//! Jobs born claimed by this node, handed to their lane in memory.
//!
//! The writer inserts such a job already leased to this node (see
//! `JobRow::leased`) in the transaction that creates its subject, and offers
//! it here after the commit. The lane runs it without claiming it first.
//! When a lane's queue is full (a burst), the job waits in the table until
//! its lease lapses and any node claims it: delayed, never lost.
//!
//! Each lane has its own wake-up, rung by what gives it work (a hand-off,
//! a new file to read), so a commit does not wake every lane to look for
//! work in the table; they also look once a second, for retries and for
//! other nodes' jobs.

use crate::db::models::job::JobRow;
use crate::feed_signal::FeedSignal;
use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

/// Queued hand-offs per lane before the rest wait for their lease to lapse.
pub const CAPACITY: usize = 10_000;

#[derive(Clone)]
pub struct Handoff {
    node: Arc<str>,
    lanes: Arc<HashMap<&'static str, (SyncSender<JobRow>, Arc<FeedSignal>)>>,
}

/// A kind's end of the hand-off, and its wake-up; shared by the kind's lanes.
#[derive(Clone)]
pub struct Handed(Arc<Mutex<Receiver<JobRow>>>, Arc<FeedSignal>);

impl Handed {
    pub fn signal(&self) -> &Arc<FeedSignal> {
        &self.1
    }

    /// Up to `max` jobs handed over so far, without waiting.
    pub fn take(&self, max: usize) -> Vec<JobRow> {
        match self.0.lock() {
            Ok(rx) => rx.try_iter().take(max).collect(),
            // Another lane panicked while taking: the queue itself is intact.
            Err(poisoned) => poisoned.into_inner().try_iter().take(max).collect(),
        }
    }
}

impl Handoff {
    /// A hand-off for jobs of `kinds`, and each kind's receiving end.
    pub fn new(node: &str, kinds: &[&'static str]) -> (Handoff, HashMap<&'static str, Handed>) {
        let mut lanes = HashMap::new();
        let mut ends = HashMap::new();
        for kind in kinds {
            let (tx, rx) = sync_channel(CAPACITY);
            let signal = Arc::new(FeedSignal::default());
            lanes.insert(*kind, (tx, signal.clone()));
            ends.insert(*kind, Handed(Arc::new(Mutex::new(rx)), signal));
        }
        (
            Handoff {
                node: node.into(),
                lanes: Arc::new(lanes),
            },
            ends,
        )
    }

    /// The node the jobs are leased to.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Hands over a committed job leased to this node. Returns whether its
    /// lane took it (if not, it is claimed from the table later).
    pub fn offer(&self, job: JobRow) -> bool {
        match self.lanes.get(job.kind.as_str()) {
            Some((lane, signal)) => {
                let taken = lane.try_send(job).is_ok();
                signal.notify();
                taken
            }
            None => false,
        }
    }

    /// Wakes every lane (to see that the node is stopping).
    pub fn wake_all(&self) {
        for (_, signal) in self.lanes.values() {
            signal.notify();
        }
    }

    /// Tells a kind's lane that it has new work in the table.
    pub fn wake(&self, kind: &str) {
        if let Some((_, signal)) = self.lanes.get(kind) {
            signal.notify();
        }
    }
}
