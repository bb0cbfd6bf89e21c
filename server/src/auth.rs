//! Accounts and sessions: argon2 password hashes, login and logout, and the
//! [`CurrentUser`] extractor that every protected route and the WebSocket use.

use crate::AppState;
use crate::error::{AppError, AppResult};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ecabinet_domain::UserId;
use ecabinet_protocol::api::{LoginRequest, Me};
use ecabinet_storage::UserRow;
use std::sync::OnceLock;
use tower_sessions::Session;

/// Session keys: the account, and when it logged in (ms since the epoch).
pub const SESSION_USER: &str = "uid";
pub const SESSION_LOGIN_AT: &str = "login_at";

/// Whether a session that logged in at `login_at` is still within `max` at `now` (ms). A
/// session from before login times were kept has none, and has ended.
pub fn within_lifetime(login_at: Option<i64>, now: i64, max: std::time::Duration) -> bool {
    let max = i64::try_from(max.as_millis()).unwrap_or(i64::MAX);
    login_at.is_some_and(|t| now.saturating_sub(t) < max)
}

/// The account id of the request's session, if it has one within its lifetime; an
/// expired one is ended here.
async fn session_uid(state: &AppState, session: &Session) -> AppResult<Option<i64>> {
    let Some(uid) = session.get::<i64>(SESSION_USER).await? else {
        return Ok(None);
    };
    let login_at = session.get::<i64>(SESSION_LOGIN_AT).await?;
    if !within_lifetime(login_at, ecabinet_storage::now_ms(), state.session_max) {
        session.flush().await?;
        return Ok(None);
    }
    Ok(Some(uid))
}

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

/// The logged-in account of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser(pub UserRow);

impl CurrentUser {
    /// Account id.
    pub fn id(&self) -> UserId {
        self.0.id
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal("session layer missing".into()))?;
        let uid = session_uid(state, &session)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        // Read on every request, so a changed role or a deleted account takes effect at once;
        // one statement needs no transaction.
        let mut tx = state.db.read_now().await?;
        let user = tx.user(UserId(uid)).await?;
        drop(tx);
        user.map(CurrentUser).ok_or(AppError::Unauthenticated)
    }
}

/// The account of the session, if any (for SSR and the page redirects).
pub async fn session_user(state: &AppState, session: &Session) -> AppResult<Option<UserRow>> {
    let Some(uid) = session_uid(state, session).await? else {
        return Ok(None);
    };
    let mut tx = state.db.read().await?;
    Ok(tx.user(UserId(uid)).await?)
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
                Json(crate::devices::me_of(&state, &user).await?).into_response()
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
    Ok(Json(crate::devices::me_of(&s, &user.0).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_ends_its_lifetime_after_login_however_active() {
        let day = std::time::Duration::from_secs(24 * 3600);
        let login = 1_000_000;
        assert!(within_lifetime(Some(login), login + 1, day));
        assert!(within_lifetime(Some(login), login + 86_399_999, day));
        assert!(!within_lifetime(Some(login), login + 86_400_000, day));
        assert!(!within_lifetime(None, login, day), "no login time: ended");
    }

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
