//! Indicators (chỉ tiêu) and reporting regimes (chế độ báo cáo): what is reported, in
//! which unit and type, how it adds up, and the rules a form must keep.

use crate::period::PeriodType;
use serde::{Deserialize, Serialize};

/// What kind of number an indicator takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// A whole number (enterprises founded, people).
    Integer,
    /// Any number (VND billions).
    Decimal,
    /// A percentage (growth, a rate): any number, shown with %.
    Percent,
}

impl ValueType {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::Decimal => "decimal",
            Self::Percent => "percent",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<ValueType> {
        [Self::Integer, Self::Decimal, Self::Percent]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// How an indicator's values add up, over time (a quarter from its months) and across
/// units (the country from its provinces).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Flows (revenue, disbursement): summed over time and across units.
    Sum,
    /// Rates (CPI growth): averaged over time and across units.
    Average,
    /// Stocks (enterprises operating at the end of the period): the last period's value
    /// over time, summed across units.
    Last,
}

impl Aggregation {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sum => "sum",
            Self::Average => "average",
            Self::Last => "last",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<Aggregation> {
        [Self::Sum, Self::Average, Self::Last]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// One option of an indicator's breakdown (phân tổ): "Nam", "Nữ"; "Thành thị", "Nông thôn".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Code, unique within the indicator (e.g. `NAM`).
    pub code: String,
    /// Name.
    pub name: String,
}

/// The key of an indicator's cell for one option of its breakdown: `CODE:OPTION`.
pub fn cell_key(code: &str, option: &str) -> String {
    format!("{code}:{option}")
}

/// An indicator (chỉ tiêu).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Code, unique (e.g. `KTXH.01`).
    pub code: String,
    /// Name.
    pub name: String,
    /// Unit of measure (tỷ đồng, %, doanh nghiệp).
    pub unit: String,
    /// Type of value.
    pub value_type: ValueType,
    /// How it adds up.
    pub aggregation: Aggregation,
    /// Smallest value accepted.
    pub min: Option<f64>,
    /// Largest value accepted.
    pub max: Option<f64>,
    /// Whether a form may be submitted without it.
    pub required: bool,
    /// Its breakdown, if reported by parts: one cell per option, and the indicator's own
    /// value is their total by its aggregation (computed, never typed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disaggregation: Vec<Category>,
}

impl Indicator {
    /// The cells a form asks for: the indicator's own, or one per option of its breakdown.
    pub fn cells(&self) -> Vec<String> {
        if self.disaggregation.is_empty() {
            vec![self.code.clone()]
        } else {
            self.disaggregation
                .iter()
                .map(|c| cell_key(&self.code, &c.code))
                .collect()
        }
    }

    /// The indicator as one of its options sees it (for the dashboard's series of a part).
    pub fn part(&self, option: &str) -> Option<Indicator> {
        let c = self.disaggregation.iter().find(|c| c.code == option)?;
        Some(Indicator {
            code: cell_key(&self.code, &c.code),
            name: format!("{} — {}", self.name, c.name),
            disaggregation: Vec::new(),
            ..self.clone()
        })
    }

    /// Problems with the definition: a breakdown's option codes.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.disaggregation {
            if c.code.is_empty() || c.code.contains([':', ' ']) || c.name.trim().is_empty() {
                out.push(format!(
                    "option {:?} needs a code without spaces or colons and a name",
                    c.code
                ));
            }
            if !seen.insert(c.code.as_str()) {
                out.push(format!("option {} appears twice", c.code));
            }
        }
        if self.disaggregation.len() == 1 {
            out.push("a breakdown has at least two options".to_owned());
        }
        out
    }
}

/// A comparison between two cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// ≤ (a part against its whole).
    Le,
    /// <.
    Lt,
    /// ≥.
    Ge,
    /// >.
    Gt,
    /// = (a total against the sum of its parts, to the cent).
    Eq,
}

impl Op {
    /// Whether `left op right` holds.
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Self::Le => left <= right,
            Self::Lt => left < right,
            Self::Ge => left >= right,
            Self::Gt => left > right,
            Self::Eq => (left - right).abs() < 0.005,
        }
    }

    /// The sign, for messages.
    pub fn sign(self) -> &'static str {
        match self {
            Self::Le => "≤",
            Self::Lt => "<",
            Self::Ge => "≥",
            Self::Gt => ">",
            Self::Eq => "=",
        }
    }
}

/// A validation rule of a regime beyond each indicator's own range.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// `left op right` between two indicators (part ≤ whole); an error when broken.
    Compare {
        /// Left indicator.
        left: String,
        /// The comparison.
        op: Op,
        /// Right indicator.
        right: String,
    },
    /// A change against the previous period of more than `max_percent` percent is flagged
    /// for a second look (a warning: it may be true).
    Change {
        /// The indicator.
        code: String,
        /// The largest change, in percent, that passes unflagged.
        max_percent: f64,
    },
}

/// A reporting regime (chế độ báo cáo).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Regime {
    /// Code, unique.
    pub code: String,
    /// Name.
    pub name: String,
    /// How long its periods are.
    pub period_type: PeriodType,
    /// Days after a period's last day by which its report is due.
    pub deadline_days: u16,
    /// The indicators of its form, in order.
    pub indicators: Vec<String>,
    /// Its rules.
    pub rules: Vec<Rule>,
}

impl Regime {
    /// Every cell its form asks for, in order.
    pub fn cells(&self, indicators: &[Indicator]) -> Vec<String> {
        self.indicators
            .iter()
            .filter_map(|c| indicators.iter().find(|i| &i.code == c))
            .flat_map(Indicator::cells)
            .collect()
    }

    /// Problems with the regime itself: rules naming indicators not on the form.
    pub fn problems(&self) -> Vec<String> {
        let on_form = |c: &str| self.indicators.iter().any(|i| i == c);
        let mut out = Vec::new();
        if self.indicators.is_empty() {
            out.push("a regime reports at least one indicator".to_owned());
        }
        let mut seen = std::collections::BTreeSet::new();
        for i in &self.indicators {
            if !seen.insert(i.as_str()) {
                out.push(format!("{i} is on the form twice"));
            }
        }
        for r in &self.rules {
            match r {
                Rule::Compare { left, right, .. } => {
                    for c in [left, right] {
                        if !on_form(c) {
                            out.push(format!("rule names {c}, which is not on the form"));
                        }
                    }
                }
                Rule::Change { code, max_percent } => {
                    if !on_form(code) {
                        out.push(format!("rule names {code}, which is not on the form"));
                    }
                    if !(max_percent.is_finite() && *max_percent > 0.0) {
                        out.push(format!("the change allowed for {code} must be above 0 %"));
                    }
                }
            }
        }
        out
    }
}
