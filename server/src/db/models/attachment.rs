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
