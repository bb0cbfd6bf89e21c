//! Operating a node: liveness, readiness and metrics; the login rate limit (counted
//! together by the nodes of one PostgreSQL) and the WebSocket one; the security headers and each page's Content-Security-Policy nonce.

use ecabinet_protocol::frame::{ClientFrame, ServerFrame};
use ecabinet_protocol::{ErrorCode, Topic};
use ecabinet_tests::*;
use serde_json::json;
use std::time::Duration;

fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn probes_and_metrics_answer_without_a_session() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let anon = s.anonymous();
    assert_eq!(anon.get("/livez").await?.status, 200);
    assert_eq!(anon.get("/readyz").await?.status, 200);
    let (_, _, before) = anon.get_bytes("/metrics").await?;
    let before = String::from_utf8(before)?;
    assert_eq!(metric(&before, "ecabinet_websocket_connections"), Some(0.0));
    for name in [
        "ecabinet_events_published_total",
        "ecabinet_remote_wakeups_total",
        "ecabinet_ballot_ack_seconds_count",
        "ecabinet_render_jobs",
        "ecabinet_renders_adopted_total",
        "ecabinet_login_rate_limited_total",
        "ecabinet_websocket_frames_rate_limited_total",
    ] {
        assert!(metric(&before, name).is_some(), "{name} in\n{before}");
    }
    // An open socket is counted, and a change is counted as an event pushed.
    let (clerk, mut ws) = s.watch("vanthu1", Topic::Meetings).await?;
    let (_, _, during) = anon.get_bytes("/metrics").await?;
    let during = String::from_utf8(during)?;
    assert_eq!(metric(&during, "ecabinet_websocket_connections"), Some(1.0));
    let events_before = metric(&during, "ecabinet_events_published_total").unwrap_or(0.0);
    clerk
        .ok_post("/api/meetings", meeting_input("Phiên họp thử", &[]))
        .await?;
    ws.wait_seq(Topic::Meetings, ws.seq(Topic::Meetings) + 1)
        .await?;
    let (_, _, after) = anon.get_bytes("/metrics").await?;
    let after = String::from_utf8(after)?;
    assert!(metric(&after, "ecabinet_events_published_total").unwrap_or(0.0) > events_before);
    ws.close().await;
    Ok(())
}

#[tokio::test]
async fn failed_logins_are_limited_per_username_with_retry_after() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let c = s.anonymous();
    for _ in 0..5 {
        let a = c
            .post("/api/login", json!({"username": "bt01", "password": "sai"}))
            .await?;
        assert_eq!((a.status, a.code()), (401, "bad_credentials"));
    }
    // Now even the right password waits: a guesser learns nothing while limited.
    let (status, headers, body) = {
        let r = reqwest::Client::new()
            .post(s.url("/api/login"))
            .json(&json!({"username": "BT01", "password": DEMO_PASSWORD}))
            .send()
            .await?;
        (r.status().as_u16(), r.headers().clone(), r.text().await?)
    };
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("\"rate_limited\""), "{body}");
    let retry: u64 = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // The login form is sent back to the page with its own message.
    let form = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .post(s.url("/api/login"))
        .form(&[("username", "bt01"), ("password", DEMO_PASSWORD)])
        .send()
        .await?;
    assert_eq!(
        form.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/login?error=limited")
    );
    // Someone else in the same room is not held back, and a success costs nothing.
    for _ in 0..8 {
        s.login("bt02").await?;
    }
    let (_, _, m) = s.anonymous().get_bytes("/metrics").await?;
    assert_eq!(
        metric(&String::from_utf8(m)?, "ecabinet_login_rate_limited_total"),
        Some(2.0)
    );
    Ok(())
}

#[tokio::test]
async fn nodes_of_one_postgres_count_failed_logins_together() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    if s.db.engine() != "postgres" {
        eprintln!(
            "skipped on {}: one node keeps its counts in memory",
            s.db.engine()
        );
        return Ok(());
    }
    let other = s.second_node().await?;
    let wrong = json!({"username": "bt01", "password": "sai"});
    // Five wrong passwords, alternating between the nodes: five in all, not per node.
    for k in 0..5 {
        let node = if k % 2 == 0 { &s } else { &other };
        let a = node.anonymous().post("/api/login", wrong.clone()).await?;
        assert_eq!((a.status, a.code()), (401, "bad_credentials"), "try {k}");
    }
    for node in [&s, &other] {
        let a = node
            .anonymous()
            .post(
                "/api/login",
                json!({"username": "bt01", "password": DEMO_PASSWORD}),
            )
            .await?;
        assert_eq!((a.status, a.code()), (429, "rate_limited"));
    }
    // Twenty guesses at once, half through each node: five are checked, never more.
    let guesses = (0..20).map(|k| {
        let c = if k % 2 == 0 {
            s.anonymous()
        } else {
            other.anonymous()
        };
        async move {
            c.post("/api/login", json!({"username": "bt03", "password": "sai"}))
                .await
                .map(|a| a.status)
        }
    });
    let statuses = futures::future::try_join_all(guesses).await?;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, limited), (5, 15), "{statuses:?}");
    // Members who know their password are not held back on either node.
    for _ in 0..4 {
        s.login("bt02").await?;
        other.login("bt02").await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_websocket_flood_is_dropped_then_closed_and_a_normal_client_is_untouched()
-> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let c = s.login("bt01").await?;
    let mut ws = c.ws().await?;
    ws.hello().await?;
    // 150 pings at once: the burst (100, `hello` included) passes, the rest is dropped
    // with one error.
    for nonce in 0..150 {
        ws.send(&ClientFrame::Ping { nonce }).await?;
    }
    let (mut pongs, mut limited) = (0, 0);
    while let Some(f) = ws.next_within(Duration::from_millis(500)).await? {
        match f {
            ServerFrame::Pong { .. } => pongs += 1,
            ServerFrame::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            other => anyhow::bail!("unexpected {other:?}"),
        }
    }
    assert_eq!(limited, 1, "one error for the run");
    assert!((99..150).contains(&pongs), "{pongs} pongs");
    // After a pause the connection is as good as new.
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws.send(&ClientFrame::Ping { nonce: 7 }).await?;
    assert!(matches!(ws.next().await?, ServerFrame::Pong { nonce: 7 }));
    // Going on far beyond it closes the connection with 1008.
    let mut closed = None;
    for nonce in 0..3_000 {
        if ws.send(&ClientFrame::Ping { nonce }).await.is_err() {
            break;
        }
    }
    loop {
        match ws.next_within(Duration::from_secs(2)).await {
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(e) => {
                closed = Some(e.to_string());
                break;
            }
        }
    }
    let closed = closed.expect("the flood is closed");
    assert!(
        closed.contains("1008") || closed.contains("Policy"),
        "{closed}"
    );
    // Another connection of the same user is not affected.
    let mut other = c.ws().await?;
    other.hello().await?;
    other.send(&ClientFrame::Ping { nonce: 1 }).await?;
    assert!(matches!(
        other.next().await?,
        ServerFrame::Pong { nonce: 1 }
    ));
    Ok(())
}

#[tokio::test]
async fn responses_carry_security_headers_and_pages_a_nonce_csp() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let (status, h, _) = s.anonymous().get_bytes("/api/me").await?;
    assert_eq!(status, 401);
    let get = |h: &reqwest::header::HeaderMap, n: &str| {
        h.get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(get(&h, "x-content-type-options"), "nosniff");
    assert_eq!(get(&h, "x-frame-options"), "DENY");
    assert_eq!(get(&h, "referrer-policy"), "same-origin");
    assert_eq!(get(&h, "cross-origin-opener-policy"), "same-origin");
    // No TLS in tests, so no HSTS (it would pin a plain-HTTP host to HTTPS).
    assert_eq!(get(&h, "strict-transport-security"), "");

    let page = |path: &'static str| {
        let c = s.anonymous();
        async move { c.get_bytes(path).await }
    };
    let (status, h1, html) = page("/login").await?;
    assert_eq!(status, 200);
    let csp = get(&h1, "content-security-policy");
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("'unsafe-eval'") && !csp.contains("script-src 'self' 'unsafe-inline'"));
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a nonce")
        .to_owned();
    assert!(nonce.len() >= 22, "{nonce}");
    let html = String::from_utf8(html)?;
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the header's nonce"
    );
    let (_, h2, _) = page("/login").await?;
    assert_ne!(
        get(&h2, "content-security-policy"),
        csp,
        "a new nonce per page"
    );
    Ok(())
}
