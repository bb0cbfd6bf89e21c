//! The deadline: extending it, reminders (on request and on schedule) to those who have
//! not answered, and closing the poll when it passes, by the poll clock.

use super::*;

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
