//! Login rate limits: failed logins per username and per client address (shared by the
//! nodes of one PostgreSQL database), or per known browser. The client address is the
//! connection's peer, or behind a reverse proxy the last entry of the configured header.

use axum::http::HeaderMap;
use ecabinet_storage::{Db, StoreError, TryBucket};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Beyond this many remembered keys, the ones that have fully recovered are forgotten.
const MAX_KEYS: usize = 10_000;

/// Failed logins by username and by address, or by browser. Only failures count, so a
/// member who logs in on three tablets is never held back, while guessing a password is
/// slowed to a few tries a minute. Each attempt takes one try from its buckets *before*
/// the password is checked (atomically, so parallel guesses cannot all pass the check),
/// and a correct password gives it back. (A governor limiter cannot give a cell back: hence
/// this small bucket.)
///
/// A browser the person has logged in on before (see `browsers`) is counted by its own
/// failures only: a stranger who spends the username's budget does not keep the chair out
/// of their own tablet, while strangers (and the chair on a new browser) stay limited.
///
/// One SQLite node keeps the buckets in memory; the nodes of one PostgreSQL database share
/// them in its `login_bucket` table, each decision under a row lock, so a guesser spread
/// over N nodes gets no more tries than on one.
#[derive(Clone)]
pub struct LoginLimits {
    inner: Arc<Mutex<HashMap<String, Bucket>>>,
    shared: Option<Db>,
    per_user: f64,
    per_address: f64,
    refill: Duration,
    client_ip_header: Option<Arc<str>>,
    trusted: Arc<Vec<Cidr>>,
}

type Bucket = TryBucket;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
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
    /// `trusted` proxies, the client's address from `client_ip_header`. `shared`: the
    /// PostgreSQL database whose nodes count together (`None`: this node's memory).
    pub fn new(
        per_user: u32,
        per_address: u32,
        refill: Duration,
        client_ip_header: &str,
        trusted: Vec<Cidr>,
        shared: Option<Db>,
    ) -> LoginLimits {
        let header = client_ip_header.trim().to_ascii_lowercase();
        LoginLimits {
            inner: Default::default(),
            shared,
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

    /// The buckets an attempt spends, each with its capacity: a known browser's own, or
    /// else the username's then the address's, always in this order (see
    /// `Tx::login_buckets`).
    fn keys(
        &self,
        username: &str,
        ip: Option<IpAddr>,
        browser: Option<&str>,
    ) -> Vec<(String, f64)> {
        if let Some(nonce) = browser {
            return vec![(format!("d:{nonce}"), self.per_user)];
        }
        // Bounded: a key is never longer than a username the accounts could have.
        let name: String = username.trim().to_lowercase().chars().take(64).collect();
        vec![
            (format!("u:{name}"), self.per_user),
            (
                ip.map_or_else(|| "a:?".to_owned(), |ip| format!("a:{ip}")),
                self.per_address,
            ),
        ]
    }

    fn refilled(&self, b: Bucket, cap: f64, now: i64) -> f64 {
        // Clocks of two nodes may differ a little: time never runs backwards here.
        let elapsed = Duration::from_millis(u64::try_from(now - b.at_ms).unwrap_or(0));
        (b.tokens + elapsed.as_secs_f64() / self.refill.as_secs_f64()).min(cap)
    }

    /// One try taken from each bucket, or how long to wait if one has none left.
    fn take(&self, buckets: &[(f64, Bucket)], now: i64) -> Result<Vec<Bucket>, Duration> {
        let mut wait = Duration::ZERO;
        for (cap, b) in buckets {
            let tokens = self.refilled(*b, *cap, now);
            if tokens < 1.0 {
                wait = wait.max(self.refill.mul_f64(1.0 - tokens));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        Ok(buckets
            .iter()
            .map(|(cap, b)| Bucket {
                tokens: (self.refilled(*b, *cap, now) - 1.0).max(0.0),
                at_ms: now,
            })
            .collect())
    }

    /// The try given back to each bucket.
    fn give_back(&self, buckets: &[(f64, Bucket)], now: i64) -> Vec<Bucket> {
        buckets
            .iter()
            .map(|(cap, b)| Bucket {
                tokens: (self.refilled(*b, *cap, now) + 1.0).min(*cap),
                at_ms: now,
            })
            .collect()
    }

    /// Takes one try for this username and address (or for this known browser, by the
    /// nonce of its cookie), or `Ok(Err(wait))` (taking nothing) if one bucket has none
    /// left. `Err` only if the shared buckets could not be read.
    pub async fn begin(
        &self,
        username: &str,
        ip: Option<IpAddr>,
        browser: Option<&str>,
    ) -> Result<Result<(), Duration>, StoreError> {
        let now = now_ms();
        self.apply(
            &self.keys(username, ip, browser),
            |b| self.take(b, now),
            now,
        )
        .await
    }

    /// The password was right: the try taken by [`LoginLimits::begin`] is given back.
    pub async fn succeeded(&self, username: &str, ip: Option<IpAddr>, browser: Option<&str>) {
        let now = now_ms();
        let given = self
            .apply(
                &self.keys(username, ip, browser),
                |b| Ok::<_, Duration>(self.give_back(b, now)),
                now,
            )
            .await;
        if let Err(e) = given {
            // The member is in; the try stays taken and comes back with time.
            tracing::warn!(error = %e, "could not give a login try back");
        }
    }

    /// Reads the buckets of `keys` (a new one full as of `now`), and stores what `step`
    /// makes of them unless it refuses: in this node's memory under its lock, or in the
    /// shared table in one transaction that holds the rows (a refusal rolls it back).
    async fn apply(
        &self,
        keys: &[(String, f64)],
        step: impl Fn(&[(f64, Bucket)]) -> Result<Vec<Bucket>, Duration>,
        now: i64,
    ) -> Result<Result<(), Duration>, StoreError> {
        let Some(db) = &self.shared else {
            return Ok(self.apply_in_memory(keys, step, now));
        };
        let mut tx = db.write().await?;
        let asked: Vec<(&str, f64)> = keys.iter().map(|(k, c)| (k.as_str(), *c)).collect();
        let buckets = tx.login_buckets(&asked, now).await?;
        let with_caps: Vec<(f64, Bucket)> = keys.iter().map(|k| k.1).zip(buckets).collect();
        let new = match step(&with_caps) {
            Ok(new) => new,
            Err(wait) => return Ok(Err(wait)),
        };
        for ((key, _), b) in keys.iter().zip(new) {
            tx.set_login_bucket(key, b).await?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    fn apply_in_memory(
        &self,
        keys: &[(String, f64)],
        step: impl Fn(&[(f64, Bucket)]) -> Result<Vec<Bucket>, Duration>,
        now: i64,
    ) -> Result<(), Duration> {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > MAX_KEYS {
            let cap = self.per_user.max(self.per_address);
            map.retain(|_, b| self.refilled(*b, cap, now) < cap);
        }
        let full = |cap: f64| Bucket {
            tokens: cap,
            at_ms: now,
        };
        let buckets: Vec<(f64, Bucket)> = keys
            .iter()
            .map(|(k, cap)| (*cap, map.get(k).copied().unwrap_or_else(|| full(*cap))))
            .collect();
        for ((key, _), b) in keys.iter().zip(step(&buckets)?) {
            map.insert(key.clone(), b);
        }
        Ok(())
    }

    /// Forgets the shared buckets that are full again (hourly, with the sessions).
    pub async fn forget_recovered(&self) {
        let Some(db) = &self.shared else {
            return;
        };
        let cap = self.per_user.max(self.per_address);
        let full_after = self.refill.mul_f64(cap);
        let before = now_ms() - i64::try_from(full_after.as_millis()).unwrap_or(i64::MAX);
        let forgotten = async {
            let mut tx = db.write().await?;
            let n = tx.forget_login_buckets(before).await?;
            tx.commit().await?;
            Ok::<u64, StoreError>(n)
        };
        if let Err(e) = forgotten.await {
            tracing::warn!(error = %e, "could not forget recovered login buckets");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    /// A try at `now` ms, through the in-memory buckets.
    fn try_at(l: &LoginLimits, user: &str, ip: Option<IpAddr>, now: i64) -> Result<(), Duration> {
        l.apply_in_memory(&l.keys(user, ip, None), |b| l.take(b, now), now)
    }

    fn limits(per_user: u32, per_address: u32, refill: Duration) -> LoginLimits {
        LoginLimits::new(per_user, per_address, refill, "", vec![], None)
    }

    #[test]
    fn failures_are_counted_per_user_and_recover() {
        let l = limits(3, 100, Duration::from_millis(200));
        let a = ip("10.0.0.1");
        for _ in 0..3 {
            assert!(try_at(&l, "bt01", a, 0).is_ok());
        }
        let wait = try_at(&l, "BT01 ", a, 0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(200));
        // Another user from the same room is not held back.
        assert!(try_at(&l, "bt02", a, 0).is_ok());
        // Half-way a try is half back: not yet.
        assert_eq!(try_at(&l, "bt01", a, 100), Err(Duration::from_millis(100)));
        assert!(try_at(&l, "bt01", a, 200).is_ok());
        assert!(
            try_at(&l, "bt01", a, 200).is_err(),
            "one try came back, not more"
        );
        // A clock that steps back (another node's) gives nothing back.
        assert!(try_at(&l, "bt01", a, -5_000).is_err());
    }

    #[tokio::test]
    async fn a_correct_password_gives_its_try_back() {
        let l = limits(2, 100, Duration::from_secs(60));
        for _ in 0..10 {
            l.begin("bt01", ip("10.0.0.1"), None)
                .await
                .unwrap()
                .unwrap();
            l.succeeded("bt01", ip("10.0.0.1"), None).await;
        }
        assert!(l.begin("bt01", ip("10.0.0.1"), None).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn a_known_browser_is_counted_apart_from_strangers() {
        let l = limits(2, 100, Duration::from_secs(60));
        let (a, tablet) = (ip("10.0.0.1"), Some("00112233445566778899aabbccddeeff"));
        // A stranger spends the username's budget…
        for _ in 0..2 {
            l.begin("thutuong", ip("10.6.6.6"), None)
                .await
                .unwrap()
                .unwrap();
        }
        assert!(l.begin("thutuong", a, None).await.unwrap().is_err());
        // …the chair's own tablet still gets in, and its own failures are limited too.
        assert!(l.begin("thutuong", a, tablet).await.unwrap().is_ok());
        assert!(l.begin("thutuong", a, tablet).await.unwrap().is_ok());
        assert!(l.begin("thutuong", a, tablet).await.unwrap().is_err());
    }

    #[test]
    fn parallel_guesses_cannot_all_pass_before_one_fails() {
        let l = limits(5, 1000, Duration::from_secs(60));
        let passed = std::thread::scope(|s| {
            let handles: Vec<_> = (0..50)
                .map(|_| s.spawn(|| try_at(&l, "bt01", ip("10.0.0.9"), 0).is_ok()))
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
        let l = limits(100, 2, Duration::from_secs(60));
        try_at(&l, "x", ip("10.0.0.1"), 0).unwrap();
        try_at(&l, "y", ip("10.0.0.1"), 0).unwrap();
        assert!(try_at(&l, "z", ip("10.0.0.1"), 0).is_err());
        assert!(try_at(&l, "z", ip("10.0.0.2"), 0).is_ok());
    }

    #[test]
    fn the_proxy_header_is_believed_only_from_a_trusted_proxy() {
        let trusted = vec![
            "172.16.0.0/12".parse().unwrap(),
            "10.9.9.9".parse().unwrap(),
        ];
        let l = LoginLimits::new(
            1,
            1,
            Duration::from_secs(1),
            "X-Forwarded-For",
            trusted,
            None,
        );
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
        let none = limits(1, 1, Duration::from_secs(1));
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
}
