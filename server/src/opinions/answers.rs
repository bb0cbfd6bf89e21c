//! Answers: a member reads the poll and answers it, signed on their device; a new answer
//! replaces theirs until the deadline.

use super::*;

fn my_answer(id: i64, a: &AnswerRow) -> MyAnswer {
    MyAnswer {
        answer: a.answer,
        text: a.text.clone(),
        received_at: a.received_at,
        receipt: Receipt {
            poll_id: id,
            index: a.leaf_index,
            leaf_hash: a.leaf_hash.clone(),
            tree_size: a.leaf_index + 1,
            tree_root: a.tree_root.clone(),
            signature: a.receipt_signature.clone(),
            inclusion: Vec::new(),
        },
    }
}

/// `GET /api/opinions/{id}`.
pub async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<OpinionView>> {
    let mut tx = s.db.read().await?;
    let row = tx.opinion_for_read(id).await?.ok_or(AppError::NotFound)?;
    gates::opinion_check(&mut tx, &u, &row, Cap::View).await?;
    let summary = summary_for(&mut tx, &row, Some(u.id())).await?;
    let mine = tx.answers_of(id, u.id()).await?;
    Ok(Json(OpinionView {
        summary,
        draft_decision: row.draft_decision.clone(),
        rule: row.rule,
        addressee_ids: tx.addressees(id).await?,
        reminders: row.reminders.clone(),
        copy_staff: row.copy_staff,
        definition: row.definition.clone(),
        definition_hash: row.definition_hash.clone(),
        server_key: hex::encode(s.server_key.verifying_key().as_bytes()),
        my_answers: mine.iter().map(|a| my_answer(id, a)).collect(),
        result_record: row.result.clone(),
        result_signature: row.result_signature.clone(),
        changes: tx.opinion_changes(id).await?,
    }))
}

/// `POST /api/opinions/{id}/answers`: a signed answer; the signed receipt once stored.
pub async fn answer(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(sub): ApiJson<AnswerSubmission>,
) -> AppResult<(StatusCode, Json<MyAnswer>)> {
    // Cheap checks and the signature first, outside the write lock.
    let mut tx = s.db.read_now().await?;
    let row = tx.opinion_for_read(id).await?.ok_or(AppError::NotFound)?;
    gates::opinion_check(&mut tx, &u, &row, Cap::Answer).await?;
    let bytes = hex::decode(sub.ballot.trim()).map_err(|_| refuse(BallotRefusal::Malformed))?;
    let signature: [u8; 64] =
        hex_array(&sub.signature).ok_or(refuse(BallotRefusal::BadSignature))?;
    let ballot = Ballot::from_bytes(&bytes).map_err(|_| refuse(BallotRefusal::Malformed))?;
    if i64::try_from(ballot.poll_id).ok() != Some(id) {
        return Err(refuse(BallotRefusal::Malformed));
    }
    if i64::try_from(ballot.member_id).ok() != Some(u.id().0) {
        return Err(refuse(BallotRefusal::OtherMember));
    }
    let device = tx
        .device_by_key_id(&hex::encode(ballot.key_id))
        .await?
        .filter(|d| d.user_id == u.id())
        .ok_or(refuse(BallotRefusal::UnknownKey))?;
    drop(tx);
    let public_key: [u8; 32] =
        hex_array(&device.public_key).ok_or_else(|| AppError::Internal("stored key".into()))?;
    let signed = SignedBallot { bytes, signature };
    signed
        .verify(&public_key)
        .map_err(|_| refuse(BallotRefusal::BadSignature))?;
    let text = sub.text;
    let sent_text_hash = if text.is_empty() {
        [0; 32]
    } else {
        sha256(text.as_bytes())
    };

    let mut tx = s.db.write().await?;
    let row = gates::opinion(&mut tx, &u, id, Cap::Answer).await?;
    let stored = tx.answers(id).await?;
    let mut log = PollLog::new();
    let mut leaves = std::collections::HashSet::new();
    for a in &stored {
        let leaf = stored_leaf(a)?;
        leaves.insert(leaf_hash(&leaf));
        log.append(leaf);
    }
    let mut leaf = signed.bytes.clone();
    leaf.extend_from_slice(&signed.signature);
    let lh = leaf_hash(&leaf);
    let definition_hash = row
        .definition_hash
        .as_deref()
        .and_then(hex_array::<32>)
        .unwrap_or([0; 32]);
    let revoked = tx.revoked_among(&[device.id]).await?.contains(&device.id);
    let given = opinion::admit(
        &AnswerContext {
            status: row.status,
            definition: row.definition.as_ref(),
            definition_hash,
            deadline: row.deadline,
            now: s.clock.now(),
            sender: u.id(),
            key_revoked: revoked,
            duplicate: leaves.contains(&lh),
        },
        &AnswerFacts {
            poll_hash: ballot.poll_hash,
            member: u.id(),
            key_id: KeyId(ballot.key_id),
            choices: &ballot.choices,
            text_hash: ballot.text_hash,
            text: &text,
            sent_text_hash,
        },
    )
    .map_err(refuse)?;
    let index = log.append(leaf);
    let head = log.head();
    let pid = u64::try_from(id).unwrap_or(0);
    let receipt_sig = server_sign(&s.server_key, &receipt_bytes(pid, index, &lh, &head));
    let inclusion = log.prove_inclusion(index).unwrap_or_default();
    let stored_row = AnswerRow {
        leaf_index: index,
        member_id: u.id(),
        device_id: device.id,
        bytes: hex::encode(&signed.bytes),
        signature: hex::encode(signed.signature),
        answer: given,
        text,
        leaf_hash: hex::encode(lh),
        tree_root: hex::encode(head.root),
        receipt_signature: hex::encode(receipt_sig),
        received_at: tx.now(),
    };
    tx.insert_answer(id, &stored_row).await?;
    let answered = tx.answered_count(id).await?;
    tx.append(
        Topic::Opinions,
        EventBody::OpinionProgress { id, answered },
        Some(u.id()),
    )
    .await?;
    let mine = summary_for(&mut tx, &row, Some(u.id())).await?;
    tx.append(
        Topic::OpinionsOf(u.id()),
        EventBody::OpinionChanged { opinion: mine },
        Some(u.id()),
    )
    .await?;
    s.commit(tx).await?;
    let mut out = my_answer(id, &stored_row);
    out.receipt.inclusion = inclusion.iter().map(hex::encode).collect();
    Ok((StatusCode::CREATED, Json(out)))
}
