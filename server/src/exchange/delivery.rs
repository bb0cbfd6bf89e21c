//! Delivery: an envelope arriving (from an organ here, a peer or an import) is checked
//! (fields, seal, addressee, origin) and registered as arrived, or refused whole; status
//! packages and a peer's refusals move the sender's register.

use super::*;

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
                    Some(d) => {
                        let members = tx.organ_members(&from.id).await?;
                        access::exchange::signs_for_organ(&roles_of(&members, d.user_id))
                    }
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

pub(super) fn code_of(e: &Envelope) -> String {
    if e.code_notation.is_empty() {
        e.code_number.clone()
    } else {
        format!("{}/{}", e.code_number, e.code_notation)
    }
}

/// Sends a status package to the document's sender: written as edXML, signed with the
/// server key, logged; a sender hosted here records it in its outgoing register at once, a
/// sender on a peer gets it through the outbox (woken after the commit).
pub(super) async fn report(s: &AppState, tx: &mut Tx, p: &StatusPackage) -> AppResult<()> {
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
