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

/// Reads frames until the server closes the socket; its close code (`None` if it stayed
/// open for `within`).
async fn closed_with(ws: &mut WsClient, within: Duration) -> Option<String> {
    let until = tokio::time::Instant::now() + within;
    loop {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        match ws.next_within(left).await {
            Ok(Some(_)) => continue,
            Ok(None) => return None,
            Err(e) => return Some(e.to_string()),
        }
    }
}

#[tokio::test]
async fn a_browser_that_logged_in_before_gets_in_while_strangers_spend_the_budget()
-> anyhow::Result<()> {
    let s = TestServer::start().await?;
    // The chair's own tablet logged in yesterday, then out.
    let tablet = s.login("thutuong").await?;
    let out = tablet.post("/api/logout", json!({})).await?;
    assert!(matches!(out.status, 204 | 303), "{}", out.status);
    // Someone else spends the chair's failed-login budget, once a minute if need be…
    let stranger = s.anonymous();
    for _ in 0..5 {
        let a = stranger
            .post(
                "/api/login",
                json!({"username": "thutuong", "password": "sai"}),
            )
            .await?;
        assert_eq!((a.status, a.code()), (401, "bad_credentials"));
    }
    let right = json!({"username": "thutuong", "password": DEMO_PASSWORD});
    // …strangers stay limited, even with the right password (a new browser of the chair's
    // too)…
    for c in [&stranger, &s.anonymous()] {
        let a = c.post("/api/login", right.clone()).await?;
        assert_eq!((a.status, a.code()), (429, "rate_limited"));
    }
    // …but the chair's tablet is let in.
    let a = tablet.post("/api/login", right.clone()).await?;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["username"], "thutuong");
    // The tablet's own failures are counted apart, and limit it too.
    for _ in 0..5 {
        let a = tablet
            .post(
                "/api/login",
                json!({"username": "thutuong", "password": "sai"}),
            )
            .await?;
        assert_eq!(a.status, 401);
    }
    let a = tablet.post("/api/login", right).await?;
    assert_eq!((a.status, a.code()), (429, "rate_limited"));
    // A cookie made for another username vouches for nothing: bt01 is a stranger there.
    for _ in 0..5 {
        stranger
            .post("/api/login", json!({"username": "bt01", "password": "sai"}))
            .await?;
    }
    let a = tablet
        .post(
            "/api/login",
            json!({"username": "bt01", "password": DEMO_PASSWORD}),
        )
        .await?;
    assert_eq!((a.status, a.code()), (429, "rate_limited"));
    Ok(())
}

#[tokio::test]
async fn a_request_from_another_site_is_refused_and_changes_nothing() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let count = |c: &Client| {
        let c = c.clone();
        async move {
            let a = c.get("/api/meetings").await?;
            anyhow::Ok(a.body.as_array().map_or(0, Vec::len))
        }
    };
    let before = count(&clerk).await?;
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
    ] {
        let r = clerk
            .http
            .post(s.url("/api/meetings"))
            .header(name, value)
            .json(&meeting_input("Phiên họp giả mạo", &[]))
            .send()
            .await?;
        assert_eq!(r.status().as_u16(), 403, "{name}: {value}");
        assert!(r.text().await?.contains("\"forbidden\""));
    }
    // A forged upload (multipart) and a forged login form fare no better.
    let form = reqwest::multipart::Form::new().text("title", "x");
    let r = clerk
        .http
        .post(s.url("/api/meetings/1/documents"))
        .header("origin", "https://evil.example")
        .multipart(form)
        .send()
        .await?;
    assert_eq!(r.status().as_u16(), 403);
    let r = s
        .anonymous()
        .http
        .post(s.url("/api/login"))
        .header("origin", "https://evil.example")
        .form(&[("username", "bt01"), ("password", DEMO_PASSWORD)])
        .send()
        .await?;
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.headers().get("set-cookie").is_none(), "no session made");
    assert_eq!(count(&clerk).await?, before, "nothing was created");
    // The app's own page may.
    let r = clerk
        .http
        .post(s.url("/api/meetings"))
        .header("origin", s.url(""))
        .header("sec-fetch-site", "same-origin")
        .json(&meeting_input("Phiên họp thật", &[]))
        .send()
        .await?;
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(count(&clerk).await?, before + 1);
    Ok(())
}

#[tokio::test]
async fn over_https_the_cookies_are_host_prefixed_and_secure() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db_url = format!("sqlite://{}/https.db", dir.path().display());
    seed_with_binary(&db_url).await?;
    let p = ServerProcess::start(
        &db_url,
        &[("ECABINET_PUBLIC_URL", "https://ecabinet.example")],
    )
    .await?;
    let r = reqwest::Client::new()
        .post(format!("{}/api/login", p.base))
        .json(&json!({"username": "bt01", "password": DEMO_PASSWORD}))
        .send()
        .await?;
    assert_eq!(r.status().as_u16(), 200, "{}", p.log_text());
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    // The session and the known-browser cookie.
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for c in &cookies {
        let lower = c.to_ascii_lowercase();
        assert!(c.starts_with("__Host-"), "{c}");
        assert!(lower.contains("; secure"), "{c}");
        assert!(lower.contains("path=/"), "{c}");
        assert!(!lower.contains("domain="), "{c}");
        assert!(lower.contains("httponly"), "{c}");
    }
    assert!(
        r.headers().get("strict-transport-security").is_some(),
        "HSTS over https"
    );
    Ok(())
}

#[tokio::test]
async fn a_username_with_a_newline_cannot_forge_a_log_line() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db_url = format!("sqlite://{}/log.db", dir.path().display());
    let log_path = dir.path().join("stdout.log");
    let port = free_port()?;
    let _child = tokio::process::Command::new(server_binary()?)
        .arg("serve")
        .env("ECABINET_DATABASE_URL", &db_url)
        .env("ECABINET_LISTEN", format!("127.0.0.1:{port}"))
        .env("ECABINET_DOCUMENTS_DIR", dir.path().join("documents"))
        .env("ECABINET_LOG", "info")
        .env_remove("ECABINET_TEST_POSTGRES")
        .stdout(std::fs::File::create(&log_path)?)
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..400 {
        if reqwest::get(format!("{base}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the server came up");
    let forged = "nobody\n2026-12-04T08:00:00.000000Z  INFO ecabinet_server::auth: login user=\"thutuong\"\r\u{1b}[2K";
    let a = Client::at(&base)
        .post("/api/login", json!({"username": forged, "password": "x"}))
        .await?;
    assert_eq!(a.status, 401);
    let mut text = String::new();
    for _ in 0..100 {
        text = std::fs::read_to_string(&log_path)?;
        if text.contains("login refused") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let refused: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("login refused"))
        .collect();
    assert_eq!(refused.len(), 1, "{text}");
    assert!(
        refused[0].contains("nobody\\n2026-12-04T08"),
        "{}",
        refused[0]
    );
    assert!(
        !text.lines().any(|l| l.starts_with("2026-12-04T08:00:00")),
        "a forged line:\n{text}"
    );
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    Ok(())
}

#[tokio::test]
async fn logout_closes_that_sessions_sockets_and_no_other() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    // vanthu1 is logged in twice: on the desk and on a tablet.
    let desk = s.login("vanthu1").await?;
    let tablet = s.login("vanthu1").await?;
    let mut desk_ws = desk.ws().await?;
    desk_ws.hello().await?;
    desk_ws.subscribe(Topic::Meetings).await?;
    let mut tablet_ws = tablet.ws().await?;
    tablet_ws.hello().await?;
    tablet_ws.subscribe(Topic::Meetings).await?;
    // Another node of the same database (PostgreSQL) holds a third socket of the desk's
    // session: logout reaches it too.
    let other = if s.db.engine() == "postgres" {
        Some(s.second_node().await?)
    } else {
        None
    };
    let mut far_ws = match &other {
        Some(node) => {
            let far = Client {
                base: node.url("").trim_end_matches('/').to_owned(),
                ..desk.clone()
            };
            let mut ws = far.ws().await?;
            ws.hello().await?;
            ws.subscribe(Topic::Meetings).await?;
            Some(ws)
        }
        None => None,
    };
    desk.post("/api/logout", json!({})).await?;
    let closed = closed_with(&mut desk_ws, Duration::from_secs(5)).await;
    assert!(
        closed.as_deref().is_some_and(|c| c.contains("4001")),
        "{closed:?}"
    );
    if let Some(ws) = far_ws.as_mut() {
        let closed = closed_with(ws, Duration::from_secs(10)).await;
        assert!(
            closed.as_deref().is_some_and(|c| c.contains("4001")),
            "the other node's socket: {closed:?}"
        );
    }
    // The tablet's session lives on and still hears the secretariat's changes.
    tablet
        .ok_post("/api/meetings", meeting_input("Sau khi đăng xuất", &[]))
        .await?;
    tablet_ws
        .wait_seq(Topic::Meetings, tablet_ws.seq(Topic::Meetings) + 1)
        .await?;
    // The logged-out session cannot open a new socket.
    assert!(desk.ws().await.is_err());
    Ok(())
}

#[tokio::test]
async fn a_role_taken_away_ends_the_subscriptions_it_gave() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu2").await?;
    let mut ws = clerk.ws().await?;
    ws.hello().await?;
    ws.subscribe(Topic::Meetings).await?;
    ws.subscribe(Topic::Devices).await?;
    let me = ecabinet_domain::UserId(demo_id("vanthu2"));
    ws.subscribe(Topic::User(me)).await?;
    // vanthu2 moves to an invitee's role.
    {
        let mut tx = s.state.db.write().await?;
        assert!(tx.set_role(me, ecabinet_domain::Role::Invitee).await?);
        tx.commit().await?;
    }
    ecabinet_server::accounts::user_changed(&s.state, me).await?;
    let mut ended = Vec::new();
    while let Some(f) = ws.next_within(Duration::from_secs(3)).await? {
        if let ServerFrame::Unsubscribed { topic } = f {
            ended.push(topic);
        }
    }
    ended.sort_by_key(|t| t.to_string());
    assert_eq!(ended, vec![Topic::Devices, Topic::Meetings]);
    // Their own stream stays, and subscribing again is refused.
    ws.send(&ClientFrame::Ping { nonce: 3 }).await?;
    assert!(matches!(ws.next().await?, ServerFrame::Pong { nonce: 3 }));
    assert_eq!(
        ws.subscribe_refused(Topic::Meetings).await?,
        ErrorCode::Forbidden
    );
    Ok(())
}

#[tokio::test]
async fn a_session_past_its_lifetime_is_over_for_requests_and_sockets() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let c = s.login("bt02").await?;
    let mut ws = c.ws().await?;
    ws.hello().await?;
    let me = ecabinet_domain::UserId(demo_id("bt02"));
    ws.subscribe(Topic::User(me)).await?;
    // The login was 25 hours ago (the default lifetime is 24), active ever since.
    let long_ago = ecabinet_storage::now_ms() - 25 * 3600 * 1000;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&s.db.url).await?;
    let rows: Vec<(String, String)> = sqlx::query_as("select session_id, data from session")
        .fetch_all(&pool)
        .await?;
    assert!(!rows.is_empty());
    for (id, data) in rows {
        // Edited as text: the record's 128-bit id does not survive a trip through f64.
        let Some((head, tail)) = data.split_once("\"login_at\":") else {
            continue;
        };
        if !data.contains(&format!("\"uid\":{}", me.0)) {
            continue;
        }
        let rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
        let edited = format!("{head}\"login_at\":{long_ago}{rest}");
        sqlx::query("update session set data = $1 where session_id = $2")
            .bind(edited)
            .bind(id)
            .execute(&pool)
            .await?;
    }
    pool.close().await;
    // The next subscribe finds the session over and closes the socket…
    ws.send(&ClientFrame::Subscribe {
        topic: Topic::OpinionsOf(me),
        since: None,
    })
    .await?;
    let closed = closed_with(&mut ws, Duration::from_secs(5)).await;
    assert!(
        closed.as_deref().is_some_and(|c| c.contains("4001")),
        "{closed:?}"
    );
    // …and requests are no longer the member's.
    assert_eq!(c.get("/api/me").await?.status, 401);
    Ok(())
}

#[tokio::test]
async fn invitees_never_vote_and_nobody_approves_their_own_key() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let admin = s.login("admin").await?;
    // khach1 (an invitee's account) and vanthu2 (a clerk) report for Đà Nẵng: both may
    // hold a signing key for that.
    let unit = admin
        .ok_post(
            "/api/reporting/units",
            json!({"code": "DN", "name": "Đà Nẵng"}),
        )
        .await?
        .body["id"]
        .as_i64()
        .unwrap_or_default();
    for user in ["khach1", "vanthu2"] {
        let a = admin
            .post(
                &format!("/api/reporting/units/{unit}/members"),
                json!({"user_id": demo_id(user), "role": "officer"}),
            )
            .await?;
        assert_eq!(a.status, 204, "{}", a.body);
    }
    // An invitee is not seated as a member or as the chair, on creation or later.
    for seat in ["member", "chair"] {
        let mut body = meeting_input("Họp", &[demo_id("bt01")]);
        body["participants"]
            .as_array_mut()
            .unwrap()
            .push(json!({"user_id": demo_id("khach1"), "role": seat}));
        let a = clerk.post("/api/meetings", body.clone()).await?;
        assert_eq!((a.status, a.code()), (422, "invalid"), "{seat}: {}", a.body);
        assert_eq!(a.body["field"], "participants");
    }
    let draft = clerk
        .ok_post("/api/meetings", meeting_input("Họp", &[demo_id("bt01")]))
        .await?
        .body["id"]
        .as_i64()
        .unwrap_or_default();
    let mut edit = meeting_input("Họp", &[demo_id("bt01")]);
    edit["participants"]
        .as_array_mut()
        .unwrap()
        .push(json!({"user_id": demo_id("khach1"), "role": "member"}));
    let a = clerk.put(&format!("/api/meetings/{draft}"), edit).await?;
    assert_eq!((a.status, a.code()), (422, "invalid"), "{}", a.body);
    let meeting = published_meeting(&clerk, "Phiên họp có khách mời", 1).await?;
    // Seated as a member before seats were checked, with an approved key: still no vote.
    {
        let mut tx = s.state.db.write().await?;
        let guest = ecabinet_domain::UserId(demo_id("khach1"));
        let seats: Vec<(ecabinet_domain::UserId, ecabinet_domain::ParticipantRole)> = tx
            .participants(ecabinet_domain::MeetingId(meeting))
            .await?
            .into_iter()
            .map(|p| match p.user_id == guest {
                true => (p.user_id, ecabinet_domain::ParticipantRole::Member),
                false => (p.user_id, p.role),
            })
            .collect();
        assert!(seats.iter().any(|(u, _)| *u == guest));
        tx.replace_participants(ecabinet_domain::MeetingId(meeting), &seats)
            .await?;
        tx.commit().await?;
    }
    let guest = enrolled_tablet(&s, &clerk, "khach1").await?;
    clerk
        .ok_post(&format!("/api/meetings/{meeting}/start"), json!({}))
        .await?;
    let poll = new_poll(&clerk, meeting, "Thông qua?").await?;
    clerk
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    let (def, _) = poll_definition(&guest.client, poll).await?;
    assert!(
        !def.voters.iter().any(|v| v.member.0 == demo_id("khach1")),
        "the invitee is not in the electorate"
    );
    let a = guest.vote(poll, &[0]).await?;
    assert_eq!((a.status, a.code()), (403, "not_eligible"), "{}", a.body);
    // vanthu2 enrols a key and cannot approve it; vanthu1 can.
    let own = s.login("vanthu2").await?;
    let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let device = own
        .ok_post(
            "/api/devices",
            json!({"label": "Máy của tôi", "public_key": hex::encode(key.verifying_key().as_bytes())}),
        )
        .await?
        .body["id"]
        .as_i64()
        .unwrap_or_default();
    let a = own
        .post(&format!("/api/devices/{device}/approve"), json!({}))
        .await?;
    assert_eq!((a.status, a.code()), (403, "forbidden"));
    let a = clerk
        .ok_post(&format!("/api/devices/{device}/approve"), json!({}))
        .await?;
    assert_eq!(a.body["status"], "approved");
    // Giving one's own key up stays possible.
    let a = own
        .ok_post(&format!("/api/devices/{device}/revoke"), json!({}))
        .await?;
    assert_eq!(a.body["status"], "revoked");
    Ok(())
}

#[tokio::test]
async fn whoever_changed_a_written_poll_does_not_send_it() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let drafter = s.login("vanthu1").await?;
    let editor = s.login("vanthu2").await?;
    let deadline = ecabinet_storage::now_ms() + 48 * 3600 * 1000;
    let input = |question: &str| {
        json!({
            "question": question,
            "draft_decision": "Điều 1. ...",
            "addressees": [demo_id("thutuong"), demo_id("bt01")],
            "deadline": deadline,
            "reminders": [],
            "copy_staff": false,
        })
    };
    let id = drafter
        .ok_post("/api/opinions", input("Thông qua dự thảo?"))
        .await?
        .body["id"]
        .as_i64()
        .unwrap_or_default();
    // The second clerk rewrites the question: now neither clerk has read a version written
    // by someone else, so neither sends it.
    let a = editor
        .put(
            &format!("/api/opinions/{id}"),
            input("Thông qua dự thảo đã sửa?"),
        )
        .await?;
    assert!(a.status < 300, "{} {}", a.status, a.body);
    for clerk in [&editor, &drafter] {
        let a = clerk
            .post(&format!("/api/opinions/{id}/send"), json!({}))
            .await?;
        assert_eq!((a.status, a.code()), (403, "forbidden"));
    }
    // The chair reads it and sends it.
    let chair = s.login("thutuong").await?;
    chair
        .ok_post(&format!("/api/opinions/{id}/send"), json!({}))
        .await?;
    Ok(())
}

#[tokio::test]
async fn an_oversized_details_part_of_an_upload_is_refused_and_nothing_is_kept()
-> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let meeting = published_meeting(&clerk, "Phiên họp", 1).await?;
    let path = format!("/api/meetings/{meeting}/documents");
    // 2 MiB of "details" (they are at most 64 KiB of JSON): refused while being read.
    let huge = json!({"title": "x".repeat(2 << 20), "confidentiality": "normal"});
    let a = clerk
        .upload_files(&path, huge, vec![("a.pdf", b"%PDF-1.7\n".to_vec())])
        .await?;
    assert_eq!(
        (a.status, a.code()),
        (413, "payload_too_large"),
        "{}",
        a.body
    );
    let list = clerk.get(&path).await?;
    assert_eq!(list.body.as_array().map(Vec::len), Some(0), "{}", list.body);
    Ok(())
}
