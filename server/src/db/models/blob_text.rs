//! The `blob_texts` table: text extracted from each distinct attachment file.

use crate::db::connection::{DbConn, DbError};
use crate::db::schema::{attachments, blob_texts};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = blob_texts)]
pub struct BlobTextRow {
    pub sha256: String,
    pub status: String,
    pub detail: Option<String>,
    pub content: String,
    pub extracted_at: NaiveDateTime,
    /// `content.len()`, so batches can be planned without loading text.
    pub content_bytes: i64,
}

pub const EXTRACTED: &str = "extracted";
pub const FAILED: &str = "extraction_failed";
/// A kind we read no text from (images, ...).
pub const NOT_EXTRACTED: &str = "not_extracted";
/// No row yet: the worker has not reached the file.
pub const PENDING: &str = "pending";

/// Files attached to comments that have no text row yet: (sha256, kind).
pub fn pending(conn: &mut DbConn, limit: i64) -> Result<Vec<(String, String)>, DbError> {
    Ok(attachments::table
        .left_join(blob_texts::table.on(blob_texts::sha256.eq(attachments::sha256)))
        .filter(blob_texts::sha256.is_null())
        .select((attachments::sha256, attachments::kind))
        .distinct()
        .limit(limit)
        .load(conn)?)
}

/// Records a result (inside the writer's transaction); a result another
/// node recorded first is kept. Returns whether this one was stored.
pub fn record(conn: &mut DbConn, row: &BlobTextRow) -> Result<bool, DbError> {
    let exists: i64 = blob_texts::table
        .filter(blob_texts::sha256.eq(&row.sha256))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(blob_texts::table)
        .values(row)
        .execute(conn)?;
    Ok(true)
}

/// Status and text of these files (those with a row).
pub fn for_files(conn: &mut DbConn, sha256s: &[String]) -> Result<Vec<BlobTextRow>, DbError> {
    let mut out = Vec::new();
    // Bounded IN lists: SQLite allows 32k parameters, PostgreSQL 65k.
    for chunk in sha256s.chunks(500) {
        out.extend(
            blob_texts::table
                .filter(blob_texts::sha256.eq_any(chunk))
                .select(BlobTextRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The size of each extracted text among these files: (sha256, bytes).
pub fn extracted_sizes(
    conn: &mut DbConn,
    sha256s: &[String],
) -> Result<Vec<(String, i64)>, DbError> {
    let mut out = Vec::new();
    for chunk in sha256s.chunks(500) {
        out.extend(
            blob_texts::table
                .filter(blob_texts::sha256.eq_any(chunk))
                .filter(blob_texts::status.eq(EXTRACTED))
                .select((blob_texts::sha256, blob_texts::content_bytes))
                .load::<(String, i64)>(conn)?,
        );
    }
    Ok(out)
}

/// The start of each extracted text among these files, at most
/// `max_chars` characters: (sha256, text). For readers that show a part.
pub fn extracted_prefixes(
    conn: &mut DbConn,
    sha256s: &[String],
    max_chars: usize,
) -> Result<Vec<(String, String)>, DbError> {
    use diesel::dsl::sql;
    use diesel::sql_types::Text;
    let mut out = Vec::new();
    for chunk in sha256s.chunks(500) {
        out.extend(
            blob_texts::table
                .filter(blob_texts::sha256.eq_any(chunk))
                .filter(blob_texts::status.eq(EXTRACTED))
                .select((
                    blob_texts::sha256,
                    // SUBSTR counts characters on SQLite and PostgreSQL alike.
                    sql::<Text>(&format!("SUBSTR(content, 1, {max_chars})")),
                ))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}

/// Which of these files have a text row, whatever its status.
pub fn recorded(conn: &mut DbConn, sha256s: &[String]) -> Result<Vec<String>, DbError> {
    let mut out = Vec::new();
    for chunk in sha256s.chunks(500) {
        out.extend(
            blob_texts::table
                .filter(blob_texts::sha256.eq_any(chunk))
                .select(blob_texts::sha256)
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}

/// Which of these comments carry a file with no text row yet.
pub fn comments_awaiting_text(
    conn: &mut DbConn,
    comment_ids: &[String],
) -> Result<std::collections::HashSet<String>, DbError> {
    let mut out = std::collections::HashSet::new();
    for chunk in comment_ids.chunks(500) {
        out.extend(
            attachments::table
                .left_join(blob_texts::table.on(blob_texts::sha256.eq(attachments::sha256)))
                .filter(blob_texts::sha256.is_null())
                .filter(attachments::comment_id.eq_any(chunk))
                .select(attachments::comment_id)
                .distinct()
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}
