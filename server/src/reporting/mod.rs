//! Reporting (chế độ báo cáo) over HTTP: the admin sets up units, indicators and regimes;
//! a unit's officer fills a period's form (on screen, or as an XLSX or CSV file from the
//! template), saves drafts and submits it signed on the device; the unit's approver
//! approves or returns it; the receiving unit may return an approved one. Every change is
//! a revision. Overdue units are reminded in-app and by e-mail. The dashboard reads
//! approved numbers only: series, comparisons across units, completeness, ecabinet's own
//! figures, each as JSON, SVG (`charts.rs`), CSV or XLSX.

mod charts;
mod files;

use crate::AppState;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult};
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ecabinet_domain::{DomainError, Role, UserId};
use ecabinet_protocol::reporting::{
    Comparison, EcabinetStatistics, Overview, PeriodCompleteness, Point, RegimeInfo, ReportForm,
    ReturnInput, Revision, RowProblem, Series, SubmitInput, Task, UnitInfo, UnitValue, ValuesInput,
};
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_reporting::canonical::{Submission, SubmissionRecord, report_digest};
use ecabinet_reporting::validate::{
    CellProblem, FileProblem, Problem, Severity, read_cells, validate, with_totals,
};
use ecabinet_reporting::{Indicator, Period, PeriodType, Regime, across_units};
use ecabinet_storage::{RegimeRow, ReportRow, Tx};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Largest report file accepted.
const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// Report files read at once: each one's memory is bounded (ecabinet_reporting::import:
/// tens of MB at the very worst), and so, with this, is all of theirs together.
static IMPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
/// Most periods one series or completeness view spans (five years of months).
const MAX_PERIODS: usize = 120;

fn invalid(field: &'static str, reason: impl Into<String>) -> AppError {
    AppError::Domain(DomainError::Invalid {
        field,
        reason: reason.into(),
    })
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> AppResult<T> {
    serde_json::from_str(s).map_err(|e| internal(format!("stored reporting data: {e}")))
}

/// 422 with every problem (and its row, for a file): nothing was stored.
fn refused(problems: Vec<RowProblem>) -> Response {
    let field = problems.first().map(|p| p.problem.code.clone());
    refused_as(field, problems)
}

/// 422 for a file refused as a whole (unreadable, or past a limit): field `file`, the
/// reason as the one problem, so that the screen names it in the reader's language.
fn file_refused(p: FileProblem) -> Response {
    let problem = RowProblem {
        row: p.row(),
        problem: CellProblem::error("", Problem::File(p)),
    };
    refused_as(Some("file".to_owned()), vec![problem])
}

fn refused_as(field: Option<String>, problems: Vec<RowProblem>) -> Response {
    let message = problems
        .iter()
        .map(|p| match p.row {
            // A file's problem names its row itself.
            Some(r) if !p.problem.code.is_empty() => format!("row {r}: {}", p.problem),
            Some(_) => p.problem.to_string(),
            None => p.problem.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ");
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(serde_json::json!({
            "code": "invalid",
            "field": field,
            "message": message,
            "problems": problems,
        })),
    )
        .into_response()
}

/// Whether `role` reads every regime's dashboard: the Government's leaders and its office.
fn reads_dashboard(role: Role) -> bool {
    matches!(role, Role::Chair | Role::Member | Role::Secretariat)
}

/// A regime with its definition and indicators.
struct Loaded {
    row: RegimeRow,
    regime: Regime,
    indicators: Vec<Indicator>,
    units: Vec<i64>,
}

async fn all_indicators(tx: &mut Tx) -> AppResult<Vec<Indicator>> {
    tx.indicators()
        .await?
        .iter()
        .map(|(_, d)| parse::<Indicator>(d))
        .collect()
}

async fn load(tx: &mut Tx, id: i64) -> AppResult<Loaded> {
    let row = tx
        .regimes()
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)?;
    let regime: Regime = parse(&row.definition)?;
    let all = all_indicators(tx).await?;
    let indicators = regime
        .indicators
        .iter()
        .filter_map(|c| all.iter().find(|i| &i.code == c).cloned())
        .collect();
    let units = tx.regime_units(id).await?;
    Ok(Loaded {
        row,
        regime,
        indicators,
        units,
    })
}

/// What `u` may do with one unit's reports under a regime.
#[derive(Clone, Copy, Debug, Default)]
struct Rights {
    officer: bool,
    approver: bool,
    /// An approver of the receiving unit.
    receiver: bool,
    /// Reads it (any of the above, anyone of the unit or the receiving unit, or a leader).
    reader: bool,
}

async fn rights(tx: &mut Tx, u: &CurrentUser, l: &Loaded, unit: i64) -> AppResult<Rights> {
    if !l.units.contains(&unit) {
        return Err(AppError::NotFound);
    }
    let roles = tx.unit_roles(u.id()).await?;
    let has = |unit: i64, role: &str| roles.iter().any(|(x, r)| *x == unit && r == role);
    let receiving = l.row.receiving_unit_id;
    let r = Rights {
        officer: has(unit, "officer"),
        approver: has(unit, "approver"),
        receiver: has(receiving, "approver"),
        reader: reads_dashboard(u.0.role)
            || roles.iter().any(|(x, _)| *x == unit || *x == receiving),
    };
    if !r.reader {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

/// Whether `u` follows the `reporting` topic: a leader or the office, or anyone of a unit
/// that receives some regime's reports.
pub(crate) async fn reads_some_dashboard(tx: &mut Tx, u: &CurrentUser) -> AppResult<bool> {
    if reads_dashboard(u.0.role) {
        return Ok(true);
    }
    let roles = tx.unit_roles(u.id()).await?;
    Ok(tx
        .regimes()
        .await?
        .iter()
        .any(|r| roles.iter().any(|(x, _)| *x == r.receiving_unit_id)))
}

/// Whether `u` reads a regime's dashboard (every unit's approved numbers).
async fn reads_regime(tx: &mut Tx, u: &CurrentUser, l: &Loaded) -> AppResult<()> {
    if reads_dashboard(u.0.role) {
        return Ok(());
    }
    let receiving = l.row.receiving_unit_id;
    if tx
        .unit_roles(u.id())
        .await?
        .iter()
        .any(|(x, _)| *x == receiving)
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Today in Vietnam (UTC+7), by the server's clock.
fn today(s: &AppState) -> time::Date {
    crate::platform::clock::today_in_vietnam(s.clock.now())
}

/// The period a regime's units report now: the last one that has ended.
fn reporting_period(kind: PeriodType, today: time::Date) -> AppResult<Period> {
    Period::containing(kind, today.year(), u8::from(today.month()))
        .and_then(Period::previous)
        .map_err(internal)
}

/// The first month of a period as year × 100 + month, for ranges.
fn start_key(p: Period) -> i64 {
    i64::from(p.year()) * 100 + i64::from(p.first_month())
}

fn period_of(l: &Loaded, s: &str) -> AppResult<Period> {
    Period::parse_as(s, l.regime.period_type).map_err(|e| invalid("period", e.to_string()))
}

fn unit_code(units: &[ecabinet_storage::UnitRow], id: i64) -> String {
    units
        .iter()
        .find(|u| u.id == id)
        .map(|u| u.code.clone())
        .unwrap_or_default()
}

fn not_submitted(status: &str) -> bool {
    matches!(status, "missing" | "draft" | "returned")
}

/// The form as `u` sees it.
async fn form(
    s: &AppState,
    tx: &mut Tx,
    l: &Loaded,
    r: Rights,
    unit: i64,
    period: Period,
) -> AppResult<ReportForm> {
    let key = period.to_string();
    let row = tx.report(l.row.id, unit, &key).await?;
    let values = match &row {
        Some(r) => tx.report_values(r.id).await?,
        None => BTreeMap::new(),
    };
    let previous = previous_values(tx, l, unit, period).await?;
    let status = row
        .as_ref()
        .map_or_else(|| "missing".to_owned(), |r| r.status.clone());
    let units = tx.units().await?;
    let unit_code = unit_code(&units, unit);
    let due = period.due(l.regime.deadline_days);
    let mut may = Vec::new();
    if r.officer && not_submitted(&status) {
        may.extend(["edit".to_owned(), "submit".to_owned()]);
    }
    if r.approver && status == "submitted" {
        may.extend(["approve".to_owned(), "return".to_owned()]);
    }
    if r.receiver && status == "approved" {
        may.push("return".to_owned());
    }
    Ok(ReportForm {
        regime_id: l.row.id,
        unit_id: unit,
        period: key,
        problems: validate(&l.regime, &l.indicators, &values, Some(&previous)),
        digest: hex::encode(report_digest(&l.row.code, &unit_code, period, &values)),
        values,
        previous,
        due: due.to_string(),
        overdue: not_submitted(&status) && today(s) > due,
        status,
        comment: row.as_ref().map(|r| r.comment.clone()).unwrap_or_default(),
        submitted_by: row.as_ref().and_then(|r| r.submitted_by),
        may,
        regime_code: l.row.code.clone(),
        unit_code,
    })
}

async fn previous_values(
    tx: &mut Tx,
    l: &Loaded,
    unit: i64,
    period: Period,
) -> AppResult<BTreeMap<String, f64>> {
    let Ok(before) = period.previous() else {
        return Ok(BTreeMap::new());
    };
    match tx.report(l.row.id, unit, &before.to_string()).await? {
        Some(r) if r.status == "approved" => Ok(tx.report_values(r.id).await?),
        _ => Ok(BTreeMap::new()),
    }
}

/// Tells the dashboard and the unit's people that a report moved.
async fn announce(
    tx: &mut Tx,
    l: &Loaded,
    unit: i64,
    period: &str,
    status: &str,
    by: UserId,
) -> AppResult<()> {
    let body = EventBody::ReportChanged {
        regime_id: l.row.id,
        unit_id: unit,
        period: period.to_owned(),
        status: status.to_owned(),
    };
    tx.append(Topic::Reporting, body.clone(), Some(by)).await?;
    let mut people = Vec::new();
    for role in ["officer", "approver"] {
        people.extend(tx.unit_members(unit, role).await?);
    }
    people.extend(tx.unit_members(l.row.receiving_unit_id, "approver").await?);
    people.sort();
    people.dedup();
    for p in people {
        tx.append(Topic::User(p), body.clone(), Some(by)).await?;
    }
    Ok(())
}

/// `GET /api/reporting`: the units, the regimes one works with, one's roles and tasks.
pub async fn overview(State(s): State<AppState>, u: CurrentUser) -> AppResult<Json<Overview>> {
    let mut tx = s.db.read().await?;
    let roles = tx.unit_roles(u.id()).await?;
    let dashboard = reads_dashboard(u.0.role);
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
        let related = dashboard
            || roles
                .iter()
                .any(|(x, _)| unit_ids.contains(x) || *x == row.receiving_unit_id);
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

/// A unit (admin).
#[derive(Deserialize)]
pub struct UnitInput {
    code: String,
    name: String,
    parent_id: Option<i64>,
}

fn admin(u: &CurrentUser) -> AppResult<()> {
    if u.0.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// `POST /api/reporting/units` (admin).
pub async fn add_unit(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(input): ApiJson<UnitInput>,
) -> AppResult<(StatusCode, Json<UnitInfo>)> {
    admin(&u)?;
    let code = input.code.trim();
    if code.is_empty() || code.len() > 40 {
        return Err(invalid("code", "a code of 1 to 40 characters"));
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "a name of 1 to 200 characters"));
    }
    let mut tx = s.db.write().await?;
    let units = tx.units().await?;
    if units.iter().any(|x| x.code == code) {
        return Err(AppError::Conflict(format!("unit {code} exists")));
    }
    if let Some(p) = input.parent_id
        && !units.iter().any(|x| x.id == p)
    {
        return Err(invalid("parent_id", "no such unit"));
    }
    let order = i64::try_from(units.len()).unwrap_or(0) + 1;
    let id = tx.insert_unit(code, name, input.parent_id, order).await?;
    s.commit(tx).await?;
    Ok((
        StatusCode::CREATED,
        Json(UnitInfo {
            id,
            code: code.to_owned(),
            name: name.to_owned(),
            parent_id: input.parent_id,
        }),
    ))
}

/// A role in a unit (admin).
#[derive(Deserialize)]
pub struct MemberInput {
    user_id: i64,
    /// `officer` or `approver`.
    role: String,
}

/// `POST /api/reporting/units/{id}/members` (admin).
pub async fn add_member(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(unit): ApiPath<i64>,
    ApiJson(m): ApiJson<MemberInput>,
) -> AppResult<StatusCode> {
    admin(&u)?;
    if !matches!(m.role.as_str(), "officer" | "approver") {
        return Err(invalid("role", "officer or approver"));
    }
    let mut tx = s.db.write().await?;
    if !tx.units().await?.iter().any(|x| x.id == unit) {
        return Err(AppError::NotFound);
    }
    if tx.user(UserId(m.user_id)).await?.is_none() {
        return Err(invalid("user_id", "no such account"));
    }
    tx.add_unit_member(unit, UserId(m.user_id), &m.role).await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/reporting/indicators` (admin): adds or redefines an indicator.
pub async fn put_indicator(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(i): ApiJson<Indicator>,
) -> AppResult<StatusCode> {
    admin(&u)?;
    let code = i.code.trim();
    if code.is_empty() || code.len() > 40 || code.contains(char::is_whitespace) {
        return Err(invalid("code", "a code of 1 to 40 characters, no spaces"));
    }
    if i.name.trim().is_empty() {
        return Err(invalid("name", "required"));
    }
    if let (Some(a), Some(b)) = (i.min, i.max)
        && a > b
    {
        return Err(invalid("min", "the minimum is above the maximum"));
    }
    if let Some(p) = i.problems().first() {
        return Err(invalid("disaggregation", p.clone()));
    }
    let mut tx = s.db.write().await?;
    tx.put_indicator(code, &serde_json::to_string(&i).map_err(internal)?)
        .await?;
    s.commit(tx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A regime (admin).
#[derive(Deserialize)]
pub struct RegimeInput {
    regime: Regime,
    receiving_unit_id: i64,
    unit_ids: Vec<i64>,
}

/// `POST /api/reporting/regimes` (admin).
pub async fn add_regime(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(input): ApiJson<RegimeInput>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    admin(&u)?;
    let r = &input.regime;
    if let Some(p) = r.problems().first() {
        return Err(invalid("regime", p.clone()));
    }
    let mut tx = s.db.write().await?;
    let known = all_indicators(&mut tx).await?;
    if let Some(c) = r
        .indicators
        .iter()
        .find(|c| !known.iter().any(|i| &i.code == *c))
    {
        return Err(invalid(
            "indicators",
            format!("{c} is not a known indicator"),
        ));
    }
    let units = tx.units().await?;
    let mut ids = input.unit_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Err(invalid("unit_ids", "name the units that report"));
    }
    if let Some(bad) = ids
        .iter()
        .chain([&input.receiving_unit_id])
        .find(|id| !units.iter().any(|x| x.id == **id))
    {
        return Err(invalid("unit_ids", format!("no unit {bad}")));
    }
    if tx.regimes().await?.iter().any(|x| x.code == r.code) {
        return Err(AppError::Conflict(format!("regime {} exists", r.code)));
    }
    let id = tx
        .insert_regime(
            &r.code,
            &serde_json::to_string(r).map_err(internal)?,
            input.receiving_unit_id,
            &ids,
        )
        .await?;
    s.commit(tx).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
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
    let r = rights(&mut tx, &u, &l, unit).await?;
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
    let r = rights(&mut tx, u, &l, unit).await?;
    if !r.officer {
        return Err(AppError::Forbidden);
    }
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
    let r = rights(&mut tx, &u, &l, unit).await?;
    if !r.officer {
        return Err(AppError::Forbidden);
    }
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
    let r = rights(&mut tx, &u, &l, unit).await?;
    if !r.approver {
        return Err(AppError::Forbidden);
    }
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
    if row.submitted_by == Some(u.id()) {
        return Err(AppError::Forbidden);
    }
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
    let r = rights(&mut tx, &u, &l, unit).await?;
    let p = period_of(&l, &period)?;
    let row = tx
        .report(l.row.id, unit, &p.to_string())
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = match row.status.as_str() {
        "submitted" => r.approver,
        "approved" => r.receiver,
        _ => {
            return Err(AppError::Conflict(format!(
                "a {} report is not returned",
                row.status
            )));
        }
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
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
    rights(&mut tx, &u, &l, unit).await?;
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

fn file_response(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut res = Response::new(axum::body::Body::from(bytes));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `GET …/periods/{period}/template.xlsx`: the form as a workbook to fill in (the saved
/// values filled in already).
pub async fn template(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath((id, unit, period)): ApiPath<FormPath>,
) -> AppResult<Response> {
    let mut tx = s.db.read().await?;
    let l = load(&mut tx, id).await?;
    rights(&mut tx, &u, &l, unit).await?;
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
        if !rights(&mut tx, &u, &l, unit).await?.officer {
            return Err(AppError::Forbidden);
        }
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

/// Dashboard query.
#[derive(Deserialize)]
pub struct ViewQuery {
    indicator: Option<String>,
    unit: Option<i64>,
    from: Option<String>,
    to: Option<String>,
    period: Option<String>,
    /// json (default), svg, csv or xlsx.
    format: Option<String>,
}

/// The periods of a view: `from..=to`, by default the last twelve reported.
fn span(s: &AppState, l: &Loaded, q: &ViewQuery) -> AppResult<Vec<Period>> {
    let kind = l.regime.period_type;
    let to = match &q.to {
        Some(t) => period_of(l, t)?,
        None => reporting_period(kind, today(s))?,
    };
    let from = match &q.from {
        Some(f) => period_of(l, f)?,
        None => to.shift(-11).map_err(internal)?,
    };
    let periods = from.through(to);
    if periods.is_empty() {
        return Err(invalid("from", "the first period comes after the last"));
    }
    if periods.len() > MAX_PERIODS {
        return Err(invalid(
            "from",
            format!("at most {MAX_PERIODS} periods in one view"),
        ));
    }
    Ok(periods)
}

fn indicator_of(l: &Loaded, q: &ViewQuery) -> AppResult<Indicator> {
    let code = q
        .indicator
        .as_deref()
        .or(l.regime.indicators.first().map(String::as_str))
        .ok_or_else(|| invalid("indicator", "name an indicator"))?;
    // `CODE:OPTION` names one part of a breakdown.
    let (whole, part) = match code.split_once(':') {
        Some((w, p)) => (w, Some(p)),
        None => (code, None),
    };
    let ind = l
        .indicators
        .iter()
        .find(|i| i.code == whole)
        .ok_or_else(|| invalid("indicator", format!("{code} is not on this regime's form")))?;
    match part {
        None => Ok(ind.clone()),
        Some(p) => ind
            .part(p)
            .ok_or_else(|| invalid("indicator", format!("{whole} has no option {p}"))),
    }
}

/// Sends a view as asked: JSON, or a chart, or a table file.
fn deliver<T: serde::Serialize>(
    q: &ViewQuery,
    name: &str,
    value: &T,
    table: impl FnOnce() -> (Vec<String>, Vec<Vec<String>>),
    chart: impl FnOnce() -> Result<String, String>,
) -> AppResult<Response> {
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(value).into_response()),
        "svg" => {
            let svg = chart().map_err(internal)?;
            let mut res = Response::new(axum::body::Body::from(svg));
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            );
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        "csv" => {
            let (head, rows) = table();
            let bytes = crate::reporting::files::csv(&head, &rows).map_err(internal)?;
            Ok(file_response(
                bytes,
                "text/csv; charset=utf-8",
                &format!("{name}.csv"),
            ))
        }
        "xlsx" => {
            let (head, rows) = table();
            let bytes =
                crate::reporting::files::table_xlsx(name, &head, &rows).map_err(internal)?;
            Ok(file_response(bytes, XLSX, &format!("{name}.xlsx")))
        }
        _ => Err(invalid("format", "json, svg, csv or xlsx")),
    }
}

fn number(v: Option<f64>) -> String {
    v.map(|v| format!("{v}")).unwrap_or_default()
}

/// `GET /api/reporting/regimes/{id}/series?indicator=&unit=&from=&to=&format=`: one
/// indicator over time, for one unit or across all (approved reports only).
pub async fn series(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<ViewQuery>,
) -> AppResult<Response> {
    let mut tx = s.db.read().await?;
    let l = load(&mut tx, id).await?;
    match q.unit {
        Some(unit) => {
            rights(&mut tx, &u, &l, unit).await?;
        }
        None => reads_regime(&mut tx, &u, &l).await?,
    }
    let ind = indicator_of(&l, &q)?;
    let periods = span(&s, &l, &q)?;
    let (first, last) = (periods[0], periods[periods.len() - 1]);
    let rows = tx
        .approved_series(l.row.id, &ind.code, start_key(first), start_key(last))
        .await?;
    let points: Vec<Point> = periods
        .iter()
        .map(|p| {
            let key = p.to_string();
            let vals: Vec<f64> = rows
                .iter()
                .filter(|(per, unit, _)| *per == key && q.unit.is_none_or(|x| x == *unit))
                .map(|(_, _, v)| *v)
                .collect();
            Point {
                period: key,
                value: across_units(ind.aggregation, &vals),
                units: u32::try_from(vals.len()).unwrap_or(u32::MAX),
            }
        })
        .collect();
    let series = Series {
        indicator: ind,
        unit_id: q.unit,
        points,
    };
    let name = format!("{}-{}", l.row.code, series.indicator.code);
    deliver(
        &q,
        &name,
        &series,
        || {
            (
                vec![
                    "Kỳ".into(),
                    series.indicator.name.clone(),
                    "Số đơn vị".into(),
                ],
                series
                    .points
                    .iter()
                    .map(|p| vec![p.period.clone(), number(p.value), p.units.to_string()])
                    .collect(),
            )
        },
        || crate::reporting::charts::series_svg(&series),
    )
}

/// `GET /api/reporting/regimes/{id}/compare?indicator=&period=&format=`: the units side
/// by side for one period.
pub async fn compare(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<ViewQuery>,
) -> AppResult<Response> {
    let mut tx = s.db.read().await?;
    let l = load(&mut tx, id).await?;
    reads_regime(&mut tx, &u, &l).await?;
    let ind = indicator_of(&l, &q)?;
    let p = match &q.period {
        Some(p) => period_of(&l, p)?,
        None => reporting_period(l.regime.period_type, today(&s))?,
    };
    let rows = tx
        .approved_series(l.row.id, &ind.code, start_key(p), start_key(p))
        .await?;
    let names = tx.units().await?;
    let mut units: Vec<UnitValue> = l
        .units
        .iter()
        .map(|id| UnitValue {
            unit_id: *id,
            name: names
                .iter()
                .find(|x| x.id == *id)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            value: rows.iter().find(|(_, u, _)| u == id).map(|(_, _, v)| *v),
        })
        .collect();
    units.sort_by(|a, b| match (a.value, b.value) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    });
    let c = Comparison {
        indicator: ind,
        period: p.to_string(),
        units,
    };
    let name = format!("{}-{}-{}", l.row.code, c.indicator.code, c.period);
    deliver(
        &q,
        &name,
        &c,
        || {
            (
                vec!["Đơn vị".into(), c.indicator.name.clone()],
                c.units
                    .iter()
                    .map(|x| vec![x.name.clone(), number(x.value)])
                    .collect(),
            )
        },
        || crate::reporting::charts::comparison_svg(&c),
    )
}

/// `GET /api/reporting/regimes/{id}/completeness?from=&to=&format=`: per period, how many
/// units submitted and how many were approved, of those that must report.
pub async fn completeness(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<ViewQuery>,
) -> AppResult<Response> {
    let mut tx = s.db.read().await?;
    let l = load(&mut tx, id).await?;
    reads_regime(&mut tx, &u, &l).await?;
    let periods = span(&s, &l, &q)?;
    let (first, last) = (periods[0], periods[periods.len() - 1]);
    let counts = tx
        .completeness(l.row.id, start_key(first), start_key(last))
        .await?;
    let expected = u32::try_from(l.units.len()).unwrap_or(u32::MAX);
    let view: Vec<PeriodCompleteness> = periods
        .iter()
        .map(|p| {
            let key = p.to_string();
            let (sub, app) = counts
                .iter()
                .find(|(per, _, _)| *per == key)
                .map_or((0, 0), |(_, s, a)| (*s, *a));
            PeriodCompleteness {
                period: key,
                expected,
                submitted: u32::try_from(sub).unwrap_or(0),
                approved: u32::try_from(app).unwrap_or(0),
                due: p.due(l.regime.deadline_days).to_string(),
            }
        })
        .collect();
    let name = format!("{}-completeness", l.row.code);
    deliver(
        &q,
        &name,
        &view,
        || {
            (
                vec![
                    "Kỳ".into(),
                    "Phải báo cáo".into(),
                    "Đã gửi".into(),
                    "Đã duyệt".into(),
                    "Hạn".into(),
                ],
                view.iter()
                    .map(|c| {
                        vec![
                            c.period.clone(),
                            c.expected.to_string(),
                            c.submitted.to_string(),
                            c.approved.to_string(),
                            c.due.clone(),
                        ]
                    })
                    .collect(),
            )
        },
        || crate::reporting::charts::completeness_svg(&view),
    )
}

/// `GET /api/reporting/statistics?format=`: ecabinet's own figures (leaders and the
/// office).
pub async fn statistics(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<ViewQuery>,
) -> AppResult<Response> {
    if !reads_dashboard(u.0.role) {
        return Err(AppError::Forbidden);
    }
    let mut tx = s.db.read().await?;
    let (meetings, ballots, answers, turnaround, exchanged, processing) =
        tx.ecabinet_counts().await?;
    let (_, _, pages) = tx.pages_distributed().await?;
    let hours = |ms: Option<f64>| ms.map(|m| (m / 3_600_000.0 * 10.0).round() / 10.0);
    let st = EcabinetStatistics {
        meetings_held: meetings,
        pages_distributed: pages,
        ballots,
        poll_answers: answers,
        poll_turnaround_hours: hours(turnaround),
        documents_exchanged: exchanged,
        exchange_processing_hours: hours(processing),
    };
    deliver(
        &q,
        "ecabinet-statistics",
        &st,
        || {
            (
                vec!["Chỉ số".into(), "Giá trị".into()],
                vec![
                    vec!["Phiên họp đã tổ chức".into(), st.meetings_held.to_string()],
                    vec![
                        "Trang tài liệu phân phối điện tử".into(),
                        st.pages_distributed.to_string(),
                    ],
                    vec!["Phiếu biểu quyết".into(), st.ballots.to_string()],
                    vec![
                        "Phiếu lấy ý kiến đã trả lời".into(),
                        st.poll_answers.to_string(),
                    ],
                    vec![
                        "Thời gian lấy ý kiến trung bình (giờ)".into(),
                        number(st.poll_turnaround_hours),
                    ],
                    vec![
                        "Văn bản liên thông".into(),
                        st.documents_exchanged.to_string(),
                    ],
                    vec![
                        "Thời gian xử lý văn bản đến trung bình (giờ)".into(),
                        number(st.exchange_processing_hours),
                    ],
                ],
            )
        },
        || Err("ecabinet's figures have no chart".to_owned()),
    )
}

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
    if !(receives || u.0.role == Role::Secretariat) {
        return Err(AppError::Forbidden);
    }
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

/// The routes of reporting, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reporting", get(overview))
        .route("/reporting/units", post(add_unit))
        .route("/reporting/units/{id}/members", post(add_member))
        .route("/reporting/indicators", post(put_indicator))
        .route("/reporting/regimes", post(add_regime))
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}",
            get(show).put(put_values),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/submit",
            post(submit),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/approve",
            post(approve),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/return",
            post(send_back),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/history",
            get(history),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/template.xlsx",
            get(template),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/upload",
            post(upload).layer(DefaultBodyLimit::max(6 * 1024 * 1024)),
        )
        .route("/reporting/regimes/{id}/series", get(series))
        .route("/reporting/regimes/{id}/compare", get(compare))
        .route("/reporting/regimes/{id}/completeness", get(completeness))
        .route("/reporting/regimes/{id}/remind", post(remind))
        .route("/reporting/statistics", get(statistics))
}
