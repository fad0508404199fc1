//! The `bulk_operations` and `bulk_targets` tables: a tag put on every
//! comment a search matched, applied and undone in chunks by jobs.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::{bulk_operations, bulk_targets, comment_tags, tags};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const APPLYING: &str = "applying";
pub const APPLIED: &str = "applied";
pub const UNDOING: &str = "undoing";
pub const UNDONE: &str = "undone";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bulk_operations)]
pub struct BulkRow {
    pub id: String,
    pub docket_id: String,
    pub tag_id: String,
    pub search: String,
    pub coder: String,
    pub status: String,
    pub matched: i32,
    pub applied: i32,
    pub cursor: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = bulk_targets)]
struct Target<'a> {
    operation_id: &'a str,
    comment_id: &'a str,
}

pub fn insert(conn: &mut DbConn, row: &BulkRow, targets: &[String]) -> Result<(), DbError> {
    diesel::insert_into(bulk_operations::table)
        .values(row)
        .execute(conn)?;
    for chunk in targets.chunks(1_000) {
        let rows: Vec<Target> = chunk
            .iter()
            .map(|c| Target {
                operation_id: &row.id,
                comment_id: c,
            })
            .collect();
        crate::db::connection::insert_rows!(conn, bulk_targets::table, &rows);
    }
    Ok(())
}

/// An operation and its tag's current path.
pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<(BulkRow, String)>, DbError> {
    Ok(bulk_operations::table
        .inner_join(tags::table)
        .filter(bulk_operations::id.eq(id))
        .select((BulkRow::as_select(), tags::path))
        .first(conn)
        .optional()?)
}

/// The next targets after `cursor`, in comment id order.
pub fn targets_after(
    conn: &mut DbConn,
    id: &str,
    cursor: &str,
    limit: i64,
) -> Result<Vec<String>, DbError> {
    Ok(bulk_targets::table
        .filter(bulk_targets::operation_id.eq(id))
        .filter(bulk_targets::comment_id.gt(cursor))
        .order(bulk_targets::comment_id)
        .limit(limit)
        .select(bulk_targets::comment_id)
        .load(conn)?)
}

/// Comments still carrying this operation's tag (up to `limit`).
pub fn tagged_by(conn: &mut DbConn, id: &str, limit: i64) -> Result<Vec<String>, DbError> {
    Ok(comment_tags::table
        .filter(comment_tags::source.eq(crate::db::models::comment_tag::BULK))
        .filter(comment_tags::source_id.eq(id))
        .order(comment_tags::comment_id)
        .limit(limit)
        .select(comment_tags::comment_id)
        .load(conn)?)
}

/// Removes this operation's tag from these comments.
pub fn untag(conn: &mut DbConn, id: &str, comment_ids: &[String]) -> Result<usize, DbError> {
    Ok(diesel::delete(
        comment_tags::table
            .filter(comment_tags::source.eq(crate::db::models::comment_tag::BULK))
            .filter(comment_tags::source_id.eq(id))
            .filter(comment_tags::comment_id.eq_any(comment_ids)),
    )
    .execute(conn)?)
}

/// Records progress; only while the operation is still in `expected`
/// status (an undo asked for meanwhile wins). Returns whether it was.
pub fn progress(
    conn: &mut DbConn,
    id: &str,
    expected: &str,
    status: &str,
    applied: i32,
    cursor: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        bulk_operations::table
            .filter(bulk_operations::id.eq(id))
            .filter(bulk_operations::status.eq(expected)),
    )
    .set((
        bulk_operations::status.eq(status),
        bulk_operations::applied.eq(applied),
        bulk_operations::cursor.eq(cursor),
        bulk_operations::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Starts undoing, from applying or applied. Returns whether it did.
pub fn start_undo(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        bulk_operations::table
            .filter(bulk_operations::id.eq(id))
            .filter(bulk_operations::status.eq_any([APPLYING, APPLIED])),
    )
    .set((
        bulk_operations::status.eq(UNDOING),
        bulk_operations::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
