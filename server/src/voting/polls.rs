//! Votes in a meeting: prepare, open (snapshotting the electorate and its keys), take
//! signed ballots, close (by the chair or a timer), and export the archive bundle.
//!
//! Ballots and closes go through one writer task, the [`BallotDesk`]: it owns each poll's
//! in-memory Merkle log and commits ballots that arrive together in one transaction (group
//! commit), so a burst of hundreds of tablets costs a few fsyncs, not hundreds. Every
//! receipt is sent only after its transaction committed. Signatures are checked before a
//! ballot reaches the desk, in the request's own task, so the desk does only cheap work.

use crate::AppState;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::platform::gates;
use crate::platform::hex_array;
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecabinet_archive::{
    BallotRecord, Bundle, DeviceRecord, FORMAT_V1, MeetingRecord, MemberRecord, PollRecord,
};
use ecabinet_crypto::log::{PollLog, ballot_leaf, leaf_hash, receipt_bytes, server_sign};
use ecabinet_crypto::{Ballot, SignedBallot, SigningKey, sha256};
use ecabinet_domain::access::MeetingCapability as Cap;
use ecabinet_domain::device::Device;
use ecabinet_domain::meeting::MeetingStatus;
use ecabinet_domain::poll::{
    self, BallotContext, BallotFacts, BallotForm, BallotRefusal, KeyId, PollDefinition, PollStatus,
    ResultRecord, Voter, check_question,
};
use ecabinet_domain::{DomainError, MeetingId, UserId};
use ecabinet_protocol::poll::{
    BallotSubmission, CreatedPoll, Pending, PendingMember, PollInput, PollView, Receipt, RulePreset,
};
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::{BallotRow, Db, NewBallot, PollDraft, PollRow, Tx};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot};

/// Most ballots committed in one transaction.
const MAX_BATCH: usize = 512;
/// Shortest and longest timer of a poll.
const DURATION_RANGE: std::ops::RangeInclusive<u32> = 10..=86_400;

/// The server's signing key (receipts, results), created on first start and kept in the
/// database's `meta` table.
pub async fn load_server_key(db: &Db) -> anyhow::Result<SigningKey> {
    let fresh = hex::encode(rand::random::<[u8; 32]>());
    let mut tx = db.write().await?;
    let stored = tx.meta_or_insert("server_signing_key", &fresh).await?;
    tx.commit().await?;
    let seed: [u8; 32] = hex::decode(stored.trim())
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("meta.server_signing_key is not 32 bytes of hex"))?;
    Ok(SigningKey::from_bytes(&seed))
}

struct CastJob {
    poll_id: i64,
    sender: UserId,
    device: Device,
    ballot: Ballot,
    signed: SignedBallot,
    reply: oneshot::Sender<AppResult<Receipt>>,
}

enum Job {
    Cast(Box<CastJob>),
    Close {
        poll_id: i64,
        by: Option<UserId>,
        reply: oneshot::Sender<AppResult<()>>,
    },
}

/// Handle to the writer task that accepts ballots and closes polls.
#[derive(Clone)]
pub struct BallotDesk {
    jobs: mpsc::Sender<Job>,
    /// Wakes the timer when a poll opens with a deadline.
    pub timer: Arc<Notify>,
}

impl BallotDesk {
    /// Starts the writer and the close timer.
    pub fn start(db: Db, hub: crate::platform::hub::Hub, key: Arc<SigningKey>) -> BallotDesk {
        let (jobs, rx) = mpsc::channel(4096);
        let timer = Arc::new(Notify::new());
        let desk = BallotDesk { jobs, timer };
        tokio::spawn(
            Writer {
                db: db.clone(),
                hub,
                key,
                logs: HashMap::new(),
            }
            .run(rx),
        );
        tokio::spawn(close_on_time(db, desk.clone()));
        desk
    }

    async fn cast(
        &self,
        poll_id: i64,
        sender: UserId,
        device: Device,
        ballot: Ballot,
        signed: SignedBallot,
    ) -> AppResult<Receipt> {
        let (reply, rx) = oneshot::channel();
        self.jobs
            .send(Job::Cast(Box::new(CastJob {
                poll_id,
                sender,
                device,
                ballot,
                signed,
                reply,
            })))
            .await
            .map_err(|_| AppError::Internal("ballot desk stopped".into()))?;
        rx.await
            .map_err(|_| AppError::Internal("ballot desk dropped a ballot".into()))?
    }

    async fn close(&self, poll_id: i64, by: Option<UserId>) -> AppResult<()> {
        let (reply, rx) = oneshot::channel();
        self.jobs
            .send(Job::Close { poll_id, by, reply })
            .await
            .map_err(|_| AppError::Internal("ballot desk stopped".into()))?;
        rx.await
            .map_err(|_| AppError::Internal("ballot desk dropped a close".into()))?
    }
}

struct Writer {
    db: Db,
    hub: crate::platform::hub::Hub,
    key: Arc<SigningKey>,
    logs: HashMap<i64, CachedLog>,
}

/// What one batch of ballots shares: the revoked devices among its senders, and the rows
/// it inserts in one statement before commit.
struct Batch {
    revoked: HashSet<i64>,
    rows: Vec<NewBallot>,
}

/// A poll's log with what the admission checks need, kept in step with the stored ballots.
#[derive(Default)]
struct CachedLog {
    log: PollLog,
    /// Members with a ballot in the log.
    members: HashSet<UserId>,
    /// Leaf hashes in the log (a repeat is a replay).
    leaves: HashSet<[u8; 32]>,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let mut batch = Vec::new();
        while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let mut casts = Vec::new();
            for job in batch.drain(..) {
                match job {
                    Job::Cast(c) => casts.push(*c),
                    Job::Close { poll_id, by, reply } => {
                        // Ballots that arrived before the close are committed first.
                        self.commit_casts(std::mem::take(&mut casts)).await;
                        let res = self.close(poll_id, by).await;
                        if res.is_err() {
                            self.logs.remove(&poll_id);
                        }
                        let _ = reply.send(res);
                    }
                }
            }
            self.commit_casts(casts).await;
        }
    }

    async fn commit_casts(&mut self, jobs: Vec<CastJob>) {
        if jobs.is_empty() {
            return;
        }
        let mut tx = match self.db.write().await {
            Ok(tx) => tx,
            Err(e) => {
                let msg = format!("could not start a transaction: {e}");
                for job in jobs {
                    let _ = job.reply.send(Err(AppError::Internal(msg.clone())));
                }
                return;
            }
        };
        let mut answers = Vec::with_capacity(jobs.len());
        let mut touched: BTreeMap<i64, (MeetingId, u32, u32)> = BTreeMap::new();
        let mut polls: HashMap<i64, PollRow> = HashMap::new();
        let mut failed: Option<String> = None;
        // Devices may have been revoked since their handlers looked them up: one query for
        // the batch, inside its transaction.
        let ids: Vec<i64> = jobs.iter().map(|j| j.device.id).collect();
        let mut batch = Batch {
            revoked: match tx.revoked_among(&ids).await {
                Ok(r) => r,
                Err(e) => {
                    failed = Some(e.to_string());
                    HashSet::new()
                }
            },
            rows: Vec::with_capacity(jobs.len()),
        };
        for job in jobs {
            let CastJob {
                poll_id,
                sender,
                device,
                ballot,
                signed,
                reply,
            } = job;
            if failed.is_some() {
                answers.push((reply, Err(AppError::Internal("batch failed".into()))));
                continue;
            }
            match self
                .cast(
                    &mut tx, &mut polls, &mut batch, poll_id, sender, &device, &ballot, &signed,
                )
                .await
            {
                Ok((receipt, meeting, voted, eligible)) => {
                    touched.insert(poll_id, (meeting, voted, eligible));
                    answers.push((reply, Ok(receipt)));
                }
                Err(AppError::Store(e)) => {
                    failed = Some(e.to_string());
                    answers.push((reply, Err(AppError::Internal(e.to_string()))));
                }
                Err(e) => answers.push((reply, Err(e))),
            }
        }
        let mut outcome = match failed {
            Some(e) => Err(e),
            None => Ok(()),
        };
        if outcome.is_ok()
            && let Err(e) = tx.insert_ballots(&batch.rows).await
        {
            outcome = Err(e.to_string());
        }
        if outcome.is_ok() {
            for (&poll_id, &(meeting, voted, eligible)) in &touched {
                let leaves = polls.get(&poll_id).map_or(0, |p| p.leaf_count);
                let progress = async {
                    tx.set_leaf_count(poll_id, leaves).await?;
                    tx.append(
                        Topic::Meeting(meeting),
                        EventBody::PollProgress {
                            poll_id,
                            voted,
                            eligible,
                        },
                        None,
                    )
                    .await
                };
                if let Err(e) = progress.await {
                    outcome = Err(e.to_string());
                    break;
                }
            }
        }
        let committed = match outcome {
            Ok(()) => tx.commit().await.map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match committed {
            Ok(events) => {
                self.hub.publish(events);
                for (reply, res) in answers {
                    let _ = reply.send(res);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "ballot batch failed; nothing of it was stored");
                // The in-memory logs may hold leaves that were never stored.
                for poll_id in polls.keys() {
                    self.logs.remove(poll_id);
                }
                for (reply, res) in answers {
                    let res = res.and(Err(AppError::Internal(format!("ballot batch: {e}"))));
                    let _ = reply.send(res);
                }
            }
        }
    }

    /// Makes the cached log of `poll` match the stored ballots (after a restart, a failed
    /// batch, or another node's writes on PostgreSQL).
    async fn log<'a>(&'a mut self, tx: &mut Tx, poll: &PollRow) -> AppResult<&'a mut CachedLog> {
        let cached = self.logs.get(&poll.id).map(|l| l.log.head().size);
        // Behind (another node appended): read only what is new, since a log only grows.
        if let Some(size) = cached
            && size < poll.leaf_count
        {
            let newer = tx.ballots_from(poll.id, size).await?;
            let consecutive = newer
                .iter()
                .enumerate()
                .all(|(k, b)| b.leaf_index == size + k as u64);
            if consecutive
                && size + newer.len() as u64 == poll.leaf_count
                && let Some(cache) = self.logs.get_mut(&poll.id)
            {
                for b in &newer {
                    let leaf = stored_leaf(b)?;
                    cache.leaves.insert(leaf_hash(&leaf));
                    cache.members.insert(b.member_id);
                    cache.log.append(leaf);
                }
            }
        }
        let stale = self
            .logs
            .get(&poll.id)
            .is_none_or(|l| l.log.head().size != poll.leaf_count);
        if stale {
            let mut cache = CachedLog::default();
            for b in tx.ballots(poll.id).await? {
                let leaf = stored_leaf(&b)?;
                cache.leaves.insert(leaf_hash(&leaf));
                cache.members.insert(b.member_id);
                cache.log.append(leaf);
            }
            self.logs.insert(poll.id, cache);
        }
        self.logs
            .get_mut(&poll.id)
            .ok_or_else(|| AppError::Internal("log cache".into()))
    }

    #[allow(clippy::too_many_arguments)] // one ballot's parts, passed through from the job
    async fn cast(
        &mut self,
        tx: &mut Tx,
        polls: &mut HashMap<i64, PollRow>,
        batch: &mut Batch,
        poll_id: i64,
        sender: UserId,
        device: &Device,
        ballot: &Ballot,
        signed: &SignedBallot,
    ) -> AppResult<(Receipt, MeetingId, u32, u32)> {
        // Each poll is read (and locked) once per batch; its leaf count is kept here.
        let poll = match polls.entry(poll_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(tx.poll(poll_id).await?.ok_or(AppError::NotFound)?)
            }
        };
        let leaf = ballot_leaf(signed);
        let lh = leaf_hash(&leaf);
        let lh_hex = hex::encode(lh);
        let definition_hash = poll
            .definition_hash
            .as_deref()
            .and_then(|h| hex::decode(h).ok())
            .and_then(|v| <[u8; 32]>::try_from(v).ok())
            .unwrap_or([0; 32]);
        let key = Arc::clone(&self.key);
        let cache = self.log(tx, poll).await?;
        let ctx = BallotContext {
            status: poll.status,
            definition: poll.definition.as_ref(),
            definition_hash,
            sender,
            key_revoked: batch.revoked.contains(&device.id),
            has_voted: cache.members.contains(&sender),
            duplicate: cache.leaves.contains(&lh),
        };
        let member = UserId(i64::try_from(ballot.member_id).unwrap_or(-1));
        poll::admit(
            &ctx,
            &BallotFacts {
                poll_hash: ballot.poll_hash,
                member,
                key_id: KeyId(ballot.key_id),
                choices: &ballot.choices,
            },
        )
        .map_err(DomainError::from)?;
        let eligible = poll
            .definition
            .as_ref()
            .map_or(0, |d| u32::try_from(d.voters.len()).unwrap_or(u32::MAX));
        let index = cache.log.append(leaf);
        cache.members.insert(member);
        cache.leaves.insert(lh);
        poll.leaf_count = index + 1;
        let head = cache.log.head();
        let inclusion = cache.log.prove_inclusion(index).unwrap_or_default();
        let voted = u32::try_from(cache.members.len()).unwrap_or(u32::MAX);
        let pid = u64::try_from(poll_id).unwrap_or(0);
        let signature = server_sign(&key, &receipt_bytes(pid, index, &lh, &head));
        let receipt = Receipt {
            poll_id,
            index,
            leaf_hash: lh_hex.clone(),
            tree_size: head.size,
            tree_root: hex::encode(head.root),
            signature: hex::encode(signature),
            inclusion: inclusion.iter().map(hex::encode).collect(),
        };
        batch.rows.push(NewBallot {
            poll_id,
            leaf_index: index,
            member_id: member,
            device_id: device.id,
            bytes: hex::encode(&signed.bytes),
            signature: hex::encode(signed.signature),
            leaf_hash: lh_hex,
            tree_root: receipt.tree_root.clone(),
            receipt_signature: receipt.signature.clone(),
        });
        Ok((receipt, poll.meeting_id, voted, eligible))
    }

    async fn close(&mut self, poll_id: i64, by: Option<UserId>) -> AppResult<()> {
        let mut tx = self.db.write().await?;
        let poll = tx.poll(poll_id).await?.ok_or(AppError::NotFound)?;
        poll.status.close()?;
        let def = poll
            .definition
            .clone()
            .ok_or_else(|| AppError::Internal("open poll without definition".into()))?;
        let stored = tx.ballots(poll_id).await?;
        let mut in_order = Vec::with_capacity(stored.len());
        for b in &stored {
            let bytes = hex::decode(&b.bytes).map_err(|_| AppError::Internal("ballot".into()))?;
            let ballot =
                Ballot::from_bytes(&bytes).map_err(|e| AppError::Internal(e.to_string()))?;
            in_order.push((b.member_id, ballot.choices));
        }
        let counted = poll::counted(&def.rule, in_order.iter().map(|(m, c)| (*m, c.as_slice())));
        let result = poll::tally(&def, &counted)?;
        let head = self.log(&mut tx, &poll).await?.log.head();
        let record = ResultRecord {
            poll_id,
            definition_hash: sha256(&def.canonical_bytes()),
            tree_size: head.size,
            tree_root: head.root,
            closed_at: tx.now(),
            result,
        };
        let signature = hex::encode(server_sign(&self.key, &record.canonical_bytes()));
        tx.close_poll(poll_id, &record, &signature).await?;
        poll_changed(&mut tx, poll_id, by).await?;
        let events = tx.commit().await?;
        self.hub.publish(events);
        tracing::info!(poll = poll_id, outcome = ?record.result.outcome, timer = by.is_none(), "poll closed");
        Ok(())
    }
}

fn stored_leaf(b: &BallotRow) -> AppResult<Vec<u8>> {
    let mut leaf = hex::decode(&b.bytes).map_err(|_| AppError::Internal("ballot hex".into()))?;
    leaf.extend(hex::decode(&b.signature).map_err(|_| AppError::Internal("ballot hex".into()))?);
    Ok(leaf)
}

/// Closes polls whose timer ran out; survives restarts because deadlines are stored, and
/// never closes twice because closing is a checked transition under the poll's lock.
async fn close_on_time(db: Db, desk: BallotDesk) {
    loop {
        let next = async {
            let mut tx = db.read().await?;
            let due = tx.polls_due(ecabinet_storage::now_ms()).await?;
            let next = tx.next_poll_close().await?;
            Ok::<_, ecabinet_storage::StoreError>((due, next))
        };
        let wait = match next.await {
            Ok((due, next)) => {
                for poll_id in due {
                    if let Err(e) = desk.close(poll_id, None).await
                        && !matches!(e, AppError::Domain(DomainError::InvalidTransition { .. }))
                    {
                        tracing::warn!(poll = poll_id, error = %e, "timer could not close a poll");
                    }
                }
                next.map_or(30_000, |t| {
                    (t - ecabinet_storage::now_ms()).clamp(50, 30_000)
                })
            }
            Err(e) => {
                tracing::warn!(error = %e, "poll timer could not read the database");
                5_000
            }
        };
        let wait = std::time::Duration::from_millis(u64::try_from(wait).unwrap_or(1000));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = desk.timer.notified() => {}
        }
    }
}

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

/// Appends `poll.changed` with the poll's summary as it stands in `tx` (`actor` none for
/// the timer).
async fn poll_changed(tx: &mut Tx, poll_id: i64, actor: Option<UserId>) -> AppResult<()> {
    let p = tx.poll(poll_id).await?.ok_or(AppError::NotFound)?;
    let voted = tx.voted_count(poll_id).await?;
    tx.append(
        Topic::Meeting(p.meeting_id),
        EventBody::PollChanged {
            poll: p.summary(voted),
        },
        actor,
    )
    .await?;
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
    // Seated as a member is not enough: an invitee's account never votes, even one seated
    // as a member before seats were checked.
    let may_vote: HashSet<UserId> = tx
        .users()
        .await?
        .into_iter()
        .filter(|u| u.role.may_vote())
        .map(|u| u.id)
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
            .filter(|p| p.role.counts_for_quorum() && may_vote.contains(&p.user_id))
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

/// `GET /api/meetings/{id}/archive`: the bundle of the meeting's closed polls.
pub async fn meeting_archive(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Bundle>> {
    let mut tx = s.db.read().await?;
    let meeting = gates::meeting_read(&mut tx, &u, MeetingId(id), Cap::View).await?;
    let polls = tx.polls_of(MeetingId(id)).await?;
    Ok(Json(bundle(&s, &mut tx, &meeting.info, polls).await?))
}

/// `GET /api/polls/{id}/archive`: the bundle of one closed poll.
pub async fn poll_archive(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Bundle>> {
    let mut tx = s.db.read().await?;
    let poll = tx.poll_for_read(id).await?.ok_or(AppError::NotFound)?;
    let meeting = gates::meeting_read(&mut tx, &u, poll.meeting_id, Cap::View).await?;
    if poll.status != PollStatus::Closed {
        return Err(DomainError::InvalidTransition {
            subject: "vote",
            from: poll.status.as_str(),
            action: "export",
        }
        .into());
    }
    Ok(Json(bundle(&s, &mut tx, &meeting.info, vec![poll]).await?))
}

async fn bundle(
    s: &AppState,
    tx: &mut Tx,
    meeting: &ecabinet_protocol::MeetingInfo,
    polls: Vec<PollRow>,
) -> AppResult<Bundle> {
    let mut records = Vec::new();
    let mut wanted_keys: HashSet<String> = HashSet::new();
    let mut members: HashSet<UserId> = HashSet::new();
    for p in polls.into_iter().filter(|p| p.status == PollStatus::Closed) {
        let (Some(definition), Some(result), Some(sig)) =
            (p.definition, p.result, p.result_signature)
        else {
            return Err(AppError::Internal(format!(
                "closed poll {} incomplete",
                p.id
            )));
        };
        for v in &definition.voters {
            members.insert(v.member);
            wanted_keys.extend(v.keys.iter().map(|k| hex::encode(k.0)));
        }
        let bad = || AppError::Internal(format!("stored ballot of poll {} unreadable", p.id));
        let ballots = tx
            .ballots(p.id)
            .await?
            .iter()
            .map(|b| {
                Ok(BallotRecord {
                    index: b.leaf_index,
                    ballot: hex::decode(&b.bytes).map_err(|_| bad())?,
                    signature: hex_array(&b.signature).ok_or_else(bad)?,
                    tree_root: hex_array(&b.tree_root).ok_or_else(bad)?,
                    receipt_signature: hex_array(&b.receipt_signature).ok_or_else(bad)?,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        records.push(PollRecord {
            definition_hash: sha256(&definition.canonical_bytes()),
            definition,
            ballots,
            result,
            result_signature: hex_array(&sig).ok_or_else(bad)?,
        });
    }
    let mut devices = Vec::new();
    for d in tx.all_devices().await? {
        if !wanted_keys.contains(&d.key_id) {
            continue;
        }
        devices.push(DeviceRecord {
            device_id: d.id,
            member_id: d.user_id,
            label: d.label,
            public_key: hex_array(&d.public_key)
                .ok_or_else(|| AppError::Internal("stored key".into()))?,
            key_id: KeyId(hex_array(&d.key_id).ok_or_else(|| AppError::Internal("key id".into()))?),
            status: d.status.as_str().into(),
            registered_at: d.created_at,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
        });
    }
    let mut member_records: Vec<MemberRecord> = tx
        .participants(meeting.id)
        .await?
        .into_iter()
        .filter(|p| members.contains(&p.user_id))
        .map(|p| MemberRecord {
            id: p.user_id,
            name: p.display_name,
            title: p.title,
        })
        .collect();
    member_records.sort_by_key(|m| m.id);
    Ok(Bundle {
        format: FORMAT_V1.into(),
        exported_at: tx.now(),
        server_key: *s.server_key.verifying_key().as_bytes(),
        meeting: MeetingRecord {
            id: meeting.id,
            title: meeting.details.title.clone(),
        },
        members: member_records,
        devices,
        polls: records,
    })
}
