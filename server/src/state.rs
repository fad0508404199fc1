//! What every handler shares.

use crate::blobs::BlobStore;
use crate::db::writer::Writer;
use crate::db::Pool;
use crate::dockets::DocketCache;
use crate::domain::clock::Clock;
use crate::domain::docket::Docket;
use crate::http::client::{client_ip, ClientLimiter};
use crate::http::error::ApiError;
use crate::http::throttle::SignInThrottle;
use crate::search::SearchService;
use actix_web::HttpRequest;
use chrono::{DateTime, SubsecRound, Utc};
use std::sync::Arc;

pub struct AppState {
    pub pool: Pool,
    pub analysis: crate::analysis::Analysis,
    /// The coding services that change things (codebook, tags).
    pub coding: crate::analysis::Coding,
    pub writer: Writer,
    pub blobs: BlobStore,
    pub dockets: DocketCache,
    pub clock: Arc<dyn Clock>,
    pub limiter: Option<ClientLimiter>,
    /// Reading the public comments (pages and JSON), per client.
    pub reading_limiter: Option<ClientLimiter>,
    pub client_ip_header: Option<String>,
    pub search: Arc<SearchService>,
    pub sign_in_throttle: SignInThrottle,
    pub password_checks: crate::accounts::PasswordChecks,
    /// Cookies get `Secure` unless the public URL is plain HTTP on loopback.
    pub secure_cookies: bool,
    /// How slowly, and how long, a request body may arrive.
    pub body_timing: crate::http::body::BodyTiming,
    /// Keyed hashes for campaign signals (client and email addresses).
    pub keys: crate::keyed_hash::KeyedHash,
}

impl AppState {
    /// Now, to the millisecond: what is stored is exactly what is answered.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(3)
    }

    pub async fn docket(&self, id: &str) -> Result<Arc<Docket>, ApiError> {
        match self.dockets.get(id).await {
            Ok(Some(d)) => Ok(d),
            Ok(None) => Err(ApiError::not_found("docket")),
            Err(e) => {
                tracing::error!(error = %e, "docket lookup failed");
                Err(ApiError::internal())
            }
        }
    }

    pub fn client_address(&self, req: &HttpRequest) -> String {
        client_ip(req, self.client_ip_header.as_deref()).to_string()
    }

    /// The client as rate limits count it: its address, or its IPv6 /64.
    pub fn client_limit_key(&self, req: &HttpRequest) -> String {
        crate::http::client::limit_key(client_ip(req, self.client_ip_header.as_deref())).to_string()
    }

    /// The keyed hash of the client's address, as a comment stores it.
    pub fn client_key(&self, req: &HttpRequest) -> String {
        self.keys.of("client", &self.client_address(req))
    }

    pub fn check_rate(&self, req: &HttpRequest) -> Result<(), ApiError> {
        match &self.limiter {
            Some(limiter) => limiter.check(client_ip(req, self.client_ip_header.as_deref())),
            None => Ok(()),
        }
    }

    /// The reading room's limit: searching it costs the index.
    pub fn check_reading_rate(&self, req: &HttpRequest) -> Result<(), ApiError> {
        match &self.reading_limiter {
            Some(limiter) => limiter.check(client_ip(req, self.client_ip_header.as_deref())),
            None => Ok(()),
        }
    }

    /// Runs blocking database work off the async workers.
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut crate::db::DbConn) -> Result<T, crate::db::DbError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let pool = self.pool.clone();
        let result =
            actix_web::rt::task::spawn_blocking(move || -> Result<T, crate::db::DbError> {
                f(&mut *pool.get()?)
            })
            .await;
        match result {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "database error");
                Err(ApiError::internal())
            }
            Err(_) => Err(ApiError::internal()),
        }
    }
}
