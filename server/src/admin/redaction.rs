//! Redaction: staff give, for some of a comment's fields, the text the
//! public reads instead; the comment is then posted redacted. The original
//! stays for staff and analysts. Set and removed through the one write
//! path for indexed changes, each audited (which fields, not their text).

use super::posting::{check_note, PostingView};
use crate::analysis::{transaction, AnalysisError, Coding};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::comment;
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
    pub actor: String,
    pub at: DateTime<Utc>,
}

pub fn view(row: RedactionRow) -> RedactionView {
    RedactionView {
        answers: serde_json::from_str(&row.answers).unwrap_or_default(),
        comment: row.general_comment,
        actor: row.actor,
        at: row.created_at.and_utc(),
    }
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
                Ok(Ok((super::posting::view(&after), view(stored))))
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
