//! Document exchange between agencies over HTTP (trục liên thông văn bản): the organ
//! directory, the outgoing register (a clerk drafts, the signer seals on the device, the
//! clerk sends), the incoming register (arrived, registered, assigned, processing, done,
//! rejected, revocation answers), a status package back to the sender at every step, and
//! edXML export and import. Every envelope and status sent or received is kept in the
//! message log with its hash.
//!
//! Between organs of this deployment delivery is part of the sending transaction: the
//! envelope is written as edXML, read back by the same code that reads a foreign one,
//! checked (fields, seal, addressee) and registered as arrived, or nothing is stored. To
//! an organ of a peer deployment, envelopes and statuses go through the outbox
//! (`transport.rs`).
//!
//! Its files: `directory`, `outgoing`, `delivery` (what arrives, from anywhere),
//! `incoming`, `envelopes` (edXML out and in, files) and `transport` (peers and the
//! outbox). What they share is here: the errors, the exchanged files' store, and filing an
//! envelope's attachments as documents.

mod dead_letters;
mod delivery;
mod directory;
mod envelopes;
mod incoming;
mod outgoing;
mod transport;

pub use transport::{Outbox, run_outbox};

use delivery::{Via, apply_status, code_of, delivery_changed, receive, refused_by_peer, report};
use directory::NewOrgan;
use incoming::incoming_view;
use outgoing::read_files;

use crate::AppState;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult, enforce};
use crate::platform::gates;
use crate::platform::hex_array;
use crate::platform::registers;
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ecabinet_crypto::sha256;
use ecabinet_domain::access::{self, exchange::ExchangeCap};
use ecabinet_domain::document::{Confidentiality, DocumentKind, DocumentOwner, Readers};
use ecabinet_domain::poll::BallotRefusal;
use ecabinet_domain::{DomainError, UserId};
use ecabinet_exchange::canonical::{Attestation, Seal, SealRecord, envelope_digest, status_bytes};
use ecabinet_exchange::edxml::{self, Trace};
use ecabinet_exchange::{Attachment, Envelope, Organ, Problem, Status, StatusPackage};
use ecabinet_protocol::document::DocumentSummary;
use ecabinet_protocol::exchange::{
    IncomingView, MessageInfo, MyOrgan, OrganInfo, OutgoingInput, OutgoingView, RecipientStatus,
    Refused, SealInput, StatusInput, Undeliverable,
};
use ecabinet_storage::{
    IncomingRow, NewDocument, NewMessage, OrganRole, OrganRow, OutgoingRow, Tx,
};
use serde::Deserialize;

/// Most bytes of one edXML envelope, imported or delivered by a peer: the files a draft
/// may carry (`document_max_upload_mb`), base64 (4/3), and a MiB for the header and the
/// request around it. A real document fits; a peer with a smaller limit refuses it with
/// 413, which the sender sets aside as a dead letter.
pub(crate) fn max_envelope_bytes(s: &AppState) -> usize {
    let files = usize::try_from(s.documents.max_upload_bytes()).unwrap_or(usize::MAX);
    (files / 3)
        .saturating_mul(4)
        .saturating_add(1024 * 1024 + 4)
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AppError {
    AppError::Domain(DomainError::Invalid {
        field,
        reason: reason.into(),
    })
}

/// A 422 naming the first problem's field and listing every problem.
fn refused(problems: &[Problem]) -> AppError {
    let field = match problems.first().map(|p| p.field.as_str()) {
        Some("To") => "to",
        Some("Subject") => "subject",
        Some("Attachment") => "file",
        Some("PromulgationDate") => "promulgation_date",
        Some("DueDate") => "due_date",
        Some("CodeNumber") => "code_number",
        Some("DocumentType") => "document_type",
        Some("FullName") => "signer",
        Some("BussinessDocType") | Some("BussinessDocReason") => "business",
        _ => "envelope",
    };
    invalid(
        field,
        problems
            .iter()
            .map(Problem::to_string)
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(internal)
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> AppResult<T> {
    serde_json::from_str(s).map_err(|e| AppError::Internal(format!("stored exchange data: {e}")))
}

/// The key of an exchanged file in the store: by SHA-256, kept once however many
/// envelopes carry it.
fn file_key(sha: &str) -> String {
    format!("exchange/{sha}.pdf")
}

/// Keeps each file once by its hash, before the rows that name it commit.
async fn store_files(
    s: &AppState,
    tx: &mut Tx,
    attachments: &[Attachment],
    files: &[&[u8]],
) -> AppResult<()> {
    let blobs = s.documents.blobs();
    for (a, bytes) in attachments.iter().zip(files) {
        let sha = hex::encode(a.sha256);
        let key = file_key(&sha);
        if !blobs.exists(&key).await.map_err(internal)? {
            blobs.put(&key, bytes.to_vec()).await.map_err(internal)?;
        }
        tx.insert_exchange_file(&sha, i64::try_from(a.size).unwrap_or(i64::MAX))
            .await?;
    }
    Ok(())
}

/// The bytes of an exchanged file, `None` if it is in no store.
async fn read_file(s: &AppState, sha: &[u8; 32]) -> AppResult<Option<Vec<u8>>> {
    s.documents
        .blobs()
        .get(&file_key(&hex::encode(sha)))
        .await
        .map_err(internal)
}

/// Files each attachment of a register entry as a document of `owner`, so that it goes
/// through the document pipeline (rendered pages, text, search, the viewer, read receipts)
/// like a meeting's. `by` is `None` for a file that arrived from another agency. Returns
/// the documents to render once the transaction has committed ([`render`]).
async fn file_documents(
    s: &AppState,
    tx: &mut Tx,
    owner: DocumentOwner,
    attachments: &[Attachment],
    by: Option<UserId>,
) -> AppResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(attachments.len());
    for a in attachments {
        let sha = hex::encode(a.sha256);
        let new = NewDocument {
            owner,
            item_id: None,
            title: a.name.chars().take(300).collect(),
            kind: DocumentKind::Other,
            confidentiality: Confidentiality::Normal,
            readers: Readers::Participants,
        };
        let size = i64::try_from(a.size).unwrap_or(i64::MAX);
        let id = tx.insert_document(&new, &a.name, &sha, size, by).await?;
        s.documents.place_original(id, 1, &file_key(&sha)).await?;
        ids.push(id);
    }
    Ok(ids)
}

/// Starts rendering documents filed by [`file_documents`], after their commit.
pub(crate) fn render(s: &AppState, documents: Vec<i64>) {
    for d in documents {
        tokio::spawn(crate::documents::render_version(s.clone(), d, 1));
    }
}

/// The documents of a register entry, as its lists show them.
async fn entry_documents(tx: &mut Tx, owner: DocumentOwner) -> AppResult<Vec<DocumentSummary>> {
    Ok(tx
        .documents_of_entry(owner)
        .await?
        .iter()
        .map(crate::documents::summary)
        .collect())
}

/// The roles `user` plays among an organ's `members`, for the policy to weigh.
fn roles_of(members: &[(UserId, OrganRole)], user: UserId) -> Vec<OrganRole> {
    members
        .iter()
        .filter(|(m, _)| *m == user)
        .map(|(_, r)| *r)
        .collect()
}

fn messages(rows: Vec<ecabinet_storage::MessageRow>) -> Vec<MessageInfo> {
    rows.into_iter()
        .map(|m| MessageInfo {
            direction: m.direction,
            kind: m.kind,
            from_organ: m.from_organ,
            to_organ: m.to_organ,
            sha256: m.sha256,
            at: m.at,
        })
        .collect()
}

/// 422 `rejected` (status 02) with every problem: how an import or a peer's delivery is
/// refused.
pub(crate) fn rejected(problems: Vec<Problem>) -> Response {
    let message = problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(serde_json::json!({
            "code": "rejected",
            "status": Status::Rejected.code(),
            "message": message,
            "problems": Refused { problems }.problems,
        })),
    )
        .into_response()
}

/// The routes of document exchange, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/exchange/organs",
            get(directory::organs).post(directory::add_organ),
        )
        .route(
            "/exchange/organs/{id}/members",
            get(directory::members).post(directory::add_member),
        )
        .route("/exchange/me", get(directory::mine))
        .route("/exchange/peers", post(transport::add_peer))
        .route("/exchange/identity", get(transport::identity))
        .route(
            "/exchange/inbox",
            // Sized for an envelope with its files (`document_max_upload_mb`, base64).
            post(transport::inbox).layer(DefaultBodyLimit::disable()),
        )
        .route("/exchange/dead-letters", get(dead_letters::dead_letters))
        .route(
            "/exchange/dead-letters/{id}/retry",
            post(dead_letters::retry_dead_letter),
        )
        .route(
            "/exchange/organs/{id}/outgoing",
            get(outgoing::outgoing_list)
                // Drafts count their files' bytes against `document_max_upload_mb`.
                .post(outgoing::draft)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/exchange/organs/{id}/incoming",
            get(incoming::incoming_list),
        )
        .route(
            "/exchange/organs/{id}/import",
            post(envelopes::import).layer(DefaultBodyLimit::disable()),
        )
        .route("/exchange/outgoing/{id}", get(outgoing::outgoing_show))
        .route("/exchange/outgoing/{id}/seal", post(outgoing::seal))
        .route("/exchange/outgoing/{id}/send", post(outgoing::send))
        .route(
            "/exchange/outgoing/{id}/edxml",
            get(envelopes::outgoing_edxml),
        )
        .route("/exchange/incoming/{id}", get(incoming::incoming_show))
        .route("/exchange/incoming/{id}/status", post(incoming::set_status))
        .route(
            "/exchange/incoming/{id}/edxml",
            get(envelopes::incoming_edxml),
        )
        .route("/exchange/{register}/{id}/files/{n}", get(envelopes::file))
}
