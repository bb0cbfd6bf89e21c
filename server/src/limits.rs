//! Rate limits: failed logins per username and per client address, and the frames one
//! WebSocket connection may send (governor's GCRA). The client address is the
//! connection's peer, or behind a reverse proxy the last entry of the configured header.

use axum::http::HeaderMap;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Beyond this many remembered keys, the ones that have fully recovered are forgotten.
const MAX_KEYS: usize = 10_000;

/// Failed logins by username and by address. Only failures count, so a member who logs in
/// on three tablets is never held back, while guessing a password is slowed to a few
/// tries a minute. (A governor limiter spends a cell on every check, and "may this one
/// try?" must be asked before the password is checked: hence this small bucket.)
#[derive(Clone)]
pub struct LoginLimits {
    inner: Arc<Mutex<HashMap<String, Bucket>>>,
    per_user: f64,
    per_address: f64,
    refill: Duration,
    client_ip_header: Option<Arc<str>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    /// Failures still allowed (fractional while refilling).
    tokens: f64,
    at: Instant,
}

impl LoginLimits {
    /// `per_user` and `per_address` failures in a row, one more per `refill`.
    pub fn new(
        per_user: u32,
        per_address: u32,
        refill: Duration,
        client_ip_header: &str,
    ) -> LoginLimits {
        let header = client_ip_header.trim().to_ascii_lowercase();
        LoginLimits {
            inner: Default::default(),
            per_user: f64::from(per_user.max(1)),
            per_address: f64::from(per_address.max(1)),
            refill: refill.max(Duration::from_millis(1)),
            client_ip_header: (!header.is_empty()).then(|| header.into()),
        }
    }

    /// The client's address: the peer, or the last entry of the proxy's header.
    pub fn client_ip(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        if let Some(name) = &self.client_ip_header {
            return headers
                .get_all(name.as_ref())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .next_back()
                .and_then(|v| v.trim().parse().ok());
        }
        peer.map(|p| p.ip())
    }

    fn keys(username: &str, ip: Option<IpAddr>) -> [(String, bool); 2] {
        [
            (format!("u:{}", username.trim().to_lowercase()), true),
            (
                ip.map_or_else(|| "a:?".to_owned(), |ip| format!("a:{ip}")),
                false,
            ),
        ]
    }

    fn capacity(&self, user: bool) -> f64 {
        if user {
            self.per_user
        } else {
            self.per_address
        }
    }

    fn refilled(&self, b: Bucket, cap: f64, now: Instant) -> f64 {
        let gained = now.duration_since(b.at).as_secs_f64() / self.refill.as_secs_f64();
        (b.tokens + gained).min(cap)
    }

    /// `Err(wait)` if this username or address has used up its failures.
    pub fn check(&self, username: &str, ip: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = Duration::ZERO;
        for (key, user) in Self::keys(username, ip) {
            if let Some(b) = map.get(&key) {
                let tokens = self.refilled(*b, self.capacity(user), now);
                if tokens < 1.0 {
                    wait = wait.max(self.refill.mul_f64(1.0 - tokens));
                }
            }
        }
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    /// Counts a failed attempt against the username and the address.
    pub fn failed(&self, username: &str, ip: Option<IpAddr>) {
        let now = Instant::now();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > MAX_KEYS {
            map.retain(|k, b| {
                let cap = self.capacity(k.starts_with("u:"));
                self.refilled(*b, cap, now) < cap
            });
        }
        for (key, user) in Self::keys(username, ip) {
            let cap = self.capacity(user);
            let b = map.entry(key).or_insert(Bucket {
                tokens: cap,
                at: now,
            });
            b.tokens = (self.refilled(*b, cap, now) - 1.0).max(0.0);
            b.at = now;
        }
    }
}

/// The frames one connection may send.
pub fn frame_limiter(per_second: u32, burst: u32) -> DefaultDirectRateLimiter {
    let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    RateLimiter::direct(Quota::per_second(rate).allow_burst(burst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn failures_are_counted_per_user_and_recover() {
        let l = LoginLimits::new(3, 100, Duration::from_millis(200), "");
        let ip = Some("10.0.0.1".parse().unwrap());
        for _ in 0..3 {
            assert!(l.check("bt01", ip).is_ok());
            l.failed("bt01", ip);
        }
        let wait = l.check("BT01 ", ip).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(200));
        // Another user from the same room is not held back.
        assert!(l.check("bt02", ip).is_ok());
        std::thread::sleep(Duration::from_millis(220));
        assert!(l.check("bt01", ip).is_ok());
    }

    #[test]
    fn failures_are_counted_per_address() {
        let l = LoginLimits::new(100, 2, Duration::from_secs(60), "");
        let a = Some("10.0.0.1".parse().unwrap());
        let b = Some("10.0.0.2".parse().unwrap());
        l.failed("x", a);
        l.failed("y", a);
        assert!(l.check("z", a).is_err());
        assert!(l.check("z", b).is_ok());
    }

    #[test]
    fn the_proxy_header_gives_the_last_address() {
        let l = LoginLimits::new(1, 1, Duration::from_secs(1), "X-Forwarded-For");
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 10.1.2.3"),
        );
        let peer = Some("127.0.0.1:5000".parse().unwrap());
        assert_eq!(l.client_ip(peer, &h), Some("10.1.2.3".parse().unwrap()));
        let direct = LoginLimits::new(1, 1, Duration::from_secs(1), "");
        assert_eq!(
            direct.client_ip(peer, &h),
            Some("127.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn frames_beyond_the_burst_are_refused() {
        let f = frame_limiter(1, 5);
        let passed = (0..20).filter(|_| f.check().is_ok()).count();
        assert_eq!(passed, 5);
    }
}
