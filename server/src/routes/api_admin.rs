//! Staff's docket administration over the API: posting review, one
//! comment at a time and in bulk from a search; redaction; deadlines.

use super::api_coding::json_body;
use crate::admin::attribution;
use crate::admin::deadlines::{self, DeadlineRequest};
use crate::admin::posting::{self, PostingRequest};
use crate::admin::redaction::{self, RedactionRequest};
use crate::http::auth::{check_csrf, Staff};
use crate::http::body::{media_type, parse_json, read_limited, unsupported_media_type};
use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

/// `PUT /api/v1/comments/{tracking_number}/posting`
/// `{"status": "posted" | "withheld" | "pending_review", "reason": ..., "note": ...}`:
/// 200 with where the comment's review stands (also when it already stood there).
pub async fn set_posting(
    Staff(who): Staff,
    tracking_number: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: PostingRequest = json_body(&req, payload, &state).await?;
    let (view, _changed) =
        posting::decide(&state.coding, &tracking_number, body, &who.name).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /api/v1/dockets/{docket}/posting` `{"status": ..., "reason": ..., "note": ...,
/// "q": ..., filters...}`: the decision for every current match (202; a job
/// applies it, its progress at the answer's URL).
pub async fn bulk_posting(
    Staff(who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: serde_json::Map<String, serde_json::Value> = json_body(&req, payload, &state).await?;
    let op = posting::start_bulk(&state.coding, &docket, body, &who.name).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/dockets/{}/posting/{}", op.docket, op.id),
        ))
        .json(op))
}

/// `GET /api/v1/dockets/{docket}/posting/{id}`: a bulk decision's progress.
pub async fn bulk_posting_status(
    Staff(_who): Staff,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (docket, id) = path.into_inner();
    let op = posting::get_bulk(&state.coding, &docket, &id).await?;
    Ok(HttpResponse::Ok().json(op))
}

/// A redaction's body: every field of a large comment in full.
const REDACTION_BODY_LIMIT: usize = 1024 * 1024;

/// `PUT /api/v1/comments/{tracking_number}/redaction`
/// `{"answers": {"<question id>": "public text"}, "comment": "public text", "note": ...}`:
/// the comment is posted redacted (200 with its review and the redaction).
pub async fn put_redaction(
    Staff(who): Staff,
    tracking_number: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    if media_type(&req).as_deref() != Some("application/json") {
        return Err(unsupported_media_type("application/json"));
    }
    let bytes = read_limited(&req, payload, REDACTION_BODY_LIMIT, state.body_timing).await?;
    let body: RedactionRequest = parse_json(&bytes)?;
    let (posting, redaction) =
        redaction::put(&state.coding, &tracking_number, body, &who.name).await?;
    Ok(HttpResponse::Ok().json(json!({"posting": posting, "redaction": redaction})))
}

/// `DELETE /api/v1/comments/{tracking_number}/redaction`: back to review.
pub async fn delete_redaction(
    Staff(who): Staff,
    tracking_number: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let posting = redaction::remove(&state.coding, &tracking_number, &who.name).await?;
    Ok(HttpResponse::Ok().json(json!({ "posting": posting })))
}

/// `POST /api/v1/dockets/{docket}/deadline` `{"closes_at": "2026-12-13", "notice": "..."}`:
/// extends the comment period, or reopens it (201 with the change).
pub async fn change_deadline(
    Staff(who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: DeadlineRequest = json_body(&req, payload, &state).await?;
    let change = deadlines::change(&state.coding, &docket, body, &who.name).await?;
    let d = state.docket(&docket).await?;
    let local = |t: chrono::DateTime<chrono::Utc>| {
        d.local(t)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    Ok(HttpResponse::Created().json(json!({
        "closes_before": local(change.closes_before),
        "closes_at": local(change.closes_at),
        "notice": change.notice,
        "at": local(change.at),
    })))
}

/// `PUT /api/v1/comments/{tracking_number}/attachments/{position}/redaction`,
/// multipart/form-data: the redacted file in a part named `attachments`
/// (one, under the docket's attachment rules), an optional `note`. The
/// public gets it in place of that attachment; the comment is posted
/// redacted (200 with its review and redaction).
pub async fn put_redacted_file(
    Staff(who): Staff,
    path: web::Path<(String, i32)>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let (tracking_number, position) = path.into_inner();
    let (comment_id, docket_id) =
        redaction::comment_for_file(&state.coding, &tracking_number).await?;
    if media_type(&req).as_deref() != Some("multipart/form-data") {
        return Err(unsupported_media_type("multipart/form-data"));
    }
    let docket = state.docket(&docket_id).await?;
    let mut parts =
        crate::http::multipart::read(&req, payload, &docket, &state.blobs, state.body_timing)
            .await?;
    let mut note = None;
    for (name, value) in std::mem::take(&mut parts.texts) {
        match name.as_str() {
            "note" if note.is_none() => note = Some(value),
            _ => {
                return Err(ApiError::invalid(
                    [(
                        name,
                        "expected one file in \"attachments\" and an optional \"note\"".into(),
                    )]
                    .into(),
                ))
            }
        }
    }
    if parts.files.len() != 1 {
        return Err(ApiError::invalid(
            [(
                crate::http::multipart::ATTACHMENTS.to_string(),
                "send exactly one file: the redacted version of this attachment".to_string(),
            )]
            .into(),
        ));
    }
    let file = parts.files.pop().expect("one file");
    let (posting, redaction) = redaction::put_file(
        &state.coding,
        &state.blobs,
        &comment_id,
        position,
        file,
        note,
        &who.name,
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"posting": posting, "redaction": redaction})))
}

/// `GET /api/v1/dockets/{docket}/attribution-reports?status=open`: reports
/// that a posted comment was submitted in someone's name, with the
/// reporters' contact details (staff only), oldest first.
pub async fn attribution_reports(
    Staff(_who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut status = None;
    for (key, value) in super::api_analyst::query_pairs(&req)? {
        match key.as_str() {
            "status" if status.is_none() => status = Some(value),
            _ => {
                return Err(ApiError::invalid(
                    [(key, "is not a parameter here; use status".to_string())].into(),
                ))
            }
        }
    }
    let reports = attribution::list(&state.coding, &docket, status).await?;
    Ok(HttpResponse::Ok().json(json!({ "reports": reports })))
}

/// `PUT /api/v1/attribution-reports/{id}` `{"status": "confirmed" | "dismissed", "note": ...}`.
pub async fn resolve_attribution_report(
    Staff(who): Staff,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: attribution::Resolution = json_body(&req, payload, &state).await?;
    let view = attribution::resolve(&state.coding, &id, body, &who.name).await?;
    Ok(HttpResponse::Ok().json(view))
}
