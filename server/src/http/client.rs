//! Who a request comes from, and how often they may submit.

use crate::http::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;

/// The client's address: the peer, or (behind a proxy) the last address the
/// proxy appended to `client_ip_header`. Only the last entry is trusted: the
/// ones before it were written by the client and can be forged.
pub fn client_ip(req: &HttpRequest, client_ip_header: Option<&str>) -> IpAddr {
    if let Some(name) = client_ip_header {
        let from_header = req
            .headers()
            .get_all(name)
            .last()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        if let Some(ip) = from_header {
            return ip;
        }
    }
    req.peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Submissions per minute per client.
pub struct SubmissionLimiter(DefaultKeyedRateLimiter<IpAddr>);

impl SubmissionLimiter {
    /// `None` when `per_minute` is 0 (no limit, for load tests).
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        NonZeroU32::new(per_minute)
            .map(|n| SubmissionLimiter(RateLimiter::keyed(Quota::per_minute(n))))
    }

    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.0.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            ApiError {
                retry_after_secs: Some(secs.max(1)),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!(
                        "too many submissions from your address; try again in {} seconds",
                        secs.max(1)
                    ),
                )
            }
        })
    }

    /// Forgets clients whose allowance has refilled, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.0.retain_recent();
        self.0.shrink_to_fit();
    }
}
