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

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_the_proxy_appended_address_is_trusted() {
        let peer = "10.0.0.9:5000".parse().unwrap();
        let req = TestRequest::default()
            .peer_addr(peer)
            .insert_header(("X-Forwarded-For", "6.6.6.6, 203.0.113.7"))
            .to_http_request();
        assert_eq!(
            client_ip(&req, Some("X-Forwarded-For")),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_ip(&req, None),
            peer.ip(),
            "without the setting the header is ignored"
        );
        let bare = TestRequest::default().peer_addr(peer).to_http_request();
        assert_eq!(client_ip(&bare, Some("X-Forwarded-For")), peer.ip());
    }

    #[test]
    fn limiter_refuses_past_the_quota_and_says_when() {
        let limiter = SubmissionLimiter::per_minute(2).unwrap();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(limiter.check(ip).is_ok());
        assert!(limiter.check(ip).is_ok());
        let refused = limiter.check(ip).unwrap_err();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(refused
            .retry_after_secs
            .is_some_and(|s| (1..=60).contains(&s)));
        assert!(
            limiter.check("192.0.2.2".parse().unwrap()).is_ok(),
            "per client"
        );
        assert!(
            SubmissionLimiter::per_minute(0).is_none(),
            "0 turns the limit off"
        );
    }
}
