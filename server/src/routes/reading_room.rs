//! The public reading room: pages and JSON over posted comments only.
//! Every answer is limited per client and may be cached for a minute by
//! browsers and shared caches (a signed-in request is never cached:
//! `http::private`); a comment withheld is gone from them within it.

use super::api_analyst::{download, query_pairs};
use crate::admin::attribution::{self, ReportForm};
use crate::analysis::AnalysisError;
use crate::http::body::read_limited;
use crate::http::error::ApiError;
use crate::pages::reading_room::{comment_page, list_page, ReportPage};
use crate::pages::{html_response, MessagePage};
use crate::reading_room::{comment, search};
use crate::state::AppState;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// How long a public answer may be reused.
const CACHE: &str = "public, max-age=60";

fn cached(mut res: HttpResponse) -> HttpResponse {
    if res.status().is_success() {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    }
    res
}

fn parameters_error(fields: std::collections::BTreeMap<String, String>) -> ApiError {
    ApiError {
        fields,
        ..ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameters",
            "some search parameters could not be read",
        )
    }
}

/// `GET /api/v1/dockets/{docket}/posted?q=&category=&country=&org_type=&question=&from=&to=&sort=&page=&per_page=`
pub async fn posted(
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.check_reading_rate(&req)?;
    let docket = state.docket(&docket).await?;
    let pairs = query_pairs(&req)?;
    let query = search::PublicQuery::parse(&docket.id, &pairs).map_err(parameters_error)?;
    let page = search::run(&state.analysis, &query).await?;
    Ok(cached(HttpResponse::Ok().json(page)))
}

/// `GET /api/v1/dockets/{docket}/posted/{tracking_number}`
pub async fn posted_comment(
    path: web::Path<(String, String)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.check_reading_rate(&req)?;
    let (docket, tracking_number) = path.into_inner();
    let docket = state.docket(&docket).await?;
    let view = comment::find(&state.analysis, &docket, &tracking_number).await?;
    Ok(cached(HttpResponse::Ok().json(view)))
}

/// `GET /dockets/{docket}/comments`: the reading room's search page.
pub async fn list(
    docket: web::Path<String>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    let result = async {
        state.check_reading_rate(&req)?;
        let docket = state.docket(&docket).await?;
        let pairs = query_pairs(&req)?;
        let page = match search::PublicQuery::parse(&docket.id, &pairs) {
            Ok(query) => match search::run(&state.analysis, &query).await {
                Ok(page) => Ok(page),
                Err(crate::analysis::AnalysisError::InvalidQuery(q)) => {
                    Err(format!("The search could not be read: {}", q.message))
                }
                Err(e) => return Err(ApiError::from(e)),
            },
            Err(fields) => Err(fields
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join("; ")),
        };
        let status = if page.is_ok() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        Ok::<_, ApiError>((status, list_page(&docket, &pairs, page).render()))
    }
    .await;
    match result {
        Ok((status, body)) => cached(html_response(status, body)),
        Err(e) => super::pages::error_page(&e),
    }
}

/// `GET /dockets/{docket}/comments/{tracking_number}`: one posted comment.
pub async fn show(
    path: web::Path<(String, String)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    let result = async {
        state.check_reading_rate(&req)?;
        let (docket, tracking_number) = path.into_inner();
        let docket = state.docket(&docket).await?;
        let view = comment::find(&state.analysis, &docket, &tracking_number).await?;
        Ok::<_, ApiError>(comment_page(&docket, view).render())
    }
    .await;
    match result {
        Ok(body) => cached(html_response(StatusCode::OK, body)),
        Err(e) => super::pages::error_page(&e),
    }
}

/// `GET /dockets/{docket}/comments/{tracking_number}/attachments/{position}`:
/// a public file (a redacted comment's redacted version).
pub async fn attachment(
    path: web::Path<(String, String, i32)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.check_reading_rate(&req)?;
    let (docket, tracking_number, position) = path.into_inner();
    let (filename, kind, file) = comment::file(
        &state.analysis,
        &state.blobs,
        &docket,
        &tracking_number,
        position,
    )
    .await?;
    Ok(cached(download(&req, filename, &kind, &file).await?))
}

/// A report form's body: a name, an address, a statement.
const REPORT_FORM_LIMIT: usize = 32 * 1024;

fn report_form(
    docket: &crate::domain::docket::Docket,
    tracking_number: &str,
    sent: Option<&ReportForm>,
    errors: Vec<(String, String)>,
) -> Result<String, askama::Error> {
    let blank = ReportForm::default();
    let sent = sent.unwrap_or(&blank);
    ReportPage {
        docket_id: docket.id.clone(),
        docket_title: docket.title.clone(),
        tracking_number: tracking_number.to_string(),
        name: sent.name.clone(),
        email: sent.email.clone(),
        statement: sent.statement.clone(),
        errors,
    }
    .render()
}

/// `GET /dockets/{docket}/comments/{tracking_number}/report`: the form to
/// report that a posted comment was submitted in one's name.
pub async fn report_page(
    path: web::Path<(String, String)>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> HttpResponse {
    let result = async {
        state.check_reading_rate(&req)?;
        let (docket, tracking_number) = path.into_inner();
        let docket = state.docket(&docket).await?;
        let view = comment::find(&state.analysis, &docket, &tracking_number).await?;
        Ok::<_, ApiError>(report_form(
            &docket,
            &view.tracking_number,
            None,
            Vec::new(),
        ))
    }
    .await;
    match result {
        Ok(body) => html_response(StatusCode::OK, body),
        Err(e) => super::pages::error_page(&e),
    }
}

/// `POST /dockets/{docket}/comments/{tracking_number}/report`
/// (urlencoded `name`, `email`, `statement`): a review item for staff.
pub async fn report(
    path: web::Path<(String, String)>,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (docket, tracking_number) = path.into_inner();
    let result = async {
        // Reports are written, like submissions: the same limit.
        state.check_rate(&req)?;
        let docket = state.docket(&docket).await?;
        let body = read_limited(&req, payload, REPORT_FORM_LIMIT, state.body_timing).await?;
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&body).map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_form",
                    "the form could not be read",
                )
            })?;
        let form = ReportForm {
            name: take(&mut pairs, "name"),
            email: take(&mut pairs, "email"),
            statement: take(&mut pairs, "statement"),
        };
        match attribution::report(&state.coding, &docket.id, &tracking_number, form.clone()).await {
            Ok(()) => Ok(html_response(
                StatusCode::CREATED,
                MessagePage {
                    heading: "Report received",
                    text: "Thank you. Staff will review your report, and may write to you at \
                           the address you gave.",
                }
                .render(),
            )),
            Err(AnalysisError::Invalid(fields)) => Ok(html_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                report_form(
                    &docket,
                    &tracking_number,
                    Some(&form),
                    fields.into_iter().collect(),
                ),
            )),
            Err(e) => Err(ApiError::from(e)),
        }
    }
    .await;
    result.unwrap_or_else(|e| super::pages::error_page(&e))
}

fn take(pairs: &mut Vec<(String, String)>, key: &str) -> String {
    match pairs.iter().position(|(k, _)| k == key) {
        Some(i) => pairs.remove(i).1,
        None => String::new(),
    }
}
