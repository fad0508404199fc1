//! The analyst pages: sign-in, sign-out, search and a whole comment.

use crate::accounts;
use crate::analysis::{self, view::Audience, AnalysisError};
use crate::domain::search_params::SearchParams;
use crate::http::auth::{
    check_form_csrf, principal, same_origin, Analyst, Principal, SESSION_COOKIE,
};
use crate::http::error::ApiError;
use crate::pages::analyst::{
    message_page, sign_in_page, Account, BulkForm, CommentPage, SearchView, CSRF_COOKIE,
};
use crate::pages::html_response;
use crate::state::AppState;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

pub async fn sign_in_form(req: HttpRequest, query: web::Query<NextQuery>) -> HttpResponse {
    if let Ok(Some(_)) = principal(&req).await {
        return see_other(&safe_next(&query.next));
    }
    sign_in_page(StatusCode::OK, safe_next(&query.next), String::new(), None)
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in(
    req: HttpRequest,
    form: web::Form<SignInForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let next = safe_next(&form.next);
    let cookie_token = req.cookie(CSRF_COOKIE).map(|c| c.value().to_string());
    if !same_origin(&req)
        || cookie_token.as_deref() != Some(form.csrf.as_str())
        || form.csrf.is_empty()
    {
        return Ok(sign_in_page(
            StatusCode::FORBIDDEN,
            next,
            form.name,
            Some("The form had expired. Please sign in again.".into()),
        ));
    }
    let client = state.client_limit_key(&req);
    let account_key = form.name.trim().to_lowercase();
    if let Err(wait) = state.sign_in_throttle.begin(&account_key, &client) {
        let mut res = sign_in_page(
            StatusCode::TOO_MANY_REQUESTS,
            next,
            form.name,
            Some(format!(
                "Too many failed sign-ins. Try again in {} minutes.",
                wait.div_ceil(60)
            )),
        );
        res.headers_mut().insert(
            header::RETRY_AFTER,
            wait.to_string().parse().expect("digits"),
        );
        return Ok(res);
    }
    let name = form.name.clone();
    let found = state
        .db(move |conn| accounts::find_for_sign_in(conn, &name))
        .await?;
    let user = match state.password_checks.check(found, form.password).await {
        Ok(user) => user,
        Err(accounts::CheckError::Busy) => {
            return Err(ApiError::unavailable());
        }
        Err(accounts::CheckError::Failed) => return Err(ApiError::internal()),
    };
    let Some(user) = user else {
        // Already counted by `begin`.
        tracing::info!("failed sign-in");
        return Ok(sign_in_page(
            StatusCode::UNAUTHORIZED,
            next,
            form.name,
            Some("That account name and password do not match.".into()),
        ));
    };
    state.sign_in_throttle.succeeded(&account_key, &client);
    let now = state.now().naive_utc();
    let user_id = user.id.clone();
    let session = state
        .writer
        .run(move |conn| accounts::open_session(conn, &user_id, now))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not open a session");
            ApiError::internal()
        })?;
    tracing::info!(user = %user.id, "signed in");
    let mut res = see_other(&next);
    res.add_cookie(&session_cookie(session.expose()))
        .map_err(|_| ApiError::internal())?;
    Ok(res)
}

#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    Analyst(who): Analyst,
    req: HttpRequest,
    // Read as a Result so that an unreadable body never answers before
    // the account check does.
    form: Result<web::Form<SignOutForm>, actix_web::Error>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let presented = form.map(|f| f.into_inner().csrf).unwrap_or_default();
    check_form_csrf(&req, &who, &presented)?;
    if let Some(hash) = who.session_hash.clone() {
        state
            .writer
            .run(move |conn| accounts::close_session(conn, &hash))
            .await
            .map_err(|_| ApiError::internal())?;
    }
    let mut res = see_other("/analyst/sign-in");
    let mut gone = session_cookie("");
    gone.make_removal();
    res.add_cookie(&gone).map_err(|_| ApiError::internal())?;
    Ok(res)
}

pub async fn search_page(
    Analyst(who): Analyst,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let dockets = all_dockets(&state).await;
    let (params, result) = match SearchParams::parse(&pairs) {
        Ok(params) => {
            let result = analysis::search::run(&state.analysis, &params, Audience::of(who.role))
                .await
                .map_err(ApiError::from);
            (params, result)
        }
        Err(fields) => {
            let message = fields
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join("; ");
            (
                SearchParams::parse(&[]).expect("no parameters parse"),
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_parameters",
                    message,
                )),
            )
        }
    };
    let (status, result) = match result {
        Ok(page) => (StatusCode::OK, Ok(page)),
        Err(e) if e.status.is_client_error() => (e.status, Err(e.message)),
        Err(e) if e.status == StatusCode::SERVICE_UNAVAILABLE => (e.status, Err(e.message)),
        Err(e) => return Err(e),
    };
    let total = result.as_ref().map_or(0, |p| p.total);
    let mut view = SearchView::new(account(&who), &params, &pairs, result, &dockets);
    // One docket searched (by filter, or the only one there is): its
    // results can be tagged at once.
    let docket = match params.keywords.get("docket").map(Vec::as_slice) {
        Some([one]) => Some(one.clone()),
        None if dockets.len() == 1 => Some(dockets[0].id.clone()),
        _ => None,
    };
    if let Some(docket) = docket.filter(|_| total > 0 && total <= analysis::bulk::MAX_TARGETS) {
        if let Ok(codebook) = analysis::codebook::list(&state.analysis, &docket).await {
            view.bulk = Some(BulkForm {
                docket,
                search: BulkForm::search_of(&pairs),
                options: crate::pages::coding::tag_options(&codebook),
            });
        }
    }
    Ok(html_response(status, view.render()))
}

pub async fn comment_page(
    Analyst(who): Analyst,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let audience = Audience::of(who.role);
    let view = match analysis::comment::load(&state.analysis, &path, audience).await {
        Ok(v) => v,
        Err(AnalysisError::NotFound(_)) => {
            return Ok(message_page(
                StatusCode::NOT_FOUND,
                "No such comment",
                "No comment has that tracking number.",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    // Similar comments are a help, not a must: a failure leaves them out.
    let similar = analysis::comment::similar(&state.analysis, &view.tracking_number, audience)
        .await
        .unwrap_or_default();
    let dockets = all_dockets(&state).await;
    // The picker is a help too: a codebook that cannot be read leaves it empty.
    let options = match analysis::codebook::list(&state.analysis, &view.docket).await {
        Ok(codebook) => crate::pages::coding::tag_options(&codebook),
        Err(_) => Vec::new(),
    };
    let page = CommentPage::new(account(&who), view, similar, &dockets, options);
    Ok(html_response(StatusCode::OK, page.render()))
}

pub(super) fn account(who: &Principal) -> Account {
    Account {
        name: who.name.clone(),
        role: who.role.to_string(),
        csrf: who.csrf.clone().unwrap_or_default(),
    }
}

async fn all_dockets(state: &AppState) -> Vec<std::sync::Arc<crate::domain::docket::Docket>> {
    match state.dockets.list().await {
        Ok(list) => list.into_iter().map(std::sync::Arc::new).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "docket list failed; pages show raw ids");
            Vec::new()
        }
    }
}

/// `Secure` is added to every cookie in one place (`http::private`).
fn session_cookie(value: &str) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(
            accounts::SESSION_LENGTH.num_seconds(),
        ))
        .finish()
}

/// Only our own analyst pages: `next` must not send anyone elsewhere.
fn safe_next(next: &str) -> String {
    if next.starts_with("/analyst/") && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/analyst/search".into()
    }
}

pub(super) fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

/// `/analyst/` itself.
pub async fn home() -> HttpResponse {
    see_other("/analyst/search")
}
