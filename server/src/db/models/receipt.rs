//! The `receipts` table: the email outbox, written with the comment.

use crate::db::connection::{write_transaction, DbConn, DbError};
use crate::db::schema::{comments, dockets, receipts};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
/// Gave up after the last retry; staff can see and resend these.
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = receipts)]
pub struct ReceiptRow {
    pub comment_id: String,
    pub recipient: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
}

/// How long a receipt taken for sending stays reserved to its taker. A new
/// receipt is born leased to the node that took the comment, which sends it
/// at once; if that node dies first, any node's poller sends it after this.
pub const LEASE: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

impl ReceiptRow {
    pub fn new(comment_id: String, recipient: String, now: NaiveDateTime) -> Self {
        ReceiptRow {
            comment_id,
            recipient,
            status: PENDING.into(),
            attempts: 0,
            next_attempt_at: now,
            locked_until: Some(now + LEASE),
            last_error: None,
            sent_at: None,
        }
    }
}

/// Everything a receipt email says (fields in the order `claim_due` selects).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct DueReceipt {
    pub comment_id: String,
    pub recipient: String,
    pub attempts: i32,
    pub tracking_number: String,
    pub received_at: NaiveDateTime,
    pub late: bool,
    pub docket_id: String,
    pub docket_title: String,
    pub docket_time_zone: String,
}

pub fn insert(conn: &mut DbConn, rows: &[ReceiptRow]) -> Result<(), DbError> {
    crate::db::connection::insert_rows!(conn, receipts::table, rows);
    Ok(())
}

/// Takes up to `limit` due receipts and leases them until `lease_until`, so
/// another node (or a restarted worker) does not send them at the same time.
pub fn claim_due(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<DueReceipt>, DbError> {
    let now = now.naive_utc();
    write_transaction(conn, |conn| {
        let due: Vec<DueReceipt> = receipts::table
            .inner_join(comments::table.inner_join(dockets::table))
            .filter(receipts::status.eq(PENDING))
            .filter(receipts::next_attempt_at.le(now))
            .filter(
                receipts::locked_until
                    .is_null()
                    .or(receipts::locked_until.lt(now)),
            )
            .order(receipts::next_attempt_at)
            .limit(limit)
            .select((
                receipts::comment_id,
                receipts::recipient,
                receipts::attempts,
                comments::tracking_number,
                comments::received_at,
                comments::late,
                dockets::id,
                dockets::title,
                dockets::time_zone,
            ))
            .load(conn)?;
        let mut claimed = Vec::with_capacity(due.len());
        for r in due {
            // The lease is taken only if nobody took it since we looked.
            let taken = diesel::update(
                receipts::table.find(&r.comment_id).filter(
                    receipts::locked_until
                        .is_null()
                        .or(receipts::locked_until.lt(now)),
                ),
            )
            .set(receipts::locked_until.eq(Some(lease_until.naive_utc())))
            .execute(conn)?;
            if taken == 1 {
                claimed.push(r);
            }
        }
        Ok(claimed)
    })
}

/// What one delivery attempt came to.
#[derive(Debug)]
pub enum Attempt {
    Sent {
        at: DateTime<Utc>,
    },
    /// Retried at `retry_at`, or given up (marked failed) when `None`.
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Records delivery attempts. Called by the writer thread, inside its
/// transaction, so the outbox never contends with intake for the write lock.
pub fn record(conn: &mut DbConn, attempts: &[(String, Attempt)]) -> Result<(), DbError> {
    {
        for (comment_id, attempt) in attempts {
            let target = receipts::table.find(comment_id);
            let tried = (
                receipts::attempts.eq(receipts::attempts + 1),
                receipts::locked_until.eq(None::<NaiveDateTime>),
            );
            match attempt {
                Attempt::Sent { at } => diesel::update(target)
                    .set((
                        tried,
                        receipts::status.eq(SENT),
                        receipts::sent_at.eq(Some(at.naive_utc())),
                        receipts::last_error.eq(None::<String>),
                    ))
                    .execute(conn)?,
                Attempt::Failed {
                    error,
                    retry_at: Some(at),
                } => diesel::update(target)
                    .set((
                        tried,
                        receipts::last_error.eq(Some(error)),
                        receipts::next_attempt_at.eq(at.naive_utc()),
                    ))
                    .execute(conn)?,
                Attempt::Failed {
                    error,
                    retry_at: None,
                } => diesel::update(target)
                    .set((
                        tried,
                        receipts::last_error.eq(Some(error)),
                        receipts::status.eq(FAILED),
                    ))
                    .execute(conn)?,
            };
        }
        Ok(())
    }
}

pub fn status_for(conn: &mut DbConn, comment_id: &str) -> Result<Option<String>, DbError> {
    Ok(receipts::table
        .find(comment_id)
        .select(receipts::status)
        .first(conn)
        .optional()?)
}

/// How many receipts are in each status: (status, count).
pub fn counts(conn: &mut DbConn) -> Result<Vec<(String, i64)>, DbError> {
    Ok(receipts::table
        .group_by(receipts::status)
        .select((receipts::status, diesel::dsl::count_star()))
        .order(receipts::status)
        .load(conn)?)
}

/// A receipt in trouble, by its comment's tracking number (never the
/// recipient): failed for good, or waiting to retry after a failure.
#[derive(Debug, Clone, Queryable)]
pub struct TroubledReceipt {
    pub tracking_number: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: NaiveDateTime,
}

pub fn troubled(conn: &mut DbConn, limit: i64) -> Result<Vec<TroubledReceipt>, DbError> {
    Ok(receipts::table
        .inner_join(comments::table)
        .filter(receipts::last_error.is_not_null())
        .filter(receipts::status.ne(SENT))
        .order(receipts::next_attempt_at.desc())
        .limit(limit)
        .select((
            comments::tracking_number,
            receipts::status,
            receipts::attempts,
            receipts::last_error,
            receipts::next_attempt_at,
        ))
        .load(conn)?)
}
