//! Reporting (chế độ báo cáo) over HTTP: the admin sets up units, indicators and regimes;
//! a unit's officer fills a period's form (on screen, or as an XLSX or CSV file from the
//! template), saves drafts and submits it signed on the device; the unit's approver
//! approves or returns it; the receiving unit may return an approved one. Every change is
//! a revision. Overdue units are reminded in-app and by e-mail. The dashboard reads
//! approved numbers only: series, comparisons across units, completeness, ecabinet's own
//! figures, each as JSON, SVG (`charts.rs`), CSV or XLSX.
//!
//! Its files: `setup` (units, indicators, regimes), `forms` (one unit's report for a period,
//! from draft to approval), `dashboard` (with `charts` and `files`) and `reminders`. What
//! they share is here: loading a regime, the facts that `ecabinet_domain::access::reporting`
//! weighs to say who may do what with a unit's report, the errors.

mod charts;
mod dashboard;
mod files;
mod forms;
mod reminders;
mod setup;

pub use reminders::run_clock;

use crate::AppState;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult, enforce};
use crate::platform::session::CurrentUser;
use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ecabinet_domain::access::reporting::{Membership, ReportCap, Rights, UnitRole};
use ecabinet_domain::access::{self, Decision};
use ecabinet_domain::{DomainError, UserId};
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

/// What `u` may do with one unit's reports under a regime, once allowed `cap`: 404 if the
/// unit does not report under it or `u` does not read its reports, 403 without `cap`.
async fn rights(
    tx: &mut Tx,
    u: &CurrentUser,
    l: &Loaded,
    unit: i64,
    cap: ReportCap,
) -> AppResult<Rights> {
    if !l.units.contains(&unit) {
        return Err(AppError::NotFound);
    }
    let roles = tx.unit_roles(u.id()).await?;
    let has =
        |unit: i64, role: UnitRole| roles.iter().any(|(x, r)| *x == unit && r == role.as_str());
    // Any role, as stored: one spelled oddly still lets its holder read.
    let within = |unit: i64| roles.iter().any(|(x, _)| *x == unit);
    let receiving = l.row.receiving_unit_id;
    let r = access::reporting::rights(
        u.0.role,
        Membership {
            officer: has(unit, UnitRole::Officer),
            approver: has(unit, UnitRole::Approver),
            in_unit: within(unit),
            receiver: has(receiving, UnitRole::Approver),
            in_receiving_unit: within(receiving),
        },
    );
    enforce(r.decide(cap))?;
    Ok(r)
}

/// Whether `u` has some role in a unit that receives some regime's reports (who follows
/// the `reporting` topic besides the dashboards' readers).
pub(crate) async fn in_some_receiving_unit(tx: &mut Tx, u: &CurrentUser) -> AppResult<bool> {
    let roles = tx.unit_roles(u.id()).await?;
    Ok(tx
        .regimes()
        .await?
        .iter()
        .any(|r| roles.iter().any(|(x, _)| *x == r.receiving_unit_id)))
}

/// 404 unless `u` reads a regime's dashboard (every unit's approved numbers).
async fn reads_regime(tx: &mut Tx, u: &CurrentUser, l: &Loaded) -> AppResult<()> {
    // The units are read only when the account role does not decide alone.
    let in_receiving = !access::reporting::reads_dashboard(u.0.role)
        && tx
            .unit_roles(u.id())
            .await?
            .iter()
            .any(|(x, _)| *x == l.row.receiving_unit_id);
    enforce(access::reporting::reads_regime(u.0.role, in_receiving))
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
    let may = access::reporting::form_actions(r, &status)
        .into_iter()
        .map(str::to_owned)
        .collect();
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

/// The routes of reporting, merged under `/api` with the other contexts'.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reporting", get(forms::overview))
        .route("/reporting/units", post(setup::add_unit))
        .route("/reporting/units/{id}/members", post(setup::add_member))
        .route("/reporting/indicators", post(setup::put_indicator))
        .route("/reporting/regimes", post(setup::add_regime))
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}",
            get(forms::show).put(forms::put_values),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/submit",
            post(forms::submit),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/approve",
            post(forms::approve),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/return",
            post(forms::send_back),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/history",
            get(forms::history),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/template.xlsx",
            get(forms::template),
        )
        .route(
            "/reporting/regimes/{id}/units/{unit}/periods/{period}/upload",
            post(forms::upload).layer(DefaultBodyLimit::max(6 * 1024 * 1024)),
        )
        .route("/reporting/regimes/{id}/series", get(dashboard::series))
        .route("/reporting/regimes/{id}/compare", get(dashboard::compare))
        .route(
            "/reporting/regimes/{id}/completeness",
            get(dashboard::completeness),
        )
        .route("/reporting/regimes/{id}/remind", post(reminders::remind))
        .route("/reporting/statistics", get(dashboard::statistics))
}
