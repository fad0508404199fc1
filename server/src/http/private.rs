//! What every response to an analyst or staff member carries, decided in
//! one place for every route, present and future: `Cache-Control: no-store`
//! (comment text and contact details must not linger in a shared or browser
//! cache), and `Secure` on every cookie unless the server runs on plain-HTTP
//! loopback.

use crate::http::auth::SESSION_COOKIE;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};

/// Put in a request's extensions by the `Analyst` and `Staff` extractors:
/// the route is for accounts, whoever asks.
#[derive(Clone, Copy)]
pub struct AccountRoute;

/// A request is private when it is for an analyst page or carries
/// credentials (a bearer token or a session cookie): whatever route
/// answers it, and whatever the answer, nothing of it is stored.
fn is_private(req: &ServiceRequest) -> bool {
    req.path() == "/analyst"
        || req.path().starts_with("/analyst/")
        || req.path().starts_with("/submissions/")
        || req.headers().contains_key(header::AUTHORIZATION)
        || req.cookie(SESSION_COOKIE).is_some()
}

pub async fn private_responses(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let private = is_private(&req);
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_none_or(|s| s.secure_cookies);
    let mut res = next.call(req).await?;
    let private = private || res.request().extensions().contains::<AccountRoute>();
    let headers = res.headers_mut();
    if private {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if secure && headers.contains_key(header::SET_COOKIE) {
        let cookies: Vec<HeaderValue> = headers
            .get_all(header::SET_COOKIE)
            .filter_map(|v| {
                let mut cookie = Cookie::parse(v.to_str().ok()?.to_string()).ok()?;
                cookie.set_secure(true);
                HeaderValue::from_str(&cookie.to_string()).ok()
            })
            .collect();
        headers.remove(header::SET_COOKIE);
        for value in cookies {
            headers.append(header::SET_COOKIE, value);
        }
    }
    Ok(res)
}
