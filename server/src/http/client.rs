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

/// Requests per minute per client, for one kind of request (submissions;
/// reading the public comments). IPv6 clients are counted by their /64:
/// one subscriber holds a whole /64, and would otherwise have 2^64 keys.
pub struct ClientLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// What is limited, for the refusal: "submissions", "requests".
    what: &'static str,
}

/// The key a client is counted under: its address, or its IPv6 /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
        v4 => v4,
    }
}

impl ClientLimiter {
    /// `None` when `per_minute` is 0 (no limit, for load tests).
    pub fn per_minute(per_minute: u32, what: &'static str) -> Option<Self> {
        NonZeroU32::new(per_minute).map(|n| ClientLimiter {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
            what,
        })
    }

    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        self.limiter.check_key(&limit_key(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
            ApiError {
                retry_after_secs: Some(secs),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!(
                        "too many {} from your address; try again in {secs} seconds",
                        self.what
                    ),
                )
            }
        })
    }

    /// Forgets clients whose allowance has refilled, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
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
        let limiter = ClientLimiter::per_minute(2, "submissions").unwrap();
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
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(b).is_ok());
        assert!(limiter.check(a).is_err(), "one /64 is one client");
        assert!(
            limiter.check("2001:db8:1:3::1".parse().unwrap()).is_ok(),
            "another /64 is another"
        );
        assert!(
            ClientLimiter::per_minute(0, "submissions").is_none(),
            "0 turns the limit off"
        );
    }
}
