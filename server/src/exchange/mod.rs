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

mod transport;

pub use transport::{Outbox, run_outbox};

use crate::AppState;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult};
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
use ecabinet_domain::document::{Confidentiality, DocumentKind, DocumentOwner, Readers};
use ecabinet_domain::poll::BallotRefusal;
use ecabinet_domain::{DomainError, Role, UserId};
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

fn need(roles: &[OrganRole], any_of: &[OrganRole]) -> AppResult<()> {
    if roles.iter().any(|r| any_of.contains(r)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
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

/// `GET /api/exchange/organs`: the directory.
pub async fn organs(State(s): State<AppState>, _u: CurrentUser) -> AppResult<Json<Vec<OrganInfo>>> {
    let mut tx = s.db.read().await?;
    Ok(Json(
        tx.organs()
            .await?
            .into_iter()
            .map(|o| OrganInfo {
                hosted: o.peer_id.is_none(),
                id: o.id,
                name: o.name,
            })
            .collect(),
    ))
}

/// An organ to host.
#[derive(Deserialize)]
pub struct NewOrgan {
    /// Identifier.
    pub id: String,
    /// Name.
    pub name: String,
}

/// `POST /api/exchange/organs` (admin): hosts an organ here.
pub async fn add_organ(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(o): ApiJson<NewOrgan>,
) -> AppResult<StatusCode> {
    if u.0.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let (id, name) = (o.id.trim(), o.name.trim());
    if !ecabinet_exchange::is_organ_id(id) {
        return Err(invalid(
            "id",
            "letters, digits, '.', '-' or '_', at most 64",
        ));
    }
    if name.is_empty() || name.chars().count() > 300 {
        return Err(invalid("name", "a name of 1 to 300 characters is required"));
    }
    let mut tx = s.db.write().await?;
    if tx.organ(id).await?.is_some() {
        return Err(AppError::Conflict(format!("organ {id} exists")));
    }
    tx.insert_organ(id, name, None).await?;
    s.commit(tx).await?;
    Ok(StatusCode::CREATED)
}

/// A role to give.
#[derive(Deserialize)]
pub struct NewMember {
    /// The account.
    pub user_id: UserId,
    /// `clerk`, `leader` or `handler`.
    pub role: String,
}

/// `POST /api/exchange/organs/{id}/members` (admin).
pub async fn add_member(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(organ): ApiPath<String>,
    ApiJson(m): ApiJson<NewMember>,
) -> AppResult<StatusCode> {
    if u.0.role != Role::Admin {
        return Err(AppError::Forbidden);
    }
    let role =
        OrganRole::parse(&m.role).ok_or_else(|| invalid("role", "clerk, leader or handler"))?;
    let mut tx = s.db.write().await?;
    tx.organ(&organ)
        .await?
        .filter(|o| o.peer_id.is_none())
        .ok_or(AppError::NotFound)?;
    if !tx.users().await?.iter().any(|x| x.id == m.user_id) {
        return Err(invalid("user_id", "no such account"));
    }
    tx.add_organ_member(&organ, m.user_id, role).await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/exchange/organs/{id}/members` (its members): who works there, as what, for
/// choosing a signer or a handler.
pub async fn members(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(organ): ApiPath<String>,
) -> AppResult<Json<Vec<ecabinet_protocol::exchange::OrganMember>>> {
    let mut tx = s.db.read().await?;
    gates::organ(&mut tx, &u, &organ).await?;
    let users = tx.users().await?;
    Ok(Json(
        tx.organ_members(&organ)
            .await?
            .into_iter()
            .map(|(id, role)| ecabinet_protocol::exchange::OrganMember {
                user_id: id,
                display_name: users
                    .iter()
                    .find(|x| x.id == id)
                    .map(|x| x.display_name.clone())
                    .unwrap_or_default(),
                role: role.as_str().to_owned(),
            })
            .collect(),
    ))
}

/// `GET /api/exchange/me`: the organs one works for.
pub async fn mine(State(s): State<AppState>, u: CurrentUser) -> AppResult<Json<Vec<MyOrgan>>> {
    let mut tx = s.db.read().await?;
    let mut out: Vec<MyOrgan> = Vec::new();
    for (organ, role) in tx.organ_roles(u.id()).await? {
        match out.iter_mut().find(|o| o.id == organ) {
            Some(o) => o.roles.push(role.as_str().to_owned()),
            None => {
                let name = tx.organ(&organ).await?.map(|o| o.name).unwrap_or_default();
                out.push(MyOrgan {
                    id: organ,
                    name,
                    roles: vec![role.as_str().to_owned()],
                });
            }
        }
    }
    Ok(Json(out))
}

async fn outgoing_view(tx: &mut Tx, row: &OutgoingRow) -> AppResult<OutgoingView> {
    let envelope: Envelope = parse(&row.envelope)?;
    let seal = row.seal.as_deref().map(parse::<Seal>).transpose()?;
    // An envelope a recipient's deployment refused for good shows on the recipient, with
    // why, until someone sends it again.
    let dead = tx.dead_letters(Some(&row.document_id)).await?;
    let recipients = tx
        .recipients(row.id)
        .await?
        .into_iter()
        .map(|r| RecipientStatus {
            status: Status::from_code(&r.status),
            undeliverable: dead
                .iter()
                .filter(|d| {
                    d.kind == "envelope" && d.from_organ == row.organ_id && d.to_organ == r.organ_id
                })
                .map(|d| Undeliverable {
                    dead_letter_id: d.id,
                    reason: d.reason.clone(),
                    since: d.dead_at.unwrap_or_default(),
                })
                .next_back(),
            organ_id: r.organ_id,
            organ_name: r.organ_name,
            description: r.description,
            updated_at: r.updated_at,
        })
        .collect();
    Ok(OutgoingView {
        id: row.id,
        organ_id: row.organ_id.clone(),
        status: row.status.clone(),
        digest: hex::encode(envelope_digest(&envelope)),
        envelope,
        signer_id: row.signer_id,
        seal,
        recipients,
        messages: messages(tx.messages_of(&row.document_id).await?),
        sent_at: row.sent_at,
        documents: entry_documents(tx, DocumentOwner::Outgoing(row.id)).await?,
    })
}

/// The draft's parts: its details and its files, each checked to be a PDF.
async fn read_draft(
    s: &AppState,
    req: Request,
) -> AppResult<(OutgoingInput, Vec<(String, Vec<u8>)>)> {
    let mut form = Multipart::from_request(req, &()).await.map_err(|e| {
        AppError::BadRequest(format!(
            "send the document as multipart/form-data: {}",
            e.body_text()
        ))
    })?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(format!("the upload could not be read: {}", e.body_text()))
        }
    };
    let limit = s.documents.max_upload_bytes();
    let mut meta = None;
    let mut files = Vec::new();
    let mut total = 0u64;
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("meta") => {
                let text = crate::platform::body::small_field(
                    &mut field,
                    crate::platform::body::MAX_BODY_BYTES,
                )
                .await
                .map_err(|e| e.map_or(AppError::PayloadTooLarge, bad))?;
                meta = Some(
                    serde_json::from_str::<OutgoingInput>(&text)
                        .map_err(|e| AppError::BadRequest(format!("meta: {e}")))?,
                );
            }
            Some("file") => {
                let name = field.file_name().unwrap_or("van-ban.pdf").to_owned();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    total += chunk.len() as u64;
                    if total > limit {
                        return Err(AppError::PayloadTooLarge);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if !crate::platform::body::looks_like_pdf(&bytes) {
                    return Err(invalid("file", format!("{name} is not a PDF")));
                }
                files.push((crate::platform::body::clean_file_name(&name), bytes));
            }
            _ => {}
        }
    }
    let meta = meta.ok_or_else(|| invalid("meta", "the document's details are missing"))?;
    Ok((meta, files))
}

/// `POST /api/exchange/organs/{id}/outgoing` (clerk; multipart `meta` + `file` parts): a
/// draft in the outgoing register, for the named signer to seal.
pub async fn draft(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(organ): ApiPath<String>,
    req: Request,
) -> AppResult<(StatusCode, Json<OutgoingView>)> {
    {
        let mut tx = s.db.read().await?;
        let (_, roles) = gates::organ(&mut tx, &u, &organ).await?;
        need(&roles, &[OrganRole::Clerk])?;
    }
    let (input, files) = read_draft(&s, req).await?;
    let mut tx = s.db.write().await?;
    let (from, roles) = gates::organ(&mut tx, &u, &organ).await?;
    need(&roles, &[OrganRole::Clerk])?;
    let mut problems = Vec::new();
    let mut to = Vec::new();
    for id in &input.to {
        match tx.organ(id).await? {
            None => problems.push(Problem::new("To", format!("{id} is not a known organ"))),
            Some(o) => to.push(Organ {
                id: o.id,
                name: o.name,
            }),
        }
    }
    let signer_roles = tx.organ_members(&organ).await?;
    if !signer_roles
        .iter()
        .any(|(m, r)| *m == input.signer_id && *r == OrganRole::Leader)
    {
        return Err(invalid(
            "signer_id",
            "the signer must be a leader of the organ",
        ));
    }
    let attachments: Vec<Attachment> = files
        .iter()
        .enumerate()
        .map(|(i, (name, bytes))| Attachment {
            content_id: format!("cid:{}", i + 1),
            name: name.clone(),
            content_type: "application/pdf".into(),
            sha256: sha256(bytes),
            size: bytes.len() as u64,
        })
        .collect();
    let envelope = Envelope {
        document_id: format!("{organ}/{}", hex::encode(rand::random::<[u8; 12]>())),
        from: Organ {
            id: from.id.clone(),
            name: from.name.clone(),
        },
        to,
        code_number: input.code_number.trim().to_owned(),
        code_notation: input.code_notation.trim().to_owned(),
        place: input.place.trim().to_owned(),
        promulgation_date: input.promulgation_date.trim().to_owned(),
        document_type: input.document_type.trim().to_owned(),
        subject: input.subject.trim().to_owned(),
        signer: input.signer.clone(),
        due_date: input.due_date.clone().filter(|d| !d.trim().is_empty()),
        priority: input.priority,
        page_amount: input.page_amount,
        business: input.business,
        target: input.target.clone().filter(|t| !t.trim().is_empty()),
        reason: input.reason.trim().to_owned(),
        attachments,
    };
    // Unknown recipients were named already; the envelope's own rules add the rest.
    for p in envelope.problems() {
        if !(p.field == "To" && problems.iter().any(|q| q.field == "To")) {
            problems.push(p);
        }
    }
    if let Some(t) = &envelope.target {
        match tx.outgoing_by_document(t).await? {
            Some(prior) if prior.organ_id == organ && prior.status == "sent" => {}
            _ => problems.push(Problem::new(
                "BussinessDocType",
                format!("{t} is not a document this organ sent"),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(refused(&problems));
    }
    let bytes: Vec<&[u8]> = files.iter().map(|(_, b)| b.as_slice()).collect();
    store_files(&s, &mut tx, &envelope.attachments, &bytes).await?;
    let recipients: Vec<(String, String)> = envelope
        .to
        .iter()
        .map(|o| (o.id.clone(), o.name.clone()))
        .collect();
    let id = tx
        .insert_outgoing(
            &organ,
            &envelope.document_id,
            &json(&envelope)?,
            &recipients,
            u.id(),
        )
        .await?;
    tx.set_outgoing_signer(id, input.signer_id).await?;
    let documents = file_documents(
        &s,
        &mut tx,
        DocumentOwner::Outgoing(id),
        &envelope.attachments,
        Some(u.id()),
    )
    .await?;
    registers::notify(&mut tx, &organ, "outgoing", id, "draft", Some(u.id())).await?;
    let row = tx.outgoing(id).await?.ok_or(AppError::NotFound)?;
    let view = outgoing_view(&mut tx, &row).await?;
    s.commit(tx).await?;
    render(&s, documents);
    Ok((StatusCode::CREATED, Json(view)))
}

/// `GET /api/exchange/organs/{id}/outgoing`: the outgoing register.
pub async fn outgoing_list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(organ): ApiPath<String>,
) -> AppResult<Json<Vec<OutgoingView>>> {
    let mut tx = s.db.read().await?;
    gates::organ(&mut tx, &u, &organ).await?;
    let mut out = Vec::new();
    for row in tx.outgoing_of(&organ).await? {
        out.push(outgoing_view(&mut tx, &row).await?);
    }
    Ok(Json(out))
}

/// `GET /api/exchange/outgoing/{id}`.
pub async fn outgoing_show(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<OutgoingView>> {
    let mut tx = s.db.read().await?;
    let (row, _) = gates::outgoing(&mut tx, &u, id).await?;
    Ok(Json(outgoing_view(&mut tx, &row).await?))
}

fn refuse(r: BallotRefusal) -> AppError {
    AppError::Domain(DomainError::Ballot(r))
}

/// `POST /api/exchange/outgoing/{id}/seal`: the signer's device seals the draft.
pub async fn seal(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<SealInput>,
) -> AppResult<Json<OutgoingView>> {
    let bytes = hex::decode(input.bytes.trim()).map_err(|_| invalid("bytes", "not hex"))?;
    let signature =
        hex_array::<64>(&input.signature).ok_or_else(|| invalid("signature", "64 bytes, hex"))?;
    let record = SealRecord::from_bytes(&bytes).ok_or(refuse(BallotRefusal::Malformed))?;
    let mut tx = s.db.write().await?;
    let (row, roles) = gates::outgoing(&mut tx, &u, id).await?;
    need(&roles, &[OrganRole::Leader])?;
    if row.signer_id != Some(u.id()) {
        return Err(AppError::Forbidden);
    }
    if row.status != "draft" {
        return Err(AppError::Conflict(format!(
            "the document is {} already",
            row.status
        )));
    }
    let envelope: Envelope = parse(&row.envelope)?;
    if record.signer != u.id().0 {
        return Err(invalid("bytes", "the seal names another signer"));
    }
    if record.digest != envelope_digest(&envelope) {
        return Err(invalid(
            "bytes",
            "the seal is over another version of the document: read it again",
        ));
    }
    let (_, public_key) = crate::platform::signatures::verify_signed(
        &mut tx,
        u.id(),
        &record.key_id,
        &bytes,
        &signature,
    )
    .await?;
    let seal = Seal {
        record,
        public_key,
        signature,
    };
    tx.seal_outgoing(id, &json(&seal)?, u.id()).await?;
    registers::notify(
        &mut tx,
        &row.organ_id,
        "outgoing",
        id,
        "signed",
        Some(u.id()),
    )
    .await?;
    let row = tx.outgoing(id).await?.ok_or(AppError::NotFound)?;
    let view = outgoing_view(&mut tx, &row).await?;
    s.commit(tx).await?;
    Ok(Json(view))
}

async fn read_files(s: &AppState, e: &Envelope) -> AppResult<Vec<Vec<u8>>> {
    let mut out = Vec::with_capacity(e.attachments.len());
    for a in &e.attachments {
        out.push(read_file(s, &a.sha256).await?.ok_or_else(|| {
            internal(format!(
                "the exchanged file {} is missing",
                hex::encode(a.sha256)
            ))
        })?);
    }
    Ok(out)
}

/// `POST /api/exchange/outgoing/{id}/send` (clerk): sends a sealed document.
pub async fn send(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<OutgoingView>> {
    let mut tx = s.db.write().await?;
    let (row, roles) = gates::outgoing(&mut tx, &u, id).await?;
    need(&roles, &[OrganRole::Clerk])?;
    match row.status.as_str() {
        "signed" => {}
        "draft" => {
            return Err(AppError::Conflict(
                "the signer has not sealed it yet".into(),
            ));
        }
        _ => return Err(AppError::Conflict("it was sent already".into())),
    }
    let envelope: Envelope = parse(&row.envelope)?;
    let seal: Seal = parse(row.seal.as_deref().unwrap_or("null"))?;
    let files = read_files(&s, &envelope).await?;
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let trace = [Trace {
        organ_id: envelope.from.id.clone(),
        timestamp: tx.now(),
    }];
    // This deployment checked at sealing that the key is an approved device of a leader
    // of the organ: it says so, so that a receiver of the file can tell.
    let attestation = Attestation::sign(&s.server_key, &envelope.from.id, &seal.record);
    let xml = edxml::write_envelope(&envelope, Some(&seal), Some(&attestation), &refs, &trace)
        .map_err(internal)?;
    let hash = hex::encode(sha256(xml.as_bytes()));
    let mut package = None;
    let mut documents = Vec::new();
    for to in &envelope.to {
        let message = tx
            .log_message(NewMessage {
                direction: "sent",
                kind: "envelope",
                document_id: &envelope.document_id,
                from_organ: &envelope.from.id,
                to_organ: &to.id,
                sha256: &hash,
                body: &xml,
            })
            .await?;
        match tx.organ(&to.id).await?.and_then(|o| o.peer_id) {
            // Hosted here: delivered in this transaction.
            None => {
                let read = match &package {
                    Some(p) => p,
                    None => package.insert(edxml::read_envelope(&xml).map_err(|p| refused(&p))?),
                };
                let arrival = receive(&s, &mut tx, &xml, read, &to.id, Via::Here)
                    .await
                    .map_err(|p| refused(&p))?;
                documents.extend(arrival.documents);
            }
            Some(peer) => tx.enqueue(peer, message).await?,
        }
    }
    tx.mark_outgoing_sent(id).await?;
    registers::notify(&mut tx, &row.organ_id, "outgoing", id, "sent", Some(u.id())).await?;
    let row = tx.outgoing(id).await?.ok_or(AppError::NotFound)?;
    let view = outgoing_view(&mut tx, &row).await?;
    s.commit(tx).await?;
    render(&s, documents);
    s.outbox.wake();
    tracing::info!(
        outgoing = id,
        recipients = envelope.to.len(),
        "document sent"
    );
    Ok(Json(view))
}

/// An envelope registered as arrived: its entry, and the documents filed for its files,
/// to render after the commit (none when the same envelope came again).
pub(crate) struct Arrival {
    /// The incoming register entry.
    pub id: i64,
    /// Documents to hand to [`render`] once committed.
    pub documents: Vec<i64>,
}

/// How an envelope reached [`receive`]: who, besides the seal, speaks for its origin.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Via {
    /// Sent by an organ of this deployment, in the same transaction.
    Here,
    /// Delivered by peer `id`, whose server key signed the request over the XML's hash.
    Peer(i64),
    /// Imported from a file: only the seal and the sending deployment's attestation.
    File,
}

/// Whether the envelope's seal is by a key of its sending organ `from`, not merely by the
/// key the file carries (which anyone can make): the deployment hosting `from` must vouch
/// for it. `None` if so, else the problem (status 02, field `Signature`).
async fn origin_problem(
    s: &AppState,
    tx: &mut Tx,
    package: &edxml::Package,
    from: &OrganRow,
    via: Via,
) -> Result<Option<Problem>, AppError> {
    let Some(seal) = &package.seal else {
        return Ok(None);
    };
    let attested_by = |key: &ecabinet_crypto::VerifyingKey| {
        package
            .attestation
            .as_ref()
            .is_some_and(|a| a.verify(key, &from.id, &seal.record))
    };
    let vouched = match (from.peer_id, via) {
        // The organ's own deployment signed the request that carried it.
        (Some(peer), Via::Peer(by)) => peer == by,
        (None, Via::Here) => true,
        (Some(peer), _) => {
            let key = tx
                .peers()
                .await?
                .into_iter()
                .find(|p| p.id == peer)
                .and_then(|p| hex_array::<32>(&p.server_key))
                .and_then(|k| ecabinet_crypto::check_public_key(&k).ok());
            key.is_some_and(|k| attested_by(&k))
        }
        (None, _) => {
            // Hosted here: this deployment's own attestation, or (for envelopes logged
            // before attestations) an approved device of a leader of the organ who is the
            // signer the record names. A revoked device's seal counts only attested.
            attested_by(&s.server_key.verifying_key()) || {
                let device = tx
                    .device_by_key_id(&hex::encode(seal.record.key_id))
                    .await?
                    .filter(|d| {
                        d.user_id.0 == seal.record.signer
                            && d.status == ecabinet_domain::device::DeviceStatus::Approved
                            && d.public_key == hex::encode(seal.public_key)
                    });
                match device {
                    None => false,
                    Some(d) => tx
                        .organ_members(&from.id)
                        .await?
                        .iter()
                        .any(|(u, r)| *u == d.user_id && *r == OrganRole::Leader),
                }
            }
        }
    };
    Ok((!vouched).then(|| {
        Problem::new(
            "Signature",
            format!(
                "chữ ký số không phải bằng khóa của {id} / the seal is not by a key of {id}",
                id = from.id
            ),
        )
    }))
}

/// Receives an envelope for organ `to` (hosted here), read from `xml`: checks it,
/// registers it as arrived (once: the same envelope again returns the first entry) and
/// answers 01.
pub(crate) async fn receive(
    s: &AppState,
    tx: &mut Tx,
    xml: &str,
    package: &edxml::Package,
    to: &str,
    via: Via,
) -> Result<Arrival, Vec<Problem>> {
    let fail = |e: AppError| vec![Problem::new("edXML", format!("could not be stored: {e}"))];
    let e = &package.envelope;
    let mut problems = Vec::new();
    if !e.to.iter().any(|o| o.id == to) {
        problems.push(Problem::new(
            "To",
            format!("the envelope is not addressed to {to}"),
        ));
    }
    match tx.organ(to).await.map_err(|e| fail(e.into()))? {
        Some(o) if o.peer_id.is_none() => {}
        _ => problems.push(Problem::new("To", format!("{to} is not hosted here"))),
    }
    let from = tx.organ(&e.from.id).await.map_err(|e| fail(e.into()))?;
    if from.is_none() {
        problems.push(Problem::new(
            "From",
            format!("{} is not a known organ", e.from.id),
        ));
    }
    match &package.seal {
        None => problems.push(Problem::new("Signature", "the envelope is not signed")),
        Some(seal) => {
            if let Err(why) = seal.verify(e) {
                problems.push(Problem::new("Signature", why.to_string()));
            }
        }
    }
    if problems.is_empty()
        && let Some(from) = &from
        && let Some(p) = origin_problem(s, tx, package, from, via)
            .await
            .map_err(fail)?
    {
        problems.push(p);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let seal = package.seal.clone().ok_or_else(Vec::new)?;
    let bytes: Vec<&[u8]> = package.files.iter().map(Vec::as_slice).collect();
    store_files(s, tx, &e.attachments, &bytes)
        .await
        .map_err(fail)?;
    let row = IncomingRow {
        id: 0,
        organ_id: to.to_owned(),
        document_id: e.document_id.clone(),
        sender_id: e.from.id.clone(),
        sender_name: e.from.name.clone(),
        envelope: json(e).map_err(fail)?,
        seal: json(&seal).map_err(fail)?,
        status: Status::Arrived.code().to_owned(),
        register_number: None,
        handler_id: None,
        note: String::new(),
        received_at: 0,
        updated_at: 0,
    };
    let inserted = tx.insert_incoming(&row).await.map_err(|e| fail(e.into()))?;
    let Some(id) = inserted else {
        // The same document again: stored once, answered once.
        let existing = tx
            .incoming_by_document(to, &e.document_id)
            .await
            .map_err(|e| fail(e.into()))?
            .ok_or_else(Vec::new)?;
        return Ok(Arrival {
            id: existing.id,
            documents: Vec::new(),
        });
    };
    let documents = file_documents(s, tx, DocumentOwner::Incoming(id), &e.attachments, None)
        .await
        .map_err(fail)?;
    tx.log_message(NewMessage {
        direction: "received",
        kind: "envelope",
        document_id: &e.document_id,
        from_organ: &e.from.id,
        to_organ: to,
        sha256: &hex::encode(sha256(xml.as_bytes())),
        body: xml,
    })
    .await
    .map_err(|e| fail(e.into()))?;
    let to_organ =
        e.to.iter()
            .find(|o| o.id == to)
            .cloned()
            .unwrap_or_else(|| Organ {
                id: to.to_owned(),
                name: String::new(),
            });
    let package = StatusPackage {
        document_id: e.document_id.clone(),
        code: code_of(e),
        from: to_organ,
        to: e.from.clone(),
        status: Status::Arrived,
        description: String::new(),
        staff: String::new(),
        timestamp: tx.now(),
    };
    report(s, tx, &package).await.map_err(fail)?;
    registers::notify(tx, to, "incoming", id, Status::Arrived.code(), None)
        .await
        .map_err(fail)?;
    Ok(Arrival { id, documents })
}

fn code_of(e: &Envelope) -> String {
    if e.code_notation.is_empty() {
        e.code_number.clone()
    } else {
        format!("{}/{}", e.code_number, e.code_notation)
    }
}

/// Sends a status package to the document's sender: written as edXML, signed with the
/// server key, logged; a sender hosted here records it in its outgoing register at once, a
/// sender on a peer gets it through the outbox (woken after the commit).
async fn report(s: &AppState, tx: &mut Tx, p: &StatusPackage) -> AppResult<()> {
    let signature = ecabinet_crypto::sign(&s.server_key, &status_bytes(p));
    let xml = edxml::write_status(p, Some(&signature)).map_err(internal)?;
    let hash = hex::encode(sha256(xml.as_bytes()));
    let sent = NewMessage {
        direction: "sent",
        kind: "status",
        document_id: &p.document_id,
        from_organ: &p.from.id,
        to_organ: &p.to.id,
        sha256: &hash,
        body: &xml,
    };
    let message = tx.log_message(sent).await?;
    // A sender known only from an imported file is not in the directory: the status
    // stays in the log.
    if let Some(o) = tx.organ(&p.to.id).await? {
        match o.peer_id {
            None => {
                tx.log_message(NewMessage {
                    direction: "received",
                    ..sent
                })
                .await?;
                apply_status(tx, p).await?;
            }
            Some(peer) => tx.enqueue(peer, message).await?,
        }
    }
    Ok(())
}

/// Records a recipient's status in the outgoing register it answers, and tells its organ.
pub(crate) async fn apply_status(tx: &mut Tx, p: &StatusPackage) -> AppResult<()> {
    if let Some(out) = tx.outgoing_by_document(&p.document_id).await?
        && out.organ_id == p.to.id
    {
        tx.set_recipient_status(
            out.id,
            &p.from.id,
            p.status.code(),
            &p.description,
            p.timestamp,
        )
        .await?;
        registers::notify(tx, &out.organ_id, "outgoing", out.id, p.status.code(), None).await?;
    }
    Ok(())
}

/// A peer read the envelope and refused it: the recipient's status is 02 with the reasons.
pub(crate) async fn refused_by_peer(
    tx: &mut Tx,
    m: &ecabinet_storage::MessageRow,
    reason: &str,
) -> AppResult<()> {
    if let Some(out) = tx.outgoing_by_document(&m.document_id).await? {
        let now = tx.now();
        tx.set_recipient_status(out.id, &m.to_organ, Status::Rejected.code(), reason, now)
            .await?;
        registers::notify(
            tx,
            &out.organ_id,
            "outgoing",
            out.id,
            Status::Rejected.code(),
            None,
        )
        .await?;
    }
    Ok(())
}

/// An envelope's delivery to a peer was set aside as a dead letter, or sent again: the
/// sending organ's screens show it.
pub(crate) async fn delivery_changed(
    tx: &mut Tx,
    kind: &str,
    document_id: &str,
    from_organ: &str,
) -> AppResult<()> {
    if kind == "envelope"
        && let Some(out) = tx.outgoing_by_document(document_id).await?
        && out.organ_id == from_organ
    {
        registers::notify(tx, &out.organ_id, "outgoing", out.id, &out.status, None).await?;
    }
    Ok(())
}

/// `GET /api/exchange/organs/{id}/incoming`: the incoming register.
pub async fn incoming_list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(organ): ApiPath<String>,
) -> AppResult<Json<Vec<IncomingView>>> {
    let mut tx = s.db.read().await?;
    gates::organ(&mut tx, &u, &organ).await?;
    let mut out = Vec::new();
    for row in tx.incoming_of(&organ).await? {
        out.push(incoming_view(&mut tx, &row).await?);
    }
    Ok(Json(out))
}

async fn incoming_view(tx: &mut Tx, row: &IncomingRow) -> AppResult<IncomingView> {
    Ok(IncomingView {
        id: row.id,
        organ_id: row.organ_id.clone(),
        envelope: parse(&row.envelope)?,
        seal: parse(&row.seal)?,
        status: Status::from_code(&row.status).ok_or_else(|| internal("stored status"))?,
        register_number: row.register_number,
        handler_id: row.handler_id,
        note: row.note.clone(),
        received_at: row.received_at,
        messages: messages(tx.messages_of(&row.document_id).await?)
            .into_iter()
            .filter(|m| m.from_organ == row.organ_id || m.to_organ == row.organ_id)
            .collect(),
        documents: entry_documents(tx, DocumentOwner::Incoming(row.id)).await?,
    })
}

/// `GET /api/exchange/incoming/{id}`.
pub async fn incoming_show(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<IncomingView>> {
    let mut tx = s.db.read().await?;
    let (row, _) = gates::incoming(&mut tx, &u, id).await?;
    Ok(Json(incoming_view(&mut tx, &row).await?))
}

/// `POST /api/exchange/incoming/{id}/status`: a step of the receiving organ, reported to
/// the sender. Clerks register, reject and withdraw; leaders assign and answer
/// revocations; the handler (or a leader) processes and finishes.
pub async fn set_status(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<StatusInput>,
) -> AppResult<Json<IncomingView>> {
    let mut tx = s.db.write().await?;
    let (row, roles) = gates::incoming(&mut tx, &u, id).await?;
    let current = Status::from_code(&row.status).ok_or_else(|| internal("stored status"))?;
    let next = input.status;
    let note = input.note.trim().to_owned();
    if note.chars().count() > 2000 {
        return Err(invalid("note", "at most 2000 characters"));
    }
    match next {
        Status::Registered | Status::Rejected | Status::Withdrawn => {
            need(&roles, &[OrganRole::Clerk])?
        }
        Status::Assigned | Status::RevocationAccepted | Status::RevocationRefused => {
            need(&roles, &[OrganRole::Leader])?
        }
        Status::Processing | Status::Done => {
            if row.handler_id != Some(u.id()) {
                need(&roles, &[OrganRole::Leader])?;
            }
        }
        Status::Arrived => return Err(invalid("status", "a document arrives only once")),
    }
    if !current.may_become(next) {
        return Err(AppError::Conflict(format!(
            "a document that is “{}” cannot become “{}”",
            current.label_vi(),
            next.label_vi()
        )));
    }
    if next == Status::Rejected && note.is_empty() {
        return Err(invalid("note", "a rejection states its reason"));
    }
    let mut handler = row.handler_id;
    let mut description = note.clone();
    if next == Status::Assigned {
        let h = input
            .handler_id
            .ok_or_else(|| invalid("handler_id", "name who handles it"))?;
        let members = tx.organ_members(&row.organ_id).await?;
        if !members
            .iter()
            .any(|(m, r)| *m == h && matches!(r, OrganRole::Handler | OrganRole::Leader))
        {
            return Err(invalid("handler_id", "the handler must work for the organ"));
        }
        handler = Some(h);
        let name = tx
            .users()
            .await?
            .into_iter()
            .find(|x| x.id == h)
            .map(|x| x.display_name)
            .unwrap_or_default();
        description = if note.is_empty() {
            name
        } else {
            format!("{name}: {note}")
        };
    }
    let number = match (row.register_number, next) {
        (None, Status::Registered) => Some(tx.next_register_number(&row.organ_id).await?),
        (n, _) => n,
    };
    tx.set_incoming_status(id, next.code(), handler, &note, number)
        .await?;
    let envelope: Envelope = parse(&row.envelope)?;
    let me = envelope
        .to
        .iter()
        .find(|o| o.id == row.organ_id)
        .cloned()
        .ok_or_else(|| internal("stored envelope"))?;
    let package = StatusPackage {
        document_id: row.document_id.clone(),
        code: code_of(&envelope),
        from: me,
        to: envelope.from.clone(),
        status: next,
        description,
        staff: u.0.display_name.clone(),
        timestamp: tx.now(),
    };
    report(&s, &mut tx, &package).await?;
    registers::notify(
        &mut tx,
        &row.organ_id,
        "incoming",
        id,
        next.code(),
        Some(u.id()),
    )
    .await?;
    // An accepted revocation withdraws the document it names (13), told to its sender.
    if next == Status::RevocationAccepted
        && envelope.business == ecabinet_exchange::Business::Revoke
        && let Some(target) = &envelope.target
        && let Some(old) = tx.incoming_by_document(&row.organ_id, target).await?
    {
        tx.set_incoming_status(
            old.id,
            Status::Withdrawn.code(),
            old.handler_id,
            &note,
            old.register_number,
        )
        .await?;
        let old_envelope: Envelope = parse(&old.envelope)?;
        let withdrawn = StatusPackage {
            document_id: old.document_id.clone(),
            code: code_of(&old_envelope),
            status: Status::Withdrawn,
            ..package.clone()
        };
        report(&s, &mut tx, &withdrawn).await?;
        registers::notify(
            &mut tx,
            &row.organ_id,
            "incoming",
            old.id,
            Status::Withdrawn.code(),
            Some(u.id()),
        )
        .await?;
    }
    let row = tx.incoming(id).await?.ok_or(AppError::NotFound)?;
    let view = incoming_view(&mut tx, &row).await?;
    s.commit(tx).await?;
    s.outbox.wake();
    Ok(Json(view))
}

fn xml_response(xml: String, name: &str) -> Response {
    let mut res = Response::new(Body::from(xml));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

fn file_name(document_id: &str) -> String {
    let safe: String = document_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{safe}.edxml")
}

/// `GET /api/exchange/outgoing/{id}/edxml`: the envelope as sent (or, before, as it would
/// be), with its files and seal.
pub async fn outgoing_edxml(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let mut tx = s.db.read().await?;
    let (row, _) = gates::outgoing(&mut tx, &u, id).await?;
    let sent = tx
        .messages_of(&row.document_id)
        .await?
        .into_iter()
        .find(|m| m.direction == "sent" && m.kind == "envelope");
    let xml = match sent {
        Some(m) => m.body,
        None => {
            let envelope: Envelope = parse(&row.envelope)?;
            let seal = row.seal.as_deref().map(parse::<Seal>).transpose()?;
            let attestation = seal
                .as_ref()
                .map(|x| Attestation::sign(&s.server_key, &envelope.from.id, &x.record));
            let files = read_files(&s, &envelope).await?;
            let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
            edxml::write_envelope(&envelope, seal.as_ref(), attestation.as_ref(), &refs, &[])
                .map_err(internal)?
        }
    };
    Ok(xml_response(xml, &file_name(&row.document_id)))
}

/// `GET /api/exchange/incoming/{id}/edxml`: the envelope exactly as received.
pub async fn incoming_edxml(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let mut tx = s.db.read().await?;
    let (row, _) = gates::incoming(&mut tx, &u, id).await?;
    let body = tx
        .messages_of(&row.document_id)
        .await?
        .into_iter()
        .find(|m| m.direction == "received" && m.kind == "envelope" && m.to_organ == row.organ_id)
        .map(|m| m.body)
        .ok_or(AppError::NotFound)?;
    Ok(xml_response(body, &file_name(&row.document_id)))
}

/// `GET /api/exchange/{register}/{id}/files/{n}`: file `n` (from 1) of an entry.
pub async fn file(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((register, id, n)): ApiPath<(String, i64, usize)>,
) -> AppResult<Response> {
    let mut tx = s.db.read().await?;
    let envelope: Envelope = match register.as_str() {
        "outgoing" => parse(&gates::outgoing(&mut tx, &u, id).await?.0.envelope)?,
        "incoming" => parse(&gates::incoming(&mut tx, &u, id).await?.0.envelope)?,
        _ => return Err(AppError::NotFound),
    };
    let a = n
        .checked_sub(1)
        .and_then(|i| envelope.attachments.get(i))
        .ok_or(AppError::NotFound)?;
    let bytes = read_file(&s, &a.sha256).await?.ok_or(AppError::NotFound)?;
    let mut res = Response::new(Body::from(bytes));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    Ok(res)
}

/// `POST /api/exchange/organs/{id}/import` (clerk; body: edXML): receives an envelope
/// that came another way (a file). Refused whole with status 02 and every reason; the
/// envelope is kept in the message log, and nothing enters the register. An envelope from
/// an organ of this deployment or of a peer must carry that deployment's attestation of
/// its seal (or, from an organ here, be sealed by an approved device of its leader): a
/// seal that verifies only under the key the file carries names nobody.
pub async fn import(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(organ): ApiPath<String>,
    req: Request,
) -> AppResult<Response> {
    {
        let mut tx = s.db.read().await?;
        let (_, roles) = gates::organ(&mut tx, &u, &organ).await?;
        need(&roles, &[OrganRole::Clerk])?;
    }
    let bytes = axum::body::to_bytes(req.into_body(), max_envelope_bytes(&s))
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let xml = String::from_utf8(bytes.to_vec())
        .map_err(|_| invalid("edXML", "the envelope is not UTF-8"))?;
    // Read before the write lock: the files are decoded and hashed here.
    let package = edxml::read_envelope(&xml);
    let mut tx = s.db.write().await?;
    let outcome = match &package {
        Ok(p) => receive(&s, &mut tx, &xml, p, &organ, Via::File).await,
        Err(problems) => Err(problems.clone()),
    };
    match outcome {
        Ok(arrival) => {
            let row = tx.incoming(arrival.id).await?.ok_or(AppError::NotFound)?;
            let view = incoming_view(&mut tx, &row).await?;
            s.commit(tx).await?;
            render(&s, arrival.documents);
            s.outbox.wake();
            Ok((StatusCode::CREATED, Json(view)).into_response())
        }
        Err(problems) => {
            drop(tx);
            // Kept as proof of what came and why it was refused; no register entry.
            let mut tx = s.db.write().await?;
            let hash = hex::encode(sha256(xml.as_bytes()));
            let document_id = edxml_document_id(&xml);
            tx.log_message(NewMessage {
                direction: "received",
                kind: "envelope",
                document_id: &document_id,
                from_organ: "",
                to_organ: &organ,
                sha256: &hash,
                body: &xml,
            })
            .await?;
            s.commit(tx).await?;
            tracing::info!(organ = ?organ, problems = problems.len(), "envelope refused (02)");
            Ok(rejected(problems))
        }
    }
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

/// The DocumentId an unreadable envelope claims, for the log ("" if none).
fn edxml_document_id(xml: &str) -> String {
    xml.split_once("DocumentId>")
        .and_then(|(_, rest)| rest.split_once('<'))
        .map(|(id, _)| id.trim().chars().take(300).collect())
        .unwrap_or_default()
}

/// The routes of document exchange, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exchange/organs", get(organs).post(add_organ))
        .route(
            "/exchange/organs/{id}/members",
            get(members).post(add_member),
        )
        .route("/exchange/me", get(mine))
        .route("/exchange/peers", post(transport::add_peer))
        .route("/exchange/identity", get(transport::identity))
        .route(
            "/exchange/inbox",
            // Sized for an envelope with its files (`document_max_upload_mb`, base64).
            post(transport::inbox).layer(DefaultBodyLimit::disable()),
        )
        .route("/exchange/dead-letters", get(transport::dead_letters))
        .route(
            "/exchange/dead-letters/{id}/retry",
            post(transport::retry_dead_letter),
        )
        .route(
            "/exchange/organs/{id}/outgoing",
            get(outgoing_list)
                // Drafts count their files' bytes against `document_max_upload_mb`.
                .post(draft)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/exchange/organs/{id}/incoming", get(incoming_list))
        .route(
            "/exchange/organs/{id}/import",
            post(import).layer(DefaultBodyLimit::disable()),
        )
        .route("/exchange/outgoing/{id}", get(outgoing_show))
        .route("/exchange/outgoing/{id}/seal", post(seal))
        .route("/exchange/outgoing/{id}/send", post(send))
        .route("/exchange/outgoing/{id}/edxml", get(outgoing_edxml))
        .route("/exchange/incoming/{id}", get(incoming_show))
        .route("/exchange/incoming/{id}/status", post(set_status))
        .route("/exchange/incoming/{id}/edxml", get(incoming_edxml))
        .route("/exchange/{register}/{id}/files/{n}", get(file))
}
