//! Wakes the change-feed readers (search follower, text extraction) as soon
//! as the writer commits, instead of on their next poll.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

#[derive(Default)]
pub struct FeedSignal {
    commits: Mutex<u64>,
    changed: Condvar,
}

impl FeedSignal {
    /// Called by the writer after each commit.
    pub fn notify(&self) {
        let mut n = self.commits.lock().unwrap_or_else(|e| e.into_inner());
        *n = n.wrapping_add(1);
        self.changed.notify_all();
    }

    /// Commits counted so far.
    pub fn current(&self) -> u64 {
        *self.commits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the count differs from `seen`, or `timeout` passes (other
    /// nodes' writes arrive only by polling). Returns the count.
    pub fn wait(&self, seen: u64, timeout: Duration) -> u64 {
        let guard = self.commits.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = self
            .changed
            .wait_timeout_while(guard, timeout, |n| *n == seen)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}
