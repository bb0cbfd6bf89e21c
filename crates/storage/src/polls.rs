//! Polls, their accepted ballots in log order, and the server's signing key.

use crate::{Engine, Result, Tx, corrupt};
use ecabinet_domain::poll::{BallotForm, PollDefinition, PollStatus, ResultRecord};
use ecabinet_domain::vote::DecisionRule;
use ecabinet_domain::{AgendaItemId, MeetingId, UserId};
use ecabinet_protocol::PollSummary;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A poll as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollRow {
    /// Poll id.
    pub id: i64,
    /// Its meeting.
    pub meeting_id: MeetingId,
    /// The agenda item it decides.
    pub item_id: Option<AgendaItemId>,
    /// The question.
    pub question: String,
    /// The ballot form.
    pub form: BallotForm,
    /// The rule.
    pub rule: DecisionRule,
    /// Draft, open or closed.
    pub status: PollStatus,
    /// Seconds it stays open, if timed.
    pub duration_seconds: Option<u32>,
    /// Fixed at opening.
    pub definition: Option<PollDefinition>,
    /// SHA-256 of the definition's canonical bytes, hex.
    pub definition_hash: Option<String>,
    /// When it opened, Unix ms.
    pub opened_at: Option<i64>,
    /// When it closes by itself.
    pub closes_at: Option<i64>,
    /// Accepted ballots (leaves of its log).
    pub leaf_count: u64,
    /// The signed result, once closed.
    pub result: Option<ResultRecord>,
    /// The server's signature over the result's canonical bytes, hex.
    pub result_signature: Option<String>,
}

impl PollRow {
    /// The summary shown to participants, with `voted` members so far.
    pub fn summary(&self, voted: u32) -> PollSummary {
        PollSummary {
            id: self.id,
            meeting_id: self.meeting_id,
            item_id: self.item_id,
            question: self.question.clone(),
            form: self.form.clone(),
            rule: self.rule,
            status: self.status,
            eligible: self
                .definition
                .as_ref()
                .map_or(0, |d| u32::try_from(d.voters.len()).unwrap_or(u32::MAX)),
            voted,
            duration_seconds: self.duration_seconds,
            closes_at: self.closes_at,
            result: self.result.as_ref().map(|r| r.result.clone()),
        }
    }
}

/// What the secretariat or chair prepares before a poll opens (already validated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollDraft {
    /// The agenda item it decides.
    pub item: Option<AgendaItemId>,
    /// The question.
    pub question: String,
    /// The ballot form.
    pub form: BallotForm,
    /// The rule.
    pub rule: DecisionRule,
    /// Seconds it stays open, if timed.
    pub duration_seconds: Option<u32>,
}

/// A stored ballot with the receipt it was acknowledged with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BallotRow {
    /// Position in the poll's log.
    pub leaf_index: u64,
    /// The member it counts for.
    pub member_id: UserId,
    /// The device that signed it.
    pub device_id: i64,
    /// Canonical ballot bytes, hex.
    pub bytes: String,
    /// Device signature, hex.
    pub signature: String,
    /// RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
    /// Log root right after this ballot, hex.
    pub tree_root: String,
    /// Server signature over the receipt, hex.
    pub receipt_signature: String,
}

/// A new ballot to store.
pub struct NewBallot {
    /// Poll id.
    pub poll_id: i64,
    /// Position in the log.
    pub leaf_index: u64,
    /// The member.
    pub member_id: UserId,
    /// The signing device.
    pub device_id: i64,
    /// Canonical bytes, hex.
    pub bytes: String,
    /// Signature, hex.
    pub signature: String,
    /// Leaf hash, hex.
    pub leaf_hash: String,
    /// Root after it, hex.
    pub tree_root: String,
    /// Receipt signature, hex.
    pub receipt_signature: String,
}

macro_rules! select_poll {
    ($tail:literal) => {
        concat!(
            "select poll_id, meeting_id, item_id, question, form, rule, status, duration_seconds, \
             definition, definition_hash, opened_at, closes_at, leaf_count, result, result_signature \
             from poll ",
            $tail
        )
    };
}

fn json<T: DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("poll {what}: {e}")))
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| corrupt(format!("encoding: {e}")))
}

fn poll_row(r: &AnyRow) -> Result<PollRow> {
    let status: String = r.try_get(6)?;
    Ok(PollRow {
        id: r.try_get(0)?,
        meeting_id: MeetingId(r.try_get(1)?),
        item_id: r.try_get::<Option<i64>, _>(2)?.map(AgendaItemId),
        question: r.try_get(3)?,
        form: json("form", &r.try_get::<String, _>(4)?)?,
        rule: json("rule", &r.try_get::<String, _>(5)?)?,
        status: PollStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("poll status {status}")))?,
        duration_seconds: r
            .try_get::<Option<i64>, _>(7)?
            .and_then(|d| u32::try_from(d).ok()),
        definition: r
            .try_get::<Option<String>, _>(8)?
            .map(|s| json("definition", &s))
            .transpose()?,
        definition_hash: r.try_get(9)?,
        opened_at: r.try_get(10)?,
        closes_at: r.try_get(11)?,
        leaf_count: u64::try_from(r.try_get::<i64, _>(12)?).map_err(|_| corrupt("leaf count"))?,
        result: r
            .try_get::<Option<String>, _>(13)?
            .map(|s| json("result", &s))
            .transpose()?,
        result_signature: r.try_get(14)?,
    })
}

fn ballot_row(r: &AnyRow) -> Result<BallotRow> {
    Ok(BallotRow {
        leaf_index: u64::try_from(r.try_get::<i64, _>(0)?).map_err(|_| corrupt("leaf index"))?,
        member_id: UserId(r.try_get(1)?),
        device_id: r.try_get(2)?,
        bytes: r.try_get(3)?,
        signature: r.try_get(4)?,
        leaf_hash: r.try_get(5)?,
        tree_root: r.try_get(6)?,
        receipt_signature: r.try_get(7)?,
    })
}

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Tx {
    /// Prepares a draft poll; returns its id.
    pub async fn insert_poll(
        &mut self,
        meeting: MeetingId,
        draft: &PollDraft,
        by: UserId,
    ) -> Result<i64> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into poll (meeting_id, item_id, question, form, rule, status, duration_seconds, \
             created_by, created_at) values ($1, $2, $3, $4, $5, 'draft', $6, $7, $8) returning poll_id",
        )
        .bind(meeting.0)
        .bind(draft.item.map(|i| i.0))
        .bind(&draft.question)
        .bind(to_json(&draft.form)?)
        .bind(to_json(&draft.rule)?)
        .bind(draft.duration_seconds.map(i64::from))
        .bind(by.0)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(id)
    }

    /// One poll, locked for a command on PostgreSQL (SQLite's write lock covers it).
    pub async fn poll(&mut self, id: i64) -> Result<Option<PollRow>> {
        let sql = match self.engine {
            Engine::Sqlite => select_poll!("where poll_id = $1"),
            Engine::Postgres => select_poll!("where poll_id = $1 for update"),
        };
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(poll_row).transpose()
    }

    /// One poll, for reading.
    pub async fn poll_for_read(&mut self, id: i64) -> Result<Option<PollRow>> {
        let row = sqlx::query(select_poll!("where poll_id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(poll_row).transpose()
    }

    /// The polls of a meeting, oldest first.
    pub async fn polls_of(&mut self, meeting: MeetingId) -> Result<Vec<PollRow>> {
        let rows = sqlx::query(select_poll!("where meeting_id = $1 order by poll_id"))
            .bind(meeting.0)
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(poll_row).collect()
    }

    /// Summaries of a meeting's polls, with how many have voted in each.
    pub async fn poll_summaries(&mut self, meeting: MeetingId) -> Result<Vec<PollSummary>> {
        let mut out = Vec::new();
        for p in self.polls_of(meeting).await? {
            let voted = self.voted_count(p.id).await?;
            out.push(p.summary(voted));
        }
        Ok(out)
    }

    /// Edits a draft.
    pub async fn update_poll(&mut self, id: i64, draft: &PollDraft) -> Result<()> {
        sqlx::query(
            "update poll set item_id = $2, question = $3, form = $4, rule = $5, duration_seconds = $6 \
             where poll_id = $1",
        )
        .bind(id)
        .bind(draft.item.map(|i| i.0))
        .bind(&draft.question)
        .bind(to_json(&draft.form)?)
        .bind(to_json(&draft.rule)?)
        .bind(draft.duration_seconds.map(i64::from))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Opens a poll with its definition fixed.
    pub async fn open_poll(
        &mut self,
        id: i64,
        definition: &PollDefinition,
        hash_hex: &str,
        closes_at: Option<i64>,
    ) -> Result<()> {
        sqlx::query(
            "update poll set status = 'open', definition = $2, definition_hash = $3, opened_at = $4, \
             closes_at = $5 where poll_id = $1",
        )
        .bind(id)
        .bind(to_json(definition)?)
        .bind(hash_hex)
        .bind(definition.opened_at)
        .bind(closes_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Closes a poll with its signed result.
    pub async fn close_poll(
        &mut self,
        id: i64,
        result: &ResultRecord,
        signature_hex: &str,
    ) -> Result<()> {
        sqlx::query(
            "update poll set status = 'closed', closed_at = $2, result = $3, result_signature = $4 \
             where poll_id = $1",
        )
        .bind(id)
        .bind(result.closed_at)
        .bind(to_json(result)?)
        .bind(signature_hex)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Open polls whose timer has run out by `now`.
    pub async fn polls_due(&mut self, now: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "select poll_id from poll where status = 'open' and closes_at <= $1 order by closes_at",
        )
        .bind(now)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The earliest timer of an open poll.
    pub async fn next_poll_close(&mut self) -> Result<Option<i64>> {
        let row: (Option<i64>,) =
            sqlx::query_as("select min(closes_at) from poll where status = 'open'")
                .fetch_one(self.conn())
                .await?;
        Ok(row.0)
    }

    /// Accepted ballots of a poll in log order.
    pub async fn ballots(&mut self, poll: i64) -> Result<Vec<BallotRow>> {
        let rows = sqlx::query(
            "select leaf_index, member_id, device_id, bytes, signature, leaf_hash, tree_root, \
             receipt_signature from ballot where poll_id = $1 order by leaf_index",
        )
        .bind(poll)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(ballot_row).collect()
    }

    /// A poll's ballots from log position `from` on, in log order (a node catching up
    /// with what another node appended).
    pub async fn ballots_from(&mut self, poll: i64, from: u64) -> Result<Vec<BallotRow>> {
        let rows = sqlx::query(
            "select leaf_index, member_id, device_id, bytes, signature, leaf_hash, tree_root, \
             receipt_signature from ballot where poll_id = $1 and leaf_index >= $2 \
             order by leaf_index",
        )
        .bind(poll)
        .bind(i64::try_from(from).unwrap_or(i64::MAX))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(ballot_row).collect()
    }

    /// One member's ballots in a poll, in log order.
    pub async fn ballots_of(&mut self, poll: i64, member: UserId) -> Result<Vec<BallotRow>> {
        let rows = sqlx::query(
            "select leaf_index, member_id, device_id, bytes, signature, leaf_hash, tree_root, \
             receipt_signature from ballot where poll_id = $1 and member_id = $2 order by leaf_index",
        )
        .bind(poll)
        .bind(member.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(ballot_row).collect()
    }

    /// Members who have voted in a poll.
    pub async fn voted_count(&mut self, poll: i64) -> Result<u32> {
        let (n,): (i64,) =
            sqlx::query_as("select count(distinct member_id) from ballot where poll_id = $1")
                .bind(poll)
                .fetch_one(self.conn())
                .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Members who have voted, ascending.
    pub async fn voters_who_voted(&mut self, poll: i64) -> Result<Vec<UserId>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "select distinct member_id from ballot where poll_id = $1 order by member_id",
        )
        .bind(poll)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(|r| UserId(r.0)).collect())
    }

    /// Stores accepted ballots in log order (then [`Tx::set_leaf_count`] before commit).
    pub async fn insert_ballots(&mut self, rows: &[NewBallot]) -> Result<()> {
        const COLUMNS: usize = 10;
        if rows.is_empty() {
            return Ok(());
        }
        // One statement per batch: on PostgreSQL each statement is a round trip. Numbered
        // placeholders (`$n`) are what both engines accept through the Any driver.
        let mut sql = String::from(
            "insert into ballot (poll_id, leaf_index, member_id, device_id, bytes, signature, \
             leaf_hash, tree_root, receipt_signature, received_at) values ",
        );
        for r in 0..rows.len() {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for c in 1..=COLUMNS {
                if c > 1 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", r * COLUMNS + c));
            }
            sql.push(')');
        }
        let now = self.now();
        // Not kept as a prepared statement: its text varies with the batch size.
        // Only numbered placeholders are formatted into the text, never a value.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for b in rows {
            q = q
                .bind(b.poll_id)
                .bind(i64_of(b.leaf_index))
                .bind(b.member_id.0)
                .bind(b.device_id)
                .bind(b.bytes.as_str())
                .bind(b.signature.as_str())
                .bind(b.leaf_hash.as_str())
                .bind(b.tree_root.as_str())
                .bind(b.receipt_signature.as_str())
                .bind(now);
        }
        q.execute(self.conn()).await?;
        Ok(())
    }

    /// Records how many ballots the poll's log holds (once per batch of inserts).
    pub async fn set_leaf_count(&mut self, poll: i64, leaves: u64) -> Result<()> {
        sqlx::query("update poll set leaf_count = $2 where poll_id = $1")
            .bind(poll)
            .bind(i64_of(leaves))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// A value of the `meta` table.
    pub async fn meta(&mut self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> = sqlx::query_as("select value from meta where key = $1")
            .bind(key)
            .fetch_optional(self.conn())
            .await?;
        Ok(row.map(|r| r.0))
    }

    /// Sets a `meta` value unless one is there already; returns the value that is.
    pub async fn meta_or_insert(&mut self, key: &str, value: &str) -> Result<String> {
        sqlx::query("insert into meta (key, value) values ($1, $2) on conflict (key) do nothing")
            .bind(key)
            .bind(value)
            .execute(self.conn())
            .await?;
        self.meta(key)
            .await?
            .ok_or_else(|| corrupt(format!("meta {key} vanished")))
    }
}
