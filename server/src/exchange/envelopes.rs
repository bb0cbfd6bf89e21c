//! edXML out and in: an entry's envelope as the national axis's XML, its files, and the
//! import of an envelope received by other means.

use super::*;

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
        gates::organ(&mut tx, &u, &organ, ExchangeCap::Import).await?;
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

/// The DocumentId an unreadable envelope claims, for the log ("" if none).
fn edxml_document_id(xml: &str) -> String {
    xml.split_once("DocumentId>")
        .and_then(|(_, rest)| rest.split_once('<'))
        .map(|(id, _)| id.trim().chars().take(300).collect())
        .unwrap_or_default()
}
