//! One unit's report for one period: the overview of one's tasks, the form, drafts saved
//! on screen or uploaded as a file (XLSX or CSV, from the template), submission signed on
//! the officer's device, approval or return, and the history of every revision.

use super::*;

/// `GET /api/reporting`: the units, the regimes one works with, one's roles and tasks.
pub async fn overview(State(s): State<AppState>, u: CurrentUser) -> AppResult<Json<Overview>> {
    let mut tx = s.db.read().await?;
    let roles = tx.unit_roles(u.id()).await?;
    let dashboard = access::reporting::reads_dashboard(u.0.role);
    let units = tx.units().await?;
    let all = all_indicators(&mut tx).await?;
    let today = today(&s);
    let mut regimes = Vec::new();
    let mut tasks = Vec::new();
    for row in tx.regimes().await? {
        let regime: Regime = parse(&row.definition)?;
        let unit_ids = tx.regime_units(row.id).await?;
        let mine = |role: &str| -> Vec<i64> {
            roles
                .iter()
                .filter(|(x, r)| r == role && unit_ids.contains(x))
                .map(|(x, _)| *x)
                .collect()
        };
        let receives = roles
            .iter()
            .any(|(x, r)| *x == row.receiving_unit_id && r == "approver");
        let related = access::reporting::lists_regime(
            u.0.role,
            roles.iter().any(|(x, _)| unit_ids.contains(x)),
            roles.iter().any(|(x, _)| *x == row.receiving_unit_id),
        );
        if !related {
            continue;
        }
        let period = reporting_period(regime.period_type, today)?;
        let due = period.due(regime.deadline_days);
        let status_of = |r: Option<ReportRow>| r.map_or_else(|| "missing".to_owned(), |r| r.status);
        let mut add = |unit: i64, status: String, action: &str| {
            tasks.push(Task {
                regime_id: row.id,
                unit_id: unit,
                period: period.to_string(),
                overdue: not_submitted(&status) && today > due,
                status,
                due: due.to_string(),
                action: action.to_owned(),
            });
        };
        for unit in mine("officer") {
            let st = status_of(tx.report(row.id, unit, &period.to_string()).await?);
            add(unit, st, "fill");
        }
        for unit in mine("approver") {
            let st = status_of(tx.report(row.id, unit, &period.to_string()).await?);
            if st == "submitted" {
                add(unit, st, "approve");
            }
        }
        if receives {
            for unit in &unit_ids {
                let st = status_of(tx.report(row.id, *unit, &period.to_string()).await?);
                add(*unit, st, "check");
            }
        }
        let indicators = regime
            .indicators
            .iter()
            .filter_map(|c| all.iter().find(|i| &i.code == c).cloned())
            .collect();
        regimes.push(RegimeInfo {
            id: row.id,
            regime,
            indicators,
            receiving_unit_id: row.receiving_unit_id,
            unit_ids,
        });
    }
    Ok(Json(Overview {
        units: units
            .into_iter()
            .map(|u| UnitInfo {
                id: u.id,
                code: u.code,
                name: u.name,
                parent_id: u.parent_id,
            })
            .collect(),
        regimes,
        roles,
        dashboard,
        tasks,
    }))
}

type FormPath = (i64, i64, String);

/// `GET /api/reporting/regimes/{id}/units/{unit}/periods/{period}`: the form.
pub async fn show(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, unit, period)): ApiPath<FormPath>,
) -> AppResult<Json<ReportForm>> {
    let mut tx = s.db.read().await?;
    let l = load(&mut tx, id).await?;
    let r = rights(&mut tx, &u, &l, unit, ReportCap::Read).await?;
    let p = period_of(&l, &period)?;
    Ok(Json(form(&s, &mut tx, &l, r, unit, p).await?))
}

/// The report to write into: begun if missing; 409 unless the officer may still edit.
async fn editable(tx: &mut Tx, l: &Loaded, unit: i64, period: Period) -> AppResult<i64> {
    let key = period.to_string();
    match tx.report(l.row.id, unit, &key).await? {
        None => Ok(tx
            .insert_report(l.row.id, unit, &key, start_key(period))
            .await?),
        Some(r) if not_submitted(&r.status) => Ok(r.id),
        Some(r) => Err(AppError::Conflict(format!(
            "the report is {}: it can no longer be changed",
            r.status
        ))),
    }
}

/// Cells to save: as typed (code → text), the problems found while reading a file, and
/// which file row each code came from.
struct Cells {
    raw: BTreeMap<String, String>,
    early: Vec<RowProblem>,
    rows: BTreeMap<String, u32>,
}

/// Saves the cells (from the screen or a file) as the draft's values, refused whole when
/// a cell is not a valid value.
async fn save(
    s: &AppState,
    u: &CurrentUser,
    (id, unit, period): FormPath,
    cells: Cells,
    action: &str,
) -> AppResult<Response> {
    let Cells { raw, early, rows } = cells;
    let (rows, period) = (&rows, period.as_str());
    let mut tx = s.db.write().await?;
    let l = load(&mut tx, id).await?;
    let r = rights(&mut tx, u, &l, unit, ReportCap::Edit).await?;
    let p = period_of(&l, period)?;
    let current = match tx.report(l.row.id, unit, &p.to_string()).await? {
        Some(rep) => tx.report_values(rep.id).await?,
        None => BTreeMap::new(),
    };
    let (read, problems) = read_cells(&l.regime, &l.indicators, &raw);
    // The cells given replace theirs; an empty cell clears; the others stay.
    let mut values = current;
    for (code, text) in &raw {
        if text.trim().is_empty() {
            values.remove(code);
        }
    }
    values.extend(read);
    with_totals(&l.indicators, &mut values);
    let mut refusals = early;
    let checked = validate(&l.regime, &l.indicators, &values, None);
    for problem in problems
        .into_iter()
        .chain(checked)
        .filter(CellProblem::refuses_draft)
    {
        if !refusals.iter().any(|x| x.problem == problem) {
            refusals.push(RowProblem {
                row: rows.get(&problem.code).copied(),
                problem,
            });
        }
    }
    if !refusals.is_empty() {
        return Ok(refused(refusals));
    }
    let report = editable(&mut tx, &l, unit, p).await?;
    let changed = tx
        .set_report_values(report, &values, action, u.id())
        .await?;
    if changed > 0 {
        let status = tx
            .report(l.row.id, unit, &p.to_string())
            .await?
            .map_or_else(|| "draft".to_owned(), |x| x.status);
        // Only the unit's people follow drafts; the dashboard waits for steps.
        for role in ["officer", "approver"] {
            for m in tx.unit_members(unit, role).await? {
                tx.append(
                    Topic::User(m),
                    EventBody::ReportChanged {
                        regime_id: l.row.id,
                        unit_id: unit,
                        period: p.to_string(),
                        status: status.clone(),
                    },
                    Some(u.id()),
                )
                .await?;
            }
        }
    }
    let view = form(s, &mut tx, &l, r, unit, p).await?;
    s.commit(tx).await?;
    Ok(Json(view).into_response())
}

/// `PUT …/periods/{period}` (officer): saves the draft.
pub async fn put_values(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, unit, period)): ApiPath<FormPath>,
    ApiJson(input): ApiJson<ValuesInput>,
) -> AppResult<Response> {
    let cells = Cells {
        raw: input.values,
        early: Vec::new(),
        rows: BTreeMap::new(),
    };
    save(&s, &u, (id, unit, period), cells, "edit").await
}

/// `POST …/periods/{period}/submit` (officer): submits, signed on the device over the
/// saved values.
pub async fn submit(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, unit, period)): ApiPath<FormPath>,
    ApiJson(input): ApiJson<SubmitInput>,
) -> AppResult<Response> {
    let mut tx = s.db.write().await?;
    let l = load(&mut tx, id).await?;
    let r = rights(&mut tx, &u, &l, unit, ReportCap::Submit).await?;
    let p = period_of(&l, &period)?;
    let row = tx
        .report(l.row.id, unit, &p.to_string())
        .await?
        .ok_or_else(|| AppError::Conflict("nothing is saved for this period yet".into()))?;
    if !not_submitted(&row.status) {
        return Err(AppError::Conflict(format!(
            "the report is {} already",
            row.status
        )));
    }
    let values = tx.report_values(row.id).await?;
    let previous = previous_values(&mut tx, &l, unit, p).await?;
    let errors: Vec<RowProblem> = validate(&l.regime, &l.indicators, &values, Some(&previous))
        .into_iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|problem| RowProblem { row: None, problem })
        .collect();
    if !errors.is_empty() {
        return Ok(refused(errors));
    }
    let bytes = hex::decode(input.bytes.trim()).map_err(|_| invalid("bytes", "not hex"))?;
    let signature = crate::platform::hex_array::<64>(&input.signature)
        .ok_or_else(|| invalid("signature", "64 bytes in hex"))?;
    let record = SubmissionRecord::from_bytes(&bytes)
        .ok_or_else(|| invalid("bytes", "not a report submission record"))?;
    let units = tx.units().await?;
    let digest = report_digest(&l.row.code, &unit_code(&units, unit), p, &values);
    if record.digest != digest {
        return Err(invalid(
            "bytes",
            "the signed values are not the saved ones: reload the form and sign again",
        ));
    }
    if record.signer != u.id().0 {
        return Err(invalid("bytes", "signed for another account"));
    }
    let (_, public_key) = crate::platform::signatures::verify_signed(
        &mut tx,
        u.id(),
        &record.key_id,
        &bytes,
        &signature,
    )
    .await?;
    let kept = Submission {
        record,
        public_key,
        signature,
    };
    tx.set_report_status(
        row.id,
        "submitted",
        u.id(),
        Some(&serde_json::to_string(&kept).map_err(internal)?),
        "",
    )
    .await?;
    announce(&mut tx, &l, unit, &p.to_string(), "submitted", u.id()).await?;
    let view = form(&s, &mut tx, &l, r, unit, p).await?;
    s.commit(tx).await?;
    Ok(Json(view).into_response())
}

/// `POST …/periods/{period}/approve` (the unit's approver).
pub async fn approve(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, unit, period)): ApiPath<FormPath>,
) -> AppResult<Json<ReportForm>> {
    let mut tx = s.db.write().await?;
    let l = load(&mut tx, id).await?;
    let r = rights(&mut tx, &u, &l, unit, ReportCap::Approve).await?;
    let p = period_of(&l, &period)?;
    let row = tx
        .report(l.row.id, unit, &p.to_string())
        .await?
        .ok_or(AppError::NotFound)?;
    if row.status != "submitted" {
        return Err(AppError::Conflict(format!(
            "only a submitted report is approved; this one is {}",
            row.status
        )));
    }
    // Four eyes: whoever signed the numbers does not approve them.
    enforce(access::reporting::approves_own(
        row.submitted_by == Some(u.id()),
    ))?;
    tx.set_report_status(row.id, "approved", u.id(), None, "")
        .await?;
    announce(&mut tx, &l, unit, &p.to_string(), "approved", u.id()).await?;
    let view = form(&s, &mut tx, &l, r, unit, p).await?;
    s.commit(tx).await?;
    Ok(Json(view))
}

/// `POST …/periods/{period}/return` (the unit's approver, a submitted report; or the
/// receiving unit's approver, an approved one): back to the officer, with the reason.
pub async fn send_back(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, unit, period)): ApiPath<FormPath>,
    ApiJson(input): ApiJson<ReturnInput>,
) -> AppResult<Json<ReportForm>> {
    let comment = input.comment.trim();
    if comment.is_empty() || comment.chars().count() > 2000 {
        return Err(invalid("comment", "say why, in at most 2000 characters"));
    }
    let mut tx = s.db.write().await?;
    let l = load(&mut tx, id).await?;
    let r = rights(&mut tx, &u, &l, unit, ReportCap::Read).await?;
    let p = period_of(&l, &period)?;
    let row = tx
        .report(l.row.id, unit, &p.to_string())
        .await?
        .ok_or(AppError::NotFound)?;
    let cap = match row.status.as_str() {
        "submitted" => ReportCap::ReturnSubmitted,
        "approved" => ReportCap::ReturnApproved,
        _ => {
            return Err(AppError::Conflict(format!(
                "a {} report is not returned",
                row.status
            )));
        }
    };
    enforce(r.decide(cap))?;
    tx.set_report_status(row.id, "returned", u.id(), None, comment)
        .await?;
    announce(&mut tx, &l, unit, &p.to_string(), "returned", u.id()).await?;
    let view = form(&s, &mut tx, &l, r, unit, p).await?;
    s.commit(tx).await?;
    Ok(Json(view))
}

/// History query: one indicator's cell, or all.
#[derive(Deserialize)]
pub struct HistoryQuery {
    code: Option<String>,
}

/// `GET …/periods/{period}/history?code=`: who changed what, when, from what to what.
pub async fn history(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, unit, period)): ApiPath<FormPath>,
    Query(q): Query<HistoryQuery>,
) -> AppResult<Json<Vec<Revision>>> {
    let mut tx = s.db.read().await?;
    let l = load(&mut tx, id).await?;
    rights(&mut tx, &u, &l, unit, ReportCap::Read).await?;
    let p = period_of(&l, &period)?;
    let Some(row) = tx.report(l.row.id, unit, &p.to_string()).await? else {
        return Ok(Json(Vec::new()));
    };
    Ok(Json(
        tx.revisions(row.id, q.code.as_deref())
            .await?
            .into_iter()
            .map(|r| Revision {
                code: r.code,
                old_value: r.old_value,
                new_value: r.new_value,
                action: r.action,
                user_id: r.user_id,
                user_name: r.user_name,
                at: r.at,
                note: r.note,
            })
            .collect(),
    ))
}

/// `GET …/periods/{period}/template.xlsx`: the form as a workbook to fill in (the saved
/// values filled in already).
pub async fn template(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, unit, period)): ApiPath<FormPath>,
) -> AppResult<Response> {
    let mut tx = s.db.read().await?;
    let l = load(&mut tx, id).await?;
    rights(&mut tx, &u, &l, unit, ReportCap::Read).await?;
    let p = period_of(&l, &period)?;
    let values = match tx.report(l.row.id, unit, &p.to_string()).await? {
        Some(r) => tx.report_values(r.id).await?,
        None => BTreeMap::new(),
    };
    let units = tx.units().await?;
    let unit_name = units
        .iter()
        .find(|x| x.id == unit)
        .map(|x| x.name.clone())
        .unwrap_or_default();
    let bytes = crate::reporting::files::report_template(
        &l.regime,
        &l.indicators,
        &unit_name,
        &p.to_string(),
        &values,
    )
    .map_err(internal)?;
    let name = format!("{}-{}-{}.xlsx", l.row.code, unit_code(&units, unit), p);
    Ok(file_response(bytes, XLSX, &name))
}

/// `POST …/periods/{period}/upload` (officer; multipart `file`: the XLSX template or a
/// CSV with the columns period, code, value): saves the file's cells as the draft, or
/// refuses it whole with every bad row, or with the one reason a file is refused before
/// its rows (unreadable, or past a limit: `FileProblem`).
pub async fn upload(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, unit, period)): ApiPath<FormPath>,
    req: Request,
) -> AppResult<Response> {
    {
        let mut tx = s.db.read().await?;
        let l = load(&mut tx, id).await?;
        rights(&mut tx, &u, &l, unit, ReportCap::Edit).await?;
    }
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let mut file = None;
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?
    {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge)?;
            if bytes.len() > MAX_UPLOAD_BYTES {
                return Err(AppError::PayloadTooLarge);
            }
            file = Some(bytes);
        }
    }
    let bytes = file.ok_or_else(|| invalid("file", "attach the XLSX or CSV file"))?;
    // Unzipping and parsing is CPU work: off the async workers. Every limit of the file
    // is checked before it is allocated (ecabinet_reporting::import), so a hostile file is
    // refused here and the rest of the server never notices it.
    // The permit goes with the work: held until it ends, even if the request is dropped.
    let permit = IMPORTS.acquire().await.map_err(internal)?;
    let read = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        ecabinet_reporting::import::read_report_rows(&bytes)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let rows = match read {
        Ok(rows) => rows,
        Err(p) => return Ok(file_refused(p)),
    };
    let mut raw = BTreeMap::new();
    let mut at = BTreeMap::new();
    let mut early = Vec::new();
    for row in rows {
        let wrong_period = !row.period.trim().is_empty()
            && Period::parse(&row.period).map(|p| p.to_string()) != Ok(period.clone());
        if wrong_period {
            early.push(RowProblem {
                row: Some(row.number),
                problem: CellProblem::error(
                    &row.code,
                    Problem::WrongPeriod {
                        given: row.period.clone(),
                        expected: period.clone(),
                    },
                ),
            });
            continue;
        }
        if at.insert(row.code.clone(), row.number).is_some() {
            early.push(RowProblem {
                row: Some(row.number),
                problem: CellProblem::error(&row.code, Problem::Duplicate),
            });
            continue;
        }
        raw.insert(row.code, row.value);
    }
    let cells = Cells {
        raw,
        early,
        rows: at,
    };
    save(&s, &u, (id, unit, period), cells, "upload").await
}
