//! Reminders: the receiving unit's approver reminds the units that have not submitted,
//! and the reporting clock reminds overdue units once a day, in-app and by e-mail.

use super::*;

/// Reminds the officers of every unit that has not submitted `period` (in-app on their
/// own topic and by e-mail), once per `kind`; returns how many units.
async fn remind_units(
    s: &AppState,
    tx: &mut Tx,
    l: &Loaded,
    period: Period,
    kind: &str,
    by: Option<UserId>,
) -> AppResult<u32> {
    let due = period.due(l.regime.deadline_days).to_string();
    let units = tx.units().await?;
    let mut n = 0;
    for unit in &l.units {
        let status = tx
            .report(l.row.id, *unit, &period.to_string())
            .await?
            .map_or_else(|| "missing".to_owned(), |r| r.status);
        if !not_submitted(&status)
            || !tx
                .record_report_reminder(l.row.id, *unit, &period.to_string(), kind)
                .await?
        {
            continue;
        }
        n += 1;
        let officers = tx.unit_members(*unit, "officer").await?;
        for o in &officers {
            tx.append(
                Topic::User(*o),
                EventBody::ReportReminder {
                    regime_id: l.row.id,
                    unit_id: *unit,
                    period: period.to_string(),
                    due: due.clone(),
                },
                by,
            )
            .await?;
        }
        if s.mailer.enabled() {
            let name = units
                .iter()
                .find(|x| x.id == *unit)
                .map(|x| x.name.clone())
                .unwrap_or_default();
            let link = format!("{}/reports", s.public_url.trim_end_matches('/'));
            for c in tx.contacts(&officers).await? {
                if c.email.is_empty() {
                    continue;
                }
                let subject = format!("[ecabinet] Nhắc báo cáo: {} kỳ {period}", l.regime.name);
                let body = format!(
                    "Kính gửi đồng chí {},\n\n{name} chưa gửi báo cáo \"{}\" kỳ {period} (hạn {due}).\n\nNhập báo cáo tại: {link}\n",
                    c.display_name, l.regime.name
                );
                tx.enqueue_mail(&c.email, "", &subject, &body).await?;
            }
        }
    }
    Ok(n)
}

/// `POST /api/reporting/regimes/{id}/remind?period=` (the receiving unit's approver or
/// the office): reminds the units that have not submitted.
pub async fn remind(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<ViewQuery>,
) -> AppResult<Json<serde_json::Value>> {
    let mut tx = s.db.write().await?;
    let l = load(&mut tx, id).await?;
    let receives = tx
        .unit_roles(u.id())
        .await?
        .iter()
        .any(|(x, r)| *x == l.row.receiving_unit_id && r == "approver");
    enforce(access::reporting::reminds(u.0.role, receives))?;
    let p = match &q.period {
        Some(p) => period_of(&l, p)?,
        None => reporting_period(l.regime.period_type, today(&s))?,
    };
    let kind = format!("manual:{}", s.clock.now());
    let n = remind_units(&s, &mut tx, &l, p, &kind, Some(u.id())).await?;
    s.commit(tx).await?;
    s.mailer.wake();
    Ok(Json(serde_json::json!({ "reminded": n })))
}

/// Once a regime's deadline for a period has passed, reminds the units still missing
/// (once each: kind `due`). Run by the clock task; writes only when someone is due.
pub async fn remind_overdue(s: &AppState) -> AppResult<u32> {
    let today = today(s);
    let due: Vec<(i64, Period)> = {
        let mut tx = s.db.read().await?;
        let mut due = Vec::new();
        for row in tx.regimes().await? {
            let l = load(&mut tx, row.id).await?;
            let p = reporting_period(l.regime.period_type, today)?;
            if today <= p.due(l.regime.deadline_days) {
                continue;
            }
            for unit in &l.units {
                let status = tx
                    .report(row.id, *unit, &p.to_string())
                    .await?
                    .map_or_else(|| "missing".to_owned(), |r| r.status);
                if not_submitted(&status)
                    && !tx.reminded(row.id, *unit, &p.to_string(), "due").await?
                {
                    due.push((row.id, p));
                    break;
                }
            }
        }
        due
    };
    if due.is_empty() {
        return Ok(0);
    }
    let mut tx = s.db.write().await?;
    let mut n = 0;
    for (id, p) in due {
        let l = load(&mut tx, id).await?;
        n += remind_units(s, &mut tx, &l, p, "due", None).await?;
    }
    s.commit(tx).await?;
    if n > 0 {
        s.mailer.wake();
    }
    Ok(n)
}

/// Checks for overdue reports every five minutes (on a manual clock, whenever it moves).
pub async fn run_clock(s: AppState) {
    loop {
        if let Err(e) = remind_overdue(&s).await {
            tracing::error!(error = %e, "report reminders");
        }
        s.clock
            .sleep_until(None, std::time::Duration::from_secs(300))
            .await;
    }
}
