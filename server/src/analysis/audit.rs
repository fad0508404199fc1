//! The audit log of a docket's coding: every change to its codebook and
//! to the tags on its comments, oldest first, paged by entry id.

use super::{Analysis, AnalysisError};
use crate::db::models::audit::{self, Filter};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1_000;

#[derive(Debug, Serialize)]
pub struct EntryView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// An account name, or what acted for no one (`codebook file`, a rule).
    pub actor: String,
    pub action: String,
    /// A tracking number or a tag path.
    pub subject: String,
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct AuditPage {
    pub entries: Vec<EntryView>,
    /// Pass as `after` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

pub async fn page(
    analysis: &Analysis,
    docket: &str,
    filter: Filter,
    limit: i64,
) -> Result<AuditPage, AnalysisError> {
    let docket = analysis.docket_id(docket).await?;
    let limit = limit.clamp(1, MAX_LIMIT);
    let rows = analysis
        .db(move |conn| audit::page(conn, &docket, &filter, limit + 1))
        .await?;
    let more = rows.len() as i64 > limit;
    let entries: Vec<EntryView> = rows
        .into_iter()
        .take(limit as usize)
        .map(|e| EntryView {
            id: e.id,
            at: e.at.and_utc(),
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    Ok(AuditPage {
        next_after: if more {
            entries.last().map(|e| e.id)
        } else {
            None
        },
        entries,
    })
}
