//! The `imported_comments` table: what a regulations.gov export said of a
//! comment beyond the comment itself.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::{comments, imported_comments};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imported_comments)]
// None is NULL (not DEFAULT): what COPY needs, and what the columns mean.
#[diesel(treat_none_as_default_value = false)]
pub struct ImportedRow {
    pub comment_id: String,
    pub docket_id: String,
    pub document_id: String,
    pub category_text: Option<String>,
    pub duplicate_comments: Option<i64>,
    /// JSON list of addresses.
    pub attachment_urls: String,
    pub source_file: String,
    pub source_line: i64,
    pub imported_at: NaiveDateTime,
}

/// PostgreSQL's COPY (as `comment::insert_many`); SQLite inserts.
pub fn insert(conn: &mut DbConn, rows: &[ImportedRow]) -> Result<(), DbError> {
    match conn {
        DbConn::Pg(c) => {
            diesel::copy_from(imported_comments::table)
                .from_insertable(rows)
                .execute(c)?;
        }
        DbConn::Sqlite(_) => {
            crate::db::connection::insert_rows!(conn, imported_comments::table, rows);
        }
    }
    Ok(())
}

/// Of these tracking numbers, those some comment already has, with that
/// comment's docket.
pub fn taken_tracking_numbers(
    conn: &mut DbConn,
    tracking_numbers: &[String],
) -> Result<Vec<(String, String)>, DbError> {
    if let DbConn::Pg(c) = conn {
        // One array parameter (`= ANY($1)`): planned once, however many.
        return Ok(comments::table
            .filter(comments::tracking_number.eq_any(tracking_numbers))
            .select((comments::tracking_number, comments::docket_id))
            .load::<(String, String)>(c)?);
    }
    let mut out = Vec::new();
    for chunk in tracking_numbers.chunks(500) {
        out.extend(
            comments::table
                .filter(comments::tracking_number.eq_any(chunk))
                .select((comments::tracking_number, comments::docket_id))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}

/// Of these Document IDs, those already imported into the docket.
pub fn imported_documents(
    conn: &mut DbConn,
    docket_id: &str,
    document_ids: &[String],
) -> Result<Vec<String>, DbError> {
    if let DbConn::Pg(c) = conn {
        return Ok(imported_comments::table
            .filter(imported_comments::docket_id.eq(docket_id))
            .filter(imported_comments::document_id.eq_any(document_ids))
            .select(imported_comments::document_id)
            .load::<String>(c)?);
    }
    let mut out = Vec::new();
    for chunk in document_ids.chunks(500) {
        out.extend(
            imported_comments::table
                .filter(imported_comments::docket_id.eq(docket_id))
                .filter(imported_comments::document_id.eq_any(chunk))
                .select(imported_comments::document_id)
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}
