//! Staff's docket administration over the API: posting review.

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
