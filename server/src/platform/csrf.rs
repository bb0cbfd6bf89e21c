//! Cross-site request forgery: a state-changing request that a browser says came from
//! another site is refused before any handler runs, whatever its cookie.
//!
//! SameSite=Lax alone leaves gaps (a sibling subdomain is "same-site"; old browsers).
//! Browsers mark every request with `Sec-Fetch-Site` and every POST with `Origin`, so the
//! check follows OWASP's "verify origin with standard headers": `Sec-Fetch-Site` must be
//! `same-origin` or `none` (typed by the user), and an `Origin` must be this server's
//! (its `Host`, or `public_url` behind a proxy). A request with neither header is not a
//! browser's (a peer deployment, a script with its own session): nothing of a victim's
//! browser rides on it, so it goes on to the usual session checks.

use crate::platform::error::AppError;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// What the check needs to know of this deployment.
#[derive(Clone, Debug)]
pub struct Origins {
    /// `scheme://host[:port]` of `public_url`, lower case.
    public: String,
}

impl Origins {
    /// From the configured `public_url`.
    pub fn new(public_url: &str) -> Origins {
        Origins {
            public: origin_of(public_url),
        }
    }

    /// Why a request with these headers must be refused, if it must.
    pub fn refusal(&self, method: &Method, headers: &HeaderMap) -> Option<&'static str> {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return None;
        }
        let get = |name: header::HeaderName| {
            headers
                .get(name)
                .map(|v| v.to_str().unwrap_or("\u{fffd}").trim().to_ascii_lowercase())
        };
        if let Some(site) = get(header::HeaderName::from_static("sec-fetch-site"))
            && site != "same-origin"
            && site != "none"
        {
            return Some("the browser says this request comes from another site");
        }
        let origin = get(header::ORIGIN)?;
        if origin == self.public {
            return None;
        }
        let host = get(header::HOST).unwrap_or_default();
        let origin_host = origin.split_once("://").map(|(_, h)| h);
        if origin_host.is_some_and(|h| !h.is_empty() && h == host) {
            return None;
        }
        Some("the request's Origin is not this server")
    }
}

/// `scheme://host[:port]` of a URL, lower case, without a path or a trailing slash.
fn origin_of(url: &str) -> String {
    let url = url.trim().to_ascii_lowercase();
    let Some((scheme, rest)) = url.split_once("://") else {
        return url;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match (scheme, host.rsplit_once(':')) {
        ("https", Some((h, "443"))) | ("http", Some((h, "80"))) => h,
        _ => host,
    };
    format!("{scheme}://{host}")
}

/// The middleware: 403 `forbidden` naming the reason, or on to the route.
pub async fn check(
    axum::extract::State(origins): axum::extract::State<Origins>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(why) = origins.refusal(req.method(), req.headers()) {
        tracing::info!(method = %req.method(), path = ?req.uri().path(), why, "cross-site request refused");
        return AppError::CrossSite(why).into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_this_servers_pages_may_change_state() {
        let o = Origins::new("https://ecabinet.gov.vn/");
        let post = Method::POST;
        // The app's own pages, through the proxy or straight to the node.
        assert!(
            o.refusal(
                &post,
                &headers(&[
                    ("origin", "https://ecabinet.gov.vn"),
                    ("sec-fetch-site", "same-origin")
                ])
            )
            .is_none()
        );
        assert!(
            o.refusal(
                &post,
                &headers(&[
                    ("origin", "http://127.0.0.1:3000"),
                    ("host", "127.0.0.1:3000")
                ])
            )
            .is_none()
        );
        // Another site, a sibling subdomain, a sandboxed frame.
        for bad in [
            &[("origin", "https://evil.example")][..],
            &[
                ("origin", "https://x.gov.vn"),
                ("sec-fetch-site", "same-site"),
            ][..],
            &[("origin", "null")][..],
            &[("sec-fetch-site", "cross-site")][..],
            &[("origin", "https://ecabinet.gov.vn.evil.example")][..],
        ] {
            assert!(o.refusal(&post, &headers(bad)).is_some(), "{bad:?}");
        }
        // Reading is never refused; a client that is not a browser sends neither header.
        assert!(
            o.refusal(&Method::GET, &headers(&[("sec-fetch-site", "cross-site")]))
                .is_none()
        );
        assert!(o.refusal(&post, &HeaderMap::new()).is_none());
        assert!(
            o.refusal(
                &Method::DELETE,
                &headers(&[("origin", "https://evil.example")])
            )
            .is_some()
        );
    }

    #[test]
    fn origins_are_compared_without_default_ports_or_paths() {
        assert_eq!(origin_of("https://A.example:443/x"), "https://a.example");
        assert_eq!(origin_of("http://a.example:8080"), "http://a.example:8080");
        assert_eq!(origin_of("http://a.example:80/"), "http://a.example");
    }
}
