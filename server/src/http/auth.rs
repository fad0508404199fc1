//! Who is asking: a bearer token (API clients) or a session cookie (the
//! analyst pages). `Analyst` and `Staff` are extractors: a handler that
//! takes one cannot run without an account of at least that role.
//! Without credentials the answer is 401, with too small a role 403; for
//! the pages, the 401 is the sign-in form itself.

use crate::db::models::{api_token, session};
use crate::domain::account::{Role, Secret};
use crate::http::error::ApiError;
use crate::pages::analyst::sign_in_page;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::HttpMessage;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub const SESSION_COOKIE: &str = "rfd_session";

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    /// The session's CSRF token; `None` for bearer tokens, which a browser
    /// never sends on its own and so need none.
    pub csrf: Option<String>,
    pub session_hash: Option<String>,
}

impl Principal {
    pub fn is_staff(&self) -> bool {
        self.role.allows(Role::Staff)
    }
}

/// Any account (analyst or staff).
pub struct Analyst(pub Principal);
/// A staff account.
pub struct Staff(pub Principal);

#[derive(Debug)]
pub enum AuthError {
    Unauthenticated { page: bool, next: String },
    Forbidden { page: bool, needed: Role },
    Internal,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Unauthenticated { .. } => f.write_str("401 unauthorized"),
            AuthError::Forbidden { .. } => f.write_str("403 forbidden"),
            AuthError::Internal => f.write_str("500 internal"),
        }
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AuthError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AuthError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AuthError::Unauthenticated { page: true, next } => {
                sign_in_page(StatusCode::UNAUTHORIZED, next.clone(), String::new(), None)
            }
            AuthError::Unauthenticated { page: false, .. } => {
                let mut res = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "sign in, or send an API token as `Authorization: Bearer TOKEN`",
                )
                .error_response();
                res.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"rfidesk\""),
                );
                res
            }
            AuthError::Forbidden { page, needed } => {
                let message = format!("this needs a {needed} account");
                if *page {
                    crate::pages::analyst::message_page(
                        StatusCode::FORBIDDEN,
                        "Not allowed",
                        &message,
                    )
                } else {
                    ApiError::new(StatusCode::FORBIDDEN, "forbidden", message).error_response()
                }
            }
            AuthError::Internal => ApiError::internal().error_response(),
        }
    }
}

/// The credentials a request carries, if any, resolved to an account.
pub async fn principal(req: &HttpRequest) -> Result<Option<Principal>, AuthError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or(AuthError::Internal)?
        .clone();
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(Secret::from_presented);
        let Some(token) = token else {
            return Ok(None);
        };
        let hash = token.hash();
        let now = state.now().naive_utc();
        let user = state
            .db(move |conn| api_token::user_for(conn, &hash, now))
            .await
            .map_err(|_| AuthError::Internal)?;
        return Ok(user.and_then(|u| {
            Some(Principal {
                role: Role::parse(&u.role)?,
                user_id: u.id,
                name: u.name,
                csrf: None,
                session_hash: None,
            })
        }));
    }
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let hash = Secret::from_presented(cookie.value()).hash();
        let now = state.now().naive_utc();
        let found = state
            .db(move |conn| session::find_live(conn, &hash, now))
            .await
            .map_err(|_| AuthError::Internal)?;
        return Ok(found.and_then(|(s, u)| {
            Some(Principal {
                role: Role::parse(&u.role)?,
                user_id: u.id,
                name: u.name,
                csrf: Some(s.csrf_token),
                session_hash: Some(s.id_hash),
            })
        }));
    }
    Ok(None)
}

async fn require(req: HttpRequest, needed: Role) -> Result<Principal, AuthError> {
    req.extensions_mut()
        .insert(crate::http::private::AccountRoute);
    let page = !req.path().starts_with("/api/");
    match principal(&req).await? {
        None => Err(AuthError::Unauthenticated {
            page,
            next: req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
        }),
        Some(p) if !p.role.allows(needed) => Err(AuthError::Forbidden { page, needed }),
        Some(p) => Ok(p),
    }
}

impl FromRequest for Analyst {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { require(req, Role::Analyst).await.map(Analyst) })
    }
}

impl FromRequest for Staff {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { require(req, Role::Staff).await.map(Staff) })
    }
}

/// The header a signed-in browser's script sends its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A change from a signed-in browser must carry the session's token (in a
/// form field, `presented`), and come from this origin. Bearer-token
/// clients have no session and need none: a browser never sends a bearer
/// token on its own.
pub fn check_form_csrf(
    req: &HttpRequest,
    who: &Principal,
    presented: &str,
) -> Result<(), ApiError> {
    let expected = who.csrf.as_deref();
    if expected.is_none() && who.session_hash.is_none() {
        return Ok(());
    }
    if !same_origin(req) || expected != Some(presented) || presented.is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "the form had expired; reload the page and try again",
        ));
    }
    Ok(())
}

/// The same check for the JSON API, with the token in [`CSRF_HEADER`].
pub fn check_csrf(req: &HttpRequest, who: &Principal) -> Result<(), ApiError> {
    let presented = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    check_form_csrf(req, who, presented)
}

/// A browser's Origin header, when sent, must name this server.
pub fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return true;
    };
    let host = req.connection_info().host().to_string();
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}
