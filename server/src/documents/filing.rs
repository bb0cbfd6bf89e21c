//! Filing documents: an upload (multipart details and file, streamed to disk and hashed
//! as it arrives), a new version of a document, its deletion, and the checks of the
//! secretariat's details.

use super::*;

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
