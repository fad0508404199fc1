//! Posting review: staff decide, comment by comment, whether it is posted
//! publicly, withheld (and why), or back to review. Each decision goes
//! through the one write path for indexed changes (the status is a search
//! filter and a summary count) and into the audit log.

use crate::analysis::{transaction, AnalysisError, Coding};
use crate::db::indexed::{self, touched, Change};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::comment;
use crate::db::models::job::{self, JobRow};
use crate::db::models::posting_operation::{self as op_table, PostingOperationRow, APPLYING};
use crate::domain::posting::{PostingDecision, WithheldReason, MAX_NOTE_CHARS};
use crate::domain::search_params::SearchParams;
use crate::domain::tracking_number::TrackingNumber;
use crate::jobs::bulk_posting::KIND as BULK_KIND;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
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

pub(super) fn view(row: &comment::CommentRow) -> PostingView {
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

pub(super) fn check_note(note: &Option<String>) -> Result<(), AnalysisError> {
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(invalid(BTreeMap::from([(
            "note".to_string(),
            format!("is at most {MAX_NOTE_CHARS} characters"),
        )])));
    }
    Ok(())
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
                if decision == PostingDecision::Posted
                    && crate::db::models::redaction::find(conn, &row.id)?.is_some()
                {
                    return Ok(Err(AnalysisError::Conflict(
                        "the comment has a redaction: it is posted redacted (PUT its \
                         redaction); remove the redaction to post it as submitted"
                            .into(),
                    )));
                }
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

/// A bulk decision and how far it has come.
#[derive(Debug, Serialize)]
pub struct BulkPostingView {
    pub id: String,
    pub docket: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The search, as it was asked: `q` and filters.
    pub search: Value,
    pub actor: String,
    /// `applying` or `applied`.
    pub state: String,
    /// Comments the search matched when the decision was made.
    pub matched: i32,
    /// Gone through so far.
    pub done: i32,
    /// Of those, comments whose status changed.
    pub changed: i32,
    /// Of those, business-confidential comments not posted as submitted.
    pub skipped: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn bulk_view(row: PostingOperationRow) -> BulkPostingView {
    BulkPostingView {
        search: serde_json::from_str(&row.search).unwrap_or(Value::Null),
        id: row.id,
        docket: row.docket_id,
        status: row.status,
        reason: row.reason,
        actor: row.actor,
        state: row.state,
        matched: row.matched,
        done: row.done,
        changed: row.changed,
        skipped: row.skipped,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// Puts a decision on every comment the search in `body` matches now
/// (`status`, `reason`, `note`, then `q` and the search API's filters):
/// stored with its targets, applied by a `bulk_posting` job, audited once
/// with the search and the count.
pub async fn start_bulk(
    coding: &Coding,
    docket: &str,
    body: Map<String, Value>,
    actor: &str,
) -> Result<BulkPostingView, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let text = |key: &str| -> Result<Option<String>, AnalysisError> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err(invalid(BTreeMap::from([(
                key.to_string(),
                "is a string".to_string(),
            )]))),
        }
    };
    let status = text("status")?.unwrap_or_default();
    let reason = text("reason")?;
    let note = text("note")?.filter(|n| !n.is_empty());
    let decision = PostingDecision::parse(&status, reason.as_deref()).map_err(invalid)?;
    check_note(&note)?;
    let params = SearchParams::from_json(&body, &["status", "reason", "note"])
        .map_err(AnalysisError::Invalid)?;
    let ids =
        crate::analysis::bulk::targets(coding, &docket, params, "one decision covers").await?;
    let search = Value::Object(
        body.into_iter()
            .filter(|(k, _)| !["status", "reason", "note"].contains(&k.as_str()))
            .collect(),
    );
    let (actor, now) = (actor.to_string(), coding.now());
    let row = coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let row = PostingOperationRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    docket_id: docket.clone(),
                    status: decision.status().to_string(),
                    reason: decision.reason().map(|r| r.as_str().to_string()),
                    search: search.to_string(),
                    actor: actor.clone(),
                    state: APPLYING.into(),
                    matched: ids.len() as i32,
                    done: 0,
                    changed: 0,
                    skipped: 0,
                    cursor: String::new(),
                    created_at: now,
                    updated_at: now,
                };
                op_table::insert(conn, &row, &ids)?;
                job::enqueue(conn, &[JobRow::new(BULK_KIND, &row.id, now)])?;
                let mut detail = json!({
                    "status": row.status,
                    "search": search,
                    "matched": ids.len(),
                });
                if let Some(r) = &row.reason {
                    detail["reason"] = json!(r);
                }
                if let Some(n) = &note {
                    detail["note"] = json!(n);
                }
                audit::append(
                    conn,
                    &[NewEntry::new(
                        &docket,
                        &actor,
                        "posting.bulk",
                        &row.id,
                        detail,
                        now,
                    )],
                )?;
                Ok(Ok(row))
            })
        })
        .await??;
    Ok(bulk_view(row))
}

/// A bulk decision of `docket`.
pub async fn get_bulk(
    coding: &Coding,
    docket: &str,
    id: &str,
) -> Result<BulkPostingView, AnalysisError> {
    let docket = coding.analysis.docket_id(docket).await?;
    let id = id.to_string();
    match coding
        .analysis
        .db(move |conn| op_table::find(conn, &id))
        .await?
    {
        Some(row) if row.docket_id == docket => Ok(bulk_view(row)),
        _ => Err(AnalysisError::NotFound("posting operation")),
    }
}
