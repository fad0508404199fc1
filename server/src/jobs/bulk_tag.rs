//! `bulk_tag` and `bulk_undo` jobs (subject: the operation's id): put a
//! bulk operation's tag on its target comments, or take it off, a batch
//! (`RFIDESK_TAGGING_BATCH`) a run, each run one write with its change-feed rows and its
//! progress. A run that finds the operation no longer in its status (an
//! undo asked for while applying) stops.

use super::{Context, Handler, Outcome, Policy, Write};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::bulk::{self, BulkRow, APPLIED, APPLYING, UNDOING, UNDONE};
use crate::db::models::comment_tag::{self, Application, BULK};
use crate::db::{DbConn, DbError};
use chrono::NaiveDateTime;
use std::time::Duration;

pub const APPLY: &str = "bulk_tag";
pub const UNDO: &str = "bulk_undo";
/// Each carries how many comments one run tags or untags.
pub struct BulkApply(pub i64);
pub struct BulkUndo(pub i64);

fn policy() -> Policy {
    Policy {
        max_attempts: 5,
        first_retry: Duration::from_secs(5),
        lease: Duration::from_secs(300),
        batch: 1,
    }
}

/// The operation, if it is still in `status`, and its next chunk of
/// comments; else how the run ends.
fn next_chunk(
    ctx: &mut Context<'_>,
    id: &str,
    status: &str,
    chunk: impl FnOnce(&mut DbConn, &BulkRow) -> Result<Vec<String>, DbError>,
) -> Result<(BulkRow, Vec<String>), Outcome> {
    let read = ctx.pool.get().map_err(DbError::from).and_then(|mut conn| {
        let Some((op, _)) = bulk::find(&mut conn, id)? else {
            return Ok(None);
        };
        if op.status != status {
            return Ok(Some((op, None)));
        }
        let next = chunk(&mut conn, &op)?;
        Ok(Some((op, Some(next))))
    });
    match read {
        Ok(Some((op, Some(next)))) => Ok((op, next)),
        // Undone meanwhile, or finished: nothing more to do.
        Ok(Some((_, None))) => Err(Outcome::Done(super::no_write())),
        Ok(None) => Err(Outcome::Failed(
            "no such bulk operation".into(),
            super::no_write(),
        )),
        Err(e) => Err(Outcome::Retry(format!("the database: {e}"))),
    }
}

impl Handler for BulkApply {
    fn kind(&self) -> &'static str {
        APPLY
    }

    fn policy(&self) -> Policy {
        policy()
    }

    fn changes_index(&self) -> bool {
        true
    }

    fn run(&self, id: &str, ctx: &mut Context<'_>) -> Outcome {
        let (op, next) = match next_chunk(ctx, id, APPLYING, |conn, op| {
            bulk::targets_after(conn, id, &op.cursor, self.0)
        }) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let (now, last) = (ctx.now, next.last().cloned().unwrap_or(op.cursor.clone()));
        let finished = (next.len() as i64) < self.0;
        let write: Write = Box::new(move |conn| {
            // The progress first: it takes the operation's row, so an undo
            // committed meanwhile is seen, and nothing is tagged after it.
            let status = if finished { APPLIED } else { APPLYING };
            let applied = op.applied + next.len() as i32;
            if !bulk::progress(conn, &op.id, APPLYING, status, applied, &last, now)? {
                return Ok(());
            }
            let changed = touched(conn, &next, now)?;
            indexed::write(conn, Change::Tags, |conn| {
                let comments: Vec<&str> = next.iter().map(String::as_str).collect();
                let application = Application {
                    tag_id: &op.tag_id,
                    source: BULK,
                    source_id: &op.id,
                    coder: &op.coder,
                    at: now,
                };
                comment_tag::insert_for_comments(conn, &application, &comments)?;
                Ok(((), changed))
            })
        });
        if finished {
            Outcome::Done(write)
        } else {
            Outcome::Again(now, write)
        }
    }

    fn gave_up(&self, _id: &str, _reason: &str, _now: NaiveDateTime) -> Write {
        super::no_write()
    }
}

impl Handler for BulkUndo {
    fn kind(&self) -> &'static str {
        UNDO
    }

    fn policy(&self) -> Policy {
        policy()
    }

    fn changes_index(&self) -> bool {
        true
    }

    fn run(&self, id: &str, ctx: &mut Context<'_>) -> Outcome {
        let (op, next) = match next_chunk(ctx, id, UNDOING, |conn, _| {
            bulk::tagged_by(conn, id, self.0)
        }) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let now = ctx.now;
        let finished = (next.len() as i64) < self.0;
        let write: Write = Box::new(move |conn| {
            let status = if finished { UNDONE } else { UNDOING };
            let left = (op.applied - next.len() as i32).max(0);
            if !bulk::progress(conn, &op.id, UNDOING, status, left, &op.cursor, now)? {
                return Ok(());
            }
            let changed = touched(conn, &next, now)?;
            indexed::write(conn, Change::Tags, |conn| {
                bulk::untag(conn, &op.id, &next)?;
                Ok(((), changed))
            })
        });
        if finished {
            Outcome::Done(write)
        } else {
            Outcome::Again(now, write)
        }
    }

    fn gave_up(&self, _id: &str, _reason: &str, _now: NaiveDateTime) -> Write {
        super::no_write()
    }
}
