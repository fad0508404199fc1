//! `bulk_posting` jobs (subject: the operation's id): put a posting
//! operation's decision on its target comments, a batch
//! (`RFIDESK_TAGGING_BATCH`) a run, each run one write with its
//! change-feed rows and its progress. A comment already where the decision
//! puts it is left alone; a business-confidential one is not posted as
//! submitted (counted as skipped).

use super::{Context, Handler, Outcome, Policy, Write};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::posting_operation::{self as op_table, APPLIED, APPLYING};
use crate::db::DbError;
use crate::domain::posting::POSTED;
use chrono::NaiveDateTime;
use std::time::Duration;

pub const KIND: &str = "bulk_posting";
/// Carries how many comments one run goes through.
pub struct BulkPosting(pub i64);

impl Handler for BulkPosting {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn policy(&self) -> Policy {
        Policy {
            max_attempts: 5,
            first_retry: Duration::from_secs(5),
            lease: Duration::from_secs(300),
            batch: 1,
        }
    }

    fn changes_index(&self) -> bool {
        true
    }

    fn run(&self, id: &str, ctx: &mut Context<'_>) -> Outcome {
        let read = ctx.pool.get().map_err(DbError::from).and_then(|mut conn| {
            let Some(op) = op_table::find(&mut conn, id)? else {
                return Ok(None);
            };
            if op.state != APPLYING {
                return Ok(Some((op, None)));
            }
            let next = op_table::targets_after(&mut conn, id, &op.cursor, self.0)?;
            let postings = op_table::postings_of(&mut conn, &next)?;
            Ok(Some((op, Some((next, postings)))))
        });
        let (op, next, postings) = match read {
            Ok(Some((op, Some((next, postings))))) => (op, next, postings),
            Ok(Some((_, None))) => return Outcome::Done(super::no_write()),
            Ok(None) => {
                return Outcome::Failed("no such posting operation".into(), super::no_write())
            }
            Err(e) => return Outcome::Retry(format!("the database: {e}")),
        };
        let now = ctx.now;
        let finished = (next.len() as i64) < self.0;
        let last = next.last().cloned().unwrap_or_else(|| op.cursor.clone());
        let mut skipped = 0;
        let change: Vec<String> = postings
            .into_iter()
            .filter(|(_, status, reason, confidential)| {
                if op.status == POSTED && *confidential {
                    skipped += 1;
                    return false;
                }
                *status != op.status || *reason != op.reason
            })
            .map(|(id, ..)| id)
            .collect();
        let write: Write = Box::new(move |conn| {
            // The progress first: it takes the operation's row, so two runs
            // of one operation never both apply a chunk.
            let state = if finished { APPLIED } else { APPLYING };
            if !op_table::progress(
                conn,
                &op.id,
                &op.cursor,
                state,
                op.done + next.len() as i32,
                op.changed + change.len() as i32,
                op.skipped + skipped,
                &last,
                now,
            )? {
                return Ok(());
            }
            if change.is_empty() {
                return Ok(());
            }
            let changed = touched(conn, &change, now)?;
            indexed::write(conn, Change::Posting, |conn| {
                op_table::set_postings(
                    conn,
                    &change,
                    &op.status,
                    op.reason.as_deref(),
                    &op.actor,
                    now,
                )?;
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
