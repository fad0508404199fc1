//! Reports of false attribution: anyone may say that a posted comment was
//! submitted in their name without their consent (the FCC's 2017 docket
//! held millions such). A report is a review item for staff, who confirm
//! or dismiss it (and withhold the comment through posting review). The
//! reporter's name and address are for staff only: the audit log records
//! that a report was made, not by whom.

use super::posting::check_note;
use crate::analysis::{transaction, AnalysisError, Coding};
use crate::db::models::attribution_report::{self, ReportRow, CONFIRMED, DISMISSED, OPEN};
use crate::db::models::audit::{self, NewEntry};
use crate::db::models::comment;
use crate::domain::email::Email;
use crate::domain::posting::is_public;
use crate::domain::tracking_number::TrackingNumber;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_STATEMENT_CHARS: usize = 5_000;
/// Most reports one listing returns.
pub const MAX_LISTED: i64 = 1_000;

/// A report as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct ReportForm {
    pub name: String,
    pub email: String,
    pub statement: String,
}

/// A checked report.
struct Report {
    name: String,
    email: Email,
    statement: String,
}

impl ReportForm {
    /// The problems by field, or the report.
    fn check(self) -> Result<Report, BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let name = self.name.trim().to_string();
        let statement = self.statement.trim().to_string();
        let text_problem = |text: &str, max: usize| {
            if text.is_empty() {
                Some("is required".to_string())
            } else if text.contains('\0') {
                Some("contains a NUL character".to_string())
            } else if text.chars().count() > max {
                Some(format!("is at most {max} characters"))
            } else {
                None
            }
        };
        if let Some(why) = text_problem(&name, MAX_NAME_CHARS) {
            errors.insert("name".into(), why);
        }
        if let Some(why) = text_problem(&statement, MAX_STATEMENT_CHARS) {
            errors.insert("statement".into(), why);
        }
        let email = match Email::parse(self.email.trim()) {
            Ok(e) => Some(e),
            Err(why) => {
                errors.insert("email".into(), why.to_string());
                None
            }
        };
        match email {
            Some(email) if errors.is_empty() => Ok(Report {
                name,
                email,
                statement,
            }),
            _ => Err(errors),
        }
    }
}

/// Files a report about a docket's posted comment. A comment that is not
/// public is not found (as on its page); the same address reporting the
/// same comment again while its report is open adds nothing.
pub async fn report(
    coding: &Coding,
    docket: &str,
    tracking_number: &str,
    form: ReportForm,
) -> Result<(), AnalysisError> {
    let tn = TrackingNumber::parse(tracking_number).ok_or(AnalysisError::NotFound("comment"))?;
    let report = form.check().map_err(AnalysisError::Invalid)?;
    let (docket, now) = (docket.to_string(), coding.now());
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let Some(row) = comment::find_by_tracking_number(conn, tn.as_str())? else {
                    return Ok(Err(AnalysisError::NotFound("comment")));
                };
                if row.docket_id != docket || !is_public(&row.posting_status) {
                    return Ok(Err(AnalysisError::NotFound("comment")));
                }
                if attribution_report::open_exists(conn, &row.id, report.email.as_str())? {
                    return Ok(Ok(()));
                }
                let id = uuid::Uuid::now_v7().to_string();
                attribution_report::insert(
                    conn,
                    &ReportRow {
                        id: id.clone(),
                        comment_id: row.id.clone(),
                        docket_id: row.docket_id.clone(),
                        reporter_name: report.name.clone(),
                        reporter_email: report.email.as_str().to_string(),
                        statement: report.statement.clone(),
                        status: OPEN.into(),
                        created_at: now,
                        resolved_by: None,
                        resolved_at: None,
                        resolution_note: None,
                    },
                )?;
                audit::append(
                    conn,
                    &[NewEntry::new(
                        &row.docket_id,
                        "public",
                        "attribution.reported",
                        &row.tracking_number,
                        json!({ "report": id }),
                        now,
                    )],
                )?;
                Ok(Ok(()))
            })
        })
        .await?
}

/// A report as staff read it.
#[derive(Debug, Serialize)]
pub struct ReportView {
    pub id: String,
    pub docket: String,
    pub tracking_number: String,
    pub reporter_name: String,
    pub reporter_email: String,
    pub statement: String,
    pub status: String,
    pub reported_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn view(row: ReportRow, tracking_number: String) -> ReportView {
    ReportView {
        id: row.id,
        docket: row.docket_id,
        tracking_number,
        reporter_name: row.reporter_name,
        reporter_email: row.reporter_email,
        statement: row.statement,
        status: row.status,
        reported_at: row.created_at.and_utc(),
        resolved_by: row.resolved_by,
        resolved_at: row.resolved_at.map(|t| t.and_utc()),
        note: row.resolution_note,
    }
}

/// A docket's reports, oldest first (`status`: `open`, `confirmed`,
/// `dismissed`, or all).
pub async fn list(
    coding: &Coding,
    docket: &str,
    status: Option<String>,
) -> Result<Vec<ReportView>, AnalysisError> {
    if let Some(s) = &status {
        if ![OPEN, CONFIRMED, DISMISSED].contains(&s.as_str()) {
            return Err(AnalysisError::Invalid(BTreeMap::from([(
                "status".to_string(),
                "must be open, confirmed or dismissed".to_string(),
            )])));
        }
    }
    coding
        .analysis
        .dockets
        .get(docket)
        .await?
        .ok_or(AnalysisError::NotFound("docket"))?;
    let docket = docket.to_string();
    let rows = coding
        .analysis
        .db(move |conn| {
            attribution_report::for_docket(conn, &docket, status.as_deref(), MAX_LISTED)
        })
        .await?;
    Ok(rows.into_iter().map(|(r, tn)| view(r, tn)).collect())
}

/// Staff's decision on a report.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// `confirmed` or `dismissed`.
    pub status: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// Confirms or dismisses an open report (audited). Deciding a report
/// already decided the same way changes nothing; the other way is a 409.
pub async fn resolve(
    coding: &Coding,
    id: &str,
    resolution: Resolution,
    actor: &str,
) -> Result<ReportView, AnalysisError> {
    let status = resolution.status.trim().to_string();
    if status != CONFIRMED && status != DISMISSED {
        return Err(AnalysisError::Invalid(BTreeMap::from([(
            "status".to_string(),
            "must be confirmed or dismissed".to_string(),
        )])));
    }
    let note = resolution
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    check_note(&note)?;
    let (id, actor, now) = (id.to_string(), actor.to_string(), coding.now());
    coding
        .write(move |conn| {
            transaction(conn, |conn| {
                let Some(row) = attribution_report::find(conn, &id)? else {
                    return Ok(Err(AnalysisError::NotFound("report")));
                };
                let Some(c) = comment::find_by_id(conn, &row.comment_id)? else {
                    return Ok(Err(AnalysisError::NotFound("report")));
                };
                if row.status == status {
                    return Ok(Ok(view(row, c.tracking_number)));
                }
                if row.status != OPEN {
                    return Ok(Err(AnalysisError::Conflict(format!(
                        "the report was already {}",
                        row.status
                    ))));
                }
                attribution_report::resolve(conn, &id, &status, &actor, note.as_deref(), now)?;
                let mut detail = json!({ "report": id, "status": status });
                if let Some(n) = &note {
                    detail["note"] = json!(n);
                }
                audit::append(
                    conn,
                    &[NewEntry::new(
                        &row.docket_id,
                        &actor,
                        "attribution.resolved",
                        &c.tracking_number,
                        detail,
                        now,
                    )],
                )?;
                let after = attribution_report::find(conn, &id)?.expect("just resolved");
                Ok(Ok(view(after, c.tracking_number)))
            })
        })
        .await?
}
