//! The campaign pages (session cookie): the docket's campaigns, one
//! campaign with its members' additions, and the forms that name and
//! confirm it, merge another into it, split a member off and tag every
//! member. Each form carries the session's CSRF token; a refused change
//! answers with a page that says why and changes nothing.

use super::analyst_pages::{account, see_other};
use super::coding_pages::{checked_form, refused, take};
use crate::analysis::campaigns::{self, Naming};
use crate::http::auth::Analyst;
use crate::http::error::ApiError;
use crate::pages::campaigns::{CampaignPage, CampaignsPage};
use crate::pages::html_response;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

fn page_of(req: &HttpRequest) -> i64 {
    serde_urlencoded::from_str::<PageQuery>(req.query_string())
        .ok()
        .and_then(|q| q.page)
        .unwrap_or(1)
        .clamp(1, 100_000)
}

pub async fn list_page(
    Analyst(who): Analyst,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let page = page_of(&req);
    match campaigns::list(&state.analysis, &docket, page).await {
        Ok(list) => {
            let next_page = (list.campaigns.len() as i64 == list.per_page).then_some(page + 1);
            let body = CampaignsPage {
                account: account(&who),
                list,
                next_page,
            }
            .render();
            Ok(html_response(StatusCode::OK, body))
        }
        Err(e) => refused(e),
    }
}

pub async fn campaign_page(
    Analyst(who): Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let page = page_of(&req);
    match campaigns::get(&state.analysis, &id, page).await {
        Ok(c) => {
            let next_page = (c.member_list.len() as i64 == c.per_page).then_some(page + 1);
            let body = CampaignPage {
                account: account(&who),
                c,
                next_page,
            }
            .render();
            Ok(html_response(StatusCode::OK, body))
        }
        Err(e) => refused(e),
    }
}

fn back(id: &str) -> HttpResponse {
    see_other(&format!("/analyst/campaigns/{id}"))
}

pub async fn name(
    Analyst(who): Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let naming = Naming {
        name: Some(take(&mut form, "name")),
        confirmed: Some(take(&mut form, "confirmed") == "true"),
    };
    match campaigns::rename(&state.coding, &id, naming, &who.name).await {
        Ok(()) => Ok(back(&id)),
        Err(e) => refused(e),
    }
}

pub async fn merge(
    Analyst(who): Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let other = take(&mut form, "campaign");
    match campaigns::merge(&state.coding, &id, other.trim(), &who.name).await {
        Ok(()) => Ok(back(&id)),
        Err(e) => refused(e),
    }
}

pub async fn split(
    Analyst(who): Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let tn = take(&mut form, "tracking_number");
    match campaigns::split(&state.coding, &id, &tn, &who.name).await {
        // The campaign may be gone (too few left): back to the list then.
        Ok(()) => Ok(back(&id)),
        Err(e) => refused(e),
    }
}

pub async fn tag(
    Analyst(who): Analyst,
    id: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut form = checked_form(&req, &who, payload, &state).await?;
    let tag = take(&mut form, "tag");
    match campaigns::tag(&state.coding, &id, tag.trim(), &who.name).await {
        Ok(_) => Ok(back(&id)),
        Err(e) => refused(e),
    }
}
