//! The `attachments` table: metadata only; the bytes live in the blob store.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::attachments;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: String,
    pub comment_id: String,
    pub position: i32,
    pub filename: String,
    pub kind: String,
    pub size_bytes: i64,
    pub sha256: String,
}

pub fn insert(conn: &mut DbConn, rows: &[AttachmentRow]) -> Result<(), DbError> {
    crate::db::connection::insert_rows!(conn, attachments::table, rows);
    Ok(())
}

pub fn for_comment(conn: &mut DbConn, comment_id: &str) -> Result<Vec<AttachmentRow>, DbError> {
    Ok(attachments::table
        .filter(attachments::comment_id.eq(comment_id))
        .order(attachments::position)
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// (comment id, file name) of the files of the comments from `first` to
/// `last`, each comment's in the order sent: one range walk (see
/// `comment_tag::tag_ids_between`).
pub fn names_between(
    conn: &mut DbConn,
    first: &str,
    last: &str,
) -> Result<Vec<(String, String)>, DbError> {
    Ok(attachments::table
        .filter(attachments::comment_id.between(first, last))
        .order((attachments::comment_id, attachments::position))
        .select((attachments::comment_id, attachments::filename))
        .load(conn)?)
}

/// Attachments of these comments, in comment then position order.
pub fn for_comments(
    conn: &mut DbConn,
    comment_ids: &[String],
) -> Result<Vec<AttachmentRow>, DbError> {
    let mut out = Vec::new();
    for chunk in comment_ids.chunks(500) {
        out.extend(
            attachments::table
                .filter(attachments::comment_id.eq_any(chunk))
                .order((attachments::comment_id, attachments::position))
                .select(AttachmentRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The ids of comments carrying this file.
pub fn comments_with_file(
    conn: &mut DbConn,
    sha256: &str,
) -> Result<Vec<(String, String)>, DbError> {
    use crate::db::schema::comments;
    Ok(attachments::table
        .inner_join(comments::table)
        .filter(attachments::sha256.eq(sha256))
        .select((comments::id, comments::docket_id))
        .distinct()
        .load(conn)?)
}

pub fn find(
    conn: &mut DbConn,
    comment_id: &str,
    position: i32,
) -> Result<Option<AttachmentRow>, DbError> {
    Ok(attachments::table
        .filter(attachments::comment_id.eq(comment_id))
        .filter(attachments::position.eq(position))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The kind of a stored file, from any comment that carries it.
pub fn kind_of(conn: &mut DbConn, sha256: &str) -> Result<Option<String>, DbError> {
    Ok(attachments::table
        .filter(attachments::sha256.eq(sha256))
        .select(attachments::kind)
        .first(conn)
        .optional()?)
}
