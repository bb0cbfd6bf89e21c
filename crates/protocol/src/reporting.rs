//! Reporting over HTTP: the regimes and units one works with, a report's form with its
//! problems cell by cell, its history, and the dashboard's series, comparisons and
//! completeness.

use ecabinet_domain::UserId;
use ecabinet_reporting::validate::CellProblem;
use ecabinet_reporting::{Indicator, Regime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A reporting unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInfo {
    /// Id.
    pub id: i64,
    /// Short code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The unit above.
    pub parent_id: Option<i64>,
}

/// A regime with its indicators and units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RegimeInfo {
    /// Id.
    pub id: i64,
    /// The definition.
    pub regime: Regime,
    /// Its indicators, in form order.
    pub indicators: Vec<Indicator>,
    /// Who receives its reports.
    pub receiving_unit_id: i64,
    /// Who reports under it.
    pub unit_ids: Vec<i64>,
}

/// A report one has to do something with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Regime.
    pub regime_id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Period.
    pub period: String,
    /// draft, submitted, approved, returned, or `missing` (not begun).
    pub status: String,
    /// Due date, YYYY-MM-DD.
    pub due: String,
    /// Past due and not submitted.
    pub overdue: bool,
    /// `fill` (officer), `approve` (approver), `check` (receiving unit).
    pub action: String,
}

/// `GET /api/reporting`: what one works with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// Units.
    pub units: Vec<UnitInfo>,
    /// Regimes one reports under, approves, receives or reads.
    pub regimes: Vec<RegimeInfo>,
    /// One's roles: (unit, officer | approver).
    pub roles: Vec<(i64, String)>,
    /// Whether one reads the direction dashboard of every regime.
    pub dashboard: bool,
    /// The current period's reports one has to fill, approve or check.
    pub tasks: Vec<Task>,
}

/// A report's form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportForm {
    /// Regime.
    pub regime_id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Period.
    pub period: String,
    /// draft, submitted, approved, returned, or `missing` (not begun).
    pub status: String,
    /// The values saved.
    pub values: BTreeMap<String, f64>,
    /// Their problems: errors refuse the submission; warnings ask a second look.
    pub problems: Vec<CellProblem>,
    /// The previous period's approved values (for the change check).
    pub previous: BTreeMap<String, f64>,
    /// Hex SHA-256 of the report bytes the officer's device signs.
    pub digest: String,
    /// Due date, YYYY-MM-DD.
    pub due: String,
    /// Past due and not submitted.
    pub overdue: bool,
    /// The last return's comment.
    pub comment: String,
    /// Who submitted it.
    pub submitted_by: Option<UserId>,
    /// What the viewer may do: `edit`, `submit`, `approve`, `return`.
    pub may: Vec<String>,
    /// Regime code, unit code (what the digest covers besides the values).
    pub regime_code: String,
    /// Unit code.
    pub unit_code: String,
}

/// `PUT` a form: cells as typed (empty: none).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValuesInput {
    /// Code → text.
    pub values: BTreeMap<String, String>,
}

/// A refused save, submission or upload: every problem, by cell (and row, for a file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowProblem {
    /// The file's row (from 1), for an upload.
    pub row: Option<u32>,
    /// The problem.
    pub problem: CellProblem,
}

/// The signed submission: the record bytes and the signature, hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitInput {
    /// `SubmissionRecord::to_bytes`, hex.
    pub bytes: String,
    /// Ed25519 signature, hex.
    pub signature: String,
}

/// A return with its reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnInput {
    /// Why (required).
    pub comment: String,
}

/// One revision of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// The indicator; `None` for a step.
    pub code: Option<String>,
    /// Before.
    pub old_value: Option<f64>,
    /// After.
    pub new_value: Option<f64>,
    /// edit, upload, submit, approve, return.
    pub action: String,
    /// Who.
    pub user_id: UserId,
    /// Their name.
    pub user_name: String,
    /// When, Unix ms.
    pub at: i64,
    /// The return's comment.
    pub note: String,
}

/// One point of a series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Period.
    pub period: String,
    /// The value (across the units that reported, by the indicator's aggregation).
    pub value: Option<f64>,
    /// How many units' approved reports it adds up.
    pub units: u32,
}

/// A time series of one indicator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The indicator.
    pub indicator: Indicator,
    /// One unit, or all of the regime's.
    pub unit_id: Option<i64>,
    /// Points, in period order.
    pub points: Vec<Point>,
}

/// One unit's value in a comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitValue {
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub name: String,
    /// Its approved value, if any.
    pub value: Option<f64>,
}

/// Units compared for one indicator and period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The indicator.
    pub indicator: Indicator,
    /// The period.
    pub period: String,
    /// Each unit, highest first; units without an approved report last.
    pub units: Vec<UnitValue>,
}

/// Completeness of one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodCompleteness {
    /// Period.
    pub period: String,
    /// Units that must report.
    pub expected: u32,
    /// Submitted or approved.
    pub submitted: u32,
    /// Approved.
    pub approved: u32,
    /// Due date, YYYY-MM-DD.
    pub due: String,
}

/// ecabinet's own figures: what paper it saved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EcabinetStatistics {
    /// Meetings held (open or closed).
    pub meetings_held: i64,
    /// Pages distributed digitally (pages × readers).
    pub pages_distributed: i64,
    /// Ballots cast.
    pub ballots: i64,
    /// Written-poll answers.
    pub poll_answers: i64,
    /// Average time from sending a written poll to its closing, hours.
    pub poll_turnaround_hours: Option<f64>,
    /// Documents exchanged (sent from or received by organs hosted here).
    pub documents_exchanged: i64,
    /// Average time from arrival to done, hours.
    pub exchange_processing_hours: Option<f64>,
}
