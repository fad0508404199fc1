//! The `redacted_files` table: per attachment of a redacted comment, the
//! file the public gets in its place (bytes in the blob store).

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::redacted_files;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = redacted_files)]
pub struct RedactedFileRow {
    pub attachment_id: String,
    pub comment_id: String,
    pub filename: String,
    pub kind: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub actor: String,
    pub created_at: NaiveDateTime,
}

/// Stores the public file of an attachment, replacing an earlier one.
pub fn put(conn: &mut DbConn, row: &RedactedFileRow) -> Result<(), DbError> {
    let n = diesel::update(redacted_files::table.find(&row.attachment_id))
        .set(row)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(redacted_files::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The public files of these comments' attachments.
pub fn for_comments(
    conn: &mut DbConn,
    comment_ids: &[String],
) -> Result<Vec<RedactedFileRow>, DbError> {
    let mut out = Vec::new();
    for chunk in comment_ids.chunks(500) {
        out.extend(
            redacted_files::table
                .filter(redacted_files::comment_id.eq_any(chunk))
                .select(RedactedFileRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Removes every public file of the comment (its redaction is removed).
pub fn delete_for_comment(conn: &mut DbConn, comment_id: &str) -> Result<usize, DbError> {
    Ok(
        diesel::delete(redacted_files::table.filter(redacted_files::comment_id.eq(comment_id)))
            .execute(conn)?,
    )
}

/// The kind of a stored file that is some attachment's public file.
pub fn kind_of(conn: &mut DbConn, sha256: &str) -> Result<Option<String>, DbError> {
    Ok(redacted_files::table
        .filter(redacted_files::sha256.eq(sha256))
        .select(redacted_files::kind)
        .first(conn)
        .optional()?)
}

/// (comment id, docket id) of the comments with this public file.
pub fn comments_with_file(
    conn: &mut DbConn,
    sha256: &str,
) -> Result<Vec<(String, String)>, DbError> {
    use crate::db::schema::comments;
    Ok(redacted_files::table
        .inner_join(comments::table.on(comments::id.eq(redacted_files::comment_id)))
        .filter(redacted_files::sha256.eq(sha256))
        .select((comments::id, comments::docket_id))
        .distinct()
        .load(conn)?)
}
