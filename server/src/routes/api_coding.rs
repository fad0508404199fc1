//! The coding API: the codebook (analysts read it, staff change it), tags
//! on comments, and the audit log. A browser signed in with a session
//! cookie sends its session's CSRF token in `X-CSRF-Token` with every
//! change; bearer-token clients need none.

use crate::analysis::{self, codebook::TagChange, tags::TagRequest};
use crate::db::models::audit::Filter;
use crate::domain::codebook::RawTag;
use crate::http::auth::{check_csrf, Analyst, Staff};
use crate::http::body::{media_type, parse_json, read_limited, unsupported_media_type};
use crate::http::error::ApiError;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

/// A coding request's body: a tag and an excerpt, a codebook entry.
const BODY_LIMIT: usize = 64 * 1024;

/// The query string as `T`; what does not fit is a 400 in our shape.
pub(super) fn query<T: DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    serde_urlencoded::from_str(req.query_string()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameters",
            format!("the query string could not be read: {e}"),
        )
    })
}

/// Reads a small JSON body, bounded in size and time.
pub(super) async fn json_body<T: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<T, ApiError> {
    if media_type(req).as_deref() != Some("application/json") {
        return Err(unsupported_media_type("application/json"));
    }
    let bytes = read_limited(req, payload, BODY_LIMIT, state.body_timing).await?;
    parse_json(&bytes)
}

pub async fn codebook(
    _who: Analyst,
    docket: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let view = analysis::codebook::list(&state.analysis, &docket).await?;
    Ok(HttpResponse::Ok().json(view))
}

pub async fn add_tag_to_codebook(
    Staff(who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let raw: RawTag = json_body(&req, payload, &state).await?;
    let tag = analysis::codebook::add(&state.coding, &docket, raw, &who.name).await?;
    Ok(HttpResponse::Created().json(tag))
}

pub async fn change_codebook_tag(
    Staff(who): Staff,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let (docket, name) = path.into_inner();
    let change: TagChange = json_body(&req, payload, &state).await?;
    let tag = analysis::codebook::change(&state.coding, &docket, &name, change, &who.name).await?;
    Ok(HttpResponse::Ok().json(tag))
}

pub async fn tag_comment(
    Analyst(who): Analyst,
    tracking_number: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: TagRequest = json_body(&req, payload, &state).await?;
    let (tags, added) =
        analysis::tags::add(&state.coding, &tracking_number, body, &who.name).await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(json!({ "tags": tags })))
}

/// `{"tag": ..., "q": ..., filters...}`: tags every current match (202;
/// a job applies it, its progress at the answer's URL).
pub async fn bulk_tag(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let body: serde_json::Map<String, serde_json::Value> = json_body(&req, payload, &state).await?;
    let op = analysis::bulk::start(&state.coding, &docket, body, &who.name).await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/dockets/{}/tags/bulk/{}", op.docket, op.id),
        ))
        .json(op))
}

pub async fn bulk_status(
    _who: Analyst,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (docket, id) = path.into_inner();
    let op = analysis::bulk::get(&state.coding, &docket, &id).await?;
    Ok(HttpResponse::Ok().json(op))
}

pub async fn bulk_undo(
    Analyst(who): Analyst,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let (docket, id) = path.into_inner();
    let op = analysis::bulk::undo(&state.coding, &docket, &id, &who.name).await?;
    Ok(HttpResponse::Accepted().json(op))
}

/// `DELETE` with the same body as the `POST`, or `?tag=` for a
/// whole-comment tag (some clients send no body with a DELETE).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UntagQuery {
    tag: Option<String>,
}

pub async fn untag_comment(
    Analyst(who): Analyst,
    tracking_number: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, &who)?;
    let query: UntagQuery = query(&req)?;
    let body: TagRequest = match query.tag {
        Some(tag) => TagRequest { tag, excerpt: None },
        None => json_body(&req, payload, &state).await?,
    };
    analysis::tags::remove(&state.coding, &tracking_number, body, &who.name).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementQuery {
    coders: String,
    #[serde(default)]
    tag_prefix: String,
}

/// `?coders=a,b&tag_prefix=region/`: how far two analysts agree.
pub async fn agreement(
    _who: Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q: AgreementQuery = query(&req)?;
    let names: Vec<String> = q
        .coders
        .split(',')
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    let coders: [String; 2] = match names.as_slice() {
        [a, b] if a != b => [a.clone(), b.clone()],
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_parameters",
                "name two different coders: coders=ana,bo",
            )
            .with_field("coders", "must name two different coders"))
        }
    };
    if q.tag_prefix.len() > crate::domain::tag_path::MAX_PATH {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameters",
            "the tag prefix is longer than any tag path",
        )
        .with_field("tag_prefix", "is too long"));
    }
    let view = analysis::agreement::between(&state.analysis, &docket, coders, q.tag_prefix).await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default)]
    after: i64,
    subject: Option<String>,
    actor: Option<String>,
    limit: Option<i64>,
}

pub async fn audit(
    _who: Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q: AuditQuery = query(&req)?;
    let filter = Filter {
        after: q.after,
        subject: q.subject,
        actor: q.actor,
    };
    let limit = q.limit.unwrap_or(analysis::audit::DEFAULT_LIMIT);
    let page = analysis::audit::page(&state.analysis, &docket, filter, limit).await?;
    Ok(HttpResponse::Ok().json(page))
}
