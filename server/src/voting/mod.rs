//! Votes (biểu quyết) and the device keys that sign them: members enrol the public half
//! of their device's key and the secretariat approves it; the chair opens a vote, which
//! fixes the electorate and its keys; the ballot desk takes each signed ballot, one writer
//! for all, and closes the vote into a result signed by the server; the archive carries
//! every signature for an offline recount.

mod archive;
mod desk;
mod devices;
mod polls;

pub use desk::{BallotDesk, load_server_key};

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

/// The routes of votes and device keys, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/devices", get(devices::list).post(devices::enroll))
        .route("/devices/{id}/approve", post(devices::approve))
        .route("/devices/{id}/revoke", post(devices::revoke))
        .route("/meetings/{id}/polls", post(polls::create))
        .route("/meetings/{id}/archive", get(archive::meeting_archive))
        .route("/polls/{id}", get(polls::show).put(polls::update))
        .route("/polls/{id}/open", post(polls::open))
        .route("/polls/{id}/close", post(polls::close))
        .route("/polls/{id}/ballots", post(polls::cast))
        .route("/polls/{id}/pending", get(polls::pending))
        .route("/polls/{id}/archive", get(archive::poll_archive))
}
