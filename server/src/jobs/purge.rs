//! The `purge` job, once an hour: what is kept only for a while goes.
//! - Idempotency keys after their 24-hour window (and an hour's margin).
//! - Expired sign-in sessions.
//! - Finished jobs after a week (receipts' are kept: they are the record
//!   that a receipt was sent).
//! - Change-feed rows after a week, but never one that a live node's index
//!   (one that reported within the week) has not applied. A node silent for
//!   longer finds the feed purged past its index and rebuilds it. Nor one a
//!   rule has yet to check (see `jobs::tag_rules`).

use super::{Context, Handler, Outcome, Policy, Write};
use crate::db::models::{change_feed, idempotency, index_node, job, session};
use chrono::{NaiveDateTime, TimeDelta};
use std::time::Duration;

pub const KIND: &str = "purge";
/// How often the purge runs.
pub const EVERY: TimeDelta = TimeDelta::hours(1);
/// Idempotency keys answer retries for 24 hours; kept an hour longer.
pub const IDEMPOTENCY_RETENTION: TimeDelta = TimeDelta::hours(25);
/// Change-feed rows and finished jobs are kept this long.
pub const FEED_RETENTION: TimeDelta = TimeDelta::days(7);

pub struct Purge;

/// What one purge removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub idempotency_keys: usize,
    pub sessions: usize,
    pub jobs: usize,
    /// The highest change-feed sequence removed.
    pub feed_through: Option<i64>,
}

pub fn purge(
    conn: &mut crate::db::DbConn,
    now: NaiveDateTime,
) -> Result<Purged, crate::db::DbError> {
    let mut purged = Purged {
        idempotency_keys: idempotency::delete_before(conn, now - IDEMPOTENCY_RETENTION)?,
        sessions: session::delete_expired(conn, now)?,
        jobs: job::delete_done_before(conn, now - FEED_RETENTION)?,
        feed_through: None,
    };
    if let Some(applied) = index_node::least_applied(conn, now - FEED_RETENTION)? {
        // Nor a change a rule has yet to check the comment of.
        let applied = match crate::db::models::rule::least_unchecked(conn)? {
            Some(unchecked) => applied.min(unchecked),
            None => applied,
        };
        // Nor one a docket's campaign assignment has yet to read.
        let applied = match crate::db::models::campaign::least_checked(conn)? {
            Some(checked) => applied.min(checked),
            None => applied,
        };
        if let Some(through) = change_feed::delete_through(conn, applied, now - FEED_RETENTION)? {
            let before = index_node::purged_through(conn)?;
            index_node::set_purged_through(conn, through.max(before))?;
            purged.feed_through = Some(through);
        }
    }
    Ok(purged)
}

impl Handler for Purge {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn policy(&self) -> Policy {
        // Recurring: it must never stop for good, so it never gives up.
        Policy {
            max_attempts: i32::MAX,
            first_retry: Duration::from_secs(60),
            lease: Duration::from_secs(300),
            batch: 1,
        }
    }

    fn run(&self, _subject: &str, ctx: &mut Context<'_>) -> Outcome {
        let now = ctx.now;
        Outcome::Again(
            now + EVERY,
            Box::new(move |conn| {
                let purged = purge(conn, now)?;
                tracing::info!(?purged, "purged what is past its retention");
                Ok(())
            }),
        )
    }

    fn gave_up(&self, _subject: &str, _reason: &str, _now: NaiveDateTime) -> Write {
        super::no_write()
    }
}
