//! Comments as the index sees them, read from the database in batches.

use crate::db::models::attachment::{self, AttachmentRow};
use crate::db::models::blob_text::{self, EXTRACTED};
use crate::db::models::comment::{self, CommentRow};
use crate::db::{DbConn, DbError};
use rfidesk_indexer::CommentDoc;
use std::collections::HashMap;

/// The index documents of these comments; an id with no comment (never
/// the case today: comments are not deleted) is left out.
pub fn load(conn: &mut DbConn, ids: &[String]) -> Result<Vec<CommentDoc>, DbError> {
    let rows = comment::by_ids(conn, ids)?;
    assemble(conn, rows)
}

/// Up to `limit` documents after comment id `after`, in id order, for a
/// full rebuild.
pub fn page(conn: &mut DbConn, after: &str, limit: i64) -> Result<Vec<CommentDoc>, DbError> {
    let rows = comment::page_after(conn, after, limit)?;
    assemble(conn, rows)
}

fn assemble(conn: &mut DbConn, rows: Vec<CommentRow>) -> Result<Vec<CommentDoc>, DbError> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let attachments = attachment::for_comments(conn, &ids)?;
    let mut files: Vec<String> = attachments.iter().map(|a| a.sha256.clone()).collect();
    files.sort();
    files.dedup();
    let texts: HashMap<String, String> = blob_text::for_files(conn, &files)?
        .into_iter()
        .filter(|t| t.status == EXTRACTED)
        .map(|t| (t.sha256, t.content))
        .collect();
    let mut by_comment: HashMap<&str, Vec<&AttachmentRow>> = HashMap::new();
    for a in &attachments {
        by_comment.entry(a.comment_id.as_str()).or_default().push(a);
    }
    Ok(rows
        .iter()
        .map(|row| {
            let files = by_comment
                .get(row.id.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            to_doc(row, files, &texts)
        })
        .collect())
}

pub fn to_doc(
    row: &CommentRow,
    files: &[&AttachmentRow],
    texts: &HashMap<String, String>,
) -> CommentDoc {
    // Stored as a JSON object of question id to text; BTreeMap keeps the
    // order stable.
    let answers: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&row.answers).unwrap_or_default();
    let name = match (&row.first_name, &row.last_name) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(n), None) | (None, Some(n)) => Some(n.clone()),
        (None, None) => None,
    };
    CommentDoc {
        id: row.id.clone(),
        tracking_number: row.tracking_number.clone(),
        docket: row.docket_id.clone(),
        category: row.category.clone(),
        org_type: row.organization_type.clone(),
        country: row.country.clone(),
        late: row.late,
        received_at_ms: row.received_at.and_utc().timestamp_millis(),
        organization: row.organization.clone(),
        name,
        answers: answers.into_iter().collect(),
        comment: row.general_comment.clone(),
        attachment_count: files.len(),
        attachment_texts: files
            .iter()
            .filter_map(|f| texts.get(&f.sha256).cloned())
            .collect(),
        tags: Vec::new(),
        campaign: None,
    }
}
