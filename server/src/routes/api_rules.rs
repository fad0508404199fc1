//! Rule tags: preview, save, list, edit and delete saved rules, and reject
//! (or restore) a rule's tag on one comment. Analysts; a session client
//! sends its CSRF token with each change.

use super::api_coding::json_body;
use crate::analysis;
use crate::http::auth::{check_csrf, Analyst};
use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{Map, Value};

/// `{"tag", "q", filters...}`: how many comments the rule would tag now,
/// and the newest ten. Changes nothing.
pub async fn preview(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: Map<String, Value> = json_body(&req, payload, &state).await?;
    let preview = analysis::rules::preview(&state.coding, &docket, body).await?;
    Ok(HttpResponse::Ok().json(preview))
}

/// Saves a rule (201); it tags the existing matches in the background
/// (`status` says how far) and every new comment that matches.
pub async fn create(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: Map<String, Value> = json_body(&req, payload, &state).await?;
    let rule = analysis::rules::create(&state.coding, &docket, body, &who.name).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/dockets/{}/rules/{}", rule.docket, rule.id),
        ))
        .json(rule))
}

pub async fn list(
    _who: Analyst,
    docket: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let rules = analysis::rules::list(&state.coding, &docket).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "rules": rules })))
}

pub async fn get(
    _who: Analyst,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (docket, id) = path.into_inner();
    let rule = analysis::rules::get(&state.coding, &docket, &id).await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// The whole rule again (`tag`, `q`, filters): applied anew.
pub async fn edit(
    Analyst(who): Analyst,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let (docket, id) = path.into_inner();
    let body: Map<String, Value> = json_body(&req, payload, &state).await?;
    let rule = analysis::rules::edit(&state.coding, &docket, &id, body, &who.name).await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// 202: the rule's tags go in the background.
pub async fn delete(
    Analyst(who): Analyst,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let (docket, id) = path.into_inner();
    let rule = analysis::rules::delete(&state.coding, &docket, &id, &who.name).await?;
    Ok(HttpResponse::Accepted().json(rule))
}

/// `PUT .../rejections/{tracking_number}`: the rule's tag comes off the
/// comment and stays off (204; again is no change).
pub async fn reject(
    Analyst(who): Analyst,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let (docket, id, tn) = path.into_inner();
    analysis::rules::reject(&state.coding, &docket, &id, &tn, &who.name).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn unreject(
    Analyst(who): Analyst,
    path: web::Path<(String, String, String)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let (docket, id, tn) = path.into_inner();
    analysis::rules::unreject(&state.coding, &docket, &id, &tn, &who.name).await?;
    Ok(HttpResponse::NoContent().finish())
}
