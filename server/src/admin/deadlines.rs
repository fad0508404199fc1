//! Deadlines: staff extend a docket's comment period, or reopen it after
//! it closed, with a public notice. Every change is kept (the docket page
//! and API list them) and audited; the CLI's `docket extend` makes the same
//! change through the same database function.

use crate::analysis::{transaction, AnalysisError, Coding};
use crate::db::models::docket;
use crate::domain::docket::{parse_deadline, DeadlineChange};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Longest public notice.
pub const MAX_NOTICE_CHARS: usize = 2_000;

/// A change as the API takes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRequest {
    /// 2026-12-13 (the end of that day in the docket's time zone),
    /// 2026-12-13T17:00 (local) or RFC 3339.
    pub closes_at: String,
    /// Why, for the public: shown on the docket page.
    pub notice: String,
}

fn invalid(field: &str, why: impl Into<String>) -> AnalysisError {
    AnalysisError::Invalid(BTreeMap::from([(field.to_string(), why.into())]))
}

/// Checks a notice: some text, within bounds.
pub fn notice_problem(notice: &str) -> Option<String> {
    if notice.trim().is_empty() {
        Some("is required: the public reads why the period changed".into())
    } else if notice.contains('\0') {
        Some("contains a NUL character".into())
    } else if notice.chars().count() > MAX_NOTICE_CHARS {
        Some(format!("is at most {MAX_NOTICE_CHARS} characters"))
    } else {
        None
    }
}

/// Moves the docket's closing time later (reopening it when it had
/// closed). The new time must be later than the current one and than now.
pub async fn change(
    coding: &Coding,
    docket_id: &str,
    req: DeadlineRequest,
    actor: &str,
) -> Result<DeadlineChange, AnalysisError> {
    let d = coding
        .analysis
        .dockets
        .get(docket_id)
        .await?
        .ok_or(AnalysisError::NotFound("docket"))?;
    let until = parse_deadline(&req.closes_at, d.time_zone)
        .map_err(|e| invalid("closes_at", e.to_string()))?;
    if let Some(why) = notice_problem(&req.notice) {
        return Err(invalid("notice", why));
    }
    let now = coding.clock.now();
    if until <= now {
        return Err(invalid("closes_at", "is in the past"));
    }
    let (id, actor, notice) = (
        d.id.clone(),
        actor.to_string(),
        req.notice.trim().to_string(),
    );
    let docket_id = id.clone();
    let changed = coding
        .write(move |conn| {
            transaction(conn, |conn| {
                // Read again in the write: the cache may be a second old.
                let Some(current) = docket::find(conn, &docket_id)? else {
                    return Ok(Err(AnalysisError::NotFound("docket")));
                };
                if until <= current.closes_at() {
                    return Ok(Err(invalid(
                        "closes_at",
                        format!(
                            "must be later than the current closing time, {}",
                            current
                                .local(current.closes_at())
                                .format("%Y-%m-%d %H:%M:%S %Z")
                        ),
                    )));
                }
                Ok(Ok(docket::change_deadline(
                    conn, &current, until, &notice, &actor, now,
                )?))
            })
        })
        .await??;
    // This node's intake and pages follow at once; others within their
    // cache's second.
    coding.analysis.dockets.forget(&id);
    Ok(changed)
}
