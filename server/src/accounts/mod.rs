//! Accounts: signing in and out (argon2 passwords, login rate limits, known browsers),
//! who is logged in, and the list of accounts that the secretariat picks participants from.

mod auth;
mod browsers;
mod limits;

pub use auth::{PasswordHasher, user_changed, verify_password};
pub use browsers::KnownBrowsers;
pub use limits::{Cidr, LoginLimits};

use crate::AppState;
use crate::platform::error::{AppError, AppResult};
use crate::platform::session::CurrentUser;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use ecabinet_domain::access::meetings;
use ecabinet_protocol::api::UserSummary;

/// The routes of signing in and the accounts list, merged under `/api` with the other
/// contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/users", get(users))
}

/// `GET /api/users`: the accounts, for the participant picker.
async fn users(State(s): State<AppState>, u: CurrentUser) -> AppResult<Json<Vec<UserSummary>>> {
    if !meetings::lists_accounts(u.0.role) {
        return Err(AppError::Forbidden);
    }
    Ok(Json(s.db.read().await?.users().await?))
}
