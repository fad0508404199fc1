//! Staff's docket administration over the API: posting review, one
//! comment at a time and in bulk from a search.

use super::api_coding::json_body;
use crate::admin::posting::{self, PostingRequest};
use crate::http::auth::{check_csrf, Staff};
use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};

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
