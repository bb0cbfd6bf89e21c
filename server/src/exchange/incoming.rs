//! The incoming register: what arrived, and its life (registered, assigned, processing,
//! done, rejected, revocation answers), each step sent back to the sender as a status.

use super::*;

/// `GET /api/exchange/organs/{id}/incoming`: the incoming register.
pub async fn incoming_list(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(organ): ApiPath<String>,
) -> AppResult<Json<Vec<IncomingView>>> {
    let mut tx = s.db.read().await?;
    gates::organ(&mut tx, &u, &organ, ExchangeCap::Read).await?;
    let mut out = Vec::new();
    for row in tx.incoming_of(&organ).await? {
        out.push(incoming_view(&mut tx, &row).await?);
    }
    Ok(Json(out))
}

pub(super) async fn incoming_view(tx: &mut Tx, row: &IncomingRow) -> AppResult<IncomingView> {
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
    let cap = match next {
        Status::Registered | Status::Rejected | Status::Withdrawn => ExchangeCap::Receive,
        Status::Assigned | Status::RevocationAccepted | Status::RevocationRefused => {
            ExchangeCap::Direct
        }
        Status::Processing | Status::Done => ExchangeCap::Handle {
            assigned_to_me: row.handler_id == Some(u.id()),
        },
        Status::Arrived => return Err(invalid("status", "a document arrives only once")),
    };
    enforce(access::exchange::entry_decision(&roles, cap))?;
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
        if !access::exchange::may_handle(&roles_of(&members, h)) {
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
