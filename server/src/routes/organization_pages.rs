//! The organizations page (session cookie): a docket's organization
//! groups as summaries count them, with a filter, and the two forms that
//! correct a grouping: put a spelling in another group, or give it back
//! to its own. Each form carries the session's CSRF token; a refused
//! change answers with a page that says why and changes nothing.

use super::analyst_pages::{account, see_other};
use super::coding_pages::{checked_form, refused, take};
use crate::analysis::organizations;
use crate::http::auth::{Analyst, Principal};
use crate::http::error::ApiError;
use crate::pages::analyst::message_page;
use crate::pages::html_response;
use crate::pages::organizations::OrganizationsPage;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(serde::Deserialize)]
struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
}

pub async fn list_page(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query: ListQuery = serde_urlencoded::from_str(req.query_string()).unwrap_or(ListQuery {
        q: None,
        page: None,
    });
    let filter = query.q.unwrap_or_default();
    if filter.chars().count() > organizations::MAX_NAME {
        return Ok(message_page(
            StatusCode::BAD_REQUEST,
            "That filter is too long",
            &format!(
                "A filter has at most {} characters.",
                organizations::MAX_NAME
            ),
        ));
    }
    let page = query.page.unwrap_or(1).clamp(1, 100_000) as usize;
    match organizations::list(&state.analysis, &docket, &filter, page).await {
        Ok(list) => {
            let body = OrganizationsPage::new(account(&who), list, filter).render();
            Ok(html_response(StatusCode::OK, body))
        }
        Err(e) => refused(e),
    }
}

/// Back to the list, with the filter the form was sent from.
fn back(docket: &str, filter: &str) -> HttpResponse {
    let mut to = format!("/analyst/dockets/{docket}/organizations");
    if !filter.is_empty() {
        to.push('?');
        to.push_str(&serde_urlencoded::to_string([("q", filter)]).unwrap_or_default());
    }
    see_other(&to)
}

pub async fn group(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    regroup(&who, &docket, &req, payload, &state, true).await
}

pub async fn ungroup(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    regroup(&who, &docket, &req, payload, &state, false).await
}

/// Either form: `spelling`, and `group` when it moves the spelling (else
/// the spelling goes back to its own group); `q` is the list's filter.
async fn regroup(
    who: &Principal,
    docket: &str,
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
    moved: bool,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(req, who, payload, state).await?;
    let spelling = take(&mut form, "spelling");
    let group = moved.then(|| take(&mut form, "group"));
    let filter = take(&mut form, "q");
    match organizations::regroup(
        &state.coding,
        docket,
        &spelling,
        group.as_deref(),
        &who.name,
    )
    .await
    {
        Ok(()) => Ok(back(docket, &filter)),
        Err(e) => refused(e),
    }
}
