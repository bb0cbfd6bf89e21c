//! The outgoing register: a clerk drafts an envelope with its files, the organ's leader
//! seals it on their device, the clerk sends it (delivered in the same transaction to an
//! organ of this deployment, through the outbox to a peer's).

use super::*;

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
        gates::organ(&mut tx, &u, &organ, ExchangeCap::Draft).await?;
    }
    let (input, files) = read_draft(&s, req).await?;
    let mut tx = s.db.write().await?;
    let (from, _) = gates::organ(&mut tx, &u, &organ, ExchangeCap::Draft).await?;
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
    let members = tx.organ_members(&organ).await?;
    if !access::exchange::signs_for_organ(&roles_of(&members, input.signer_id)) {
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
    gates::organ(&mut tx, &u, &organ, ExchangeCap::Read).await?;
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
    let named_signer = row.signer_id == Some(u.id());
    enforce(access::exchange::entry_decision(
        &roles,
        ExchangeCap::Seal { named_signer },
    ))?;
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

pub(super) async fn read_files(s: &AppState, e: &Envelope) -> AppResult<Vec<Vec<u8>>> {
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
    enforce(access::exchange::entry_decision(&roles, ExchangeCap::Send))?;
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
