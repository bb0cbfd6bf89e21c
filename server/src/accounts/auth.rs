//! Signing in and out: argon2 password hashes, login (with its rate limits and known
//! browsers), logout, and who is logged in (`/api/me`).

use crate::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::platform::session::{CurrentUser, SESSION_LOGIN_AT, SESSION_USER};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ecabinet_domain::UserId;
use ecabinet_protocol::api::{LoginRequest, Me};
use std::sync::OnceLock;
use tower_sessions::Session;

/// Tells every node that `user`'s sessions or account changed (a logout, a new role):
/// each of their WebSockets checks its session and its topics again at once.
pub async fn user_changed(state: &AppState, user: UserId) -> AppResult<()> {
    // Other nodes hear it through PostgreSQL; one SQLite node needs no transaction for it.
    if state.db.engine() == ecabinet_storage::Engine::Postgres {
        let mut tx = state.db.write().await?;
        tx.announce_user_changed(user).await?;
        tx.commit().await?;
    }
    state.hub.user_changed(user);
    Ok(())
}

/// Hashes passwords with argon2id.
#[derive(Clone, Debug)]
pub struct PasswordHasher {
    params: Params,
}

impl Default for PasswordHasher {
    /// OWASP's recommended argon2id parameters (19 MiB, 2 passes).
    fn default() -> Self {
        PasswordHasher {
            params: Params::default(),
        }
    }
}

impl PasswordHasher {
    /// Minimal parameters, so that test suites can create many accounts quickly. The
    /// parameters live in each hash, so verification follows whatever created it.
    pub fn fast_for_tests() -> Self {
        PasswordHasher {
            params: Params::new(Params::MIN_M_COST, 1, 1, None).unwrap_or_default(),
        }
    }

    /// A PHC string for `password` with a fresh random salt.
    pub fn hash(&self, password: &str) -> AppResult<String> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("argon2: {e}")))
    }
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the username is unknown, so that a wrong username takes
/// as long as a wrong password (no account enumeration by timing).
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        PasswordHasher::default()
            .hash("not-a-password")
            .unwrap_or_default()
    })
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// `POST /api/login`: JSON `{username, password}` → 200 with [`Me`], or an HTML form →
/// 303 to `/` (or to `/login?error=1`).
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    session: Session,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let form = is_form(&headers);
    let req: LoginRequest = if form {
        serde_urlencoded::from_bytes(&body).map_err(|e| AppError::BadRequest(e.to_string()))?
    } else {
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(e.to_string()))?
    };
    let ip = state.login_limits.client_ip(Some(peer), &headers);
    let browser = state.known_browsers.known_for(&headers, &req.username);
    // Asked before the password is checked, so a guesser learns nothing while limited.
    if let Err(wait) = state
        .login_limits
        .begin(&req.username, ip, browser.as_deref())
        .await?
    {
        state.metrics.login_limited();
        tracing::warn!(username = ?req.username.chars().take(64).collect::<String>(),
            ip = ?ip, "login rate-limited");
        return if form {
            Ok(Redirect::to("/login?error=limited").into_response())
        } else {
            Err(AppError::RateLimited(wait))
        };
    }
    let user = {
        let mut tx = state.db.read().await?;
        tx.user_by_username(req.username.trim()).await?
    };
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let password = req.password;
    // argon2 is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    match user {
        Some(user) if ok => {
            state
                .login_limits
                .succeeded(&req.username, ip, browser.as_deref())
                .await;
            // A fresh id at login: a session id planted before login is worthless.
            session.cycle_id().await?;
            session.insert(SESSION_USER, user.id.0).await?;
            session
                .insert(SESSION_LOGIN_AT, ecabinet_storage::now_ms())
                .await?;
            tracing::info!(user = ?user.username, known_browser = browser.is_some(), "login");
            let mut response = if form {
                Redirect::to("/").into_response()
            } else {
                Json(crate::platform::session::me_of(&state, &user).await?).into_response()
            };
            if let Some(cookie) =
                state
                    .known_browsers
                    .remember(&headers, &req.username, browser.as_deref())
            {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        _ => {
            tracing::info!(username = ?req.username.chars().take(64).collect::<String>(), "login refused");
            if form {
                Ok(Redirect::to("/login?error=1").into_response())
            } else {
                Err(AppError::BadCredentials)
            }
        }
    }
}

/// `POST /api/logout`: ends the session, and the WebSockets it opened on every node; 303
/// to `/login` for forms, 204 otherwise.
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> AppResult<Response> {
    let uid = session.get::<i64>(SESSION_USER).await?;
    session.flush().await?;
    if let Some(uid) = uid {
        user_changed(&state, UserId(uid)).await?;
    }
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Ok(Redirect::to("/login").into_response())
    }
}

/// `GET /api/me`.
pub async fn me(State(s): State<AppState>, user: CurrentUser) -> AppResult<Json<Me>> {
    Ok(Json(crate::platform::session::me_of(&s, &user.0).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let h = PasswordHasher::fast_for_tests();
        let a = h.hash("mật khẩu").unwrap();
        let b = h.hash("mật khẩu").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu", &a));
        assert!(!verify_password("mat khau", &a));
        assert!(!verify_password("x", "not a phc string"));
    }
}
