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
    /// Checks since the size was last looked at.
    checks: std::sync::atomic::AtomicU32,
    /// At the bound: every check is refused until there is room again.
    full: std::sync::atomic::AtomicBool,
    max_clients: usize,
}

/// Most clients a limiter remembers (about 64 MB). A flood from more
/// distinct addresses (IPv6 /64s are plentiful) first drops the clients
/// whose allowance has refilled; if it is still full, the route answers
/// 503 to everyone until there is room (memory stays bounded; the route
/// is degraded, not the server).
pub const MAX_CLIENTS: usize = 1_000_000;
/// How often (in checks) the size is looked at: counting is not free.
const SIZE_EVERY: u32 = 1024;

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
            checks: Default::default(),
            full: Default::default(),
            max_clients: MAX_CLIENTS,
        })
    }

    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        use std::sync::atomic::Ordering::Relaxed;
        let n = self.checks.fetch_add(1, Relaxed);
        if n.is_multiple_of(SIZE_EVERY) {
            if self.limiter.len() >= self.max_clients {
                self.limiter.retain_recent();
            }
            self.full
                .store(self.limiter.len() >= self.max_clients, Relaxed);
        }
        if self.full.load(Relaxed) {
            return Err(ApiError {
                retry_after_secs: Some(60),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "the server is receiving requests from too many addresses; try again in a minute",
                )
            });
        }
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
    fn a_flood_of_addresses_is_bounded_in_memory() {
        let mut limiter = ClientLimiter::per_minute(5, "requests").unwrap();
        limiter.max_clients = 3 * SIZE_EVERY as usize;
        let mut refused = 0;
        for i in 0..20 * SIZE_EVERY {
            // A new /64 each time.
            let ip: IpAddr = std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, i as u16, 0, 0, 0, 1).into();
            if limiter.check(ip).is_err() {
                refused += 1;
            }
        }
        assert!(
            limiter.limiter.len() <= limiter.max_clients + SIZE_EVERY as usize,
            "{}",
            limiter.limiter.len()
        );
        assert!(refused > 0, "past the bound, refused until there is room");
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
