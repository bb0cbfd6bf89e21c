//! The person behind a request: the session's keys and lifetime, the [`CurrentUser`]
//! extractor that every protected route and the WebSocket use, and the account as its own
//! pages see it.

use crate::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::platform::signatures::signs;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use ecabinet_domain::UserId;
use ecabinet_storage::UserRow;
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

/// The account as its own pages see it, with whether it signs on a device.
pub(crate) async fn me_of(
    s: &AppState,
    user: &ecabinet_storage::UserRow,
) -> AppResult<ecabinet_protocol::api::Me> {
    let mut me = user.me();
    if !me.signs {
        let mut tx = s.db.read().await?;
        me.signs = signs(&mut tx, user).await?;
    }
    Ok(me)
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
}
