//! Comments as the index sees them, read from the database in batches.

use crate::db::models::attachment::{self, AttachmentRow};
use crate::db::models::blob_text::{self, EXTRACTED};
use crate::db::models::comment::{self, CommentRow};
use crate::db::models::{campaign, comment_signal, comment_tag};
use crate::db::{DbConn, DbError};
use crate::domain::tag_path::TagPath;
use rfidesk_indexer::attachment_text::{self, MAX_ATTACHMENT_TEXT_PER_COMMENT};
use rfidesk_indexer::CommentDoc;
use std::collections::{HashMap, HashSet};

/// Bytes of attachment text one batch of documents may hold in memory: the
/// distinct files' texts as loaded, plus each document's bounded share.
/// Counted, not rows: a thousand comments that each carry megabytes of
/// text must not be loaded at once.
pub const BATCH_TEXT_BYTES: usize = 64 << 20;

/// A comment's documents: the staff index's, and the public index's when
/// the comment is public (`reading_room::public`).
pub struct Docs {
    pub private: CommentDoc,
    pub public: Option<CommentDoc>,
}

/// The staff index documents of these comments, handed to `apply` in
/// batches of at most [`BATCH_TEXT_BYTES`] of attachment text (a batch
/// holds at least one comment). Ids with no comment are handed to `gone`.
pub fn for_each_batch<E: From<DbError>>(
    conn: &mut DbConn,
    ids: &[String],
    mut apply: impl FnMut(Vec<CommentDoc>) -> Result<(), E>,
    gone: impl FnMut(&str),
) -> Result<(), E> {
    let rows = rows_of(conn, ids, gone)?;
    for_rows(conn, rows, false, &mut |docs: Vec<Docs>| {
        apply(docs.into_iter().map(|d| d.private).collect())
    })
}

/// Both documents of these comments, as [`for_each_batch`] hands them.
pub fn for_each_batch_both<E: From<DbError>>(
    conn: &mut DbConn,
    ids: &[String],
    mut apply: impl FnMut(Vec<Docs>) -> Result<(), E>,
    gone: impl FnMut(&str),
) -> Result<(), E> {
    let rows = rows_of(conn, ids, gone)?;
    for_rows(conn, rows, true, &mut apply)
}

fn rows_of(
    conn: &mut DbConn,
    ids: &[String],
    mut gone: impl FnMut(&str),
) -> Result<Vec<CommentRow>, DbError> {
    let rows = comment::by_ids(conn, ids)?;
    let found: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    for id in ids.iter().filter(|id| !found.contains(id.as_str())) {
        gone(id);
    }
    Ok(rows)
}

/// Up to `limit` comments after comment id `after`, in id order, for a
/// full rebuild, handed to `apply` as bounded batches with both their
/// documents. Returns the last comment id read, `None` at the end.
pub fn page<E: From<DbError>>(
    conn: &mut DbConn,
    after: &str,
    limit: i64,
    mut apply: impl FnMut(Vec<Docs>) -> Result<(), E>,
) -> Result<Option<String>, E> {
    let rows = comment::page_after(conn, after, limit)?;
    let last = rows.last().map(|r| r.id.clone());
    for_rows(conn, rows, true, &mut apply)?;
    Ok(last)
}

fn for_rows<E: From<DbError>>(
    conn: &mut DbConn,
    rows: Vec<CommentRow>,
    with_public: bool,
    apply: &mut impl FnMut(Vec<Docs>) -> Result<(), E>,
) -> Result<(), E> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let attachments = attachment::for_comments(conn, &ids)?;
    let mut by_comment: HashMap<&str, Vec<&AttachmentRow>> = HashMap::new();
    for a in &attachments {
        by_comment.entry(a.comment_id.as_str()).or_default().push(a);
    }
    let mut shas: Vec<String> = attachments.iter().map(|a| a.sha256.clone()).collect();
    shas.sort();
    shas.dedup();
    let sizes: HashMap<String, usize> = blob_text::extracted_sizes(conn, &shas)?
        .into_iter()
        .map(|(sha, n)| (sha, usize::try_from(n).unwrap_or(0)))
        .collect();

    // Plan batches by bytes before loading any text.
    let mut batch: Vec<&CommentRow> = Vec::new();
    let mut batch_files: HashSet<&str> = HashSet::new();
    let mut batch_bytes = 0usize;
    let no_files: Vec<&AttachmentRow> = Vec::new();
    let files_of = |id: &str| by_comment.get(id).unwrap_or(&no_files);
    for row in &rows {
        let files = files_of(&row.id);
        let new_files: usize = files
            .iter()
            .filter(|f| !batch_files.contains(f.sha256.as_str()))
            .map(|f| sizes.get(&f.sha256).copied().unwrap_or(0))
            .sum();
        let own: usize = files
            .iter()
            .map(|f| sizes.get(&f.sha256).copied().unwrap_or(0))
            .sum::<usize>()
            .min(MAX_ATTACHMENT_TEXT_PER_COMMENT);
        if !batch.is_empty() && batch_bytes + new_files + own > BATCH_TEXT_BYTES {
            apply(assemble(conn, &batch, with_public, &files_of)?)?;
            batch.clear();
            batch_files.clear();
            batch_bytes = 0;
        }
        let new_files: usize = files
            .iter()
            .filter(|f| batch_files.insert(f.sha256.as_str()))
            .map(|f| sizes.get(&f.sha256).copied().unwrap_or(0))
            .sum();
        batch_bytes += new_files + own;
        batch.push(row);
    }
    if !batch.is_empty() {
        apply(assemble(conn, &batch, with_public, &files_of)?)?;
    }
    Ok(())
}

fn assemble<'r>(
    conn: &mut DbConn,
    rows: &[&CommentRow],
    with_public: bool,
    files_of: &impl Fn(&str) -> &'r Vec<&'r AttachmentRow>,
) -> Result<Vec<Docs>, DbError> {
    let mut files: Vec<String> = rows
        .iter()
        .flat_map(|r| files_of(&r.id).iter().map(|a| a.sha256.clone()))
        .collect();
    files.sort();
    files.dedup();
    let texts: HashMap<String, String> = blob_text::for_files(conn, &files)?
        .into_iter()
        .filter(|t| t.status == EXTRACTED)
        .map(|t| (t.sha256, t.content))
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut tags: HashMap<String, Vec<String>> = HashMap::new();
    for (comment_id, path) in comment_tag::paths_for_comments(conn, &ids)? {
        tags.entry(comment_id).or_default().push(path);
    }
    let campaigns: HashMap<String, String> =
        campaign::campaigns_of(conn, &ids)?.into_iter().collect();
    let mut signals: HashMap<String, Vec<String>> = HashMap::new();
    for (comment_id, kind) in comment_signal::kinds_of(conn, &ids)? {
        signals.entry(comment_id).or_default().push(kind);
    }
    let private: Vec<CommentDoc> = rows
        .iter()
        .map(|row| {
            let mut doc = to_doc(row, files_of(&row.id), &texts);
            doc.tags = indexed_tags(tags.get(&row.id).map(Vec::as_slice).unwrap_or(&[]));
            doc.campaign = campaigns.get(&row.id).cloned();
            doc.signals = signals.remove(&row.id).unwrap_or_default();
            doc.signals.sort();
            doc
        })
        .collect();
    let mut public = if with_public {
        crate::reading_room::public::documents(conn, rows, &private, files_of, &texts)?
    } else {
        HashMap::new()
    };
    Ok(private
        .into_iter()
        .map(|doc| Docs {
            public: public.remove(&doc.id),
            private: doc,
        })
        .collect())
}

/// A comment's tags as the index holds them: each path and every path
/// above it, once, so `tag=region` finds a comment tagged
/// `region/asean/malaysia` and the facet counts each level.
pub fn indexed_tags(paths: &[String]) -> Vec<String> {
    let mut all: Vec<String> = paths
        .iter()
        .flat_map(|p| TagPath::with_ancestors(p).map(str::to_string))
        .collect();
    all.sort();
    all.dedup();
    all
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
        business_confidential: row.business_confidential,
        posting: row.posting_status.clone(),
        received_at_ms: row.received_at.and_utc().timestamp_millis(),
        organization: row.organization.clone(),
        name,
        answers: answers.into_iter().collect(),
        comment: row.general_comment.clone(),
        attachment_count: files.len(),
        attachment_texts: {
            let shares: Vec<(&str, Option<&str>)> = files
                .iter()
                .map(|f| (f.sha256.as_str(), texts.get(&f.sha256).map(String::as_str)))
                .collect();
            attachment_text::bound(&shares)
                .into_iter()
                .filter_map(|b| b.text.map(str::to_string))
                .collect()
        },
        tags: Vec::new(),
        campaign: None,
        signals: Vec::new(),
        signatories: row.signatories,
    }
}
