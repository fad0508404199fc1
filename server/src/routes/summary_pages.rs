//! The summary page (staff): a docket's, or a search's when the query
//! string carries the search API's parameters.

use super::analyst_pages::account;
use super::coding_pages::refused;
use crate::analysis::summary;
use crate::domain::search_params::SearchParams;
use crate::http::auth::Staff;
use crate::http::error::ApiError;
use crate::pages::analyst::message_page;
use crate::pages::html_response;
use crate::pages::summary::SummaryPage;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub async fn summary_page(
    Staff(who): Staff,
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let params = match SearchParams::parse(&pairs) {
        Ok(p) => p,
        Err(errors) => {
            let why: Vec<String> = errors.iter().map(|(k, v)| format!("{k} {v}")).collect();
            return Ok(message_page(
                StatusCode::BAD_REQUEST,
                "That summary could not be made",
                &why.join("; "),
            ));
        }
    };
    match summary::summarize(&state.analysis, &docket, &params).await {
        Ok(s) => {
            let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            let body = SummaryPage::new(account(&who), s, query).render();
            Ok(html_response(StatusCode::OK, body))
        }
        Err(e) => refused(e),
    }
}
