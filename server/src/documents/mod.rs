//! Documents over HTTP, of meetings and of written polls: the secretariat uploads PDFs,
//! the render workers turn them into page images and text, readers get pages (watermarked
//! with their name and the time when the document is classified), text and search hits;
//! every open is logged and the secretariat sees who read what.
//!
//! A document's owner decides who sees it: a meeting's participants, or a written poll's
//! addressees once it is sent (the chair and the secretariat before, to approve it). A
//! poll's documents change only while it is a draft: each signed answer covers their hashes.

mod annotations;
mod render;
mod watermark;

pub use render::{RenderSettings, Renderer, worker_command};
pub use watermark::Watermarker;

use crate::AppState;
use crate::platform::body::{clean_file_name, looks_like_pdf, multipart, small_field};
use crate::platform::error::{ApiPath, AppError, AppResult};
use crate::platform::gates;
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Multipart, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post, put};
use ecabinet_documents::fold::fold;
use ecabinet_documents::job::{Event as RenderEvent, Failure, page_file};
use ecabinet_documents::search::Query as SearchQuery;
use ecabinet_documents::versions::{PageKey, changed_pages};
use ecabinet_domain::access::{MeetingCapability as Cap, OpinionCapability as OpinionCap};
use ecabinet_domain::document::{self, Confidentiality, DocumentKind, DocumentOwner, Readers};
use ecabinet_domain::opinion;
use ecabinet_domain::{AgendaItemId, DomainError, MeetingId, Role};
use ecabinet_protocol::document::{
    DocumentInput, DocumentSummary, DocumentView, PageInfo, ReadReceipt, SearchHit, SearchResult,
    Uploaded,
};
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::{Access, DocumentRow, NewDocument, RenderedPage, Tx};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// Where documents live and how they are rendered.
#[derive(Clone)]
pub struct Documents {
    dir: PathBuf,
    blobs: crate::platform::blobs::Blobs,
    claims: ecabinet_storage::RenderClaims,
    renderer: Renderer,
    max_upload_bytes: u64,
    watermark: Option<Arc<crate::documents::watermark::Watermarker>>,
    /// The levels whose text is extracted, served and searched (`document_text_levels`).
    text_levels: Arc<[Confidentiality]>,
}

impl Documents {
    /// `dir` holds `<document>/v<version>/original.pdf` and its rendered pages.
    pub fn new(
        dir: PathBuf,
        blobs: crate::platform::blobs::Blobs,
        claims: ecabinet_storage::RenderClaims,
        renderer: Renderer,
        max_upload_bytes: u64,
        watermark: Option<crate::documents::watermark::Watermarker>,
        text_levels: &[Confidentiality],
    ) -> Documents {
        Documents {
            dir,
            blobs,
            claims,
            renderer,
            max_upload_bytes,
            watermark: watermark.map(Arc::new),
            text_levels: text_levels.into(),
        }
    }

    /// Whether the text of a document of `level` is extracted, served and searched.
    /// Asked again on every read, so that text stored before the setting changed is not
    /// served either.
    fn text_served(&self, level: Confidentiality) -> bool {
        self.text_levels.contains(&level)
    }

    /// The largest upload accepted, in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_bytes
    }

    fn version_dir(&self, doc: i64, version: i64) -> PathBuf {
        self.blobs.local_path(&version_key(doc, version))
    }

    /// Puts a file kept elsewhere (an exchanged file, stored by hash under `from`) in
    /// place as a version's original, by a link or a copy inside the store. Before the
    /// commit, as for uploads: a version row never points at a missing file.
    pub(crate) async fn place_original(&self, doc: i64, version: i64, from: &str) -> AppResult<()> {
        // Left by a transaction that did not commit.
        let _ = tokio::fs::remove_dir_all(self.version_dir(doc, version)).await;
        self.blobs
            .copy(from, &original_key(doc, version))
            .await
            .map_err(AppError::Internal)
    }

    /// Where files other than meeting documents are kept (exchanged files, signed
    /// minutes): the same folder or bucket.
    pub(crate) fn blobs(&self) -> &crate::platform::blobs::Blobs {
        &self.blobs
    }
}

/// A version's folder in the store.
fn version_key(doc: i64, version: i64) -> String {
    format!("{doc}/v{version}")
}

fn original_key(doc: i64, version: i64) -> String {
    format!("{doc}/v{version}/original.pdf")
}

/// A 422 naming the field.
pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> AppError {
    AppError::Domain(DomainError::Invalid {
        field,
        reason: reason.into(),
    })
}

/// Whether `u` prepares meetings (the secretariat).
fn prepares(u: &CurrentUser) -> bool {
    u.0.role == Role::Secretariat
}

/// 404 unless `u` sees the meeting, the poll or the register entry.
async fn sees(tx: &mut Tx, u: &CurrentUser, owner: DocumentOwner) -> AppResult<()> {
    match owner {
        DocumentOwner::Meeting(m) => {
            gates::meeting_read(tx, u, m, Cap::View).await?;
        }
        DocumentOwner::Opinion(o) => {
            gates::opinion_read(tx, u, o, OpinionCap::View).await?;
        }
        DocumentOwner::Outgoing(_) | DocumentOwner::Incoming(_) => {
            gates::entry(tx, u, owner).await?;
        }
    }
    Ok(())
}

/// 409: an exchanged file is what its signer sealed and cannot be replaced or removed;
/// a changed document is sent again as an update or a replacement.
fn sealed() -> AppError {
    AppError::Conflict(
        "an exchanged document is fixed by its seal: send an update or a replacement".into(),
    )
}

/// Whether `u` may file or replace documents under `owner` (403/404/409 otherwise); with
/// `lock`, inside the write transaction, so that a poll cannot be sent meanwhile.
async fn may_file(tx: &mut Tx, u: &CurrentUser, owner: DocumentOwner, lock: bool) -> AppResult<()> {
    match owner {
        DocumentOwner::Meeting(m) if lock => {
            gates::meeting(tx, u, m, Cap::Prepare).await?;
        }
        DocumentOwner::Meeting(m) => {
            gates::meeting_read(tx, u, m, Cap::Prepare).await?;
        }
        DocumentOwner::Opinion(o) => {
            gates::opinion_documents(tx, u, o, lock).await?;
        }
        DocumentOwner::Outgoing(_) | DocumentOwner::Incoming(_) => {
            sees(tx, u, owner).await?;
            return Err(sealed());
        }
    }
    Ok(())
}

/// Whether `u` follows who read the documents of `owner` (its secretariat).
async fn oversees(tx: &mut Tx, u: &CurrentUser, owner: DocumentOwner) -> AppResult<()> {
    match owner {
        DocumentOwner::Meeting(m) => {
            gates::meeting_read(tx, u, m, Cap::Prepare).await?;
        }
        DocumentOwner::Opinion(o) => {
            gates::opinion_read(tx, u, o, OpinionCap::Prepare).await?;
        }
        // The organ's people follow who of them read what it sent or received.
        DocumentOwner::Outgoing(_) | DocumentOwner::Incoming(_) => {
            sees(tx, u, owner).await?;
        }
    }
    Ok(())
}

/// The document, after checking that `u` may read it: 404 if the meeting or poll is not
/// visible, 403 if `u` is not a reader; readers other than the secretariat see only ready
/// versions.
pub(crate) async fn readable(tx: &mut Tx, u: &CurrentUser, id: i64) -> AppResult<DocumentRow> {
    let doc = tx.document(id).await?.ok_or(AppError::NotFound)?;
    sees(tx, u, doc.owner).await?;
    if !document::may_read(true, prepares(u), &doc.readers, u.id()) {
        return Err(AppError::Forbidden);
    }
    if !prepares(u) && doc.current_version == 0 {
        return Err(AppError::NotFound);
    }
    Ok(doc)
}

pub(crate) fn summary(doc: &DocumentRow) -> DocumentSummary {
    let latest = doc.latest.as_ref();
    DocumentSummary {
        id: doc.id,
        meeting_id: doc.owner.meeting(),
        opinion_id: doc.owner.opinion(),
        outgoing_id: doc.owner.outgoing(),
        incoming_id: doc.owner.incoming(),
        item_id: doc.item_id,
        title: doc.title.clone(),
        kind: doc.kind,
        confidentiality: doc.confidentiality,
        readers: doc.readers.clone(),
        current_version: doc.current_version,
        latest_version: latest.map_or(0, |v| v.version),
        status: latest.map_or_else(|| "rendering".into(), |v| v.status.clone()),
        failure: latest
            .and_then(|v| v.failure.as_deref())
            .and_then(|f| serde_json::from_str::<Failure>(f).ok())
            .map(|f| f.to_string()),
        // The stored JSON is `Failure`'s serde form, which `FailureDetail` mirrors.
        failure_detail: latest
            .and_then(|v| v.failure.as_deref())
            .and_then(|f| serde_json::from_str(f).ok()),
        pages: latest.and_then(|v| v.page_count).unwrap_or(0),
        pages_rendered: latest.map_or(0, |v| v.pages_rendered),
        file_name: latest.map(|v| v.file_name.clone()).unwrap_or_default(),
        size_bytes: latest.map_or(0, |v| v.size_bytes),
    }
}

/// `GET /api/meetings/{id}/documents`: the documents this user may read.
pub async fn list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<DocumentSummary>>> {
    let mut tx = s.db.read().await?;
    gates::meeting_read(&mut tx, &u, MeetingId(id), Cap::View).await?;
    let docs = tx.documents_of(MeetingId(id)).await?;
    Ok(Json(listed(&u, &docs)))
}

/// `GET /api/opinions/{id}/documents`: a written poll's documents this user may read.
pub async fn opinion_list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<DocumentSummary>>> {
    let mut tx = s.db.read().await?;
    sees(&mut tx, &u, DocumentOwner::Opinion(id)).await?;
    let docs = tx.documents_of_opinion(id).await?;
    Ok(Json(listed(&u, &docs)))
}

/// The owner named by an exchange route: `outgoing/{id}` or `incoming/{id}`.
fn entry(register: &str, id: i64) -> AppResult<DocumentOwner> {
    match register {
        "outgoing" => Ok(DocumentOwner::Outgoing(id)),
        "incoming" => Ok(DocumentOwner::Incoming(id)),
        _ => Err(AppError::NotFound),
    }
}

/// `GET /api/exchange/{register}/{id}/documents`: a register entry's files as documents,
/// for its organ's people.
pub async fn entry_list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((register, id)): ApiPath<(String, i64)>,
) -> AppResult<Json<Vec<DocumentSummary>>> {
    let owner = entry(&register, id)?;
    let mut tx = s.db.read().await?;
    sees(&mut tx, &u, owner).await?;
    let docs = tx.documents_of_entry(owner).await?;
    Ok(Json(docs.iter().map(summary).collect()))
}

/// The documents `u` may see in a list: all for the secretariat, else ready ones read.
fn listed(u: &CurrentUser, docs: &[DocumentRow]) -> Vec<DocumentSummary> {
    docs.iter()
        .filter(|d| {
            prepares(u)
                || (d.current_version > 0 && document::may_read(true, false, &d.readers, u.id()))
        })
        .map(summary)
        .collect()
}

/// A multipart upload: the `meta` part (JSON) and the `file` part (the PDF), streamed to
/// disk with its hash; refused whole if too large or not a PDF.
struct Upload {
    meta: Option<DocumentInput>,
    file_name: String,
    temp: tempfile::TempPath,
    sha256: String,
    size: u64,
}

async fn read_upload(s: &AppState, mut form: Multipart, want_meta: bool) -> AppResult<Upload> {
    let docs = &s.documents;
    let incoming = docs.dir.join("incoming");
    tokio::fs::create_dir_all(&incoming)
        .await
        .map_err(|e| AppError::Internal(format!("documents folder: {e}")))?;
    let mut meta = None;
    let mut file = None;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(format!("the upload could not be read: {}", e.body_text()))
        }
    };
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("meta") => {
                let text = small_field(&mut field, crate::platform::body::MAX_BODY_BYTES)
                    .await
                    .map_err(|e| e.map_or(AppError::PayloadTooLarge, bad))?;
                meta = Some(
                    serde_json::from_str::<DocumentInput>(&text)
                        .map_err(|e| AppError::BadRequest(format!("meta: {e}")))?,
                );
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("document.pdf").to_owned();
                let temp = tempfile::Builder::new()
                    .suffix(".pdf")
                    .tempfile_in(&incoming)
                    .map_err(|e| AppError::Internal(format!("temporary file: {e}")))?
                    .into_temp_path();
                let mut out = tokio::fs::File::create(&temp)
                    .await
                    .map_err(|e| AppError::Internal(format!("temporary file: {e}")))?;
                let mut hash = Sha256::new();
                let mut size = 0u64;
                let mut head = Vec::with_capacity(1024);
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    size += chunk.len() as u64;
                    if size > docs.max_upload_bytes {
                        return Err(AppError::PayloadTooLarge);
                    }
                    if head.len() < 1024 {
                        let take = (1024 - head.len()).min(chunk.len());
                        head.extend_from_slice(&chunk[..take]);
                    }
                    hash.update(&chunk);
                    out.write_all(&chunk)
                        .await
                        .map_err(|e| AppError::Internal(format!("writing the upload: {e}")))?;
                }
                out.sync_all()
                    .await
                    .map_err(|e| AppError::Internal(format!("writing the upload: {e}")))?;
                if size == 0 {
                    return Err(invalid("file", "the file is empty"));
                }
                if !looks_like_pdf(&head) {
                    return Err(invalid("file", Failure::NotPdf.to_string()));
                }
                file = Some((name, temp, hex::encode(hash.finalize()), size));
            }
            _ => {}
        }
    }
    let (file_name, temp, sha256, size) =
        file.ok_or_else(|| invalid("file", "no file was sent"))?;
    if want_meta && meta.is_none() {
        return Err(invalid("meta", "the document's details are missing"));
    }
    Ok(Upload {
        meta,
        file_name: clean_file_name(&file_name),
        temp,
        sha256,
        size,
    })
}

/// Validates the secretariat's details of a document.
async fn checked(
    tx: &mut Tx,
    owner: DocumentOwner,
    input: &DocumentInput,
) -> AppResult<NewDocument> {
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(invalid(
            "title",
            "a title of 1 to 300 characters is required",
        ));
    }
    let kind = DocumentKind::parse(&input.kind).ok_or_else(|| invalid("kind", "unknown kind"))?;
    let level = Confidentiality::parse(&input.confidentiality)
        .ok_or_else(|| invalid("confidentiality", "unknown confidentiality level"))?;
    let meeting = match owner {
        DocumentOwner::Meeting(m) => m,
        DocumentOwner::Opinion(o) => return poll_document(tx, o, input, title, kind, level).await,
        DocumentOwner::Outgoing(_) | DocumentOwner::Incoming(_) => return Err(sealed()),
    };
    if let Some(item) = input.item_id {
        let items = tx.agenda(meeting).await?;
        if !items.iter().any(|i| i.id == AgendaItemId(item)) {
            return Err(invalid("item_id", "no such agenda item in this meeting"));
        }
    }
    let readers = match &input.readers {
        None => Readers::Participants,
        Some(list) => {
            let participants = tx.participants(meeting).await?;
            let mut ids = list.clone();
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                return Err(invalid("readers", "name at least one reader"));
            }
            if let Some(bad) = ids
                .iter()
                .find(|id| !participants.iter().any(|p| p.user_id == **id))
            {
                return Err(invalid(
                    "readers",
                    format!("user {bad} does not take part in the meeting"),
                ));
            }
            Readers::Only(ids)
        }
    };
    Ok(NewDocument {
        owner,
        item_id: input.item_id.map(AgendaItemId),
        title: title.to_owned(),
        kind,
        confidentiality: level,
        readers,
    })
}

/// A written poll's document: no agenda item, every addressee reads it (each answer
/// covers all the poll's documents), at most [`opinion::MAX_DOCUMENTS`].
async fn poll_document(
    tx: &mut Tx,
    poll: i64,
    input: &DocumentInput,
    title: &str,
    kind: DocumentKind,
    level: Confidentiality,
) -> AppResult<NewDocument> {
    if input.item_id.is_some() {
        return Err(invalid("item_id", "a written poll has no agenda"));
    }
    if input.readers.is_some() {
        return Err(invalid(
            "readers",
            "a written poll's documents go to every member asked",
        ));
    }
    if tx.documents_of_opinion(poll).await?.len() >= opinion::MAX_DOCUMENTS {
        return Err(invalid(
            "file",
            format!("a poll takes at most {} documents", opinion::MAX_DOCUMENTS),
        ));
    }
    Ok(NewDocument {
        owner: DocumentOwner::Opinion(poll),
        item_id: None,
        title: title.to_owned(),
        kind,
        confidentiality: level,
        readers: Readers::Participants,
    })
}

async fn announce(
    tx: &mut Tx,
    doc: &DocumentRow,
    actor: Option<ecabinet_domain::UserId>,
) -> AppResult<()> {
    let latest = doc.latest.as_ref();
    // A poll's documents change only while it is a draft: the secretariat and the chair,
    // who follow `opinions`, are the ones waiting for them to render.
    let topic = match doc.owner {
        DocumentOwner::Meeting(m) => Topic::Meeting(m),
        DocumentOwner::Opinion(_) => Topic::Opinions,
        // An exchanged file's organ hears once it is rendered (or failed), not page by
        // page: on each member's own topic, where its registers listen.
        DocumentOwner::Outgoing(_) | DocumentOwner::Incoming(_) => {
            if latest.is_some_and(|v| v.status != "rendering") {
                crate::platform::registers::files_changed(tx, doc.owner).await?;
            }
            return Ok(());
        }
    };
    tx.append(
        topic,
        EventBody::DocumentChanged {
            document_id: doc.id,
            current_version: doc.current_version,
            latest_version: latest.map_or(0, |v| v.version),
            status: latest.map_or_else(String::new, |v| v.status.clone()),
            pages: latest.and_then(|v| v.page_count).unwrap_or(0),
            pages_rendered: latest.map_or(0, |v| v.pages_rendered),
        },
        actor,
    )
    .await?;
    Ok(())
}

/// `POST /api/meetings/{id}/documents` (multipart `meta` + `file`): files a document.
pub async fn upload(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    req: Request,
) -> AppResult<(StatusCode, Json<Uploaded>)> {
    upload_to(s, u, DocumentOwner::Meeting(MeetingId(id)), req).await
}

/// `POST /api/opinions/{id}/documents` (multipart `meta` + `file`): attaches a document
/// to a draft written poll.
pub async fn opinion_upload(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    req: Request,
) -> AppResult<(StatusCode, Json<Uploaded>)> {
    upload_to(s, u, DocumentOwner::Opinion(id), req).await
}

async fn upload_to(
    s: AppState,
    u: CurrentUser,
    owner: DocumentOwner,
    req: Request,
) -> AppResult<(StatusCode, Json<Uploaded>)> {
    {
        // Refuse before reading a large body if the sender may not file here.
        let mut tx = s.db.read().await?;
        may_file(&mut tx, &u, owner, false).await?;
    }
    let upload = read_upload(&s, multipart(req).await?, true).await?;
    let mut tx = s.db.write().await?;
    may_file(&mut tx, &u, owner, true).await?;
    let meta = upload
        .meta
        .as_ref()
        .ok_or_else(|| invalid("meta", "missing"))?;
    let new = checked(&mut tx, owner, meta).await?;
    let size = i64::try_from(upload.size).unwrap_or(i64::MAX);
    let doc_id = tx
        .insert_document(&new, &upload.file_name, &upload.sha256, size, Some(u.id()))
        .await?;
    store_file(&s, doc_id, 1, upload).await?;
    let row = tx.document(doc_id).await?.ok_or(AppError::NotFound)?;
    announce(&mut tx, &row, Some(u.id())).await?;
    s.commit(tx).await?;
    tokio::spawn(render_version(s.clone(), doc_id, 1));
    Ok((
        StatusCode::CREATED,
        Json(Uploaded {
            id: doc_id,
            version: 1,
        }),
    ))
}

/// `POST /api/documents/{id}/versions` (multipart `file`): replaces the file; readers
/// keep the current version until the new one has rendered.
pub async fn new_version(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    req: Request,
) -> AppResult<(StatusCode, Json<Uploaded>)> {
    {
        let mut tx = s.db.read().await?;
        let doc = tx.document(id).await?.ok_or(AppError::NotFound)?;
        may_file(&mut tx, &u, doc.owner, false).await?;
    }
    let upload = read_upload(&s, multipart(req).await?, false).await?;
    let mut tx = s.db.write().await?;
    let doc = tx.document(id).await?.ok_or(AppError::NotFound)?;
    may_file(&mut tx, &u, doc.owner, true).await?;
    if doc.latest.as_ref().is_some_and(|v| v.status == "rendering") {
        return Err(AppError::Conflict(
            "the previous version is still being rendered".into(),
        ));
    }
    let version = doc.latest.as_ref().map_or(0, |v| v.version) + 1;
    let size = i64::try_from(upload.size).unwrap_or(i64::MAX);
    tx.insert_version(
        id,
        version,
        &upload.file_name,
        &upload.sha256,
        size,
        Some(u.id()),
    )
    .await?;
    store_file(&s, id, version, upload).await?;
    let row = tx.document(id).await?.ok_or(AppError::NotFound)?;
    announce(&mut tx, &row, Some(u.id())).await?;
    s.commit(tx).await?;
    tokio::spawn(render_version(s.clone(), id, version));
    Ok((StatusCode::CREATED, Json(Uploaded { id, version })))
}

/// `DELETE /api/documents/{id}`: removes a draft poll's document attached by mistake.
/// A meeting's documents are kept (a new version replaces the file), and so are a sent
/// poll's, whose hashes its answers signed.
pub async fn delete(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let mut tx = s.db.write().await?;
    let doc = tx.document(id).await?.ok_or(AppError::NotFound)?;
    may_file(&mut tx, &u, doc.owner, true).await?;
    let DocumentOwner::Opinion(poll) = doc.owner else {
        return Err(AppError::Conflict(
            "a meeting's documents are kept: upload a new version instead".into(),
        ));
    };
    if doc.latest.as_ref().is_some_and(|v| v.status == "rendering") {
        return Err(AppError::Conflict(
            "the document is still being rendered; remove it once it is done".into(),
        ));
    }
    tx.delete_document(id).await?;
    s.commit(tx).await?;
    if let Err(e) = s.documents.blobs.remove_all(&id.to_string()).await {
        tracing::warn!(document = id, error = %e, "files of a removed document are left behind");
    }
    tracing::info!(
        document = id,
        opinion = poll,
        "draft poll's document removed"
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Moves the uploaded file to its version's folder (before the commit: a version row
/// never points at a missing file).
async fn store_file(s: &AppState, doc: i64, version: i64, upload: Upload) -> AppResult<()> {
    let dir = s.documents.version_dir(doc, version);
    let _ = tokio::fs::remove_dir_all(&dir).await; // left by a transaction that did not commit
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| AppError::Internal(format!("documents folder: {e}")))?;
    upload
        .temp
        .persist(dir.join("original.pdf"))
        .map_err(|e| AppError::Internal(format!("storing the upload: {e}")))?;
    s.documents
        .blobs
        .publish(&original_key(doc, version))
        .await
        .map_err(AppError::Internal)
}

/// Renders a version through the worker pool, recording pages as they arrive.
pub async fn render_version(s: AppState, doc: i64, version: i64) {
    render_claimed(s, doc, version, false).await
}

/// Renders a version if this node can claim it; `resumed`: a render a stopped node left
/// half-done, whose pages are cleared first.
async fn render_claimed(s: AppState, doc: i64, version: i64, resumed: bool) {
    if !s.documents.claims.take(doc, version).await {
        tracing::info!(document = doc, version, "another node is rendering it");
        return;
    }
    render_held(s, doc, version, resumed).await
}

/// Renders a version this node has claimed, then lets go of the claim.
async fn render_held(s: AppState, doc: i64, version: i64, resumed: bool) {
    let claims = s.documents.claims.clone();
    let _queued = s.metrics.render_job();
    let cleared = if resumed {
        clear_pages(&s, doc, version).await
    } else {
        Ok(())
    };
    if let Err(e) = async {
        cleared?;
        render_inner(&s, doc, version).await
    }
    .await
    {
        tracing::error!(document = doc, version, error = %e, "rendering failed on our side");
        let _ = finish(&s, doc, version, Some(Failure::Storage)).await;
    }
    claims.release(doc, version).await;
}

async fn clear_pages(s: &AppState, doc: i64, version: i64) -> AppResult<()> {
    let mut tx = s.db.write().await?;
    tx.clear_pages(doc, version).await?;
    s.commit(tx).await
}

async fn render_inner(s: &AppState, doc: i64, version: i64) -> AppResult<()> {
    let dir = s.documents.version_dir(doc, version);
    let blobs = &s.documents.blobs;
    // Another node may have taken the upload: its working copy comes from the store.
    let original = blobs
        .fetch(&original_key(doc, version))
        .await
        .map_err(AppError::Internal)?;
    let level = {
        let mut tx = s.db.read().await?;
        tx.document(doc)
            .await?
            .ok_or(AppError::NotFound)?
            .confidentiality
    };
    // A withheld level's text is not even extracted: nothing of it to store or leak.
    let extract_text = s.documents.text_served(level);
    let mut events = s
        .documents
        .renderer
        .render(original, dir.clone(), extract_text)
        .await;
    while let Some(event) = events.recv().await {
        match event {
            RenderEvent::Opened { pages, .. } => {
                let mut tx = s.db.write().await?;
                let sizes: Vec<(f64, f64)> = pages
                    .iter()
                    .map(|p| (f64::from(p.width), f64::from(p.height)))
                    .collect();
                tx.set_page_sizes(doc, version, &sizes).await?;
                let row = tx.document(doc).await?.ok_or(AppError::NotFound)?;
                announce(&mut tx, &row, None).await?;
                s.commit(tx).await?;
            }
            RenderEvent::Page {
                page,
                text,
                heights,
                image_sha256,
                ..
            } => {
                // In the store before the row says the page is there.
                for &w in s.documents.renderer.widths() {
                    let key = format!("{}/{}", version_key(doc, version), page_file(page, w));
                    blobs.publish(&key).await.map_err(AppError::Internal)?;
                }
                let text = if extract_text { text } else { String::new() };
                let mut tx = s.db.write().await?;
                let folded = fold(&text);
                tx.set_page_rendered(
                    doc,
                    version,
                    &RenderedPage {
                        page: i64::from(page),
                        heights: &heights,
                        image_sha256: &image_sha256,
                        body: &text,
                        folded: &folded,
                    },
                )
                .await?;
                let row = tx.document(doc).await?.ok_or(AppError::NotFound)?;
                announce(&mut tx, &row, None).await?;
                s.commit(tx).await?;
            }
            RenderEvent::Done { .. } => {
                blobs.forget_local(&version_key(doc, version)).await;
                return finish(s, doc, version, None).await;
            }
            RenderEvent::Failed { reason, .. } => {
                if let Err(e) = blobs.remove_all(&version_key(doc, version)).await {
                    tracing::warn!(document = doc, version, error = %e, "files of a refused version are left behind");
                }
                return finish(s, doc, version, Some(reason)).await;
            }
            RenderEvent::Ready { .. } => {}
        }
    }
    finish(s, doc, version, Some(Failure::Crashed)).await
}

async fn finish(s: &AppState, doc: i64, version: i64, failure: Option<Failure>) -> AppResult<()> {
    let mut tx = s.db.write().await?;
    let failure = failure
        .map(|f| serde_json::to_string(&f))
        .transpose()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let before = tx.document(doc).await?.map_or(0, |d| d.current_version);
    tx.finish_version(doc, version, failure.as_deref()).await?;
    if failure.is_none() && before > 0 && before < version {
        crate::documents::annotations::carry(&mut tx, doc, before, version).await?;
    }
    let row = tx.document(doc).await?.ok_or(AppError::NotFound)?;
    announce(&mut tx, &row, None).await?;
    s.commit(tx).await?;
    Ok(())
}

/// An upload still arriving after this long is not one: its partial file (a node killed
/// mid-upload leaves it) is removed. Longer than any upload takes, so that a node never
/// removes what another node sharing the folder is receiving.
const INCOMING_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes partial uploads older than [`INCOMING_MAX_AGE`]; returns how many.
pub async fn sweep_incoming(docs: &Documents) -> usize {
    let Ok(mut dir) = tokio::fs::read_dir(docs.dir.join("incoming")).await else {
        return 0;
    };
    let mut removed = 0;
    while let Ok(Some(e)) = dir.next_entry().await {
        let old = e
            .metadata()
            .await
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > INCOMING_MAX_AGE);
        if old && tokio::fs::remove_file(e.path()).await.is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "partial uploads removed");
    }
    removed
}

/// Restarts rendering of versions left half-done by a stopped server.
pub async fn resume_rendering(s: &AppState) -> AppResult<()> {
    sweep_incoming(&s.documents).await;
    let pending = {
        let mut tx = s.db.read().await?;
        tx.versions_rendering().await?
    };
    for (doc, version) in pending {
        // Only those no other node is rendering (its claim would be held).
        tracing::info!(
            document = doc,
            version,
            "rendering again after a restart, unless another node is"
        );
        tokio::spawn(render_claimed(s.clone(), doc, version, true));
    }
    Ok(())
}

/// Renders the versions whose node died mid-render: on PostgreSQL their claims went with
/// that node's connection, so a live node may take them over without waiting for a
/// restart. Run every `render_adopt_secs` on every node sharing a PostgreSQL database.
pub async fn adopt_orphan_renders(s: &AppState) -> AppResult<()> {
    let claims = &s.documents.claims;
    claims.refresh().await;
    let pending = {
        let mut tx = s.db.read().await?;
        tx.versions_rendering().await?
    };
    for (doc, version) in pending {
        if !claims.take_orphan(doc, version).await {
            continue;
        }
        // Its node may have finished it between the list and the claim.
        let still = {
            let mut tx = s.db.read().await?;
            tx.version_rendering(doc, version).await
        };
        if !matches!(still, Ok(true)) {
            claims.release(doc, version).await;
            still?;
            continue;
        }
        tracing::warn!(
            document = doc,
            version,
            "rendering a version its node left half-done"
        );
        s.metrics.render_adopted();
        tokio::spawn(render_held(s.clone(), doc, version, true));
    }
    Ok(())
}

/// Every `render_adopt_secs`, adopts the renders of nodes that died
/// ([`adopt_orphan_renders`]); on PostgreSQL only, as SQLite has one node, which resumes
/// its own renders when it starts.
pub async fn run_adopter(s: AppState) {
    if s.db.engine() == ecabinet_storage::Engine::Sqlite {
        return;
    }
    let period = std::time::Duration::from_secs(s.render_adopt_secs.max(1));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await; // the first tick is now; startup has just resumed what it could
    loop {
        tick.tick().await;
        if let Err(e) = adopt_orphan_renders(&s).await {
            tracing::warn!(error = %e, "looking for renders left by a dead node");
        }
    }
}

/// `GET /api/documents/{id}`: the document as its reader sees it; counts as an open.
pub async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<DocumentView>> {
    let (doc, version, pages, last_read, changed) = {
        let mut tx = s.db.read().await?;
        let doc = readable(&mut tx, &u, id).await?;
        let version = shown_version(&u, &doc);
        let pages = tx.pages_of(id, version).await?;
        let last_read = tx.last_read_before(id, u.id(), version).await?;
        let changed = match last_read {
            Some(old) => changed_pages(
                &page_keys(tx.page_keys(id, old).await?),
                &page_keys(tx.page_keys(id, version).await?),
            ),
            None => Vec::new(),
        };
        (doc, version, pages, last_read, changed)
    };
    if !prepares(&u) {
        let mut tx = s.db.write().await?;
        tx.record_open(id, version, u.id(), Access::Open).await?;
        s.commit(tx).await?;
    }
    let widths = s.documents.renderer.widths().to_vec();
    Ok(Json(DocumentView {
        original_allowed: document::may_download_original(prepares(&u), doc.confidentiality),
        watermarked: doc.confidentiality.is_classified(),
        changed_since_read: changed,
        last_read_version: last_read,
        text_available: s.documents.text_served(doc.confidentiality),
        summary: summary(&doc),
        version,
        widths,
        pages: pages
            .into_iter()
            .map(|p| PageInfo {
                page: p.page,
                width_pt: p.width_pt,
                height_pt: p.height_pt,
                rendered: p.heights.is_some(),
            })
            .collect(),
    }))
}

/// Stored (folded text, image hash) pairs as the comparison's page keys.
pub(crate) fn page_keys(pages: Vec<(String, String)>) -> Vec<PageKey> {
    pages
        .into_iter()
        .map(|(text, image)| PageKey { text, image })
        .collect()
}

/// The secretariat follows the newest upload; readers the current version.
fn shown_version(u: &CurrentUser, doc: &DocumentRow) -> i64 {
    if prepares(u) {
        doc.latest.as_ref().map_or(0, |v| v.version)
    } else {
        doc.current_version
    }
}

/// A version `u` may see: readers only ready ones (the current or earlier).
fn check_version(u: &CurrentUser, doc: &DocumentRow, version: i64) -> AppResult<()> {
    let newest = doc.latest.as_ref().map_or(0, |v| v.version);
    let limit = if prepares(u) {
        newest
    } else {
        doc.current_version
    };
    if version < 1 || version > limit {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Which width to serve for a request of `want` pixels.
#[derive(Deserialize)]
pub struct PageQuery {
    /// Requested width in pixels.
    pub w: Option<u32>,
}

/// The smallest rendered width at least `want`, else the largest.
fn pick_width(widths: &[u32], want: Option<u32>) -> Option<u32> {
    let Some(want) = want else {
        return widths.first().copied();
    };
    let mut sorted = widths.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .copied()
        .find(|&w| w >= want)
        .or_else(|| sorted.last().copied())
}

/// `GET /api/documents/{id}/versions/{v}/pages/{n}?w=`: a page image.
pub async fn page(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, version, page)): ApiPath<(i64, i64, i64)>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let doc = {
        let mut tx = s.db.read().await?;
        let doc = readable(&mut tx, &u, id).await?;
        check_version(&u, &doc, version)?;
        doc
    };
    let width = pick_width(s.documents.renderer.widths(), q.w).ok_or(AppError::NotFound)?;
    let page_no = u32::try_from(page).map_err(|_| AppError::NotFound)?;
    let key = format!("{}/{}", version_key(id, version), page_file(page_no, width));
    let bytes = s
        .documents
        .blobs
        .get(&key)
        .await
        .map_err(AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    if doc.confidentiality.is_classified() {
        let marker = s
            .documents
            .watermark
            .clone()
            .ok_or_else(|| AppError::Internal("no watermark font is configured".into()))?;
        let line = format!(
            "{} · {}",
            u.0.display_name,
            crate::documents::watermark::stamp_time(ecabinet_storage::now_ms())
        );
        let marked = tokio::task::spawn_blocking(move || marker.apply(&bytes, &line))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(format!("watermark: {e}")))?;
        let mut tx = s.db.write().await?;
        tx.record_open(id, version, u.id(), Access::Page(page))
            .await?;
        s.commit(tx).await?;
        let mut res = Response::new(Body::from(marked));
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
        // Per reader and per minute: never kept by caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(res);
    }
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    // A version's pages never change: the tablet keeps them.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    Ok(res)
}

/// `GET /api/documents/{id}/versions/{v}/pages/{n}/text`: refused for a level whose text
/// is withheld; for a classified one, logged like a page view.
pub async fn page_text(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, version, page)): ApiPath<(i64, i64, i64)>,
) -> AppResult<Json<serde_json::Value>> {
    let (doc, text) = {
        let mut tx = s.db.read().await?;
        let doc = readable(&mut tx, &u, id).await?;
        check_version(&u, &doc, version)?;
        if !s.documents.text_served(doc.confidentiality) {
            return Err(AppError::TextWithheld(doc.confidentiality));
        }
        let text = tx
            .page_text(id, version, page)
            .await?
            .ok_or(AppError::NotFound)?;
        (doc, text)
    };
    if doc.confidentiality.is_classified() {
        // Logged before the text leaves: no trace, no text.
        let mut tx = s.db.write().await?;
        tx.record_open(id, version, u.id(), Access::Text(page))
            .await?;
        s.commit(tx).await?;
    }
    Ok(Json(serde_json::json!({ "page": page, "text": text })))
}

/// `GET /api/documents/{id}/original`: the uploaded PDF (never for readers of a
/// classified document).
pub async fn original(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let (doc, version) = {
        let mut tx = s.db.read().await?;
        let doc = readable(&mut tx, &u, id).await?;
        let v = shown_version(&u, &doc);
        (doc, v)
    };
    if !document::may_download_original(prepares(&u), doc.confidentiality) {
        return Err(AppError::Forbidden);
    }
    let bytes = s
        .documents
        .blobs
        .get(&original_key(id, version))
        .await
        .map_err(AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    let mut tx = s.db.write().await?;
    tx.record_open(id, version, u.id(), Access::Original)
        .await?;
    s.commit(tx).await?;
    let name = doc
        .latest
        .as_ref()
        .map_or_else(|| "document.pdf".into(), |v| v.file_name.clone());
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        percent_encode(&name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Search query.
#[derive(Deserialize)]
pub struct SearchParams {
    /// What to look for; diacritics and case do not matter.
    pub q: String,
}

/// `GET /api/meetings/{id}/documents/search?q=`: hits by document and page, over the
/// documents this user may read.
pub async fn search(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchResult>> {
    let mut tx = s.db.read().await?;
    gates::meeting_read(&mut tx, &u, MeetingId(id), Cap::View).await?;
    let docs = tx.documents_of(MeetingId(id)).await?;
    search_in(&s, tx, &u, docs, p).await
}

/// `GET /api/opinions/{id}/documents/search?q=`: the same over a written poll's documents.
pub async fn opinion_search(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchResult>> {
    let mut tx = s.db.read().await?;
    sees(&mut tx, &u, DocumentOwner::Opinion(id)).await?;
    let docs = tx.documents_of_opinion(id).await?;
    search_in(&s, tx, &u, docs, p).await
}

/// `GET /api/exchange/{register}/{id}/documents/search?q=`: the same over a register
/// entry's files.
pub async fn entry_search(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((register, id)): ApiPath<(String, i64)>,
    Query(p): Query<SearchParams>,
) -> AppResult<Json<SearchResult>> {
    let owner = entry(&register, id)?;
    let mut tx = s.db.read().await?;
    sees(&mut tx, &u, owner).await?;
    let docs = tx.documents_of_entry(owner).await?;
    search_in(&s, tx, &u, docs, p).await
}

/// Searches the current versions of the `docs` `u` reads, in `tx` (a read transaction,
/// ended here); documents whose level withholds text are left out and named. Each page of
/// a classified document whose snippets are returned is logged, like a page view.
async fn search_in(
    s: &AppState,
    mut tx: Tx,
    u: &CurrentUser,
    docs: Vec<DocumentRow>,
    p: SearchParams,
) -> AppResult<Json<SearchResult>> {
    let query = SearchQuery::new(&p.q)
        .ok_or_else(|| invalid("q", "search for at least two letters (at most 200)"))?;
    let (docs, withheld): (Vec<DocumentRow>, Vec<DocumentRow>) = docs
        .into_iter()
        .filter(|d| {
            d.current_version > 0 && document::may_read(true, prepares(u), &d.readers, u.id())
        })
        .partition(|d| s.documents.text_served(d.confidentiality));
    let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
    let rows = tx.search_pages(&ids, query.folded()).await?;
    drop(tx);
    let mut hits = Vec::new();
    let mut logged = Vec::new();
    for (doc_id, page, body) in rows {
        let Some(doc) = docs.iter().find(|d| d.id == doc_id) else {
            continue;
        };
        if let Some(found) = query.find(&body) {
            if doc.confidentiality.is_classified() {
                logged.push((doc_id, doc.current_version, page));
            }
            let title = doc.title.clone();
            hits.push(SearchHit {
                document_id: doc_id,
                title,
                page,
                count: found.count,
                snippets: found
                    .hits
                    .into_iter()
                    .map(|h| [h.before, h.matched, h.after])
                    .collect(),
            });
        }
    }
    if !logged.is_empty() {
        // Logged before the snippets leave: no trace, no text.
        let mut tx = s.db.write().await?;
        for (doc_id, version, page) in logged {
            tx.record_open(doc_id, version, u.id(), Access::Snippet(page))
                .await?;
        }
        s.commit(tx).await?;
    }
    Ok(Json(SearchResult {
        query: p.q,
        hits,
        not_searchable: withheld.iter().map(|d| d.id).collect(),
    }))
}

/// `GET /api/documents/{id}/reads`: who opened which version (secretariat).
pub async fn reads(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Vec<ReadReceipt>>> {
    let mut tx = s.db.read().await?;
    let doc = tx.document(id).await?.ok_or(AppError::NotFound)?;
    oversees(&mut tx, &u, doc.owner).await?;
    Ok(Json(
        tx.reads_of(id)
            .await?
            .into_iter()
            .map(|r| ReadReceipt {
                user_id: r.user_id,
                name: r.name,
                version: r.version,
                first_at: r.first_at,
                last_at: r.last_at,
                opens: r.opens,
            })
            .collect(),
    ))
}

/// `GET /api/statistics/documents`: documents, their pages, and pages distributed digitally
/// (pages × readers: the paper not printed). Secretariat and admin.
pub async fn statistics(
    State(s): State<AppState>,
    u: CurrentUser,
) -> AppResult<Json<serde_json::Value>> {
    if !matches!(u.0.role, Role::Secretariat | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    let mut tx = s.db.read().await?;
    let (documents, pages, distributed) = tx.pages_distributed().await?;
    Ok(Json(serde_json::json!({
        "documents": documents,
        "pages": pages,
        "pages_distributed": distributed,
    })))
}

/// The routes of documents and annotations, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/meetings/{id}/documents",
            get(list)
                // Uploads count their own bytes against `document_max_upload_mb`.
                .post(upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/meetings/{id}/documents/search", get(search))
        .route(
            "/opinions/{id}/documents",
            get(opinion_list)
                .post(opinion_upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/opinions/{id}/documents/search", get(opinion_search))
        .route("/documents/{id}", get(show).delete(delete))
        .route(
            "/documents/{id}/versions",
            post(new_version).layer(DefaultBodyLimit::disable()),
        )
        .route("/documents/{id}/original", get(original))
        .route("/documents/{id}/reads", get(reads))
        .route("/statistics/documents", get(statistics))
        .route(
            "/documents/{id}/annotations",
            get(annotations::list).post(annotations::create),
        )
        .route(
            "/annotations/{id}",
            put(annotations::update).delete(annotations::delete),
        )
        .route("/documents/{id}/versions/{version}/pages/{page}", get(page))
        .route(
            "/documents/{id}/versions/{version}/pages/{page}/text",
            get(page_text),
        )
        .route("/exchange/{register}/{id}/documents", get(entry_list))
        .route(
            "/exchange/{register}/{id}/documents/search",
            get(entry_search),
        )
}
