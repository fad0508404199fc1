//! Receipts. A receipt is a `receipt` job (subject: the comment's tracking
//! number) written with the comment when the submitter asked for one; it
//! goes to the comment's email address. The job's status is the receipt's:
//! `done` is sent, `failed` is given up on. Here: what a receipt says, and
//! its status for the receipt page.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::{comments, dockets, jobs};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The `kind` of receipt jobs.
pub const KIND: &str = "receipt";

/// What the receipt page says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptStatus {
    NotRequested,
    OnItsWay,
    Sent,
    Failed,
}

/// Everything a receipt email says.
#[derive(Debug, Clone, PartialEq)]
pub struct DueReceipt {
    pub recipient: String,
    pub tracking_number: String,
    pub received_at: NaiveDateTime,
    pub late: bool,
    pub docket_id: String,
    pub docket_title: String,
    pub docket_time_zone: String,
}

/// The receipts of these comments (by tracking number) that have an
/// address to go to.
pub fn due(conn: &mut DbConn, tracking_numbers: &[String]) -> Result<Vec<DueReceipt>, DbError> {
    type Row = (
        Option<String>,
        String,
        NaiveDateTime,
        bool,
        String,
        String,
        String,
    );
    let rows: Vec<Row> = comments::table
        .inner_join(dockets::table)
        .filter(comments::tracking_number.eq_any(tracking_numbers))
        .select((
            comments::email,
            comments::tracking_number,
            comments::received_at,
            comments::late,
            dockets::id,
            dockets::title,
            dockets::time_zone,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(email, tn, at, late, id, title, tz)| {
            Some(DueReceipt {
                recipient: email?,
                tracking_number: tn,
                received_at: at,
                late,
                docket_id: id,
                docket_title: title,
                docket_time_zone: tz,
            })
        })
        .collect())
}

pub fn status_for(conn: &mut DbConn, tracking_number: &str) -> Result<ReceiptStatus, DbError> {
    let status: Option<String> = jobs::table
        .filter(jobs::id.eq(format!("{KIND}:{tracking_number}")))
        .select(jobs::status)
        .first(conn)
        .optional()?;
    Ok(match status.as_deref() {
        None => ReceiptStatus::NotRequested,
        Some(crate::db::models::job::DONE) => ReceiptStatus::Sent,
        Some(crate::db::models::job::FAILED) => ReceiptStatus::Failed,
        Some(_) => ReceiptStatus::OnItsWay,
    })
}
