//! Login, logout, sessions.

use ecabinet_tests::*;
use serde_json::json;

#[tokio::test]
async fn login_with_json_then_me_then_logout() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let c = s.login("thutuong").await?;
    let me = c.get("/api/me").await?;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], "thutuong");
    assert_eq!(me.body["display_name"], "Thủ tướng Chính phủ");
    assert_eq!(me.body["role"], "chair");
    assert!(
        me.body.get("password_hash").is_none(),
        "the hash never leaves the server"
    );

    let out = c
        .http
        .post(s.url("/api/logout"))
        .header("accept", "application/json")
        .send()
        .await?;
    assert_eq!(out.status(), 204);
    let me = c.get("/api/me").await?;
    assert_eq!(me.status, 401);
    assert_eq!(me.code(), "unauthenticated");
    Ok(())
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_refused_alike() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let c = s.anonymous();
    for (user, pass) in [("thutuong", "wrong"), ("nobody", DEMO_PASSWORD), ("", "")] {
        let a = c
            .post("/api/login", json!({"username": user, "password": pass}))
            .await?;
        assert_eq!(a.status, 401, "{user}");
        assert_eq!(a.code(), "bad_credentials");
    }
    assert_eq!(c.get("/api/me").await?.status, 401);
    Ok(())
}

#[tokio::test]
async fn html_form_login_redirects() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let c = s.anonymous();
    let ok = c
        .http
        .post(s.url("/api/login"))
        .form(&[("username", "bt01"), ("password", DEMO_PASSWORD)])
        .send()
        .await?;
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/");
    assert_eq!(c.get("/api/me").await?.body["username"], "bt01");

    let other = s.anonymous();
    let bad = other
        .http
        .post(s.url("/api/login"))
        .form(&[("username", "bt01"), ("password", "nope")])
        .send()
        .await?;
    assert_eq!(bad.status(), 303);
    assert_eq!(bad.headers()["location"], "/login?error=1");
    assert_eq!(other.get("/api/me").await?.status, 401);
    Ok(())
}

#[tokio::test]
async fn login_body_errors_are_clear() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let c = s.anonymous();
    let r = c
        .http
        .post(s.url("/api/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await?;
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await?;
    assert_eq!(body["code"], "bad_request");
    Ok(())
}

#[tokio::test]
async fn pages_redirect_to_login_without_a_session() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let c = s.anonymous();
    let r = c.http.get(s.url("/meetings/1")).send().await?;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    let logged = s.login("bt02").await?;
    let r = logged.http.get(s.url("/login")).send().await?;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    Ok(())
}

#[tokio::test]
async fn health_check_answers() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let r = s.anonymous().http.get(s.url("/healthz")).send().await?;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await?, "ok");
    Ok(())
}
