//! A comment's public form: its public text (redacted where staff
//! redacted it) and its public files (every attachment of a posted
//! comment; the redacted files of a redacted one, and nothing else of it).
//! Contact details, tags, campaigns and signals are never part of it.

use crate::db::models::attachment::AttachmentRow;
use crate::db::models::blob_text::{self, EXTRACTED};
use crate::db::models::comment::CommentRow;
use crate::db::models::redacted_file;
use crate::db::models::redaction::{self, RedactionRow};
use crate::db::{DbConn, DbError};
use crate::domain::posting::{is_public, REDACTED};
use rfidesk_indexer::attachment_text;
use rfidesk_indexer::CommentDoc;
use std::collections::{BTreeMap, HashMap};

/// A file the public may download.
#[derive(Debug, Clone)]
pub struct PublicFile {
    /// The position of the attachment it is (or replaces).
    pub position: i32,
    pub filename: String,
    pub kind: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// A comment's public text.
#[derive(Debug, Clone, Default)]
pub struct PublicText {
    /// Question id to answer, empty answers left out.
    pub answers: BTreeMap<String, String>,
    pub comment: Option<String>,
}

impl PublicText {
    /// The text as submitted, with each redacted field replaced.
    pub fn of(row: &CommentRow, redaction: Option<&RedactionRow>) -> PublicText {
        let mut answers: BTreeMap<String, String> =
            serde_json::from_str(&row.answers).unwrap_or_default();
        let mut comment = row.general_comment.clone();
        if let Some(r) = redaction {
            let redacted: BTreeMap<String, String> =
                serde_json::from_str(&r.answers).unwrap_or_default();
            for (question, text) in redacted {
                if answers.contains_key(&question) {
                    answers.insert(question, text);
                }
            }
            if comment.is_some() && r.general_comment.is_some() {
                comment = r.general_comment.clone();
            }
        }
        answers.retain(|_, text| !text.trim().is_empty());
        PublicText {
            answers,
            comment: comment.filter(|c| !c.trim().is_empty()),
        }
    }
}

/// What the public gets of some comments: for each public one, its text
/// and files. `attachments`: the comments' attachments (any order).
pub struct Publics {
    redactions: HashMap<String, RedactionRow>,
    redacted_files: HashMap<String, Vec<PublicFile>>,
}

impl Publics {
    /// Loads what the public forms of `rows` need beyond the rows and
    /// their attachments: the redactions and redacted files of those
    /// redacted (no query when none is).
    pub fn load(
        conn: &mut DbConn,
        rows: &[&CommentRow],
        attachments: &[&AttachmentRow],
    ) -> Result<Self, DbError> {
        let redacted: Vec<String> = rows
            .iter()
            .filter(|r| r.posting_status == REDACTED)
            .map(|r| r.id.clone())
            .collect();
        if redacted.is_empty() {
            return Ok(Publics {
                redactions: HashMap::new(),
                redacted_files: HashMap::new(),
            });
        }
        let redactions = redaction::for_comments(conn, &redacted)?
            .into_iter()
            .map(|r| (r.comment_id.clone(), r))
            .collect();
        let positions: HashMap<&str, i32> = attachments
            .iter()
            .map(|a| (a.id.as_str(), a.position))
            .collect();
        let mut redacted_files: HashMap<String, Vec<PublicFile>> = HashMap::new();
        for f in redacted_file::for_comments(conn, &redacted)? {
            let Some(position) = positions.get(f.attachment_id.as_str()) else {
                continue;
            };
            redacted_files
                .entry(f.comment_id.clone())
                .or_default()
                .push(PublicFile {
                    position: *position,
                    filename: f.filename,
                    kind: f.kind,
                    size_bytes: f.size_bytes,
                    sha256: f.sha256,
                });
        }
        for files in redacted_files.values_mut() {
            files.sort_by_key(|f| f.position);
        }
        Ok(Publics {
            redactions,
            redacted_files,
        })
    }

    /// The public text of a comment, if it is public.
    pub fn text(&self, row: &CommentRow) -> Option<PublicText> {
        if !is_public(&row.posting_status) {
            return None;
        }
        Some(PublicText::of(row, self.redactions.get(&row.id)))
    }

    /// The public files of a comment (none unless it is public), in order.
    /// `own`: its attachments, in order.
    pub fn files(&self, row: &CommentRow, own: &[&AttachmentRow]) -> Vec<PublicFile> {
        if !is_public(&row.posting_status) {
            return Vec::new();
        }
        if row.posting_status == REDACTED {
            return self
                .redacted_files
                .get(&row.id)
                .cloned()
                .unwrap_or_default();
        }
        own.iter()
            .map(|a| PublicFile {
                position: a.position,
                filename: a.filename.clone(),
                kind: a.kind.clone(),
                size_bytes: a.size_bytes,
                sha256: a.sha256.clone(),
            })
            .collect()
    }

    /// The hashes of redacted files, whose text callers load beside the
    /// attachments'.
    pub fn redacted_shas(&self) -> impl Iterator<Item = &str> {
        self.redacted_files
            .values()
            .flatten()
            .map(|f| f.sha256.as_str())
    }
}

/// The public index's documents of `rows` (public ones only, by comment
/// id). `private`: the staff documents just built from the same rows,
/// whose keyword fields the public ones share; `texts`: extracted text by
/// file hash (the attachments' already; redacted files' are loaded here).
pub fn documents<'r>(
    conn: &mut DbConn,
    rows: &[&CommentRow],
    private: &[CommentDoc],
    files_of: &impl Fn(&str) -> &'r Vec<&'r AttachmentRow>,
    texts: &HashMap<String, String>,
) -> Result<HashMap<String, CommentDoc>, DbError> {
    let public: Vec<&CommentRow> = rows
        .iter()
        .copied()
        .filter(|r| is_public(&r.posting_status))
        .collect();
    if public.is_empty() {
        return Ok(HashMap::new());
    }
    let attachments: Vec<&AttachmentRow> = public
        .iter()
        .flat_map(|r| files_of(&r.id).iter().copied())
        .collect();
    let publics = Publics::load(conn, &public, &attachments)?;
    let missing: Vec<String> = publics
        .redacted_shas()
        .filter(|s| !texts.contains_key(*s))
        .map(str::to_string)
        .collect();
    let more: HashMap<String, String> = blob_text::for_files(conn, &missing)?
        .into_iter()
        .filter(|t| t.status == EXTRACTED)
        .map(|t| (t.sha256, t.content))
        .collect();
    let by_id: HashMap<&str, &CommentDoc> = private.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut out = HashMap::new();
    for row in public {
        let (Some(text), Some(base)) = (publics.text(row), by_id.get(row.id.as_str())) else {
            continue;
        };
        let files = publics.files(row, files_of(&row.id));
        let shares: Vec<(&str, Option<&str>)> = files
            .iter()
            .map(|f| {
                let t = texts.get(&f.sha256).or_else(|| more.get(&f.sha256));
                (f.sha256.as_str(), t.map(String::as_str))
            })
            .collect();
        let doc = CommentDoc {
            answers: text.answers.into_iter().collect(),
            comment: text.comment,
            attachment_count: files.len(),
            attachment_texts: attachment_text::bound(&shares)
                .into_iter()
                .filter_map(|b| b.text.map(str::to_string))
                .collect(),
            // Analysts' work is not public.
            tags: Vec::new(),
            campaign: None,
            signals: Vec::new(),
            ..(*base).clone()
        };
        out.insert(row.id.clone(), doc);
    }
    Ok(out)
}
