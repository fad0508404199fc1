//! The `comments` table.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::comments;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = comments)]
// None is NULL (not DEFAULT): no nullable column has a default, and COPY
// (`insert_many`) needs every value.
#[diesel(treat_none_as_default_value = false)]
pub struct CommentRow {
    pub id: String,
    pub tracking_number: String,
    pub docket_id: String,
    pub received_at: NaiveDateTime,
    pub late: bool,
    pub submitter_type: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization: Option<String>,
    pub organization_type: Option<String>,
    pub category: String,
    pub country: String,
    pub state_province: Option<String>,
    pub email: Option<String>,
    /// JSON object: question id to answer.
    pub answers: String,
    pub general_comment: Option<String>,
    pub business_confidential: bool,
    pub signatories: Option<i64>,
    pub posting_status: String,
    /// A keyed hash of the client address (never the address).
    pub client_key: Option<String>,
    /// Why a withheld comment is withheld (`domain::posting`).
    pub withheld_reason: Option<String>,
    /// When and by whom staff last changed `posting_status`.
    pub posting_changed_at: Option<NaiveDateTime>,
    pub posting_changed_by: Option<String>,
}

pub use crate::domain::posting::PENDING_REVIEW;

pub fn insert(conn: &mut DbConn, rows: &[CommentRow]) -> Result<(), DbError> {
    crate::db::connection::insert_rows!(conn, comments::table, rows);
    Ok(())
}

/// Many rows at once (an import): PostgreSQL's COPY, in its binary form,
/// three times the rows a second of multi-row INSERTs; SQLite inserts.
pub fn insert_many(conn: &mut DbConn, rows: &[CommentRow]) -> Result<(), DbError> {
    match conn {
        DbConn::Pg(c) => {
            diesel::copy_from(comments::table)
                .from_insertable(rows)
                .execute(c)?;
        }
        DbConn::Sqlite(_) => insert(conn, rows)?,
    }
    Ok(())
}

pub fn find_by_tracking_number(
    conn: &mut DbConn,
    tracking_number: &str,
) -> Result<Option<CommentRow>, DbError> {
    Ok(comments::table
        .filter(comments::tracking_number.eq(tracking_number))
        .select(CommentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_id(conn: &mut DbConn, id: &str) -> Result<Option<CommentRow>, DbError> {
    Ok(comments::table
        .find(id)
        .select(CommentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn count(conn: &mut DbConn) -> Result<i64, DbError> {
    Ok(comments::table.count().get_result(conn)?)
}

/// The comments with these ids (any order; missing ids are skipped).
pub fn by_ids(conn: &mut DbConn, ids: &[String]) -> Result<Vec<CommentRow>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            comments::table
                .filter(comments::id.eq_any(chunk))
                .select(CommentRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Comments in id order after `after` (keyset paging for a full scan).
pub fn page_after(conn: &mut DbConn, after: &str, limit: i64) -> Result<Vec<CommentRow>, DbError> {
    Ok(comments::table
        .filter(comments::id.gt(after))
        .order(comments::id)
        .limit(limit)
        .select(CommentRow::as_select())
        .load(conn)?)
}

/// A docket's comments in id order after `after` (an export's pages; the
/// index on (docket_id, id) serves it).
pub fn docket_page_after(
    conn: &mut DbConn,
    docket: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<CommentRow>, DbError> {
    Ok(comments::table
        .filter(comments::docket_id.eq(docket))
        .filter(comments::id.gt(after))
        .order(comments::id)
        .limit(limit)
        .select(CommentRow::as_select())
        .load(conn)?)
}

/// Sets a comment's posting status (with the reason of a withheld one),
/// and who changed it when.
pub fn set_posting(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    reason: Option<&str>,
    by: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(comments::table.find(id))
        .set((
            comments::posting_status.eq(status),
            comments::withheld_reason.eq(reason),
            comments::posting_changed_by.eq(by),
            comments::posting_changed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// (comment id, docket id) of these comments.
pub fn dockets_of(conn: &mut DbConn, ids: &[String]) -> Result<Vec<(String, String)>, DbError> {
    Ok(comments::table
        .filter(comments::id.eq_any(ids))
        .select((comments::id, comments::docket_id))
        .load(conn)?)
}
