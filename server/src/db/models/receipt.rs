//! The `receipts` table: to whom a comment's receipt goes, and whether it
//! went. Written with the comment; the sending is a `receipt` job
//! (`crate::jobs::send_receipt`), leased and retried like any other.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::{comments, dockets, receipts};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
/// Gave up after the last retry; staff see these in the jobs report.
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = receipts)]
pub struct ReceiptRow {
    pub comment_id: String,
    pub recipient: String,
    pub status: String,
    pub sent_at: Option<NaiveDateTime>,
}

impl ReceiptRow {
    pub fn new(comment_id: String, recipient: String) -> Self {
        ReceiptRow {
            comment_id,
            recipient,
            status: PENDING.into(),
            sent_at: None,
        }
    }
}

/// Everything a receipt email says (fields in the order `due` selects).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct DueReceipt {
    pub comment_id: String,
    pub recipient: String,
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

/// The receipts still to send of these comments (by tracking number): one
/// already sent, or given up on, is left out.
pub fn due(conn: &mut DbConn, tracking_numbers: &[String]) -> Result<Vec<DueReceipt>, DbError> {
    Ok(receipts::table
        .inner_join(comments::table.inner_join(dockets::table))
        .filter(comments::tracking_number.eq_any(tracking_numbers))
        .filter(receipts::status.eq(PENDING))
        .select((
            receipts::comment_id,
            receipts::recipient,
            comments::tracking_number,
            comments::received_at,
            comments::late,
            dockets::id,
            dockets::title,
            dockets::time_zone,
        ))
        .load(conn)?)
}

/// Records that a receipt was sent, or given up on (`FAILED`).
pub fn set_status(
    conn: &mut DbConn,
    tracking_number: &str,
    status: &str,
    sent_at: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    let comment = comments::table
        .filter(comments::tracking_number.eq(tracking_number))
        .select(comments::id);
    diesel::update(receipts::table.filter(receipts::comment_id.eq_any(comment)))
        .set((receipts::status.eq(status), receipts::sent_at.eq(sent_at)))
        .execute(conn)?;
    Ok(())
}

pub fn status_for(conn: &mut DbConn, comment_id: &str) -> Result<Option<String>, DbError> {
    Ok(receipts::table
        .find(comment_id)
        .select(receipts::status)
        .first(conn)
        .optional()?)
}
