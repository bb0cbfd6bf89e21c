//! Known browsers (OWASP's "device cookies"): a browser in which a person has logged in
//! before carries a cookie that vouches for it, so that a stranger spending that person's
//! failed-login budget cannot keep them out.
//!
//! Each entry of the cookie is `nonce.mac`, with `mac = HMAC-SHA256(key, tag ‖ username ‖
//! nonce)` under a key kept in the database (every node of a deployment shares it). It
//! names no username: it only proves, for the username being tried, that this browser
//! logged in as it before. A login from a known browser is limited by that browser's own
//! failures (`LoginLimits` key `d:<nonce>`), not by the username's or the address's
//! buckets, which only strangers spend. A browser used by several people keeps an entry for
//! each of the last few.

use axum::http::{HeaderMap, HeaderValue, header};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::sync::Arc;

/// Domain separation of the MAC.
const TAG: &[u8] = b"ecabinet/known-browser/v1\0";
/// People remembered by one browser.
const MAX_ENTRIES: usize = 4;
/// How long a browser stays known without logging in again: half a year.
const MAX_AGE_SECS: i64 = 183 * 24 * 3600;

/// Issues and checks the cookie.
#[derive(Clone)]
pub struct KnownBrowsers {
    key: Arc<[u8; 32]>,
    name: &'static str,
    secure: bool,
}

impl KnownBrowsers {
    /// With the deployment's key; over HTTPS the cookie is `__Host-` and `Secure`.
    pub fn new(key: [u8; 32], https: bool) -> KnownBrowsers {
        KnownBrowsers {
            key: Arc::new(key),
            name: if https {
                "__Host-ecabinet_browser"
            } else {
                "ecabinet_browser"
            },
            secure: https,
        }
    }

    fn mac(&self, username: &str, nonce: &str) -> Option<Hmac<Sha256>> {
        let mut m = Hmac::<Sha256>::new_from_slice(self.key.as_slice()).ok()?;
        m.update(TAG);
        m.update(normalize(username).as_bytes());
        m.update(b"\0");
        m.update(nonce.as_bytes());
        Some(m)
    }

    /// The entries of the request's cookie (bounded: a hostile cookie is cut short).
    fn entries<'h>(&self, headers: &'h HeaderMap) -> Vec<(&'h str, &'h str)> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .filter(|(n, _)| *n == self.name)
            .flat_map(|(_, v)| v.split('~'))
            .take(MAX_ENTRIES)
            .filter_map(|e| e.split_once('.'))
            .filter(|(n, m)| n.len() == 32 && m.len() == 64)
            .collect()
    }

    /// The nonce of this browser's entry for `username`, if the request carries a valid one.
    pub fn known_for(&self, headers: &HeaderMap, username: &str) -> Option<String> {
        self.entries(headers).into_iter().find_map(|(nonce, mac)| {
            let mac = hex::decode(mac).ok()?;
            self.mac(username, nonce)?
                .verify_slice(&mac)
                .ok()
                .map(|()| nonce.to_owned())
        })
    }

    /// The `Set-Cookie` that makes this browser known for `username` (first), keeping the
    /// other people it is known for; `known`: its nonce for `username`, if
    /// [`KnownBrowsers::known_for`] found one.
    pub fn remember(
        &self,
        headers: &HeaderMap,
        username: &str,
        known: Option<&str>,
    ) -> Option<HeaderValue> {
        let nonce = known.map_or_else(|| hex::encode(rand::random::<[u8; 16]>()), str::to_owned);
        let mac = hex::encode(self.mac(username, &nonce)?.finalize().into_bytes());
        let mut entries = vec![format!("{nonce}.{mac}")];
        for (n, m) in self.entries(headers) {
            if n != nonce && entries.len() < MAX_ENTRIES {
                entries.push(format!("{n}.{m}"));
            }
        }
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={}; Path=/; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Strict{secure}",
            self.name,
            entries.join("~")
        ))
        .ok()
    }
}

/// Usernames are compared as the login compares them.
fn normalize(username: &str) -> String {
    username.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(v: &HeaderValue) -> HeaderMap {
        let pair = v.to_str().unwrap().split(';').next().unwrap().to_owned();
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(&pair).unwrap());
        h
    }

    #[test]
    fn a_browser_is_known_only_for_whoever_logged_in_on_it() {
        let k = KnownBrowsers::new([7; 32], false);
        let set = k.remember(&HeaderMap::new(), "ThuTuong", None).unwrap();
        let h = with_cookie(&set);
        assert!(k.known_for(&h, " thutuong ").is_some());
        assert!(k.known_for(&h, "bt01").is_none());
        // Another deployment's key, or an entry edited by hand, vouches for nothing.
        assert!(
            KnownBrowsers::new([8; 32], false)
                .known_for(&h, "thutuong")
                .is_none()
        );
        let forged = set.to_str().unwrap().replacen(".", ".0", 1);
        assert!(
            k.known_for(
                &with_cookie(&HeaderValue::from_str(&forged).unwrap()),
                "thutuong"
            )
            .is_none()
        );
    }

    #[test]
    fn a_shared_browser_remembers_its_last_people_and_keeps_its_nonce() {
        let k = KnownBrowsers::new([7; 32], true);
        let first = k.remember(&HeaderMap::new(), "vanthu1", None).unwrap();
        assert!(
            first
                .to_str()
                .unwrap()
                .starts_with("__Host-ecabinet_browser=")
        );
        assert!(first.to_str().unwrap().ends_with("; Secure"));
        let nonce = k.known_for(&with_cookie(&first), "vanthu1").unwrap();
        let mut h = with_cookie(&first);
        for who in ["vanthu2", "bt01", "bt02", "vanthu1", "ptt1"] {
            let known = k.known_for(&h, who);
            h = with_cookie(&k.remember(&h, who, known.as_deref()).unwrap());
        }
        assert_eq!(k.known_for(&h, "vanthu1"), Some(nonce));
        assert!(k.known_for(&h, "bt02").is_some());
        assert!(
            k.known_for(&h, "vanthu2").is_none(),
            "only the last four stay"
        );
    }
}
