//! Members' private annotations: highlights and notes on page regions. Each is its
//! owner's alone: read and changed only by them, synced to their other devices on their
//! own `user:<id>` topic, and carried to a new version of the document where the page's
//! text is unchanged.

use crate::AppState;
use crate::documents::{invalid, page_keys, readable};
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult, enforce};
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use ecabinet_documents::versions::carry_over;
use ecabinet_domain::UserId;
use ecabinet_domain::access;
use ecabinet_domain::document::check_annotation;
use ecabinet_protocol::document::{Annotation, AnnotationInput, AnnotationPatch};
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::{NewAnnotation, Tx};
use serde::Deserialize;

/// Which version's annotations.
#[derive(Deserialize)]
pub struct VersionQuery {
    /// Default: the version the reader sees.
    pub version: Option<i64>,
}

/// `GET /api/documents/{id}/annotations?version=`: one's own annotations.
pub async fn list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Json<Vec<Annotation>>> {
    let mut tx = s.db.read().await?;
    let doc = readable(&mut tx, &u, id).await?;
    let version = q.version.unwrap_or(doc.current_version);
    Ok(Json(tx.annotations_of(u.id(), id, version).await?))
}

/// `POST /api/documents/{id}/annotations`.
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AnnotationInput>,
) -> AppResult<(StatusCode, Json<Annotation>)> {
    check_annotation(&input.region, &input.color, &input.note)
        .map_err(|(field, reason)| invalid(field, reason))?;
    let mut tx = s.db.write().await?;
    let doc = readable(&mut tx, &u, id).await?;
    if input.version < 1 || input.version > doc.current_version.max(1) {
        return Err(invalid("version", "not a version you can read"));
    }
    let pages = tx.pages_of(id, input.version).await?;
    if input.page < 1 || input.page > i64::try_from(pages.len()).unwrap_or(0) {
        return Err(invalid("page", "no such page"));
    }
    let a = tx
        .insert_annotation(
            u.id(),
            &NewAnnotation {
                document_id: id,
                version: input.version,
                page: input.page,
                kind: input.kind,
                region: input.region,
                color: &input.color,
                note: &input.note,
                carried_from: None,
            },
        )
        .await?;
    changed(&mut tx, u.id(), &a).await?;
    s.commit(tx).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// One's own annotation: anybody else's does not exist for them.
async fn own(tx: &mut Tx, u: &CurrentUser, id: i64) -> AppResult<Annotation> {
    let (author, a) = tx.annotation(id).await?.ok_or(AppError::NotFound)?;
    enforce(access::documents::own_annotation(author, u.id()))?;
    // Still a reader of the document?
    readable(tx, u, a.document_id).await?;
    Ok(a)
}

/// `PUT /api/annotations/{id}`.
pub async fn update(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<AnnotationPatch>,
) -> AppResult<Json<Annotation>> {
    let mut tx = s.db.write().await?;
    let mut a = own(&mut tx, &u, id).await?;
    if let Some(r) = patch.region {
        a.region = r;
    }
    if let Some(c) = patch.color {
        a.color = c;
    }
    if let Some(n) = patch.note {
        a.note = n;
    }
    check_annotation(&a.region, &a.color, &a.note)
        .map_err(|(field, reason)| invalid(field, reason))?;
    a.updated_at = tx.update_annotation(&a).await?;
    changed(&mut tx, u.id(), &a).await?;
    s.commit(tx).await?;
    Ok(Json(a))
}

/// `DELETE /api/annotations/{id}`.
pub async fn delete(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let mut tx = s.db.write().await?;
    let a = own(&mut tx, &u, id).await?;
    tx.delete_annotation(id).await?;
    tx.append(
        Topic::User(u.id()),
        EventBody::AnnotationDeleted {
            id,
            document_id: a.document_id,
        },
        Some(u.id()),
    )
    .await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn changed(tx: &mut Tx, owner: UserId, a: &Annotation) -> AppResult<()> {
    tx.append(
        Topic::User(owner),
        EventBody::AnnotationChanged {
            annotation: a.clone(),
        },
        Some(owner),
    )
    .await?;
    Ok(())
}

/// In the transaction that makes `new` current: copies every annotation of `old` to the
/// page of `new` with the same text (`documents::versions::carry_over`); those whose text
/// is gone stay on `old`.
pub async fn carry(tx: &mut Tx, document: i64, old: i64, new: i64) -> AppResult<()> {
    if old < 1 {
        return Ok(());
    }
    let map = carry_over(
        &page_keys(tx.page_keys(document, old).await?),
        &page_keys(tx.page_keys(document, new).await?),
    );
    for (owner, a) in tx.all_annotations(document, old).await? {
        let Some(Some(page)) = usize::try_from(a.page - 1).ok().and_then(|i| map.get(i)) else {
            continue;
        };
        let copy = tx
            .insert_annotation(
                owner,
                &NewAnnotation {
                    document_id: document,
                    version: new,
                    page: i64::from(*page),
                    kind: a.kind,
                    region: a.region,
                    color: &a.color,
                    note: &a.note,
                    carried_from: Some(a.id),
                },
            )
            .await?;
        changed(tx, owner, &copy).await?;
    }
    Ok(())
}
