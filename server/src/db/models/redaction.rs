//! The `redactions` table: a comment's public text where staff redacted it.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::redactions;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = redactions)]
#[diesel(treat_none_as_null = true)]
pub struct RedactionRow {
    pub comment_id: String,
    /// JSON object: question id to its redacted answer.
    pub answers: String,
    pub general_comment: Option<String>,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, comment_id: &str) -> Result<Option<RedactionRow>, DbError> {
    Ok(redactions::table
        .find(comment_id)
        .select(RedactionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Stores the comment's redaction, replacing an earlier one.
pub fn put(conn: &mut DbConn, row: &RedactionRow) -> Result<(), DbError> {
    let n = diesel::update(redactions::table.find(&row.comment_id))
        .set(row)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(redactions::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Removes the comment's redaction; false when it had none.
pub fn delete(conn: &mut DbConn, comment_id: &str) -> Result<bool, DbError> {
    Ok(diesel::delete(redactions::table.find(comment_id)).execute(conn)? > 0)
}

/// The redactions of these comments (those that have one).
pub fn for_comments(
    conn: &mut DbConn,
    comment_ids: &[String],
) -> Result<Vec<RedactionRow>, DbError> {
    let mut out = Vec::new();
    for chunk in comment_ids.chunks(500) {
        out.extend(
            redactions::table
                .filter(redactions::comment_id.eq_any(chunk))
                .select(RedactionRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}
