//! The `attribution_reports` table: reports that a posted comment was
//! submitted in someone's name without their consent.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::attribution_reports;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const OPEN: &str = "open";
pub const CONFIRMED: &str = "confirmed";
pub const DISMISSED: &str = "dismissed";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attribution_reports)]
pub struct ReportRow {
    pub id: String,
    pub comment_id: String,
    pub docket_id: String,
    pub reporter_name: String,
    pub reporter_email: String,
    pub statement: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolution_note: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &ReportRow) -> Result<(), DbError> {
    crate::db::connection::insert_rows!(
        conn,
        attribution_reports::table,
        std::slice::from_ref(row)
    );
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ReportRow>, DbError> {
    Ok(attribution_reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?)
}

/// A docket's reports with the tracking number of each one's comment,
/// oldest first; `status` narrows them.
pub fn for_docket(
    conn: &mut DbConn,
    docket_id: &str,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<(ReportRow, String)>, DbError> {
    use crate::db::schema::comments;
    let mut query = attribution_reports::table
        .inner_join(comments::table.on(comments::id.eq(attribution_reports::comment_id)))
        .filter(attribution_reports::docket_id.eq(docket_id))
        .into_boxed();
    if let Some(s) = status {
        query = query.filter(attribution_reports::status.eq(s.to_string()));
    }
    Ok(query
        .order((attribution_reports::created_at, attribution_reports::id))
        .limit(limit)
        .select((ReportRow::as_select(), comments::tracking_number))
        .load(conn)?)
}

/// Whether this address already has an open report about the comment (a
/// repeat is not stored twice).
pub fn open_exists(conn: &mut DbConn, comment_id: &str, email: &str) -> Result<bool, DbError> {
    let n: i64 = attribution_reports::table
        .filter(attribution_reports::comment_id.eq(comment_id))
        .filter(attribution_reports::reporter_email.eq(email))
        .filter(attribution_reports::status.eq(OPEN))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn resolve(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    actor: &str,
    note: Option<&str>,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(attribution_reports::table.find(id))
        .set((
            attribution_reports::status.eq(status),
            attribution_reports::resolved_by.eq(actor),
            attribution_reports::resolved_at.eq(at),
            attribution_reports::resolution_note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}
