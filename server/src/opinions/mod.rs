//! Written opinion polls (phiếu lấy ý kiến): the secretariat drafts, a second account or
//! the chair approves and sends, members answer with signed ballots until the deadline,
//! reminders go out in-app and by e-mail, the deadline may be extended, and at the deadline
//! the poll closes by itself and is counted. Also the aggregated report and the archive.
//!
//! Answers are few and spread over days, so each is one transaction under the poll's lock
//! (no group commit as for votes in a meeting): the log is rebuilt from the stored answers,
//! the new leaf appended, the receipt signed, and the receipt sent only after the commit.

mod report;

use crate::AppState;
use crate::platform::clock::vn_time;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::platform::gates;
use crate::platform::hex_array;
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ecabinet_archive::opinion::{AnswerRecord, OpinionBundle, OpinionRecord};
use ecabinet_archive::{DeviceRecord, MemberRecord};
use ecabinet_crypto::log::{PollLog, leaf_hash, receipt_bytes, server_sign};
use ecabinet_crypto::{Ballot, SignedBallot, sha256};
use ecabinet_domain::access::{OpinionCapability as Cap, opinion_allows};
use ecabinet_domain::opinion::{
    self, Addressee, Answer, AnswerContext, AnswerFacts, GOVERNMENT_RULE, OpinionDefinition,
    OpinionResultRecord, check_draft,
};
use ecabinet_domain::poll::{BallotRefusal, KeyId, PollStatus, check_question};
use ecabinet_domain::{DomainError, Role, UserId};
use ecabinet_protocol::opinion::{
    AnswerSubmission, Extension, MyAnswer, OpinionInput, OpinionReport, OpinionSummary,
    OpinionView, RemindNow, Reminded, ReportLine,
};
use ecabinet_protocol::poll::Receipt;
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::{AnswerRow, Contact, OpinionDraft, OpinionRow, Tx};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Reminders when the draft names none: a day and an hour before the deadline.
const DEFAULT_REMINDERS: [u32; 2] = [24 * 60, 60];
/// Most reminders per poll, and the longest lead (30 days).
const MAX_REMINDERS: usize = 10;
const MAX_REMINDER_MINUTES: u32 = 30 * 24 * 60;
/// Most members one poll may ask.
const MAX_ADDRESSEES: usize = 500;
/// Longest reason for an extension, and longest reminder message, in characters.
const MAX_NOTE_CHARS: usize = 1000;

fn invalid(field: &'static str, reason: impl Into<String>) -> AppError {
    AppError::Domain(DomainError::Invalid {
        field,
        reason: reason.into(),
    })
}

fn refuse(r: BallotRefusal) -> AppError {
    AppError::Domain(DomainError::Ballot(r))
}

fn transition(from: PollStatus, action: &'static str) -> AppError {
    AppError::Domain(DomainError::InvalidTransition {
        subject: "written poll",
        from: from.as_str(),
        action,
    })
}

/// The documents as sent: each ready, in the version readers see, with its file's hash.
async fn attached(tx: &mut Tx, id: i64) -> AppResult<Vec<opinion::AttachedDocument>> {
    let mut out = Vec::new();
    for d in tx.documents_of_opinion(id).await? {
        let latest_ready = d
            .latest
            .as_ref()
            .is_some_and(|v| v.status == "ready" && v.version == d.current_version);
        if d.current_version == 0 || !latest_ready {
            return Err(invalid(
                "documents",
                format!(
                    "“{}” is not ready: wait until it has rendered, or replace or remove it",
                    d.title
                ),
            ));
        }
        let sha = tx
            .version_sha256(d.id, d.current_version)
            .await?
            .and_then(|h| hex_array::<32>(&h))
            .ok_or_else(|| AppError::Internal(format!("document {} has no hash", d.id)))?;
        out.push(opinion::AttachedDocument {
            document_id: d.id,
            version: d.current_version,
            sha256: sha,
        });
    }
    Ok(out)
}

/// The answer that counts for each member: their last, in log order.
fn last_answers(answers: &[AnswerRow]) -> BTreeMap<UserId, &AnswerRow> {
    let mut by_member = BTreeMap::new();
    for a in answers {
        by_member.insert(a.member_id, a);
    }
    by_member
}

async fn summary_for(
    tx: &mut Tx,
    row: &OpinionRow,
    member: Option<UserId>,
) -> AppResult<OpinionSummary> {
    let addressees = u32::try_from(tx.addressees(row.id).await?.len()).unwrap_or(u32::MAX);
    let answered = tx.answered_count(row.id).await?;
    let mine = match member {
        Some(m) => tx.answers_of(row.id, m).await?.last().map(|a| a.answer),
        None => None,
    };
    Ok(row.summary(addressees, answered, mine))
}

/// Appends `opinion.changed` to `opinions` and, once sent, to each addressee's list.
async fn announce(tx: &mut Tx, id: i64, actor: Option<UserId>) -> AppResult<()> {
    let row = tx.opinion(id).await?.ok_or(AppError::NotFound)?;
    let all = summary_for(tx, &row, None).await?;
    tx.append(
        Topic::Opinions,
        EventBody::OpinionChanged { opinion: all },
        actor,
    )
    .await?;
    if row.status != PollStatus::Draft {
        for m in tx.addressees(id).await? {
            let mine = summary_for(tx, &row, Some(m)).await?;
            tx.append(
                Topic::OpinionsOf(m),
                EventBody::OpinionChanged { opinion: mine },
                actor,
            )
            .await?;
        }
    }
    Ok(())
}

/// Validates a draft; every member and the chair when no addressee is named.
async fn checked(s: &AppState, tx: &mut Tx, input: OpinionInput) -> AppResult<OpinionDraft> {
    let question = check_question(&input.question)?;
    let draft_decision = check_draft(&input.draft_decision)?;
    let rule = input.rule.unwrap_or(GOVERNMENT_RULE).validated()?;
    if input.deadline <= s.clock.now() {
        return Err(invalid("deadline", "must be in the future"));
    }
    let reminders = input
        .reminders
        .unwrap_or_else(|| DEFAULT_REMINDERS.to_vec());
    if reminders.len() > MAX_REMINDERS
        || reminders
            .iter()
            .any(|m| *m == 0 || *m > MAX_REMINDER_MINUTES)
    {
        return Err(invalid(
            "reminders",
            format!("at most {MAX_REMINDERS}, each 1 minute to 30 days before the deadline"),
        ));
    }
    let users = tx.users().await?;
    let can_answer = |r: Role| matches!(r, Role::Member | Role::Chair);
    let addressees: Vec<UserId> = if input.addressees.is_empty() {
        users
            .iter()
            .filter(|u| can_answer(u.role))
            .map(|u| u.id)
            .collect()
    } else {
        let mut seen = std::collections::HashSet::new();
        for a in &input.addressees {
            if !seen.insert(*a) {
                return Err(invalid("addressees", format!("account {a} appears twice")));
            }
            match users.iter().find(|u| u.id == *a) {
                None => return Err(invalid("addressees", format!("no account {a}"))),
                Some(u) if !can_answer(u.role) => {
                    return Err(invalid(
                        "addressees",
                        format!("{} is not a member of the Government", u.display_name),
                    ));
                }
                Some(_) => {}
            }
        }
        input.addressees.clone()
    };
    if addressees.is_empty() || addressees.len() > MAX_ADDRESSEES {
        return Err(invalid(
            "addressees",
            format!("ask between 1 and {MAX_ADDRESSEES} members"),
        ));
    }
    Ok(OpinionDraft {
        question,
        draft_decision,
        rule,
        non_response: input.non_response,
        deadline: input.deadline,
        reminders,
        copy_staff: input.copy_staff,
        addressees,
    })
}

/// `GET /api/opinions`: every poll for the secretariat and the chair; a member's own
/// (sent) polls with their answer otherwise.
pub async fn list(
    State(s): State<AppState>,
    u: CurrentUser,
) -> AppResult<Json<Vec<OpinionSummary>>> {
    let mut tx = s.db.read().await?;
    Ok(Json(list_for(&mut tx, &u).await?))
}

async fn list_for(tx: &mut Tx, u: &CurrentUser) -> AppResult<Vec<OpinionSummary>> {
    let oversees = matches!(u.0.role, Role::Secretariat | Role::Chair);
    let rows = if oversees {
        tx.all_opinions().await?
    } else {
        tx.opinions_sent_to(u.id()).await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(summary_for(tx, r, Some(u.id())).await?);
    }
    Ok(out)
}

/// The state of `opinions` or `opinions:<id>` for the WebSocket.
pub async fn topic_list(
    tx: &mut Tx,
    topic: Topic,
) -> AppResult<ecabinet_protocol::opinion::OpinionList> {
    let opinions = match topic {
        Topic::Opinions => {
            let mut out = Vec::new();
            for r in tx.all_opinions().await? {
                out.push(summary_for(tx, &r, None).await?);
            }
            out
        }
        Topic::OpinionsOf(m) => {
            let mut out = Vec::new();
            for r in tx.opinions_sent_to(m).await? {
                out.push(summary_for(tx, &r, Some(m)).await?);
            }
            out
        }
        _ => Vec::new(),
    };
    Ok(ecabinet_protocol::opinion::OpinionList { opinions })
}

/// `POST /api/opinions` (secretariat): files a draft.
pub async fn create(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(input): ApiJson<OpinionInput>,
) -> AppResult<(StatusCode, Json<ecabinet_protocol::poll::CreatedPoll>)> {
    if !opinion_allows(u.0.role, true, false, true, Cap::Prepare) {
        return Err(AppError::Forbidden);
    }
    let mut tx = s.db.write().await?;
    let draft = checked(&s, &mut tx, input).await?;
    let id = tx.insert_opinion(&draft, u.id()).await?;
    announce(&mut tx, id, Some(u.id())).await?;
    s.commit(tx).await?;
    Ok((
        StatusCode::CREATED,
        Json(ecabinet_protocol::poll::CreatedPoll { id }),
    ))
}

/// `PUT /api/opinions/{id}` (secretariat): edits a draft.
pub async fn update(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<OpinionInput>,
) -> AppResult<StatusCode> {
    let mut tx = s.db.write().await?;
    let row = gates::opinion(&mut tx, &u, id, Cap::Prepare).await?;
    if row.status != PollStatus::Draft {
        return Err(transition(row.status, "edit"));
    }
    let draft = checked(&s, &mut tx, input).await?;
    tx.update_opinion(id, &draft).await?;
    tx.note_opinion_editor(id, u.id()).await?;
    announce(&mut tx, id, Some(u.id())).await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/opinions/{id}/send`: a second secretariat account or the chair approves
/// the draft; its definition (addressees with their keys) is fixed and it goes out.
pub async fn send(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let mut tx = s.db.write().await?;
    let row = gates::opinion(&mut tx, &u, id, Cap::Approve).await?;
    row.status
        .open()
        .map_err(|_| transition(row.status, "send"))?;
    let now = s.clock.now();
    if row.deadline <= now {
        return Err(invalid("deadline", "has passed; set a later one first"));
    }
    let members = tx.addressees(id).await?;
    let mut keys: HashMap<UserId, Vec<KeyId>> = HashMap::new();
    for d in tx.approved_devices().await? {
        if let Some(k) = hex_array::<32>(&d.key_id) {
            keys.entry(d.user_id).or_default().push(KeyId(k));
        }
    }
    let users = tx.users().await?;
    let chair = users
        .iter()
        .find(|x| x.role == Role::Chair && members.contains(&x.id))
        .map(|x| x.id);
    let documents = attached(&mut tx, id).await?;
    let mut def = OpinionDefinition {
        poll_id: id,
        question: row.question.clone(),
        draft_decision: row.draft_decision.clone(),
        documents,
        rule: row.rule,
        non_response: row.non_response,
        chair,
        addressees: members
            .iter()
            .map(|m| Addressee {
                member: *m,
                keys: keys.remove(m).unwrap_or_default(),
            })
            .collect(),
        approved_by: u.id(),
        sent_at: now,
    };
    def.normalize();
    let hash = hex::encode(sha256(&def.canonical_bytes()));
    tx.send_opinion(id, &def, &hash).await?;
    announce(&mut tx, id, Some(u.id())).await?;
    s.commit(tx).await?;
    s.opinion_clock.notify_one();
    tracing::info!(
        opinion = id,
        addressees = members.len(),
        "written poll sent"
    );
    Ok(StatusCode::NO_CONTENT)
}

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

fn stored_leaf(a: &AnswerRow) -> AppResult<Vec<u8>> {
    let bad = || AppError::Internal("stored answer unreadable".into());
    let mut leaf = hex::decode(&a.bytes).map_err(|_| bad())?;
    leaf.extend(hex::decode(&a.signature).map_err(|_| bad())?);
    Ok(leaf)
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

/// `POST /api/opinions/{id}/extend` (secretariat): a later deadline, logged, with notice.
pub async fn extend(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(ext): ApiJson<Extension>,
) -> AppResult<StatusCode> {
    let reason = ext.reason.trim().to_owned();
    if reason.chars().count() > MAX_NOTE_CHARS {
        return Err(invalid(
            "reason",
            format!("at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    let mut tx = s.db.write().await?;
    let row = gates::opinion(&mut tx, &u, id, Cap::Prepare).await?;
    if row.status != PollStatus::Open {
        return Err(transition(row.status, "extend"));
    }
    let now = s.clock.now();
    if row.deadline <= now {
        return Err(refuse(BallotRefusal::Late));
    }
    if ext.deadline <= row.deadline {
        return Err(invalid(
            "deadline",
            "must be later than the current deadline",
        ));
    }
    tx.extend_opinion(id, u.id(), row.deadline, ext.deadline, &reason)
        .await?;
    announce(&mut tx, id, Some(u.id())).await?;
    let message = if reason.is_empty() {
        format!(
            "Thời hạn trả lời được gia hạn đến {}.",
            vn_time(ext.deadline)
        )
    } else {
        format!(
            "Thời hạn trả lời được gia hạn đến {}. Lý do: {reason}",
            vn_time(ext.deadline)
        )
    };
    let row = tx.opinion(id).await?.ok_or(AppError::NotFound)?;
    let members = tx.addressees(id).await?;
    notify(
        &s,
        &mut tx,
        &row,
        &members,
        &message,
        Some(u.id()),
        "Gia hạn",
    )
    .await?;
    s.commit(tx).await?;
    s.mailer.wake();
    s.opinion_clock.notify_one();
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/opinions/{id}/remind` (secretariat): reminds everyone who has not answered.
pub async fn remind(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(r): ApiJson<RemindNow>,
) -> AppResult<Json<Reminded>> {
    let message = r.message.trim().to_owned();
    if message.chars().count() > MAX_NOTE_CHARS {
        return Err(invalid(
            "message",
            format!("at most {MAX_NOTE_CHARS} characters"),
        ));
    }
    let mut tx = s.db.write().await?;
    let row = gates::opinion(&mut tx, &u, id, Cap::Prepare).await?;
    if row.status != PollStatus::Open || row.deadline <= s.clock.now() {
        return Err(transition(PollStatus::Closed, "remind about"));
    }
    let now = s.clock.now();
    let recipients = remind_in(&s, &mut tx, &row, now, true, &message, Some(u.id())).await?;
    s.commit(tx).await?;
    s.mailer.wake();
    Ok(Json(Reminded { recipients }))
}

/// Members asked who have no answer yet.
async fn silent(tx: &mut Tx, id: i64) -> AppResult<Vec<UserId>> {
    let answered: std::collections::HashSet<UserId> =
        tx.answers(id).await?.iter().map(|a| a.member_id).collect();
    Ok(tx
        .addressees(id)
        .await?
        .into_iter()
        .filter(|m| !answered.contains(m))
        .collect())
}

/// Records a reminder (once per poll and due time) and reminds the silent members.
/// Returns how many were reminded (0 if this reminder was sent before).
async fn remind_in(
    s: &AppState,
    tx: &mut Tx,
    row: &OpinionRow,
    due_at: i64,
    manual: bool,
    message: &str,
    by: Option<UserId>,
) -> AppResult<u32> {
    let members = silent(tx, row.id).await?;
    let n = u32::try_from(members.len()).unwrap_or(u32::MAX);
    if !tx
        .record_reminder(row.id, due_at, manual, message, n, by)
        .await?
    {
        return Ok(0);
    }
    let text = if message.is_empty() {
        format!(
            "Đề nghị đồng chí trả lời phiếu lấy ý kiến trước {}.",
            vn_time(row.deadline)
        )
    } else {
        message.to_owned()
    };
    notify(s, tx, row, &members, &text, by, "Nhắc trả lời").await?;
    Ok(n)
}

/// In-app notice on each member's list and, when mail is set up, an e-mail (copied to
/// their advisory staff if the poll says so), both in this transaction.
async fn notify(
    s: &AppState,
    tx: &mut Tx,
    row: &OpinionRow,
    members: &[UserId],
    message: &str,
    by: Option<UserId>,
    subject_prefix: &str,
) -> AppResult<()> {
    for m in members {
        tx.append(
            Topic::OpinionsOf(*m),
            EventBody::OpinionReminder {
                id: row.id,
                deadline: row.deadline,
                message: message.to_owned(),
            },
            by,
        )
        .await?;
    }
    if !s.mailer.enabled() {
        return Ok(());
    }
    let link = format!("{}/opinions/{}", s.public_url.trim_end_matches('/'), row.id);
    for c in tx.contacts(members).await? {
        if c.email.is_empty() {
            continue;
        }
        let cc = if row.copy_staff {
            c.staff_email.as_str()
        } else {
            ""
        };
        let subject = format!("[ecabinet] {subject_prefix}: {}", row.question);
        let body = format!(
            "Kính gửi đồng chí {},\n\n{message}\n\nNội dung xin ý kiến: {}\nThời hạn: {}\n\nTrả lời tại: {link}\n",
            c.display_name,
            row.question,
            vn_time(row.deadline),
        );
        tx.enqueue_mail(&c.email, cc, &subject, &body).await?;
    }
    Ok(())
}

/// Closes a poll whose deadline has passed, counting it. Closing is a checked
/// transition under the poll's lock: two nodes, or a restart in the deadline minute,
/// close it once.
pub async fn close_due(s: &AppState, id: i64) -> AppResult<bool> {
    let mut tx = s.db.write().await?;
    let row = tx.opinion(id).await?.ok_or(AppError::NotFound)?;
    let now = s.clock.now();
    if row.status != PollStatus::Open || row.deadline > now {
        return Ok(false);
    }
    let def = row
        .definition
        .clone()
        .ok_or_else(|| AppError::Internal("open written poll without definition".into()))?;
    let stored = tx.answers(id).await?;
    let mut log = PollLog::new();
    for a in &stored {
        log.append(stored_leaf(a)?);
    }
    let counted: Vec<(UserId, Answer)> = last_answers(&stored)
        .into_iter()
        .map(|(m, a)| (m, a.answer))
        .collect();
    let result = opinion::tally(&def, &counted)?;
    let head = log.head();
    let record = OpinionResultRecord {
        poll_id: id,
        definition_hash: sha256(&def.canonical_bytes()),
        tree_size: head.size,
        tree_root: head.root,
        deadline: row.deadline,
        closed_at: now,
        result,
    };
    let signature = hex::encode(server_sign(&s.server_key, &record.canonical_bytes()));
    if !tx.close_opinion(id, &record, &signature).await? {
        return Ok(false);
    }
    announce(&mut tx, id, None).await?;
    s.commit(tx).await?;
    tracing::info!(opinion = id, outcome = ?record.result.outcome, "written poll closed at its deadline");
    Ok(true)
}

/// The task that closes polls at their deadline and sends scheduled reminders. Both are
/// read from the database each round, so a restart loses neither.
pub async fn run_clock(s: AppState) {
    loop {
        let next = match clock_round(&s).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = %e, "written-poll clock could not run");
                Some(s.clock.now() + 5_000)
            }
        };
        tokio::select! {
            _ = s.clock.sleep_until(next, Duration::from_secs(30)) => {}
            _ = s.opinion_clock.notified() => {}
        }
    }
}

/// One round: closes what is due, sends due reminders; returns the next time to look.
async fn clock_round(s: &AppState) -> AppResult<Option<i64>> {
    let now = s.clock.now();
    let (due, open) = {
        let mut tx = s.db.read().await?;
        (tx.opinions_due(now).await?, tx.open_opinions().await?)
    };
    for id in due {
        close_due(s, id).await?;
    }
    let mut next: Option<i64> = None;
    let mut mailed = false;
    for row in open.iter().filter(|r| r.deadline > now) {
        let sent_at = row.sent_at.unwrap_or(row.deadline);
        let times = opinion::reminder_times(row.deadline, sent_at, &row.reminders);
        let done = {
            let mut tx = s.db.read().await?;
            tx.scheduled_reminders_sent(row.id).await?
        };
        for t in times.iter().copied().filter(|t| !done.contains(t)) {
            if t <= now {
                let mut tx = s.db.write().await?;
                // Read again under the lock: it may have closed or moved meanwhile.
                let Some(fresh) = tx.opinion(row.id).await? else {
                    continue;
                };
                if fresh.status == PollStatus::Open && fresh.deadline == row.deadline {
                    remind_in(s, &mut tx, &fresh, t, false, "", None).await?;
                    s.commit(tx).await?;
                    mailed = true;
                }
            } else {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        next = Some(next.map_or(row.deadline, |n| n.min(row.deadline)));
    }
    if mailed {
        s.mailer.wake();
    }
    Ok(next)
}

/// The report's lines and count: final once closed, provisional before.
async fn report_of(tx: &mut Tx, row: &OpinionRow) -> AppResult<OpinionReport> {
    let members = tx.addressees(row.id).await?;
    let stored = tx.answers(row.id).await?;
    let last = last_answers(&stored);
    let contacts: HashMap<UserId, Contact> = tx
        .contacts(&members)
        .await?
        .into_iter()
        .map(|c| (c.user_id, c))
        .collect();
    let lines = members
        .iter()
        .map(|m| {
            let c = contacts.get(m);
            let a = last.get(m);
            ReportLine {
                user_id: *m,
                display_name: c.map(|c| c.display_name.clone()).unwrap_or_default(),
                title: c.map(|c| c.title.clone()).unwrap_or_default(),
                answer: a.map(|a| a.answer),
                text: a.map(|a| a.text.clone()).unwrap_or_default(),
                answered_at: a.map(|a| a.received_at),
            }
        })
        .collect();
    let result = match (&row.result, &row.definition) {
        (Some(r), _) => r.result.clone(),
        (None, Some(def)) => {
            let counted: Vec<(UserId, Answer)> = last.iter().map(|(m, a)| (*m, a.answer)).collect();
            opinion::tally(def, &counted)?
        }
        (None, None) => opinion::OpinionResult {
            agree: 0,
            disagree: 0,
            other: 0,
            not_answered: u32::try_from(members.len()).unwrap_or(u32::MAX),
            in_favour: 0,
            against: 0,
            base: 0,
            outcome: ecabinet_domain::vote::Outcome::Failed,
        },
    };
    Ok(OpinionReport {
        summary: summary_for(tx, row, None).await?,
        result,
        lines,
    })
}

async fn load_report(s: &AppState, u: &CurrentUser, id: i64) -> AppResult<OpinionReport> {
    let mut tx = s.db.read().await?;
    let row = tx.opinion_for_read(id).await?.ok_or(AppError::NotFound)?;
    gates::opinion_check(&mut tx, u, &row, Cap::Report).await?;
    report_of(&mut tx, &row).await
}

/// `GET /api/opinions/{id}/report` (secretariat and chair).
pub async fn report(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<OpinionReport>> {
    Ok(Json(load_report(&s, &u, id).await?))
}

fn download(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// `GET /api/opinions/{id}/report.xlsx`.
pub async fn report_xlsx(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let r = load_report(&s, &u, id).await?;
    let bytes =
        crate::opinions::report::xlsx(&r).map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
    Ok(download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        format!("tong-hop-y-kien-{id}.xlsx"),
        bytes,
    ))
}

/// `GET /api/opinions/{id}/report.pdf`.
pub async fn report_pdf(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Response> {
    let r = load_report(&s, &u, id).await?;
    let font = s
        .report_font
        .clone()
        .ok_or_else(|| AppError::Internal("no report font configured".into()))?;
    let bytes = tokio::task::spawn_blocking(move || crate::opinions::report::pdf(&r, &font))
        .await
        .map_err(|e| AppError::Internal(format!("pdf task: {e}")))?
        .map_err(|e| AppError::Internal(format!("pdf: {e}")))?;
    Ok(download(
        "application/pdf",
        format!("tong-hop-y-kien-{id}.pdf"),
        bytes,
    ))
}

/// `GET /api/opinions/{id}/archive`: the bundle of a closed poll, for `ecabinet verify`.
/// It names every answer and its text, like the report: the same readers (the chair and
/// the secretariat, `Cap::Report`); an addressee checks their own answer by its receipt
/// and the signed result (docs/archive-format.md §7).
pub async fn archive(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<OpinionBundle>> {
    let mut tx = s.db.read().await?;
    let row = tx.opinion_for_read(id).await?.ok_or(AppError::NotFound)?;
    gates::opinion_check(&mut tx, &u, &row, Cap::Report).await?;
    let (Some(definition), Some(result), Some(sig)) =
        (row.definition, row.result, row.result_signature)
    else {
        return Err(transition(row.status, "export"));
    };
    let bad = || AppError::Internal(format!("stored answer of poll {id} unreadable"));
    let answers = tx
        .answers(id)
        .await?
        .iter()
        .map(|a| {
            Ok(AnswerRecord {
                index: a.leaf_index,
                ballot: hex::decode(&a.bytes).map_err(|_| bad())?,
                signature: hex_array(&a.signature).ok_or_else(bad)?,
                text: a.text.clone(),
                tree_root: hex_array(&a.tree_root).ok_or_else(bad)?,
                receipt_signature: hex_array(&a.receipt_signature).ok_or_else(bad)?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let wanted: std::collections::HashSet<KeyId> = definition
        .addressees
        .iter()
        .flat_map(|a| a.keys.iter().copied())
        .collect();
    let mut devices = Vec::new();
    for d in tx.all_devices().await? {
        let Some(k) = hex_array::<32>(&d.key_id) else {
            continue;
        };
        if !wanted.contains(&KeyId(k)) {
            continue;
        }
        devices.push(DeviceRecord {
            device_id: d.id,
            member_id: d.user_id,
            label: d.label,
            public_key: hex_array(&d.public_key)
                .ok_or_else(|| AppError::Internal("stored key".into()))?,
            key_id: KeyId(k),
            status: d.status.as_str().into(),
            registered_at: d.created_at,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
        });
    }
    let members: Vec<UserId> = definition.addressees.iter().map(|a| a.member).collect();
    let members = tx
        .contacts(&members)
        .await?
        .into_iter()
        .map(|c| MemberRecord {
            id: c.user_id,
            name: c.display_name,
            title: c.title,
        })
        .collect();
    Ok(Json(OpinionBundle {
        format: ecabinet_archive::opinion::FORMAT_V1.into(),
        exported_at: tx.now(),
        server_key: *s.server_key.verifying_key().as_bytes(),
        members,
        devices,
        opinions: vec![OpinionRecord {
            definition_hash: sha256(&definition.canonical_bytes()),
            definition,
            answers,
            result,
            result_signature: hex_array(&sig).ok_or_else(bad)?,
        }],
    }))
}

/// The routes of written opinion polls, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/opinions", get(list).post(create))
        .route("/opinions/{id}", get(show).put(update))
        .route("/opinions/{id}/send", post(send))
        .route("/opinions/{id}/answers", post(answer))
        .route("/opinions/{id}/extend", post(extend))
        .route("/opinions/{id}/remind", post(remind))
        .route("/opinions/{id}/report", get(report))
        .route("/opinions/{id}/report.xlsx", get(report_xlsx))
        .route("/opinions/{id}/report.pdf", get(report_pdf))
        .route("/opinions/{id}/archive", get(archive))
}
