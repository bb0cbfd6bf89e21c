//! Reporting regimes (chế độ báo cáo, Decree 09/2019/NĐ-CP): indicators (chỉ tiêu),
//! periods and their arithmetic, the validation of a report form cell by cell, and
//! aggregation over time and across reporting units. Rules only: storage, HTTP and the
//! screens live elsewhere.

pub mod aggregate;
pub mod canonical;
#[cfg(feature = "import")]
pub mod import;
pub mod model;
pub mod period;
pub mod validate;

pub use aggregate::{across_units, over_time, roll_up};
pub use model::{Aggregation, Category, Indicator, Op, Regime, Rule, ValueType, cell_key};
pub use period::{Period, PeriodError, PeriodType};
pub use validate::{
    CellProblem, FileProblem, Problem, Severity, parse_number, validate, with_totals,
};
