//! Documents over HTTP, of meetings, written polls and exchange registers: the secretariat
//! uploads PDFs, the render workers turn them into page images and text, readers get pages
//! (watermarked with their name and the time when the document is classified), text and
//! search hits; every open is logged and the secretariat sees who read what.
//!
//! A document's owner decides who sees it: a meeting's participants, a written poll's
//! addressees once it is sent (the chair and the secretariat before, to approve it), or the
//! people of the organ whose register holds an exchanged file. A poll's documents change
//! only while it is a draft: each signed answer covers their hashes; an exchanged file never
//! changes, being fixed by its seal. Exchange files its envelopes' attachments here
//! ([`render_version`], `summary`), so that they are read like any other document.
//!
//! Its files: `filing` (uploads, versions, deletion), `rendering` (the pipeline to the
//! render workers of `render`), `reading` (pages with `watermark`, text, originals, read
//! receipts), `search` and `annotations`. What they share is here: [`Documents`], and who
//! may see, file and oversee the documents of each kind of owner.

mod annotations;
mod filing;
mod reading;
mod render;
mod rendering;
mod search;
mod watermark;

pub use render::{RenderSettings, Renderer, worker_command};
pub use rendering::{render_version, resume_rendering, run_adopter, sweep_incoming};
pub use watermark::Watermarker;

use crate::AppState;
use crate::platform::body::{clean_file_name, looks_like_pdf, multipart, small_field};
use crate::platform::error::{ApiPath, AppError, AppResult, enforce};
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
use ecabinet_domain::access::documents::{DocumentAct, OwnerCheck};
use ecabinet_domain::access::{self, MeetingCapability as Cap};
use ecabinet_domain::document::{Confidentiality, DocumentKind, DocumentOwner, Readers};
use ecabinet_domain::opinion;
use ecabinet_domain::{AgendaItemId, DomainError, MeetingId};
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

/// 404 unless `u` sees the meeting, the poll or the register entry.
async fn sees(tx: &mut Tx, u: &CurrentUser, owner: DocumentOwner) -> AppResult<()> {
    match access::documents::owner_check(owner, DocumentAct::See) {
        OwnerCheck::Meeting(m, cap) => {
            gates::meeting_read(tx, u, m, cap).await?;
        }
        OwnerCheck::Opinion(o, cap) => {
            gates::opinion_read(tx, u, o, cap).await?;
        }
        OwnerCheck::Entry(entry) => {
            gates::entry(tx, u, entry).await?;
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
    match access::documents::owner_check(owner, DocumentAct::File) {
        OwnerCheck::Meeting(m, cap) if lock => {
            gates::meeting(tx, u, m, cap).await?;
        }
        OwnerCheck::Meeting(m, cap) => {
            gates::meeting_read(tx, u, m, cap).await?;
        }
        // Asks `Prepare` itself, and that the poll is a draft still.
        OwnerCheck::Opinion(o, _) => {
            gates::opinion_documents(tx, u, o, lock).await?;
        }
        OwnerCheck::Entry(_) => {
            sees(tx, u, owner).await?;
        }
    }
    if access::documents::sealed(owner) {
        return Err(sealed());
    }
    Ok(())
}

/// Whether `u` follows who read the documents of `owner` (its secretariat).
async fn oversees(tx: &mut Tx, u: &CurrentUser, owner: DocumentOwner) -> AppResult<()> {
    match access::documents::owner_check(owner, DocumentAct::Oversee) {
        OwnerCheck::Meeting(m, cap) => {
            gates::meeting_read(tx, u, m, cap).await?;
        }
        OwnerCheck::Opinion(o, cap) => {
            gates::opinion_read(tx, u, o, cap).await?;
        }
        // The organ's people follow who of them read what it sent or received.
        OwnerCheck::Entry(_) => {
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
    enforce(access::documents::read_decision(
        u.0.role,
        &doc.readers,
        u.id(),
        doc.current_version,
    ))?;
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

/// Stored (folded text, image hash) pairs as the comparison's page keys.
pub(crate) fn page_keys(pages: Vec<(String, String)>) -> Vec<PageKey> {
    pages
        .into_iter()
        .map(|(text, image)| PageKey { text, image })
        .collect()
}

/// The owner named by an exchange route: `outgoing/{id}` or `incoming/{id}`.
fn entry(register: &str, id: i64) -> AppResult<DocumentOwner> {
    match register {
        "outgoing" => Ok(DocumentOwner::Outgoing(id)),
        "incoming" => Ok(DocumentOwner::Incoming(id)),
        _ => Err(AppError::NotFound),
    }
}

/// The routes of documents and annotations, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/meetings/{id}/documents",
            get(reading::list)
                // Uploads count their own bytes against `document_max_upload_mb`.
                .post(filing::upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/meetings/{id}/documents/search", get(search::search))
        .route(
            "/opinions/{id}/documents",
            get(reading::opinion_list)
                .post(filing::opinion_upload)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/opinions/{id}/documents/search",
            get(search::opinion_search),
        )
        .route("/documents/{id}", get(reading::show).delete(filing::delete))
        .route(
            "/documents/{id}/versions",
            post(filing::new_version).layer(DefaultBodyLimit::disable()),
        )
        .route("/documents/{id}/original", get(reading::original))
        .route("/documents/{id}/reads", get(reading::reads))
        .route("/statistics/documents", get(reading::statistics))
        .route(
            "/documents/{id}/annotations",
            get(annotations::list).post(annotations::create),
        )
        .route(
            "/annotations/{id}",
            put(annotations::update).delete(annotations::delete),
        )
        .route(
            "/documents/{id}/versions/{version}/pages/{page}",
            get(reading::page),
        )
        .route(
            "/documents/{id}/versions/{version}/pages/{page}/text",
            get(reading::page_text),
        )
        .route(
            "/exchange/{register}/{id}/documents",
            get(reading::entry_list),
        )
        .route(
            "/exchange/{register}/{id}/documents/search",
            get(search::entry_search),
        )
}
