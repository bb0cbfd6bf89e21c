//! Dead letters: the messages a peer refused for good, kept whole with the reason, listed
//! for the admin and the sending organ's people, and sent again on request.

use crate::AppState;
use crate::platform::error::{ApiPath, AppError, AppResult, enforce};
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecabinet_domain::access;
use ecabinet_protocol::exchange::DeadLetter;
use ecabinet_storage::DeadLetterRow;

fn dead_letter(r: DeadLetterRow) -> DeadLetter {
    DeadLetter {
        id: r.id,
        peer_id: r.peer_id,
        peer_name: r.peer_name,
        kind: r.kind,
        document_id: r.document_id,
        from_organ: r.from_organ,
        to_organ: r.to_organ,
        attempts: r.attempts,
        reason: r.reason,
        dead_at: r.dead_at.unwrap_or_default(),
    }
}

/// `GET /api/exchange/dead-letters` (admin): every delivery a peer refused for good, oldest
/// first, with why.
pub async fn dead_letters(
    State(s): State<AppState>,
    u: CurrentUser,
) -> AppResult<Json<Vec<DeadLetter>>> {
    if !access::exchange::administers(u.0.role) {
        return Err(AppError::Forbidden);
    }
    let mut tx = s.db.read().await?;
    Ok(Json(
        tx.dead_letters(None)
            .await?
            .into_iter()
            .map(dead_letter)
            .collect(),
    ))
}

/// `POST /api/exchange/dead-letters/{id}/retry` (admin, or a clerk of the organ that sent
/// it): back in the queue, due now, once the cause is fixed. 409 if it is not a dead letter
/// (delivered, or on its way again); 404 for a member of no organ concerned.
pub async fn retry_dead_letter(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let mut tx = s.db.write().await?;
    let row = tx.undelivered(id).await?.ok_or(AppError::NotFound)?;
    // The administration's account needs no organ: its roles are not read.
    let roles: Vec<_> = if access::exchange::administers(u.0.role) {
        Vec::new()
    } else {
        tx.organ_roles(u.id())
            .await?
            .into_iter()
            .filter(|(o, _)| *o == row.from_organ)
            .map(|(_, r)| r)
            .collect()
    };
    enforce(access::exchange::retry_dead_letter(u.0.role, &roles))?;
    if row.dead_at.is_none() || !tx.outbox_retry(id).await? {
        return Err(AppError::Conflict(
            "it is not a dead letter: delivered, or on its way again".into(),
        ));
    }
    crate::exchange::delivery_changed(&mut tx, &row.kind, &row.document_id, &row.from_organ)
        .await?;
    s.commit(tx).await?;
    tracing::info!(message = id, by = u.id().0, "dead letter sent again");
    s.outbox.wake();
    Ok(StatusCode::NO_CONTENT)
}
