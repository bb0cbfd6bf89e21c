//! The HTTP API under `/api`: thin handlers that read the request, call the use case in
//! [`crate::service`] and shape the answer. Every route needs a session except login.

use crate::AppState;
use crate::auth::{self, CurrentUser};
use crate::documents;
use crate::error::{ApiJson, ApiPath, AppResult};
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use ecabinet_domain::MeetingId;
use ecabinet_domain::attendance::Attendance;
use ecabinet_protocol::api::{AgendaInput, Created, GrantFloor, MeetingInput, MoveTo, UserSummary};
use ecabinet_protocol::{MeetingSnapshot, MeetingSummary};

/// Largest accepted JSON body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The `/api` router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/users", get(users))
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
        .route(
            "/devices",
            get(crate::devices::list).post(crate::devices::enroll),
        )
        .route("/devices/{id}/approve", post(crate::devices::approve))
        .route("/devices/{id}/revoke", post(crate::devices::revoke))
        .route("/meetings/{id}/polls", post(crate::polls::create))
        .route("/meetings/{id}/archive", get(crate::polls::meeting_archive))
        .route(
            "/polls/{id}",
            get(crate::polls::show).put(crate::polls::update),
        )
        .route("/polls/{id}/open", post(crate::polls::open))
        .route("/polls/{id}/close", post(crate::polls::close))
        .route("/polls/{id}/ballots", post(crate::polls::cast))
        .route("/polls/{id}/pending", get(crate::polls::pending))
        .route("/polls/{id}/archive", get(crate::polls::poll_archive))
        .route(
            "/meetings/{id}/documents",
            get(documents::list)
                // Uploads count their own bytes against `document_max_upload_mb`.
                .post(documents::upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/meetings/{id}/documents/search", get(documents::search))
        .route(
            "/opinions/{id}/documents",
            get(documents::opinion_list)
                .post(documents::opinion_upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/opinions/{id}/documents/search",
            get(documents::opinion_search),
        )
        .route(
            "/documents/{id}",
            get(documents::show).delete(documents::delete),
        )
        .route(
            "/documents/{id}/versions",
            post(documents::new_version).layer(DefaultBodyLimit::disable()),
        )
        .route("/documents/{id}/original", get(documents::original))
        .route("/documents/{id}/reads", get(documents::reads))
        .route("/statistics/documents", get(documents::statistics))
        .route(
            "/documents/{id}/annotations",
            get(crate::annotations::list).post(crate::annotations::create),
        )
        .route(
            "/annotations/{id}",
            put(crate::annotations::update).delete(crate::annotations::delete),
        )
        .route(
            "/documents/{id}/versions/{version}/pages/{page}",
            get(documents::page),
        )
        .route(
            "/documents/{id}/versions/{version}/pages/{page}/text",
            get(documents::page_text),
        )
        .route(
            "/exchange/organs",
            get(crate::exchange::organs).post(crate::exchange::add_organ),
        )
        .route(
            "/exchange/organs/{id}/members",
            get(crate::exchange::members).post(crate::exchange::add_member),
        )
        .route("/exchange/me", get(crate::exchange::mine))
        .route("/exchange/peers", post(crate::transport::add_peer))
        .route("/exchange/identity", get(crate::transport::identity))
        .route(
            "/exchange/inbox",
            // Sized for an envelope with its files (`document_max_upload_mb`, base64).
            post(crate::transport::inbox).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/exchange/dead-letters",
            get(crate::transport::dead_letters),
        )
        .route(
            "/exchange/dead-letters/{id}/retry",
            post(crate::transport::retry_dead_letter),
        )
        .route(
            "/exchange/organs/{id}/outgoing",
            get(crate::exchange::outgoing_list)
                // Drafts count their files' bytes against `document_max_upload_mb`.
                .post(crate::exchange::draft)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/exchange/organs/{id}/incoming",
            get(crate::exchange::incoming_list),
        )
        .route(
            "/exchange/organs/{id}/import",
            post(crate::exchange::import).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/exchange/outgoing/{id}",
            get(crate::exchange::outgoing_show),
        )
        .route("/exchange/outgoing/{id}/seal", post(crate::exchange::seal))
        .route("/exchange/outgoing/{id}/send", post(crate::exchange::send))
        .route(
            "/exchange/outgoing/{id}/edxml",
            get(crate::exchange::outgoing_edxml),
        )
        .route(
            "/exchange/incoming/{id}",
            get(crate::exchange::incoming_show),
        )
        .route(
            "/exchange/incoming/{id}/status",
            post(crate::exchange::set_status),
        )
        .route(
            "/exchange/incoming/{id}/edxml",
            get(crate::exchange::incoming_edxml),
        )
        .route(
            "/exchange/{register}/{id}/files/{n}",
            get(crate::exchange::file),
        )
        .route("/reporting", get(crate::reporting::overview))
        .route("/reporting/units", post(crate::reporting::add_unit))
        .route(
            "/reporting/units/{id}/members",
            post(crate::reporting::add_member),
        )
        .route(
            "/reporting/indicators",
            post(crate::reporting::put_indicator),
        )
        .route("/reporting/regimes", post(crate::reporting::add_regime))
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}",
            get(crate::reporting::show).put(crate::reporting::put_values),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/submit",
            post(crate::reporting::submit),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/approve",
            post(crate::reporting::approve),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/return",
            post(crate::reporting::send_back),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/history",
            get(crate::reporting::history),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/template.xlsx",
            get(crate::reporting::template),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/upload",
            post(crate::reporting::upload).layer(DefaultBodyLimit::max(6 * 1024 * 1024)),
        )
        .route(
            "/reporting/regimes/{id}/series",
            get(crate::reporting::series),
        )
        .route(
            "/reporting/regimes/{id}/compare",
            get(crate::reporting::compare),
        )
        .route(
            "/reporting/regimes/{id}/completeness",
            get(crate::reporting::completeness),
        )
        .route(
            "/reporting/regimes/{id}/remind",
            post(crate::reporting::remind),
        )
        .route("/reporting/statistics", get(crate::reporting::statistics))
        .route(
            "/exchange/{register}/{id}/documents",
            get(documents::entry_list),
        )
        .route(
            "/exchange/{register}/{id}/documents/search",
            get(documents::entry_search),
        )
        .route(
            "/opinions",
            get(crate::opinions::list).post(crate::opinions::create),
        )
        .route(
            "/opinions/{id}",
            get(crate::opinions::show).put(crate::opinions::update),
        )
        .route("/opinions/{id}/send", post(crate::opinions::send))
        .route("/opinions/{id}/answers", post(crate::opinions::answer))
        .route("/opinions/{id}/extend", post(crate::opinions::extend))
        .route("/opinions/{id}/remind", post(crate::opinions::remind))
        .route("/opinions/{id}/report", get(crate::opinions::report))
        .route(
            "/opinions/{id}/report.xlsx",
            get(crate::opinions::report_xlsx),
        )
        .route(
            "/opinions/{id}/report.pdf",
            get(crate::opinions::report_pdf),
        )
        .route("/opinions/{id}/archive", get(crate::opinions::archive))
        .route(
            "/meetings/{id}/minutes",
            get(crate::minutes::show).put(crate::minutes::update),
        )
        .route(
            "/meetings/{id}/minutes/draft",
            post(crate::minutes::generate),
        )
        .route("/meetings/{id}/minutes/sign", post(crate::minutes::sign))
        .route("/meetings/{id}/minutes.pdf", get(crate::minutes::pdf))
        .route(
            "/meetings/{id}/minutes/archive",
            get(crate::minutes::archive),
        )
        .route("/ws", get(crate::ws::upgrade))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

async fn users(State(s): State<AppState>, u: CurrentUser) -> AppResult<Json<Vec<UserSummary>>> {
    Ok(Json(s.users(&u).await?))
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
