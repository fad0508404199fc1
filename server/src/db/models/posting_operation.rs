//! The `posting_operations` and `posting_targets` tables: a posting
//! decision for every comment a search matched when staff asked, applied
//! by a job in comment id order (`jobs/bulk_posting.rs`).

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::{comments, posting_operations, posting_targets};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const APPLYING: &str = "applying";
pub const APPLIED: &str = "applied";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = posting_operations)]
pub struct PostingOperationRow {
    pub id: String,
    pub docket_id: String,
    /// The posting status set.
    pub status: String,
    pub reason: Option<String>,
    /// The search, as JSON: q and filters.
    pub search: String,
    pub actor: String,
    /// `applying` or `applied`.
    pub state: String,
    pub matched: i32,
    /// Targets gone through so far.
    pub done: i32,
    /// Of those, comments whose status changed.
    pub changed: i32,
    /// Of those, business-confidential comments not posted as submitted.
    pub skipped: i32,
    /// The last comment id gone through.
    pub cursor: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = posting_targets)]
struct Target<'a> {
    operation_id: &'a str,
    comment_id: &'a str,
}

pub fn insert(
    conn: &mut DbConn,
    row: &PostingOperationRow,
    targets: &[String],
) -> Result<(), DbError> {
    diesel::insert_into(posting_operations::table)
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
        crate::db::connection::insert_rows!(conn, posting_targets::table, &rows);
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<PostingOperationRow>, DbError> {
    Ok(posting_operations::table
        .find(id)
        .select(PostingOperationRow::as_select())
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
    Ok(posting_targets::table
        .filter(posting_targets::operation_id.eq(id))
        .filter(posting_targets::comment_id.gt(cursor))
        .order(posting_targets::comment_id)
        .limit(limit)
        .select(posting_targets::comment_id)
        .load(conn)?)
}

/// A comment's (id, posting status, withheld reason, business-confidential).
pub type Posting = (String, String, Option<String>, bool);

/// The postings of these comments.
pub fn postings_of(conn: &mut DbConn, ids: &[String]) -> Result<Vec<Posting>, DbError> {
    Ok(comments::table
        .filter(comments::id.eq_any(ids))
        .select((
            comments::id,
            comments::posting_status,
            comments::withheld_reason,
            comments::business_confidential,
        ))
        .load(conn)?)
}

/// Sets the posting status of these comments (one statement).
pub fn set_postings(
    conn: &mut DbConn,
    ids: &[String],
    status: &str,
    reason: Option<&str>,
    by: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(comments::table.filter(comments::id.eq_any(ids)))
        .set((
            comments::posting_status.eq(status),
            comments::withheld_reason.eq(reason),
            comments::posting_changed_by.eq(by),
            comments::posting_changed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a run's progress if the operation is still applying from
/// `from` (the cursor the run read); false when another run got there
/// first.
#[allow(clippy::too_many_arguments)]
pub fn progress(
    conn: &mut DbConn,
    id: &str,
    from: &str,
    state: &str,
    done: i32,
    changed: i32,
    skipped: i32,
    cursor: &str,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        posting_operations::table
            .filter(posting_operations::id.eq(id))
            .filter(posting_operations::state.eq(APPLYING))
            .filter(posting_operations::cursor.eq(from)),
    )
    .set((
        posting_operations::state.eq(state),
        posting_operations::done.eq(done),
        posting_operations::changed.eq(changed),
        posting_operations::skipped.eq(skipped),
        posting_operations::cursor.eq(cursor),
        posting_operations::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}
