//! Organization groups (analysts): `GET /api/v1/dockets/{docket}/organizations`
//! (`?q=` filter, `?page=`), and corrections: `PUT .../organizations/groups`
//! `{"spelling": "MSFT", "group": "Microsoft"}` puts a spelling in a group,
//! `DELETE` with `{"spelling": ...}` gives it back to its own.

use super::api_coding::{json_body, query};
use crate::analysis::organizations;
use crate::http::auth::{check_csrf, Analyst};
use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
}

pub async fn list(
    _who: Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q: ListQuery = query(&req)?;
    let page = super::api_campaigns::page_number(q.page)? as usize;
    let filter = q.q.unwrap_or_default();
    if filter.chars().count() > organizations::MAX_NAME {
        return Err(ApiError::invalid(
            [("q".to_string(), "is too long".to_string())].into(),
        ));
    }
    let list = organizations::list(&state.analysis, &docket, &filter, page).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupBody {
    spelling: String,
    group: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UngroupBody {
    spelling: String,
}

/// 204; 422 with the field at fault.
pub async fn group(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: GroupBody = json_body(&req, payload, &state).await?;
    organizations::regroup(
        &state.coding,
        &docket,
        &body.spelling,
        Some(&body.group),
        &who.name,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 204; 404 when the spelling has no correction.
pub async fn ungroup(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: UngroupBody = json_body(&req, payload, &state).await?;
    organizations::regroup(&state.coding, &docket, &body.spelling, None, &who.name).await?;
    Ok(HttpResponse::NoContent().finish())
}
