//! Redaction: staff give, for some of a comment's fields, the text the
//! public reads instead; the comment is then posted redacted. The original
//! stays for staff and analysts. Set and removed through the one write
//! path for indexed changes, each audited (which fields, not their text).

use super::posting::{check_note, PostingView};
use crate::analysis::{transaction, AnalysisError, Coding};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::comment;
use crate::db::models::redacted_file::{self, RedactedFileRow};
use crate::db::models::redaction::{self, RedactionRow};
use crate::domain::posting::{PENDING_REVIEW, REDACTED};
use crate::domain::redaction::Redaction;
use crate::domain::tracking_number::TrackingNumber;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// A redaction as the API takes it: the public text of each field
/// redacted (`answers` by question id, `comment`), and a note for the
/// audit log.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactionRequest {
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A comment's redaction, as staff and analysts read it.
#[derive(Debug, Serialize)]
pub struct RedactionView {
    pub answers: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The files the public gets in place of attachments; an attachment
    /// not listed is withheld from the public.
    pub files: Vec<RedactedFileView>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct RedactedFileView {
    /// The attachment it replaces (its position, from 0).
    pub position: i32,
    pub filename: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub size_bytes: i64,
}

/// `files`: the comment's public files with the position each replaces.
pub fn view(row: RedactionRow, files: Vec<(i32, RedactedFileRow)>) -> RedactionView {
    let mut files: Vec<RedactedFileView> = files
        .into_iter()
        .map(|(position, f)| RedactedFileView {
            position,
            filename: f.filename,
            kind: f.kind,
            size_bytes: f.size_bytes,
        })
        .collect();
    files.sort_by_key(|f| f.position);
    RedactionView {
        answers: serde_json::from_str(&row.answers).unwrap_or_default(),
        comment: row.general_comment,
        files,
        actor: row.actor,
        at: row.created_at.and_utc(),
    }
}

/// The comment's redaction with its public files, if it has one.
pub fn load(
    conn: &mut crate::db::DbConn,
    comment_id: &str,
) -> Result<Option<RedactionView>, crate::db::DbError> {
    let Some(row) = redaction::find(conn, comment_id)? else {
        return Ok(None);
    };
    Ok(Some(view(row, files_with_positions(conn, comment_id)?)))
}

fn files_with_positions(
    conn: &mut crate::db::DbConn,
    comment_id: &str,
) -> Result<Vec<(i32, RedactedFileRow)>, crate::db::DbError> {
    let positions: std::collections::HashMap<String, i32> =
        crate::db::models::attachment::for_comment(conn, comment_id)?
            .into_iter()
            .map(|a| (a.id, a.position))
            .collect();
    Ok(
        redacted_file::for_comments(conn, &[comment_id.to_string()])?
            .into_iter()
            .filter_map(|f| positions.get(&f.attachment_id).map(|p| (*p, f)))
            .collect(),
    )
}

/// Sets (or replaces) the comment's redaction and posts it redacted.
pub async fn put(
    coding: &Coding,
    tracking_number: &str,
    req: RedactionRequest,
    actor: &str,
) -> Result<(PostingView, RedactionView), AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let note = req
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    check_note(&note)?;
    // Comments never change once stored: what the redaction is checked
    // against here is what the write below finds.
    let number = tn.as_str().to_string();
    let row = coding
        .analysis
        .db(move |conn| comment::find_by_tracking_number(conn, &number))
        .await?
        .ok_or(AnalysisError::NotFound("comment"))?;
    let docket = coding
        .analysis
        .dockets
        .get(&row.docket_id)
        .await?
        .ok_or(AnalysisError::NotFound("docket"))?;
    let answered: Vec<String> = serde_json::from_str::<BTreeMap<String, String>>(&row.answers)
        .unwrap_or_default()
        .into_keys()
        .collect();
    let redaction = Redaction::parse(
        req.answers,
        req.comment,
        &answered,
        row.general_comment.is_some(),
        docket.limits().max_text_chars,
    )
    .map_err(AnalysisError::Invalid)?;
    let (actor, now) = (actor.to_string(), coding.now());
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let stored = RedactionRow {
                    comment_id: row.id.clone(),
                    answers: serde_json::to_string(&redaction.answers).expect("a map serializes"),
                    general_comment: redaction.comment.clone(),
                    actor: actor.clone(),
                    created_at: now,
                };
                let changed = touched(conn, std::slice::from_ref(&row.id), now)?;
                indexed::write(conn, Change::Posting, |conn| {
                    let current = comment::find_by_tracking_number(conn, &row.tracking_number)?
                        .expect("comments are never deleted while staff work");
                    redaction::put(conn, &stored)?;
                    comment::set_posting(conn, &row.id, REDACTED, None, &actor, now)?;
                    let mut fields: Vec<String> = redaction
                        .answers
                        .keys()
                        .map(|q| format!("answers.{q}"))
                        .collect();
                    if redaction.comment.is_some() {
                        fields.push("comment".into());
                    }
                    let mut detail = json!({"from": current.posting_status, "fields": fields});
                    if let Some(n) = &note {
                        detail["note"] = json!(n);
                    }
                    audit::append(
                        conn,
                        &[NewEntry::new(
                            &row.docket_id,
                            &actor,
                            "redaction.set",
                            &row.tracking_number,
                            detail,
                            now,
                        )],
                    )?;
                    Ok(((), changed))
                })?;
                let after = comment::find_by_tracking_number(conn, &row.tracking_number)?
                    .expect("the comment just changed");
                let files = files_with_positions(conn, &row.id)?;
                Ok(Ok((super::posting::view(&after), view(stored, files))))
            })
        })
        .await?
}

/// Removes the comment's redaction: it goes back to review (posting it as
/// submitted is a decision of its own).
pub async fn remove(
    coding: &Coding,
    tracking_number: &str,
    actor: &str,
) -> Result<PostingView, AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let (actor, now) = (actor.to_string(), coding.now());
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let Some(row) = comment::find_by_tracking_number(conn, tn.as_str())? else {
                    return Ok(Err(AnalysisError::NotFound("comment")));
                };
                if redaction::find(conn, &row.id)?.is_none() {
                    return Ok(Err(AnalysisError::NotFound("redaction")));
                }
                let changed = touched(conn, std::slice::from_ref(&row.id), now)?;
                indexed::write(conn, Change::Posting, |conn| {
                    redaction::delete(conn, &row.id)?;
                    redacted_file::delete_for_comment(conn, &row.id)?;
                    comment::set_posting(conn, &row.id, PENDING_REVIEW, None, &actor, now)?;
                    audit::append(
                        conn,
                        &[NewEntry::new(
                            &row.docket_id,
                            &actor,
                            "redaction.removed",
                            &row.tracking_number,
                            json!({"from": row.posting_status}),
                            now,
                        )],
                    )?;
                    Ok(((), changed))
                })?;
                let after = comment::find_by_tracking_number(conn, tn.as_str())?
                    .expect("the comment just changed");
                Ok(Ok(super::posting::view(&after)))
            })
        })
        .await?
}

/// Gives the public file of one attachment (by position) of a comment:
/// the comment is posted redacted, and the public gets this file in the
/// attachment's place. The first such file of a comment with no redacted
/// text starts its redaction (its text public as submitted).
pub async fn put_file(
    coding: &Coding,
    blobs: &crate::blobs::BlobStore,
    comment_id: &str,
    position: i32,
    file: crate::intake::ReceivedFile,
    note: Option<String>,
    actor: &str,
) -> Result<(PostingView, RedactionView), AnalysisError> {
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    check_note(&note)?;
    let (id, at) = (comment_id.to_string(), position);
    let target = coding
        .analysis
        .db(move |conn| crate::db::models::attachment::find(conn, &id, at))
        .await?
        .ok_or(AnalysisError::NotFound("attachment"))?;
    let stored = RedactedFileRow {
        attachment_id: target.id.clone(),
        comment_id: target.comment_id.clone(),
        filename: file.filename,
        kind: file.kind.name().to_string(),
        size_bytes: file.blob.size as i64,
        sha256: file.blob.sha256.clone(),
        actor: actor.to_string(),
        created_at: coding.now(),
    };
    // The bytes are on disk before any row names them (as at intake).
    blobs
        .keep(file.blob)
        .await
        .map_err(|e| AnalysisError::Storage(e.to_string()))?;
    let (actor, now) = (actor.to_string(), coding.now());
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let row = comment::find_by_id(conn, &stored.comment_id)?
                    .expect("comments are never deleted while staff work");
                let changed = touched(conn, std::slice::from_ref(&row.id), now)?;
                indexed::write(conn, Change::Posting, |conn| {
                    if redaction::find(conn, &row.id)?.is_none() {
                        redaction::put(
                            conn,
                            &RedactionRow {
                                comment_id: row.id.clone(),
                                answers: "{}".into(),
                                general_comment: None,
                                actor: actor.clone(),
                                created_at: now,
                            },
                        )?;
                    }
                    redacted_file::put(conn, &stored)?;
                    comment::set_posting(conn, &row.id, REDACTED, None, &actor, now)?;
                    // Its text for the public search, unless already read.
                    if crate::db::models::blob_text::recorded(
                        conn,
                        std::slice::from_ref(&stored.sha256),
                    )?
                    .is_empty()
                    {
                        crate::db::models::job::enqueue(
                            conn,
                            &[crate::db::models::job::JobRow::new(
                                crate::jobs::extract_text::KIND,
                                &stored.sha256,
                                now,
                            )],
                        )?;
                    }
                    let mut detail = json!({
                        "from": row.posting_status,
                        "file": position,
                    });
                    if let Some(n) = &note {
                        detail["note"] = json!(n);
                    }
                    audit::append(
                        conn,
                        &[NewEntry::new(
                            &row.docket_id,
                            &actor,
                            "redaction.file",
                            &row.tracking_number,
                            detail,
                            now,
                        )],
                    )?;
                    Ok(((), changed))
                })?;
                let after = comment::find_by_id(conn, &row.id)?.expect("the comment just changed");
                let view = load(conn, &row.id)?.expect("the redaction just written");
                Ok(Ok((super::posting::view(&after), view)))
            })
        })
        .await?
}

/// The comment (id, docket) a redacted file is sent for, before its body
/// is read: the docket's limits bound the upload.
pub async fn comment_for_file(
    coding: &Coding,
    tracking_number: &str,
) -> Result<(String, String), AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let row = coding
        .analysis
        .db(move |conn| comment::find_by_tracking_number(conn, tn.as_str()))
        .await?
        .ok_or(AnalysisError::NotFound("comment"))?;
    Ok((row.id, row.docket_id))
}
