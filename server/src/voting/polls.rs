//! Votes in a meeting over HTTP: prepare, open (snapshotting the electorate and its keys),
//! take signed ballots, close (by the chair or a timer), show the tally and who is still
//! to vote. Signatures are checked here, in the request's own task, before a ballot reaches
//! the [`BallotDesk`](super::desk::BallotDesk), so that the desk does only cheap work.

use super::desk::{poll_changed, stored_leaf};
use crate::AppState;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::platform::gates;
use crate::platform::hex_array;
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecabinet_crypto::log::PollLog;
use ecabinet_crypto::{Ballot, SignedBallot, sha256};
use ecabinet_domain::access::MeetingCapability as Cap;
use ecabinet_domain::access::meetings;
use ecabinet_domain::meeting::MeetingStatus;
use ecabinet_domain::poll::{
    BallotForm, BallotRefusal, KeyId, PollDefinition, PollStatus, Voter, check_question,
};
use ecabinet_domain::{DomainError, MeetingId, Role, UserId};
use ecabinet_protocol::poll::{
    BallotSubmission, CreatedPoll, Pending, PendingMember, PollInput, PollView, Receipt, RulePreset,
};
use ecabinet_storage::{BallotRow, PollDraft, PollRow, Tx};
use std::collections::{HashMap, HashSet};

/// Shortest and longest timer of a poll.
const DURATION_RANGE: std::ops::RangeInclusive<u32> = 10..=86_400;

fn checked_input(input: PollInput) -> AppResult<PollDraft> {
    let question = check_question(&input.question)?;
    let form = input.form.unwrap_or_else(BallotForm::yes_no).validated()?;
    let rule = input
        .rule
        .unwrap_or_else(|| input.preset.unwrap_or(RulePreset::Government).rule())
        .validated()?;
    if let Some(d) = input.duration_seconds
        && !DURATION_RANGE.contains(&d)
    {
        return Err(DomainError::Invalid {
            field: "duration_seconds",
            reason: "must be between 10 seconds and 24 hours".into(),
        }
        .into());
    }
    Ok(PollDraft {
        item: input.item_id,
        question,
        form,
        rule,
        duration_seconds: input.duration_seconds,
    })
}

async fn check_item(tx: &mut Tx, meeting: MeetingId, plan: &PollDraft) -> AppResult<()> {
    if let Some(item) = plan.item
        && !tx.agenda(meeting).await?.iter().any(|i| i.id == item)
    {
        return Err(DomainError::Invalid {
            field: "item_id",
            reason: "no such item in this meeting's agenda".into(),
        }
        .into());
    }
    Ok(())
}

/// Locks a poll and checks `cap` on its meeting.
async fn guard_poll(tx: &mut Tx, u: &CurrentUser, poll_id: i64, cap: Cap) -> AppResult<PollRow> {
    let poll = tx.poll(poll_id).await?.ok_or(AppError::NotFound)?;
    gates::meeting(tx, u, poll.meeting_id, cap).await?;
    Ok(poll)
}

/// A poll `u` may use `cap` on, read without locks.
async fn readable_poll(tx: &mut Tx, u: &CurrentUser, poll_id: i64, cap: Cap) -> AppResult<PollRow> {
    let poll = tx.poll_for_read(poll_id).await?.ok_or(AppError::NotFound)?;
    gates::meeting_read(tx, u, poll.meeting_id, cap).await?;
    Ok(poll)
}

/// `POST /api/meetings/{id}/polls`: prepares a vote (chair or secretariat).
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PollInput>,
) -> AppResult<(StatusCode, Json<CreatedPoll>)> {
    let meeting = MeetingId(id);
    let mut tx = s.db.write().await?;
    let row = gates::meeting(&mut tx, &u, meeting, Cap::Conduct).await?;
    if row.info.status == MeetingStatus::Ended {
        return Err(DomainError::InvalidTransition {
            subject: "meeting",
            from: "ended",
            action: "add a vote to",
        }
        .into());
    }
    let plan = checked_input(input)?;
    check_item(&mut tx, meeting, &plan).await?;
    let poll_id = tx.insert_poll(meeting, &plan, u.id()).await?;
    poll_changed(&mut tx, poll_id, Some(u.id())).await?;
    s.commit(tx).await?;
    Ok((StatusCode::CREATED, Json(CreatedPoll { id: poll_id })))
}

/// `PUT /api/polls/{id}`: edits a draft.
pub async fn update(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<PollInput>,
) -> AppResult<StatusCode> {
    let mut tx = s.db.write().await?;
    let poll = guard_poll(&mut tx, &u, id, Cap::Conduct).await?;
    if poll.status != PollStatus::Draft {
        return Err(DomainError::InvalidTransition {
            subject: "vote",
            from: poll.status.as_str(),
            action: "edit",
        }
        .into());
    }
    let plan = checked_input(input)?;
    check_item(&mut tx, poll.meeting_id, &plan).await?;
    tx.update_poll(id, &plan).await?;
    poll_changed(&mut tx, id, Some(u.id())).await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/polls/{id}/open`: fixes the definition (electorate, keys, presence) and
/// starts taking ballots. Only while the meeting is in progress.
pub async fn open(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let mut tx = s.db.write().await?;
    let poll = guard_poll(&mut tx, &u, id, Cap::Conduct).await?;
    let meeting = tx
        .meeting(poll.meeting_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if meeting.info.status != MeetingStatus::InProgress {
        return Err(DomainError::InvalidTransition {
            subject: "meeting",
            from: meeting.info.status.as_str(),
            action: "open a vote in",
        }
        .into());
    }
    poll.status.open()?;
    let participants = tx.participants(poll.meeting_id).await?;
    // Seated as a member is not enough: the account must vote too (`meetings::votes`).
    let accounts: HashMap<UserId, Role> = tx
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.role))
        .collect();
    let present: HashSet<UserId> = tx
        .attendance(poll.meeting_id)
        .await?
        .iter()
        .filter(|a| a.attendance.is_present())
        .map(|a| a.user_id)
        .collect();
    let mut keys: HashMap<UserId, Vec<KeyId>> = HashMap::new();
    for d in tx.approved_devices().await? {
        if let Some(k) = hex::decode(&d.key_id)
            .ok()
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
        {
            keys.entry(d.user_id).or_default().push(KeyId(k));
        }
    }
    let mut def = PollDefinition {
        poll_id: id,
        meeting_id: poll.meeting_id,
        item_id: poll.item_id,
        question: poll.question.clone(),
        form: poll.form.clone(),
        rule: poll.rule,
        chair: participants
            .iter()
            .find(|p| p.role == ecabinet_domain::ParticipantRole::Chair)
            .map(|p| p.user_id),
        voters: participants
            .iter()
            .filter(|p| {
                accounts
                    .get(&p.user_id)
                    .is_some_and(|a| meetings::votes(*a, p.role))
            })
            .map(|p| Voter {
                member: p.user_id,
                keys: keys.remove(&p.user_id).unwrap_or_default(),
                present: present.contains(&p.user_id),
            })
            .collect(),
        opened_at: tx.now(),
    };
    def.normalize();
    let hash = hex::encode(sha256(&def.canonical_bytes()));
    let closes_at = poll
        .duration_seconds
        .map(|d| tx.now() + i64::from(d) * 1000);
    tx.open_poll(id, &def, &hash, closes_at).await?;
    poll_changed(&mut tx, id, Some(u.id())).await?;
    s.commit(tx).await?;
    s.desk.timer.notify_one();
    tracing::info!(poll = id, voters = def.voters.len(), "poll opened");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/polls/{id}/close` (chair or secretariat).
pub async fn close(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    {
        let mut tx = s.db.read().await?;
        readable_poll(&mut tx, &u, id, Cap::Conduct).await?;
    }
    s.desk.close(id, Some(u.id())).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/polls/{id}/ballots`: a signed ballot; answers with the signed receipt once
/// the ballot is durably stored.
pub async fn cast(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(sub): ApiJson<BallotSubmission>,
) -> AppResult<(StatusCode, Json<Receipt>)> {
    let arrived = std::time::Instant::now();
    let refuse = |r: BallotRefusal| AppError::Domain(DomainError::Ballot(r));
    // Pre-checks only: the desk checks poll, eligibility and key again in its write
    // transaction, so these reads need no snapshot of their own.
    let mut tx = s.db.read_now().await?;
    // A poll the sender cannot see does not exist for them, whatever they sent.
    readable_poll(&mut tx, &u, id, Cap::View).await?;
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
    let receipt = s.desk.cast(id, u.id(), device, ballot, signed).await?;
    s.metrics.ballot_acknowledged(arrived.elapsed());
    Ok((StatusCode::CREATED, Json(receipt)))
}

fn receipt_of(poll_id: i64, b: &BallotRow) -> Receipt {
    Receipt {
        poll_id,
        index: b.leaf_index,
        leaf_hash: b.leaf_hash.clone(),
        tree_size: b.leaf_index + 1,
        tree_root: b.tree_root.clone(),
        signature: b.receipt_signature.clone(),
        // A stored receipt's proof is against its own tree, whose last leaf it is; the
        // tablet got the proof with the receipt and re-checks against later heads.
        inclusion: Vec::new(),
    }
}

/// `GET /api/polls/{id}`: the poll, its definition and the viewer's receipts.
pub async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<PollView>> {
    let mut tx = s.db.read().await?;
    let poll = readable_poll(&mut tx, &u, id, Cap::View).await?;
    let voted = tx.voted_count(id).await?;
    let mine = tx.ballots_of(id, u.id()).await?;
    let mut my_consistency = Vec::new();
    if let (Some(result), false) = (&poll.result, mine.is_empty()) {
        let mut log = PollLog::new();
        for b in tx
            .ballots(id)
            .await?
            .iter()
            .take(usize::try_from(result.tree_size).unwrap_or(0))
        {
            log.append(stored_leaf(b)?);
        }
        for b in &mine {
            let proof = log.prove_consistency(b.leaf_index + 1).unwrap_or_default();
            my_consistency.push(proof.iter().map(hex::encode).collect());
        }
    }
    Ok(Json(PollView {
        my_consistency,
        summary: poll.summary(voted),
        definition: poll.definition.clone(),
        definition_hash: poll.definition_hash.clone(),
        server_key: hex::encode(s.server_key.verifying_key().as_bytes()),
        my_receipts: mine.iter().map(|b| receipt_of(id, b)).collect(),
        result_record: poll.result.clone(),
        result_signature: poll.result_signature.clone(),
    }))
}

/// `GET /api/polls/{id}/pending` (chair and secretariat): who has not voted yet.
pub async fn pending(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Pending>> {
    let mut tx = s.db.read().await?;
    let poll = readable_poll(&mut tx, &u, id, Cap::Conduct).await?;
    let Some(def) = poll.definition else {
        return Ok(Json(Pending { members: vec![] }));
    };
    let voted: HashSet<UserId> = tx.voters_who_voted(id).await?.into_iter().collect();
    let names: HashMap<UserId, String> = tx
        .participants(poll.meeting_id)
        .await?
        .into_iter()
        .map(|p| (p.user_id, p.display_name))
        .collect();
    Ok(Json(Pending {
        members: def
            .voters
            .iter()
            .filter(|v| !voted.contains(&v.member))
            .map(|v| PendingMember {
                user_id: v.member,
                display_name: names.get(&v.member).cloned().unwrap_or_default(),
                has_key: !v.keys.is_empty(),
            })
            .collect(),
    }))
}
