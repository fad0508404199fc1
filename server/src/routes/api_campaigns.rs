//! Campaigns: the docket's list (largest first, with de-duplicated
//! counts), one campaign with its members' additions, and analysts'
//! corrections; staff start a rebuild. Analysts; a session client sends its
//! CSRF token with each change.

use super::api_coding::{json_body, query};
use crate::analysis::campaigns::{self, Naming};
use crate::http::auth::{check_csrf, Analyst, Staff};
use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    page: Option<i64>,
}

fn page(req: &HttpRequest) -> Result<i64, ApiError> {
    let q: PageQuery = query(req)?;
    page_number(q.page)
}

/// A `page` parameter: 1 when absent, else 1 to 100,000 (422 outside).
pub(super) fn page_number(page: Option<i64>) -> Result<i64, ApiError> {
    match page {
        None => Ok(1),
        Some(p) if (1..=100_000).contains(&p) => Ok(p),
        Some(_) => Err(ApiError::invalid(
            [(
                "page".to_string(),
                "must be a whole number from 1 to 100000".to_string(),
            )]
            .into(),
        )),
    }
}

pub async fn list(
    _who: Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let list = campaigns::list(&state.analysis, &docket, page(&req)?).await?;
    Ok(HttpResponse::Ok().json(list))
}

pub async fn get(
    _who: Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let detail = campaigns::get(&state.analysis, &id, page(&req)?).await?;
    Ok(HttpResponse::Ok().json(detail))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamingBody {
    name: Option<String>,
    confirmed: Option<bool>,
}

/// `{"name": "...", "confirmed": true}` (either or both): 204.
pub async fn rename(
    Analyst(who): Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: NamingBody = json_body(&req, payload, &state).await?;
    let naming = Naming {
        name: body.name,
        confirmed: body.confirmed,
    };
    campaigns::rename(&state.coding, &id, naming, &who.name).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitBody {
    tracking_number: String,
}

/// `{"tracking_number": "..."}`: the member leaves the campaign for good
/// (204).
pub async fn split(
    Analyst(who): Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: SplitBody = json_body(&req, payload, &state).await?;
    campaigns::split(&state.coding, &id, &body.tracking_number, &who.name).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeBody {
    campaign: String,
}

/// `{"campaign": "<other id>"}`: the other campaign's members join this
/// one (204).
pub async fn merge(
    Analyst(who): Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: MergeBody = json_body(&req, payload, &state).await?;
    campaigns::merge(&state.coding, &id, &body.campaign, &who.name).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TagBody {
    tag: String,
}

/// `{"tag": "..."}`: a bulk tag of every member (202, as bulk tags are).
pub async fn tag(
    Analyst(who): Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: TagBody = json_body(&req, payload, &state).await?;
    let bulk = campaigns::tag(&state.coding, &id, &body.tag, &who.name).await?;
    Ok(HttpResponse::Accepted().json(bulk))
}

/// Staff: detection over the whole docket again, in the background (202).
pub async fn rebuild(
    Staff(who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let d = state.docket(&docket).await?;
    let now = state.now().naive_utc();
    let id = d.id.clone();
    state
        .db(move |conn| crate::jobs::campaigns::request_rebuild(conn, &id, now))
        .await?;
    Ok(HttpResponse::Accepted().json(serde_json::json!({
        "docket": d.id,
        "job": format!("{}:{}", crate::jobs::campaigns::REBUILD_KIND, d.id),
    })))
}
