//! Written opinion polls, their addressees, signed answers in log order, deadline changes,
//! reminders sent, and the outgoing mail queue.

use crate::{Engine, Result, Tx, corrupt};
use ecabinet_domain::UserId;
use ecabinet_domain::opinion::{Answer, NonResponse, OpinionDefinition, OpinionResultRecord};
use ecabinet_domain::poll::PollStatus;
use ecabinet_domain::vote::DecisionRule;
use ecabinet_protocol::opinion::{DeadlineChange, OpinionSummary};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A written poll as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpinionRow {
    /// Poll id.
    pub id: i64,
    /// The question.
    pub question: String,
    /// The draft decision.
    pub draft_decision: String,
    /// The rule.
    pub rule: DecisionRule,
    /// How a missing answer counts.
    pub non_response: NonResponse,
    /// Draft, open or closed.
    pub status: PollStatus,
    /// When answers stop, Unix ms.
    pub deadline: i64,
    /// Reminders, minutes before the deadline.
    pub reminders: Vec<u32>,
    /// Copy e-mail reminders to advisory staff.
    pub copy_staff: bool,
    /// Fixed when sent.
    pub definition: Option<OpinionDefinition>,
    /// SHA-256 of its canonical bytes, hex.
    pub definition_hash: Option<String>,
    /// Who approved sending it.
    pub approved_by: Option<UserId>,
    /// When it was sent.
    pub sent_at: Option<i64>,
    /// Accepted answers (leaves of its log).
    pub leaf_count: u64,
    /// The signed result, once closed.
    pub result: Option<OpinionResultRecord>,
    /// The server's signature over it, hex.
    pub result_signature: Option<String>,
    /// Who drafted it.
    pub created_by: UserId,
}

impl OpinionRow {
    /// The summary, given the counts.
    pub fn summary(&self, addressees: u32, answered: u32, mine: Option<Answer>) -> OpinionSummary {
        OpinionSummary {
            id: self.id,
            question: self.question.clone(),
            status: self.status,
            deadline: self.deadline,
            addressees,
            answered,
            non_response: self.non_response,
            created_by: self.created_by,
            approved_by: self.approved_by,
            sent_at: self.sent_at,
            result: self.result.as_ref().map(|r| r.result.clone()),
            my_answer: mine,
        }
    }
}

/// A draft as the secretariat prepares it (already validated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpinionDraft {
    /// The question.
    pub question: String,
    /// The draft decision.
    pub draft_decision: String,
    /// The rule.
    pub rule: DecisionRule,
    /// How a missing answer counts.
    pub non_response: NonResponse,
    /// When answers stop.
    pub deadline: i64,
    /// Reminders, minutes before the deadline.
    pub reminders: Vec<u32>,
    /// Copy reminders to advisory staff.
    pub copy_staff: bool,
    /// Members asked.
    pub addressees: Vec<UserId>,
}

/// A stored answer with its receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerRow {
    /// Position in the poll's log.
    pub leaf_index: u64,
    /// The member.
    pub member_id: UserId,
    /// The signing device.
    pub device_id: i64,
    /// Canonical ballot bytes, hex.
    pub bytes: String,
    /// Device signature, hex.
    pub signature: String,
    /// The answer.
    pub answer: Answer,
    /// Its text.
    pub text: String,
    /// RFC 6962 leaf hash, hex.
    pub leaf_hash: String,
    /// Root after it, hex.
    pub tree_root: String,
    /// Server signature over the receipt, hex.
    pub receipt_signature: String,
    /// When received, Unix ms.
    pub received_at: i64,
}

/// A member's contact for reminders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// Account.
    pub user_id: UserId,
    /// Name.
    pub display_name: String,
    /// Position.
    pub title: String,
    /// E-mail ("" for none).
    pub email: String,
    /// Their advisory staff's e-mail ("" for none).
    pub staff_email: String,
}

/// A mail waiting in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailRow {
    /// Id.
    pub id: i64,
    /// To.
    pub to: String,
    /// Copy to ("" for none).
    pub cc: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Attempts so far.
    pub attempts: i64,
}

fn json<T: DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("opinion {what}: {e}")))
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| corrupt(format!("encoding: {e}")))
}

fn answer_str(a: Answer) -> &'static str {
    match a {
        Answer::Agree => "agree",
        Answer::Disagree => "disagree",
        Answer::Other => "other",
    }
}

fn parse_answer(s: &str) -> Result<Answer> {
    Answer::ALL
        .into_iter()
        .find(|a| answer_str(*a) == s)
        .ok_or_else(|| corrupt(format!("answer {s}")))
}

macro_rules! select_opinion {
    ($tail:literal) => {
        concat!(
            "select opinion_id, question, draft_decision, rule, non_response, status, deadline, \
             reminders, copy_staff, definition, definition_hash, approved_by, sent_at, leaf_count, \
             result, result_signature, created_by from opinion_poll ",
            $tail
        )
    };
}

fn opinion_row(r: &AnyRow) -> Result<OpinionRow> {
    let status: String = r.try_get(5)?;
    let non_response: String = r.try_get(4)?;
    Ok(OpinionRow {
        id: r.try_get(0)?,
        question: r.try_get(1)?,
        draft_decision: r.try_get(2)?,
        rule: json("rule", &r.try_get::<String, _>(3)?)?,
        non_response: NonResponse::parse(&non_response)
            .ok_or_else(|| corrupt(format!("non_response {non_response}")))?,
        status: PollStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("opinion status {status}")))?,
        deadline: r.try_get(6)?,
        reminders: json("reminders", &r.try_get::<String, _>(7)?)?,
        copy_staff: r.try_get::<i64, _>(8)? != 0,
        definition: r
            .try_get::<Option<String>, _>(9)?
            .map(|s| json("definition", &s))
            .transpose()?,
        definition_hash: r.try_get(10)?,
        approved_by: r.try_get::<Option<i64>, _>(11)?.map(UserId),
        sent_at: r.try_get(12)?,
        leaf_count: u64::try_from(r.try_get::<i64, _>(13)?).map_err(|_| corrupt("leaf count"))?,
        result: r
            .try_get::<Option<String>, _>(14)?
            .map(|s| json("result", &s))
            .transpose()?,
        result_signature: r.try_get(15)?,
        created_by: UserId(r.try_get(16)?),
    })
}

fn answer_row(r: &AnyRow) -> Result<AnswerRow> {
    Ok(AnswerRow {
        leaf_index: u64::try_from(r.try_get::<i64, _>(0)?).map_err(|_| corrupt("leaf index"))?,
        member_id: UserId(r.try_get(1)?),
        device_id: r.try_get(2)?,
        bytes: r.try_get(3)?,
        signature: r.try_get(4)?,
        answer: parse_answer(&r.try_get::<String, _>(5)?)?,
        text: r.try_get(6)?,
        leaf_hash: r.try_get(7)?,
        tree_root: r.try_get(8)?,
        receipt_signature: r.try_get(9)?,
        received_at: r.try_get(10)?,
    })
}

const SELECT_ANSWER: &str = "select leaf_index, member_id, device_id, bytes, signature, answer, \
     body, leaf_hash, tree_root, receipt_signature, received_at from opinion_answer ";

impl Tx {
    /// Files a draft; returns its id.
    pub async fn insert_opinion(&mut self, d: &OpinionDraft, by: UserId) -> Result<i64> {
        let now = self.now();
        let (id,): (i64,) = sqlx::query_as(
            "insert into opinion_poll (question, draft_decision, rule, non_response, status, \
             deadline, reminders, copy_staff, created_by, created_at) \
             values ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9) returning opinion_id",
        )
        .bind(&d.question)
        .bind(&d.draft_decision)
        .bind(to_json(&d.rule)?)
        .bind(d.non_response.as_str())
        .bind(d.deadline)
        .bind(to_json(&d.reminders)?)
        .bind(i64::from(d.copy_staff))
        .bind(by.0)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        self.set_addressees(id, &d.addressees).await?;
        Ok(id)
    }

    /// Edits a draft.
    pub async fn update_opinion(&mut self, id: i64, d: &OpinionDraft) -> Result<()> {
        sqlx::query(
            "update opinion_poll set question = $2, draft_decision = $3, rule = $4, \
             non_response = $5, deadline = $6, reminders = $7, copy_staff = $8 where opinion_id = $1",
        )
        .bind(id)
        .bind(&d.question)
        .bind(&d.draft_decision)
        .bind(to_json(&d.rule)?)
        .bind(d.non_response.as_str())
        .bind(d.deadline)
        .bind(to_json(&d.reminders)?)
        .bind(i64::from(d.copy_staff))
        .execute(self.conn())
        .await?;
        self.set_addressees(id, &d.addressees).await
    }

    async fn set_addressees(&mut self, id: i64, members: &[UserId]) -> Result<()> {
        sqlx::query("delete from opinion_addressee where opinion_id = $1")
            .bind(id)
            .execute(self.conn())
            .await?;
        for m in members {
            sqlx::query("insert into opinion_addressee (opinion_id, user_id) values ($1, $2)")
                .bind(id)
                .bind(m.0)
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    /// Records that `user` changed draft poll `id` (see `opinion_editor`).
    pub async fn note_opinion_editor(&mut self, id: i64, user: UserId) -> Result<()> {
        sqlx::query(
            "insert into opinion_editor (opinion_id, user_id) values ($1, $2) \
             on conflict (opinion_id, user_id) do nothing",
        )
        .bind(id)
        .bind(user.0)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Whether `user` drafted or changed poll `id`.
    pub async fn shaped_opinion(&mut self, id: i64, user: UserId) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "select 1 from opinion_poll where opinion_id = $1 and created_by = $2 \
             union all select 1 from opinion_editor where opinion_id = $1 and user_id = $2",
        )
        .bind(id)
        .bind(user.0)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.is_some())
    }

    /// Members asked, ascending.
    pub async fn addressees(&mut self, id: i64) -> Result<Vec<UserId>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "select user_id from opinion_addressee where opinion_id = $1 order by user_id",
        )
        .bind(id)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(|r| UserId(r.0)).collect())
    }

    /// One poll, locked for a command on PostgreSQL (SQLite's write lock covers it).
    pub async fn opinion(&mut self, id: i64) -> Result<Option<OpinionRow>> {
        let sql = match self.engine {
            Engine::Sqlite => select_opinion!("where opinion_id = $1"),
            Engine::Postgres => select_opinion!("where opinion_id = $1 for update"),
        };
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(opinion_row).transpose()
    }

    /// One poll, for reading (no lock: read-only transactions cannot take one).
    pub async fn opinion_for_read(&mut self, id: i64) -> Result<Option<OpinionRow>> {
        let row = sqlx::query(select_opinion!("where opinion_id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(opinion_row).transpose()
    }

    /// Every poll, newest first.
    pub async fn all_opinions(&mut self) -> Result<Vec<OpinionRow>> {
        let rows = sqlx::query(select_opinion!("order by opinion_id desc"))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(opinion_row).collect()
    }

    /// The polls sent to `member` (drafts are the secretariat's), newest first.
    pub async fn opinions_sent_to(&mut self, member: UserId) -> Result<Vec<OpinionRow>> {
        let rows = sqlx::query(select_opinion!(
            "where status <> 'draft' and opinion_id in \
             (select opinion_id from opinion_addressee where user_id = $1) \
             order by opinion_id desc"
        ))
        .bind(member.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(opinion_row).collect()
    }

    /// Fixes the definition and starts taking answers.
    pub async fn send_opinion(
        &mut self,
        id: i64,
        def: &OpinionDefinition,
        hash_hex: &str,
    ) -> Result<()> {
        sqlx::query(
            "update opinion_poll set status = 'open', definition = $2, definition_hash = $3, \
             approved_by = $4, sent_at = $5 where opinion_id = $1 and status = 'draft'",
        )
        .bind(id)
        .bind(to_json(def)?)
        .bind(hash_hex)
        .bind(def.approved_by.0)
        .bind(def.sent_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Moves the deadline of an open poll and logs the change.
    pub async fn extend_opinion(
        &mut self,
        id: i64,
        actor: UserId,
        old_deadline: i64,
        new_deadline: i64,
        reason: &str,
    ) -> Result<()> {
        sqlx::query("update opinion_poll set deadline = $2 where opinion_id = $1")
            .bind(id)
            .bind(new_deadline)
            .execute(self.conn())
            .await?;
        let now = self.now();
        sqlx::query(
            "insert into opinion_change (opinion_id, at, actor, old_deadline, new_deadline, reason) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(now)
        .bind(actor.0)
        .bind(old_deadline)
        .bind(new_deadline)
        .bind(reason)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The logged deadline changes of a poll, oldest first.
    pub async fn opinion_changes(&mut self, id: i64) -> Result<Vec<DeadlineChange>> {
        let rows: Vec<(i64, i64, i64, i64, String)> = sqlx::query_as(
            "select at, actor, old_deadline, new_deadline, reason from opinion_change \
             where opinion_id = $1 order by at, new_deadline",
        )
        .bind(id)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, actor, old, new, reason)| DeadlineChange {
                at,
                actor: UserId(actor),
                old_deadline: old,
                new_deadline: new,
                reason,
            })
            .collect())
    }

    /// Closes an open poll with its signed result. Returns false if it was not open (it
    /// closed already): the caller then stores nothing and announces nothing.
    pub async fn close_opinion(
        &mut self,
        id: i64,
        record: &OpinionResultRecord,
        signature_hex: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "update opinion_poll set status = 'closed', closed_at = $2, result = $3, \
             result_signature = $4 where opinion_id = $1 and status = 'open'",
        )
        .bind(id)
        .bind(record.closed_at)
        .bind(to_json(record)?)
        .bind(signature_hex)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Open polls whose deadline is at or before `now`.
    pub async fn opinions_due(&mut self, now: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "select opinion_id from opinion_poll where status = 'open' and deadline <= $1 \
             order by deadline",
        )
        .bind(now)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Open polls, for the reminder schedule.
    pub async fn open_opinions(&mut self) -> Result<Vec<OpinionRow>> {
        let rows = sqlx::query(select_opinion!("where status = 'open' order by deadline"))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(opinion_row).collect()
    }

    /// Accepted answers of a poll in log order.
    pub async fn answers(&mut self, id: i64) -> Result<Vec<AnswerRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_ANSWER} where opinion_id = $1 order by leaf_index"
        )))
        .bind(id)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(answer_row).collect()
    }

    /// One member's answers in log order.
    pub async fn answers_of(&mut self, id: i64, member: UserId) -> Result<Vec<AnswerRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_ANSWER} where opinion_id = $1 and member_id = $2 order by leaf_index"
        )))
        .bind(id)
        .bind(member.0)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(answer_row).collect()
    }

    /// Members who have answered.
    pub async fn answered_count(&mut self, id: i64) -> Result<u32> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(distinct member_id) from opinion_answer where opinion_id = $1",
        )
        .bind(id)
        .fetch_one(self.conn())
        .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Stores an accepted answer and counts it in the poll's leaves.
    pub async fn insert_answer(&mut self, id: i64, a: &AnswerRow) -> Result<()> {
        sqlx::query(
            "insert into opinion_answer (opinion_id, leaf_index, member_id, device_id, bytes, \
             signature, answer, body, leaf_hash, tree_root, receipt_signature, received_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id)
        .bind(i64::try_from(a.leaf_index).unwrap_or(i64::MAX))
        .bind(a.member_id.0)
        .bind(a.device_id)
        .bind(&a.bytes)
        .bind(&a.signature)
        .bind(answer_str(a.answer))
        .bind(&a.text)
        .bind(&a.leaf_hash)
        .bind(&a.tree_root)
        .bind(&a.receipt_signature)
        .bind(a.received_at)
        .execute(self.conn())
        .await?;
        sqlx::query("update opinion_poll set leaf_count = $2 where opinion_id = $1")
            .bind(id)
            .bind(i64::try_from(a.leaf_index + 1).unwrap_or(i64::MAX))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records a reminder; false if this one (poll, due time, kind) was recorded before.
    pub async fn record_reminder(
        &mut self,
        id: i64,
        due_at: i64,
        manual: bool,
        message: &str,
        recipients: u32,
        by: Option<UserId>,
    ) -> Result<bool> {
        let now = self.now();
        let done = sqlx::query(
            "insert into opinion_reminder (opinion_id, due_at, manual, message, recipients, \
             sent_by, sent_at) values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
        )
        .bind(id)
        .bind(due_at)
        .bind(i64::from(manual))
        .bind(message)
        .bind(i64::from(recipients))
        .bind(by.map(|u| u.0))
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Due times of the scheduled reminders already sent for a poll.
    pub async fn scheduled_reminders_sent(&mut self, id: i64) -> Result<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "select due_at from opinion_reminder where opinion_id = $1 and manual = 0",
        )
        .bind(id)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Names and addresses of `users`, ascending by id.
    pub async fn contacts(&mut self, users: &[UserId]) -> Result<Vec<Contact>> {
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
                "select user_id, display_name, title, email, staff_email from app_user \
                 where user_id = $1",
            )
            .bind(u.0)
            .fetch_optional(self.conn())
            .await?;
            if let Some((id, name, title, email, staff)) = row {
                out.push(Contact {
                    user_id: UserId(id),
                    display_name: name,
                    title,
                    email,
                    staff_email: staff,
                });
            }
        }
        out.sort_by_key(|c| c.user_id);
        Ok(out)
    }

    /// Sets a user's e-mail and their advisory staff's.
    pub async fn set_contact(
        &mut self,
        user: UserId,
        email: &str,
        staff_email: &str,
    ) -> Result<()> {
        sqlx::query("update app_user set email = $2, staff_email = $3 where user_id = $1")
            .bind(user.0)
            .bind(email)
            .bind(staff_email)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Queues a mail; the mailer sends it after this transaction commits.
    pub async fn enqueue_mail(
        &mut self,
        to: &str,
        cc: &str,
        subject: &str,
        body: &str,
    ) -> Result<()> {
        let now = self.now();
        sqlx::query(
            "insert into mail_outbox (to_address, cc_address, subject, body, created_at, \
             next_attempt_at) values ($1, $2, $3, $4, $5, $5)",
        )
        .bind(to)
        .bind(cc)
        .bind(subject)
        .bind(body)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Mail due for an attempt at `now`, oldest first.
    pub async fn mail_due(&mut self, now: i64, limit: i64) -> Result<Vec<MailRow>> {
        let rows: Vec<(i64, String, String, String, String, i64)> = sqlx::query_as(
            "select mail_id, to_address, cc_address, subject, body, attempts from mail_outbox \
             where sent_at is null and next_attempt_at <= $1 order by mail_id limit $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, to, cc, subject, body, attempts)| MailRow {
                id,
                to,
                cc,
                subject,
                body,
                attempts,
            })
            .collect())
    }

    /// Whether mail `id` is still unsent and due at `now` (checked again once claimed:
    /// another node may have sent it since the outbox was read).
    pub async fn mail_still_due(&mut self, id: i64, now: i64) -> Result<bool> {
        let row: Option<(i64,)> = sqlx::query_as(
            "select mail_id from mail_outbox \
             where mail_id = $1 and sent_at is null and next_attempt_at <= $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.is_some())
    }

    /// The earliest next attempt of unsent mail.
    pub async fn next_mail_attempt(&mut self) -> Result<Option<i64>> {
        let (t,): (Option<i64>,) =
            sqlx::query_as("select min(next_attempt_at) from mail_outbox where sent_at is null")
                .fetch_one(self.conn())
                .await?;
        Ok(t)
    }

    /// Marks a mail sent.
    pub async fn mail_sent(&mut self, id: i64, at: i64) -> Result<()> {
        sqlx::query(
            "update mail_outbox set sent_at = $2, attempts = attempts + 1, last_error = null \
             where mail_id = $1",
        )
        .bind(id)
        .bind(at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records a failed attempt and when to try again.
    pub async fn mail_failed(&mut self, id: i64, error: &str, retry_at: i64) -> Result<()> {
        sqlx::query(
            "update mail_outbox set attempts = attempts + 1, last_error = $2, next_attempt_at = $3 \
             where mail_id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(retry_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
