//! A whole comment as its audience may read it: answers in the docket's
//! order, attachments with their text and extraction status; similar
//! comments; the stored file of an attachment. What each audience sees is
//! decided in `view.rs`.

use super::search::{hit_view, HitView};
use super::view::{self, Audience, Contact, SubmitterDetail};
use super::{Analysis, AnalysisError};
use crate::campaigns::{DocketProfile, StoredSignal};
use crate::db::models::blob_text::{self, PENDING};
use crate::db::models::{attachment, campaign, comment, comment_signal};
use crate::domain::tracking_number::TrackingNumber;
use chrono::{DateTime, Utc};
use rfidesk_indexer::attachment_text;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Serialize)]
pub struct CommentView {
    pub tracking_number: String,
    pub docket: String,
    pub received_at: DateTime<Utc>,
    pub late: bool,
    pub posting_status: String,
    /// Why a withheld comment is withheld.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withheld_reason: Option<String>,
    /// What the public reads in place of the redacted fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redaction: Option<crate::admin::redaction::RedactionView>,
    pub business_confidential: bool,
    pub signatories: Option<i64>,
    pub submitter: SubmitterDetail,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    pub answers: Vec<AnswerView>,
    pub comment: Option<String>,
    pub attachments: Vec<AttachmentView>,
    /// Every tag on the comment: by whom (person, bulk operation, rule),
    /// when, and the passage an excerpt marks.
    pub tags: Vec<super::tags::AppliedView>,
    /// The form-letter campaign the comment is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// Signals, not verdicts: why the comment may be mass-produced or
    /// falsely attributed, each explained.
    pub signals: Vec<CommentSignal>,
}

#[derive(Debug, Serialize)]
pub struct CommentSignal {
    pub kind: &'static str,
    pub explanation: String,
    /// The campaign it was found in; none when found across the docket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AnswerView {
    pub question: String,
    /// The question as the docket asks it.
    pub title: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct AttachmentView {
    pub position: i32,
    pub filename: String,
    pub kind: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// `pending`, `extracted`, `extraction_failed` or `not_extracted`.
    pub text_status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_detail: Option<String>,
    /// The file's text, within the comment's bound on attachment text
    /// (what the index holds); absent when it repeats an earlier file.
    pub text: Option<String>,
    /// Part of the text is past the bound: not shown, not searchable.
    pub text_truncated: bool,
    /// The position of an earlier attachment with the same file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_same_as: Option<i32>,
    pub download_url: String,
}

pub async fn load(
    analysis: &Analysis,
    tracking_number: &str,
    audience: Audience,
) -> Result<CommentView, AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let (row, files, texts, tags) = analysis
        .db(move |conn| {
            let Some(row) = comment::find_by_tracking_number(conn, tn.as_str())? else {
                return Ok(None);
            };
            let files = attachment::for_comment(conn, &row.id)?;
            let shas: Vec<String> = files.iter().map(|f| f.sha256.clone()).collect();
            let texts = blob_text::for_files(conn, &shas)?;
            let tags = super::tags::for_comment(conn, &row.id)?;
            let campaign = campaign::campaigns_of(conn, std::slice::from_ref(&row.id))?
                .into_iter()
                .next()
                .map(|(_, c)| c);
            let signals = signals_of(conn, &row)?;
            let redaction = crate::admin::redaction::load(conn, &row.id)?;
            Ok(Some((
                row,
                files,
                texts,
                (tags, campaign, signals, redaction),
            )))
        })
        .await?
        .ok_or(AnalysisError::NotFound("comment"))?;
    let (tags, campaign, signals, redaction) = tags;
    let docket = analysis
        .dockets
        .get(&row.docket_id)
        .await?
        .ok_or(AnalysisError::NotFound("docket"))?;
    let mut answers: BTreeMap<String, String> =
        serde_json::from_str(&row.answers).unwrap_or_default();
    let mut ordered = Vec::new();
    for q in &docket.definition.questions {
        if let Some(text) = answers.remove(&q.id) {
            ordered.push(AnswerView {
                question: q.id.clone(),
                title: q.title.clone(),
                text,
            });
        }
    }
    // Questions since removed from the docket file still show.
    for (question, text) in answers {
        ordered.push(AnswerView {
            title: question.clone(),
            question,
            text,
        });
    }
    let texts: BTreeMap<String, blob_text::BlobTextRow> =
        texts.into_iter().map(|t| (t.sha256.clone(), t)).collect();
    let shares: Vec<(&str, Option<&str>)> = files
        .iter()
        .map(|f| {
            let text = texts
                .get(&f.sha256)
                .filter(|t| t.status == blob_text::EXTRACTED)
                .map(|t| t.content.as_str());
            (f.sha256.as_str(), text)
        })
        .collect();
    let bounded = attachment_text::bound(&shares);
    let attachments = files
        .iter()
        .zip(&bounded)
        .map(|(f, share)| {
            let text = texts.get(&f.sha256);
            AttachmentView {
                download_url: format!(
                    "/api/v1/comments/{}/attachments/{}",
                    row.tracking_number, f.position
                ),
                position: f.position,
                filename: f.filename.clone(),
                kind: f.kind.clone(),
                size_bytes: f.size_bytes,
                text_status: text
                    .map(|t| t.status.clone())
                    .unwrap_or_else(|| PENDING.into()),
                text_detail: text.and_then(|t| t.detail.clone()),
                text: share.text.map(str::to_string),
                text_truncated: share.truncated,
                text_same_as: share.same_as.map(|i| files[i].position),
                sha256: f.sha256.clone(),
            }
        })
        .collect();
    Ok(CommentView {
        tags,
        submitter: view::submitter(&row, audience),
        contact: view::contact(&row, audience),
        tracking_number: row.tracking_number,
        docket: row.docket_id,
        received_at: row.received_at.and_utc(),
        late: row.late,
        posting_status: row.posting_status,
        withheld_reason: row.withheld_reason,
        redaction,
        business_confidential: row.business_confidential,
        signatories: row.signatories,
        answers: ordered,
        comment: row.general_comment,
        attachments,
        campaign,
        signals,
    })
}

/// The signals that concern a comment, with their explanations from where
/// they were found (its campaign's row, or the docket's profile).
fn signals_of(
    conn: &mut crate::db::DbConn,
    row: &comment::CommentRow,
) -> Result<Vec<CommentSignal>, crate::db::DbError> {
    let mut out = Vec::new();
    let rows = comment_signal::of_comment(conn, &row.id)?;
    let sources: BTreeSet<&str> = rows.iter().map(|(s, _)| s.as_str()).collect();
    for source in sources {
        let stored: Vec<StoredSignal> = if source == comment_signal::DOCKET {
            campaign::profile(conn, &row.docket_id)?
                .and_then(|p| serde_json::from_str::<DocketProfile>(&p.profile).ok())
                .map(|p| p.signals)
                .unwrap_or_default()
        } else {
            campaign::find(conn, source)?
                .map(|c| serde_json::from_str(&c.signals).unwrap_or_default())
                .unwrap_or_default()
        };
        for s in stored {
            if s.comments.contains(&row.id) {
                out.push(CommentSignal {
                    kind: s.kind.as_str(),
                    explanation: s.explanation,
                    campaign: (source != comment_signal::DOCKET).then(|| source.to_string()),
                });
            }
        }
    }
    Ok(out)
}

/// The comments most like this one.
pub async fn similar(
    analysis: &Analysis,
    tracking_number: &str,
    audience: Audience,
) -> Result<Vec<HitView>, AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let id = analysis
        .db(move |conn| Ok(comment::find_by_tracking_number(conn, tn.as_str())?.map(|c| c.id)))
        .await?
        .ok_or(AnalysisError::NotFound("comment"))?;
    let index = analysis.index()?;
    let hits = analysis
        .blocking(move || index.similar(&id, 10))
        .await?
        .map_err(|e| AnalysisError::Search(e.to_string()))?;
    Ok(hits
        .into_iter()
        .map(|h| hit_view(h, Vec::new(), audience))
        .collect())
}

/// The stored file of a comment's attachment: (filename, kind, path).
pub async fn attachment_file(
    analysis: &Analysis,
    blobs: &crate::blobs::BlobStore,
    tracking_number: &str,
    position: i32,
) -> Result<(String, String, std::path::PathBuf), AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("attachment"))?;
    let file = analysis
        .db(move |conn| {
            let Some(c) = comment::find_by_tracking_number(conn, tn.as_str())? else {
                return Ok(None);
            };
            attachment::find(conn, &c.id, position)
        })
        .await?
        .ok_or(AnalysisError::NotFound("attachment"))?;
    let path = blobs.path_of(&file.sha256);
    Ok((file.filename, file.kind, path))
}
