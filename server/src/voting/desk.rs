//! The ballot desk: one writer task for all ballots and closes. It owns each open vote's
//! in-memory Merkle log and commits ballots that arrive together in one transaction (group
//! commit), so that a burst of hundreds of tablets costs a few fsyncs, not hundreds; every
//! receipt is sent only after its transaction committed. It also closes votes on time.

use crate::platform::error::{AppError, AppResult};
use ecabinet_crypto::log::{PollLog, ballot_leaf, leaf_hash, receipt_bytes, server_sign};
use ecabinet_crypto::{Ballot, SignedBallot, SigningKey, sha256};
use ecabinet_domain::device::Device;
use ecabinet_domain::poll::{self, BallotContext, BallotFacts, KeyId, ResultRecord};
use ecabinet_domain::{DomainError, MeetingId, UserId};
use ecabinet_protocol::poll::Receipt;
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::{BallotRow, Db, NewBallot, PollRow, Tx};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot};

/// Most ballots committed in one transaction.
const MAX_BATCH: usize = 512;

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

    pub(super) async fn cast(
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

    pub(super) async fn close(&self, poll_id: i64, by: Option<UserId>) -> AppResult<()> {
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
    pub(super) async fn cast(
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

    pub(super) async fn close(&mut self, poll_id: i64, by: Option<UserId>) -> AppResult<()> {
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

pub(super) fn stored_leaf(b: &BallotRow) -> AppResult<Vec<u8>> {
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

/// Appends `poll.changed` with the poll's summary as it stands in `tx` (`actor` none for
/// the timer).
pub(super) async fn poll_changed(
    tx: &mut Tx,
    poll_id: i64,
    actor: Option<UserId>,
) -> AppResult<()> {
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
