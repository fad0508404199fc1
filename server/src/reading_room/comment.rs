//! One posted comment as the public reads it, and its public files.
//! Read from the database (not the index), through `public`.

use super::public::{PublicFile, Publics};
use crate::analysis::{Analysis, AnalysisError};
use crate::db::models::{attachment, comment};
use crate::domain::docket::Docket;
use crate::domain::posting::REDACTED;
use crate::domain::tracking_number::TrackingNumber;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct PublicComment {
    pub tracking_number: String,
    pub docket: String,
    pub received_at: DateTime<Utc>,
    /// Staff withheld parts of it: the text and files are their redacted
    /// versions, and files they did not give a redacted version of are
    /// not shown.
    pub redacted: bool,
    pub submitter: PublicSubmitter,
    pub answers: Vec<PublicAnswer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub attachments: Vec<PublicAttachment>,
}

/// Who commented, as regulations.gov shows it: never an address of any kind.
#[derive(Debug, Serialize)]
pub struct PublicSubmitter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_type: Option<String>,
    pub category: String,
    pub country: String,
}

#[derive(Debug, Serialize)]
pub struct PublicAnswer {
    pub question: String,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct PublicAttachment {
    pub position: i32,
    pub filename: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub size_bytes: i64,
    /// Where to download it.
    pub url: String,
}

/// A docket's public comment; a comment that is not public, or of another
/// docket, is not found (the same answer as one that does not exist).
pub async fn find(
    analysis: &Analysis,
    docket: &Docket,
    tracking_number: &str,
) -> Result<PublicComment, AnalysisError> {
    let (row, files) = load(analysis, &docket.id, tracking_number).await?;
    let publics_text = files.1;
    let files = files.0;
    let name = match (&row.first_name, &row.last_name) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (Some(n), None) | (None, Some(n)) => Some(n.clone()),
        (None, None) => None,
    };
    let mut answers = publics_text.answers;
    let mut ordered = Vec::new();
    for q in &docket.definition.questions {
        if let Some(text) = answers.remove(&q.id) {
            ordered.push(PublicAnswer {
                question: q.id.clone(),
                title: q.title.clone(),
                text,
            });
        }
    }
    for (question, text) in answers {
        ordered.push(PublicAnswer {
            title: question.clone(),
            question,
            text,
        });
    }
    Ok(PublicComment {
        attachments: files
            .into_iter()
            .map(|f| PublicAttachment {
                url: format!(
                    "/dockets/{}/comments/{}/attachments/{}",
                    row.docket_id, row.tracking_number, f.position
                ),
                position: f.position,
                filename: f.filename,
                kind: f.kind,
                size_bytes: f.size_bytes,
            })
            .collect(),
        tracking_number: row.tracking_number,
        docket: row.docket_id,
        received_at: row.received_at.and_utc(),
        redacted: row.posting_status == REDACTED,
        submitter: PublicSubmitter {
            name: name.filter(|n| !n.trim().is_empty()),
            organization: row.organization.filter(|o| !o.trim().is_empty()),
            organization_type: row.organization_type,
            category: row.category,
            country: row.country,
        },
        answers: ordered,
        comment: publics_text.comment,
    })
}

/// A public file of a docket's public comment: (name, kind, stored path).
pub async fn file(
    analysis: &Analysis,
    blobs: &crate::blobs::BlobStore,
    docket: &str,
    tracking_number: &str,
    position: i32,
) -> Result<(String, String, std::path::PathBuf), AnalysisError> {
    let (_, (files, _)) = load(analysis, docket, tracking_number)
        .await
        .map_err(|_| AnalysisError::NotFound("attachment"))?;
    let f = files
        .into_iter()
        .find(|f| f.position == position)
        .ok_or(AnalysisError::NotFound("attachment"))?;
    Ok((f.filename, f.kind, blobs.path_of(&f.sha256)))
}

type Loaded = (
    comment::CommentRow,
    (Vec<PublicFile>, super::public::PublicText),
);

async fn load(
    analysis: &Analysis,
    docket: &str,
    tracking_number: &str,
) -> Result<Loaded, AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let docket = docket.to_string();
    analysis
        .db(move |conn| {
            let Some(row) = comment::find_by_tracking_number(conn, tn.as_str())? else {
                return Ok(None);
            };
            if row.docket_id != docket {
                return Ok(None);
            }
            let own = attachment::for_comment(conn, &row.id)?;
            let own: Vec<&attachment::AttachmentRow> = own.iter().collect();
            let publics = Publics::load(conn, &[&row], &own)?;
            let Some(text) = publics.text(&row) else {
                return Ok(None);
            };
            let files = publics.files(&row, &own);
            Ok(Some((row, (files, text))))
        })
        .await?
        .ok_or(AnalysisError::NotFound("comment"))
}
