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
/// tries a minute. Each attempt takes one try from both buckets *before* the password is
/// checked (under one lock, so parallel guesses cannot all pass the check), and a
/// correct password gives it back. (A governor limiter cannot give a cell back: hence
/// this small bucket.) The buckets live in each node's memory: N nodes allow N times the
/// tries, still a few a minute.
#[derive(Clone)]
pub struct LoginLimits {
    inner: Arc<Mutex<HashMap<String, Bucket>>>,
    per_user: f64,
    per_address: f64,
    refill: Duration,
    client_ip_header: Option<Arc<str>>,
    trusted: Arc<Vec<Cidr>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    /// Tries still allowed (fractional while refilling).
    tokens: f64,
    at: Instant,
}

/// An address block, `10.0.0.0/8` or a single address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: u128,
    bits: u32,
    v4: bool,
}

impl std::str::FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Cidr, String> {
        let (ip, len) = match s.trim().split_once('/') {
            Some((ip, len)) => (ip, Some(len)),
            None => (s.trim(), None),
        };
        let ip: IpAddr = ip.parse().map_err(|_| format!("not an address: {s:?}"))?;
        let (v, width, v4) = match ip {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32, true),
            IpAddr::V6(a) => (u128::from(a), 128, false),
        };
        let bits = match len {
            Some(l) => l
                .parse::<u32>()
                .ok()
                .filter(|b| *b <= width)
                .ok_or_else(|| format!("bad prefix length in {s:?}"))?,
            None => width,
        };
        Ok(Cidr {
            net: v & mask(bits, width),
            bits,
            v4,
        })
    }
}

fn mask(bits: u32, width: u32) -> u128 {
    if bits == 0 {
        0
    } else {
        (u128::MAX << (128 - bits)) >> (128 - width)
    }
}

impl Cidr {
    fn contains(&self, ip: IpAddr) -> bool {
        let (v, width, v4) = match ip {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32, true),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(a4) => (u128::from(u32::from(a4)), 32, true),
                None => (u128::from(a), 128, false),
            },
        };
        v4 == self.v4 && v & mask(self.bits, width) == self.net
    }
}

impl LoginLimits {
    /// `per_user` and `per_address` failures in a row, one more per `refill`; behind
    /// `trusted` proxies, the client's address from `client_ip_header`.
    pub fn new(
        per_user: u32,
        per_address: u32,
        refill: Duration,
        client_ip_header: &str,
        trusted: Vec<Cidr>,
    ) -> LoginLimits {
        let header = client_ip_header.trim().to_ascii_lowercase();
        LoginLimits {
            inner: Default::default(),
            per_user: f64::from(per_user.max(1)),
            per_address: f64::from(per_address.max(1)),
            refill: refill.max(Duration::from_millis(1)),
            client_ip_header: (!header.is_empty()).then(|| header.into()),
            trusted: Arc::new(trusted),
        }
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy and the
    /// header names one; then the last address in it that is not itself a trusted proxy.
    pub fn client_ip(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer_ip = peer.map(|p| p.ip());
        let trusted = |ip: IpAddr| self.trusted.iter().any(|c| c.contains(ip));
        let (Some(name), Some(p)) = (&self.client_ip_header, peer_ip) else {
            return peer_ip;
        };
        if !trusted(p) {
            return peer_ip;
        }
        let chain: Vec<IpAddr> = headers
            .get_all(name.as_ref())
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        chain
            .iter()
            .rev()
            .find(|ip| !trusted(**ip))
            .or(chain.first())
            .copied()
            .or(peer_ip)
    }

    fn keys(username: &str, ip: Option<IpAddr>) -> [(String, bool); 2] {
        // Bounded: a key is never longer than a username the accounts could have.
        let name: String = username.trim().to_lowercase().chars().take(64).collect();
        [
            (format!("u:{name}"), true),
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

    /// Takes one try for this username and address, or `Err(wait)` (taking nothing) if
    /// either has none left.
    pub fn begin(&self, username: &str, ip: Option<IpAddr>) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > MAX_KEYS {
            map.retain(|k, b| {
                let cap = self.capacity(k.starts_with("u:"));
                self.refilled(*b, cap, now) < cap
            });
        }
        let keys = Self::keys(username, ip);
        let mut wait = Duration::ZERO;
        for (key, user) in &keys {
            if let Some(b) = map.get(key) {
                let tokens = self.refilled(*b, self.capacity(*user), now);
                if tokens < 1.0 {
                    wait = wait.max(self.refill.mul_f64(1.0 - tokens));
                }
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for (key, user) in keys {
            let cap = self.capacity(user);
            let b = map.entry(key).or_insert(Bucket {
                tokens: cap,
                at: now,
            });
            b.tokens = (self.refilled(*b, cap, now) - 1.0).max(0.0);
            b.at = now;
        }
        Ok(())
    }

    /// The password was right: the try taken by [`LoginLimits::begin`] is given back.
    pub fn succeeded(&self, username: &str, ip: Option<IpAddr>) {
        let now = Instant::now();
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        for (key, user) in Self::keys(username, ip) {
            let cap = self.capacity(user);
            if let Some(b) = map.get_mut(&key) {
                b.tokens = (self.refilled(*b, cap, now) + 1.0).min(cap);
                b.at = now;
            }
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

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn failures_are_counted_per_user_and_recover() {
        let l = LoginLimits::new(3, 100, Duration::from_millis(200), "", vec![]);
        let a = ip("10.0.0.1");
        for _ in 0..3 {
            assert!(l.begin("bt01", a).is_ok());
        }
        let wait = l.begin("BT01 ", a).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(200));
        // Another user from the same room is not held back.
        assert!(l.begin("bt02", a).is_ok());
        std::thread::sleep(Duration::from_millis(220));
        assert!(l.begin("bt01", a).is_ok());
    }

    #[test]
    fn a_correct_password_gives_its_try_back() {
        let l = LoginLimits::new(2, 100, Duration::from_secs(60), "", vec![]);
        for _ in 0..10 {
            l.begin("bt01", ip("10.0.0.1")).unwrap();
            l.succeeded("bt01", ip("10.0.0.1"));
        }
        assert!(l.begin("bt01", ip("10.0.0.1")).is_ok());
    }

    #[test]
    fn parallel_guesses_cannot_all_pass_before_one_fails() {
        let l = LoginLimits::new(5, 1000, Duration::from_secs(60), "", vec![]);
        let passed = std::thread::scope(|s| {
            let handles: Vec<_> = (0..50)
                .map(|_| s.spawn(|| l.begin("bt01", ip("10.0.0.9")).is_ok()))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .filter(|ok| *ok)
                .count()
        });
        assert_eq!(passed, 5);
    }

    #[test]
    fn failures_are_counted_per_address() {
        let l = LoginLimits::new(100, 2, Duration::from_secs(60), "", vec![]);
        l.begin("x", ip("10.0.0.1")).unwrap();
        l.begin("y", ip("10.0.0.1")).unwrap();
        assert!(l.begin("z", ip("10.0.0.1")).is_err());
        assert!(l.begin("z", ip("10.0.0.2")).is_ok());
    }

    #[test]
    fn the_proxy_header_is_believed_only_from_a_trusted_proxy() {
        let trusted = vec![
            "172.16.0.0/12".parse().unwrap(),
            "10.9.9.9".parse().unwrap(),
        ];
        let l = LoginLimits::new(1, 1, Duration::from_secs(1), "X-Forwarded-For", trusted);
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7, 10.9.9.9"),
        );
        // Through the proxies: the last address that is not one of them.
        let proxy = Some("172.18.0.5:40000".parse().unwrap());
        assert_eq!(l.client_ip(proxy, &h), ip("203.0.113.7"));
        // Straight from a client: its header is ignored.
        let direct = Some("198.51.100.1:5000".parse().unwrap());
        assert_eq!(l.client_ip(direct, &h), ip("198.51.100.1"));
        // From the proxy without the header: the proxy.
        assert_eq!(l.client_ip(proxy, &HeaderMap::new()), ip("172.18.0.5"));
        let none = LoginLimits::new(1, 1, Duration::from_secs(1), "", vec![]);
        assert_eq!(none.client_ip(proxy, &h), ip("172.18.0.5"));
    }

    #[test]
    fn address_blocks_parse_and_match() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains("10.200.1.1".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(c.contains("::ffff:10.1.1.1".parse().unwrap()));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nonsense".parse::<Cidr>().is_err());
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn frames_beyond_the_burst_are_refused() {
        let f = frame_limiter(1, 5);
        let passed = (0..20).filter(|_| f.check().is_ok()).count();
        assert_eq!(passed, 5);
    }
}
