//! Meetings (phiên họp): the secretariat prepares them (details, participants, agenda,
//! publishing), the chair conducts them live (start, the current item, the floor, end), and
//! participants check in and ask for the floor. Handlers here read the request and shape
//! the answer; the use cases are in `service`.

mod service;

use crate::AppState;
use crate::platform::error::{ApiJson, ApiPath, AppResult};
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use ecabinet_domain::MeetingId;
use ecabinet_domain::attendance::Attendance;
use ecabinet_protocol::api::{AgendaInput, Created, GrantFloor, MeetingInput, MoveTo};
use ecabinet_protocol::{MeetingSnapshot, MeetingSummary};

/// The routes of meetings, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list).post(create))
        .route("/meetings/{id}", get(show).put(update))
        .route("/meetings/{id}/agenda", put(agenda))
        .route("/meetings/{id}/publish", post(publish))
        .route("/meetings/{id}/start", post(start))
        .route("/meetings/{id}/end", post(end))
        .route("/meetings/{id}/current", post(current))
        .route("/meetings/{id}/attendance", post(attend))
        .route("/meetings/{id}/speakers/request", post(request_floor))
        .route("/meetings/{id}/speakers/withdraw", post(withdraw_floor))
        .route("/meetings/{id}/speakers/grant", post(grant_floor))
        .route("/meetings/{id}/speakers/end", post(end_turn))
}

async fn list(State(s): State<AppState>, u: CurrentUser) -> AppResult<Json<Vec<MeetingSummary>>> {
    Ok(Json(s.meetings(&u).await?))
}

async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(input): ApiJson<MeetingInput>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = s.create_meeting(&u, input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<MeetingSnapshot>> {
    Ok(Json(s.meeting(&u, MeetingId(id)).await?))
}

async fn update(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MeetingInput>,
) -> AppResult<StatusCode> {
    s.update_meeting(&u, MeetingId(id), input).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn agenda(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AgendaInput>,
) -> AppResult<StatusCode> {
    s.replace_agenda(&u, MeetingId(id), input).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn publish(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    s.publish(&u, MeetingId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn start(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    s.start(&u, MeetingId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn end(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    s.end(&u, MeetingId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn current(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(to): ApiJson<MoveTo>,
) -> AppResult<StatusCode> {
    s.move_current(&u, MeetingId(id), to).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn attend(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(a): ApiJson<Attendance>,
) -> AppResult<StatusCode> {
    s.attend(&u, MeetingId(id), a).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn request_floor(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    s.request_floor(&u, MeetingId(id), false).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn withdraw_floor(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    s.request_floor(&u, MeetingId(id), true).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn grant_floor(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(g): ApiJson<GrantFloor>,
) -> AppResult<StatusCode> {
    s.grant_floor(&u, MeetingId(id), g).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn end_turn(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    s.end_turn(&u, MeetingId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
