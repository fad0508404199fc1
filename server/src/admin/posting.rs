//! Posting review: staff decide, comment by comment, whether it is posted
//! publicly, withheld (and why), or back to review. Each decision goes
//! through the one write path for indexed changes (the status is a search
//! filter and a summary count) and into the audit log.

use crate::analysis::{transaction, AnalysisError, Coding};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::comment;
use crate::domain::posting::{PostingDecision, WithheldReason, MAX_NOTE_CHARS};
use crate::domain::tracking_number::TrackingNumber;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// A decision as the API takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostingRequest {
    pub status: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// Why, for the audit log (not shown publicly).
    #[serde(default)]
    pub note: Option<String>,
}

/// Where a comment's review stands.
#[derive(Debug, Serialize)]
pub struct PostingView {
    pub tracking_number: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<DateTime<Utc>>,
}

fn view(row: &comment::CommentRow) -> PostingView {
    PostingView {
        tracking_number: row.tracking_number.clone(),
        status: row.posting_status.clone(),
        reason: row.withheld_reason.clone(),
        changed_by: row.posting_changed_by.clone(),
        changed_at: row.posting_changed_at.map(|t| t.and_utc()),
    }
}

fn invalid(fields: BTreeMap<String, String>) -> AnalysisError {
    AnalysisError::Invalid(fields)
}

/// Records `actor`'s decision on one comment. Returns where its review
/// stands and whether anything changed (the same decision twice is
/// recorded once). A business-confidential comment is never posted as
/// submitted: it is withheld, or posted redacted.
pub async fn decide(
    coding: &Coding,
    tracking_number: &str,
    req: PostingRequest,
    actor: &str,
) -> Result<(PostingView, bool), AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let decision = PostingDecision::parse(req.status.trim(), req.reason.as_deref().map(str::trim))
        .map_err(invalid)?;
    let note = req
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(invalid(BTreeMap::from([(
            "note".to_string(),
            format!("is at most {MAX_NOTE_CHARS} characters"),
        )])));
    }
    let (actor, now) = (actor.to_string(), coding.now());
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let Some(row) = comment::find_by_tracking_number(conn, tn.as_str())? else {
                    return Ok(Err(AnalysisError::NotFound("comment")));
                };
                if decision == PostingDecision::Posted && row.business_confidential {
                    return Ok(Err(AnalysisError::Conflict(
                        "the comment is marked business-confidential: withhold it, or post it \
                         redacted"
                            .into(),
                    )));
                }
                let reason = decision.reason().map(WithheldReason::as_str);
                if row.posting_status == decision.status()
                    && row.withheld_reason.as_deref() == reason
                {
                    return Ok(Ok((view(&row), false)));
                }
                let changed = touched(conn, std::slice::from_ref(&row.id), now)?;
                indexed::write(conn, Change::Posting, |conn| {
                    comment::set_posting(conn, &row.id, decision.status(), reason, &actor, now)?;
                    let mut detail = json!({
                        "from": row.posting_status,
                        "status": decision.status(),
                    });
                    if let Some(r) = reason {
                        detail["reason"] = json!(r);
                    }
                    if let Some(n) = &note {
                        detail["note"] = json!(n);
                    }
                    audit::append(
                        conn,
                        &[NewEntry::new(
                            &row.docket_id,
                            &actor,
                            "posting.changed",
                            &row.tracking_number,
                            detail,
                            now,
                        )],
                    )?;
                    Ok(((), changed))
                })?;
                let after = comment::find_by_tracking_number(conn, tn.as_str())?
                    .expect("the comment just changed");
                Ok(Ok((view(&after), true)))
            })
        })
        .await?
}
