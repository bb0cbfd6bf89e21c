//! Checking a report form cell by cell: numbers as people type them (1.234,5 or 1,234.5),
//! whole numbers, ranges, required cells, rules between cells (part ≤ whole), and changes
//! against the previous period beyond a threshold (flagged, not refused).

use crate::aggregate::across_units;
use crate::model::{Indicator, Op, Regime, Rule, ValueType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Whether a problem stops the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Refused.
    Error,
    /// Shown for a second look; the form goes through.
    Warning,
}

/// What is wrong with a cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// Not a number.
    NotANumber {
        /// What was given.
        given: String,
    },
    /// A whole number was expected.
    NotWhole,
    /// Below the indicator's minimum.
    BelowMin {
        /// The minimum.
        min: f64,
    },
    /// Above the indicator's maximum.
    AboveMax {
        /// The maximum.
        max: f64,
    },
    /// A required cell is empty (at submission).
    Missing,
    /// The code is not on this regime's form.
    Unknown,
    /// An uploaded row is for another period than the form's.
    WrongPeriod {
        /// What the row says.
        given: String,
        /// The form's period.
        expected: String,
    },
    /// The code appears on two rows of an upload.
    Duplicate,
    /// A total of a breakdown was typed: it is computed from its parts.
    Total,
    /// A rule between two cells is broken: this cell `op` `other` does not hold.
    Broken {
        /// The comparison that should hold.
        op: Op,
        /// The other indicator.
        other: String,
        /// This cell's value.
        left: f64,
        /// The other's.
        right: f64,
    },
    /// Changed by `percent` against the previous period's `previous`.
    Changed {
        /// The change, in percent (signed).
        percent: f64,
        /// Last period's value.
        previous: f64,
        /// The threshold.
        max_percent: f64,
    },
    /// An uploaded file refused as a whole: it cannot be read, or it passes a limit (the
    /// problem's code is empty then).
    File(FileProblem),
}

/// Why an uploaded report file (XLSX or CSV) is refused before its rows are looked at.
/// The limits are carried in the variants, so that the words shown name them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum FileProblem {
    /// Neither an XLSX workbook nor UTF-8 text.
    NotXlsxOrCsv,
    /// A workbook that cannot be read: a damaged ZIP, a compression method other than
    /// deflate, broken XML.
    UnreadableWorkbook {
        /// The reader's words (English).
        detail: String,
    },
    /// Text that the CSV reader cannot read.
    UnreadableCsv {
        /// The reader's words (English).
        detail: String,
    },
    /// Parts of the workbook are encrypted with a password.
    Encrypted,
    /// More parts in the workbook (files inside its ZIP) than any report has.
    TooManyParts {
        /// The most accepted.
        max: u32,
    },
    /// One part unpacks to more than `max_mib` MiB.
    PartTooLarge {
        /// Its name inside the workbook.
        part: String,
        /// The most accepted, in MiB.
        max_mib: u32,
    },
    /// All parts together unpack to more than `max_mib` MiB.
    UnpacksTooLarge {
        /// The most accepted, in MiB.
        max_mib: u32,
    },
    /// The workbook declares or holds more distinct texts than `max`.
    TooManyStrings {
        /// The most accepted.
        max: u32,
    },
    /// The workbook has no sheet.
    NoSheet,
    /// Cells beyond row `max`: a report has one row per indicator.
    TooManyRows {
        /// The last row accepted.
        max: u32,
    },
    /// Row `row` has cells beyond column `max`.
    TooManyColumns {
        /// The file's row (from 1).
        row: u32,
        /// The last column accepted.
        max: u32,
    },
    /// A cell of row `row` holds more than `max` characters.
    CellTooLong {
        /// The file's row (from 1).
        row: u32,
        /// The most accepted.
        max: u32,
    },
    /// The cells together hold more than `max_mib` MiB of text.
    TooMuchText {
        /// The most accepted, in MiB.
        max_mib: u32,
    },
    /// No row names the columns (Kỳ, Mã chỉ tiêu, Giá trị).
    NoHeader,
    /// The header row has no column Mã chỉ tiêu.
    NoCodeColumn,
    /// The header row has no column Giá trị.
    NoValueColumn,
    /// No row below the header has an indicator code.
    NoRows,
}

impl FileProblem {
    /// The file's row it names, if any.
    pub fn row(&self) -> Option<u32> {
        match self {
            FileProblem::TooManyColumns { row, .. } | FileProblem::CellTooLong { row, .. } => {
                Some(*row)
            }
            _ => None,
        }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileProblem::NotXlsxOrCsv => {
                f.write_str("the file is neither an XLSX workbook nor UTF-8 CSV")
            }
            FileProblem::UnreadableWorkbook { detail } => {
                write!(f, "not a readable XLSX workbook: {detail}")
            }
            FileProblem::UnreadableCsv { detail } => write!(f, "not readable as CSV: {detail}"),
            FileProblem::Encrypted => f.write_str("the workbook is protected by a password"),
            FileProblem::TooManyParts { max } => {
                write!(f, "the workbook holds more than {max} parts")
            }
            FileProblem::PartTooLarge { part, max_mib } => {
                write!(
                    f,
                    "the workbook's part {part} unpacks to more than {max_mib} MiB"
                )
            }
            FileProblem::UnpacksTooLarge { max_mib } => {
                write!(f, "the workbook unpacks to more than {max_mib} MiB")
            }
            FileProblem::TooManyStrings { max } => {
                write!(f, "the workbook declares or holds more than {max} texts")
            }
            FileProblem::NoSheet => f.write_str("the workbook has no sheet"),
            FileProblem::TooManyRows { max } => write!(
                f,
                "the file has cells beyond row {max}; a report has one row per indicator"
            ),
            FileProblem::TooManyColumns { row, max } => {
                write!(f, "row {row} has cells beyond column {max}")
            }
            FileProblem::CellTooLong { row, max } => {
                write!(f, "a cell of row {row} holds more than {max} characters")
            }
            FileProblem::TooMuchText { max_mib } => {
                write!(f, "the cells hold more than {max_mib} MiB of text")
            }
            FileProblem::NoHeader => {
                f.write_str("no header row naming the columns (Kỳ, Mã chỉ tiêu, Giá trị)")
            }
            FileProblem::NoCodeColumn => f.write_str("no column Mã chỉ tiêu"),
            FileProblem::NoValueColumn => f.write_str("no column Giá trị"),
            FileProblem::NoRows => f.write_str("the file has no indicator rows"),
        }
    }
}

/// A problem of one cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellProblem {
    /// The indicator.
    pub code: String,
    /// Refused or flagged.
    pub severity: Severity,
    /// What.
    pub problem: Problem,
}

impl CellProblem {
    /// An error of `code`'s cell.
    pub fn error(code: &str, problem: Problem) -> CellProblem {
        CellProblem {
            code: code.to_owned(),
            severity: Severity::Error,
            problem,
        }
    }

    /// Whether even a draft is refused for it: a value that is not a valid value at all
    /// (a draft may be incomplete or break a rule between cells until submitted).
    pub fn refuses_draft(&self) -> bool {
        matches!(
            self.problem,
            Problem::NotANumber { .. }
                | Problem::NotWhole
                | Problem::BelowMin { .. }
                | Problem::AboveMax { .. }
                | Problem::Unknown
                | Problem::WrongPeriod { .. }
                | Problem::Duplicate
                | Problem::Total
                | Problem::File(_)
        )
    }
}

impl fmt::Display for CellProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.code.is_empty() {
            write!(f, "{}: ", self.code)?;
        }
        match &self.problem {
            Problem::NotANumber { given } => write!(f, "\"{given}\" is not a number"),
            Problem::NotWhole => f.write_str("must be a whole number"),
            Problem::BelowMin { min } => write!(f, "must be at least {min}"),
            Problem::AboveMax { max } => write!(f, "must be at most {max}"),
            Problem::Missing => f.write_str("is required"),
            Problem::Unknown => f.write_str("is not an indicator of this report"),
            Problem::WrongPeriod { given, expected } => {
                write!(
                    f,
                    "the row is for period {given}, the report for {expected}"
                )
            }
            Problem::Duplicate => f.write_str("appears on more than one row"),
            Problem::Total => f.write_str("is the total of its breakdown: enter the parts"),
            Problem::Broken {
                op,
                other,
                left,
                right,
            } => write!(f, "{left} must be {} {other} ({right})", op.sign()),
            Problem::Changed {
                percent,
                previous,
                max_percent,
            } => write!(
                f,
                "changed by {percent:.1} % against the previous period ({previous}), more than {max_percent} %"
            ),
            Problem::File(p) => p.fmt(f),
        }
    }
}

/// Reads a number as typed in Vietnamese or English: `1234,5`, `1.234,5`, `1,234.5`,
/// `1 234.5`, `-3`. `None` if it is not one.
pub fn parse_number(raw: &str) -> Option<f64> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if s.is_empty() {
        return None;
    }
    let (comma, dot) = (s.rfind(','), s.rfind('.'));
    let normal = match (comma, dot) {
        // Both: the later one is the decimal mark.
        (Some(c), Some(d)) if c > d => s.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => s.replace(',', ""),
        // Only commas: one is the decimal mark (Vietnamese), several group thousands.
        (Some(_), None) if s.matches(',').count() == 1 => s.replace(',', "."),
        (Some(_), None) => s.replace(',', ""),
        // Several dots group thousands (1.234.567).
        (None, Some(_)) if s.matches('.').count() > 1 => s.replace('.', ""),
        _ => s,
    };
    if !normal
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')
    {
        return None;
    }
    normal.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads typed cells (`code` → text, `CODE:OPTION` for a part of a breakdown) against
/// the form: the values, and the problems of cells that are not numbers, not on the form,
/// or a breakdown's total. Empty cells are absent.
pub fn read_cells(
    regime: &Regime,
    indicators: &[Indicator],
    raw: &BTreeMap<String, String>,
) -> (BTreeMap<String, f64>, Vec<CellProblem>) {
    let cells = regime.cells(indicators);
    let mut values = BTreeMap::new();
    let mut problems = Vec::new();
    for (code, text) in raw {
        if !cells.contains(code) {
            let total = indicators
                .iter()
                .any(|i| &i.code == code && !i.disaggregation.is_empty());
            problems.push(CellProblem::error(
                code,
                if total {
                    Problem::Total
                } else {
                    Problem::Unknown
                },
            ));
            continue;
        }
        if text.trim().is_empty() {
            continue;
        }
        match parse_number(text) {
            Some(v) => {
                values.insert(code.clone(), v);
            }
            None => problems.push(CellProblem::error(
                code,
                Problem::NotANumber {
                    given: text.chars().take(40).collect(),
                },
            )),
        }
    }
    (values, problems)
}

/// Sets each broken-down indicator's own value to the total of its parts (by its
/// aggregation), or removes it when no part is there.
pub fn with_totals(indicators: &[Indicator], values: &mut BTreeMap<String, f64>) {
    for ind in indicators.iter().filter(|i| !i.disaggregation.is_empty()) {
        let parts: Vec<f64> = ind
            .cells()
            .iter()
            .filter_map(|c| values.get(c).copied())
            .collect();
        match across_units(ind.aggregation, &parts) {
            Some(t) => values.insert(ind.code.clone(), t),
            None => values.remove(&ind.code),
        };
    }
}

/// Every problem of a form's `values`: ranges and whole numbers always; required cells
/// and rules between cells (errors: they refuse a submission, not a draft); changes
/// against `previous` (the last period's approved values) beyond a rule's threshold
/// (warnings).
pub fn validate(
    regime: &Regime,
    indicators: &[Indicator],
    values: &BTreeMap<String, f64>,
    previous: Option<&BTreeMap<String, f64>>,
) -> Vec<CellProblem> {
    let mut out = Vec::new();
    let mut known: Vec<String> = regime.cells(indicators);
    for code in &regime.indicators {
        let Some(ind) = indicators.iter().find(|i| &i.code == code) else {
            continue;
        };
        if !ind.disaggregation.is_empty() {
            known.push(ind.code.clone());
        }
        for cell in ind.cells() {
            match values.get(&cell) {
                None if ind.required => out.push(CellProblem::error(&cell, Problem::Missing)),
                None => {}
                Some(&v) => {
                    if ind.value_type == ValueType::Integer && v.fract() != 0.0 {
                        out.push(CellProblem::error(&cell, Problem::NotWhole));
                    }
                    if let Some(min) = ind.min
                        && v < min
                    {
                        out.push(CellProblem::error(&cell, Problem::BelowMin { min }));
                    }
                    if let Some(max) = ind.max
                        && v > max
                    {
                        out.push(CellProblem::error(&cell, Problem::AboveMax { max }));
                    }
                }
            }
        }
    }
    for code in values.keys() {
        if !known.contains(code) {
            out.push(CellProblem::error(code, Problem::Unknown));
        }
    }
    for rule in &regime.rules {
        match rule {
            Rule::Compare { left, op, right } => {
                if let (Some(&l), Some(&r)) = (values.get(left), values.get(right))
                    && !op.holds(l, r)
                {
                    out.push(CellProblem::error(
                        left,
                        Problem::Broken {
                            op: *op,
                            other: right.clone(),
                            left: l,
                            right: r,
                        },
                    ));
                }
            }
            Rule::Change { code, max_percent } => {
                if let (Some(&now), Some(&before)) =
                    (values.get(code), previous.and_then(|p| p.get(code)))
                    && before != 0.0
                {
                    let percent = (now - before) / before.abs() * 100.0;
                    if percent.abs() > *max_percent {
                        out.push(CellProblem {
                            code: code.clone(),
                            severity: Severity::Warning,
                            problem: Problem::Changed {
                                percent,
                                previous: before,
                                max_percent: *max_percent,
                            },
                        });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Aggregation;
    use crate::period::PeriodType;
    use proptest::prelude::*;

    fn ind(code: &str, value_type: ValueType, min: Option<f64>, max: Option<f64>) -> Indicator {
        Indicator {
            code: code.into(),
            name: code.into(),
            unit: String::new(),
            value_type,
            aggregation: Aggregation::Sum,
            min,
            max,
            required: true,
            disaggregation: Vec::new(),
        }
    }

    fn regime() -> (Regime, Vec<Indicator>) {
        let indicators = vec![
            ind("VON", ValueType::Decimal, Some(0.0), None),
            ind("GIAI_NGAN", ValueType::Decimal, Some(0.0), None),
            ind("TY_LE", ValueType::Percent, Some(0.0), Some(100.0)),
            ind("DN_MOI", ValueType::Integer, Some(0.0), None),
        ];
        let regime = Regime {
            code: "KTXH".into(),
            name: "Kinh tế - xã hội".into(),
            period_type: PeriodType::Month,
            deadline_days: 5,
            indicators: indicators.iter().map(|i| i.code.clone()).collect(),
            rules: vec![
                Rule::Compare {
                    left: "GIAI_NGAN".into(),
                    op: Op::Le,
                    right: "VON".into(),
                },
                Rule::Change {
                    code: "DN_MOI".into(),
                    max_percent: 50.0,
                },
            ],
        };
        (regime, indicators)
    }

    fn values(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect()
    }

    #[test]
    fn numbers_read_as_typed_in_either_language() {
        for (raw, want) in [
            ("1234", 1234.0),
            ("1234,5", 1234.5),
            ("1.234,5", 1234.5),
            ("1,234.5", 1234.5),
            ("1 234,5", 1234.5),
            ("1.234.567", 1_234_567.0),
            ("1,234,567", 1_234_567.0),
            ("-3,25", -3.25),
            ("0.5", 0.5),
        ] {
            assert_eq!(parse_number(raw), Some(want), "{raw}");
        }
        for bad in ["", "abc", "12a", "1e309", "NaN", "inf", "--1", "1,2.3.4"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn each_cell_gets_its_own_problem() {
        let (r, inds) = regime();
        let raw: BTreeMap<String, String> = [
            ("VON", "1.000,5"),
            ("GIAI_NGAN", "mười"),
            ("TY_LE", "120"),
            ("KHAC", "1"),
            ("DN_MOI", ""),
        ]
        .iter()
        .map(|(c, v)| ((*c).to_owned(), (*v).to_owned()))
        .collect();
        let (vals, mut problems) = read_cells(&r, &inds, &raw);
        assert_eq!(vals, values(&[("VON", 1000.5), ("TY_LE", 120.0)]));
        problems.extend(validate(&r, &inds, &vals, None));
        let by: Vec<(&str, &Problem)> = problems
            .iter()
            .map(|p| (p.code.as_str(), &p.problem))
            .collect();
        assert!(by.contains(&(
            "GIAI_NGAN",
            &Problem::NotANumber {
                given: "mười".into()
            }
        )));
        assert!(by.contains(&("TY_LE", &Problem::AboveMax { max: 100.0 })));
        assert!(by.contains(&("KHAC", &Problem::Unknown)));
        assert!(by.contains(&("DN_MOI", &Problem::Missing)));
        assert!(
            by.contains(&("GIAI_NGAN", &Problem::Missing)),
            "not a number, so not there"
        );
        let refused: Vec<&str> = problems
            .iter()
            .filter(|p| p.refuses_draft())
            .map(|p| p.code.as_str())
            .collect();
        assert_eq!(refused, ["GIAI_NGAN", "KHAC", "TY_LE"]);
    }

    #[test]
    fn a_part_over_its_whole_is_an_error_and_a_jump_a_warning() {
        let (r, inds) = regime();
        let v = values(&[
            ("VON", 100.0),
            ("GIAI_NGAN", 120.0),
            ("TY_LE", 50.0),
            ("DN_MOI", 160.0),
        ]);
        let before = values(&[("DN_MOI", 100.0)]);
        let problems = validate(&r, &inds, &v, Some(&before));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].code, "GIAI_NGAN");
        assert_eq!(problems[0].severity, Severity::Error);
        assert!(
            !problems[0].refuses_draft(),
            "a draft may break it for a while"
        );
        assert_eq!(
            problems[0].to_string(),
            "GIAI_NGAN: 120 must be ≤ VON (100)"
        );
        assert_eq!(problems[1].severity, Severity::Warning);
        assert!(
            matches!(problems[1].problem, Problem::Changed { percent, .. } if (percent - 60.0).abs() < 1e-9)
        );
        let calm = values(&[
            ("VON", 100.0),
            ("GIAI_NGAN", 100.0),
            ("TY_LE", 50.0),
            ("DN_MOI", 149.0),
        ]);
        assert!(validate(&r, &inds, &calm, Some(&before)).is_empty());
        let whole = values(&[
            ("VON", 1.0),
            ("GIAI_NGAN", 1.0),
            ("TY_LE", 1.0),
            ("DN_MOI", 2.5),
        ]);
        assert_eq!(
            validate(&r, &inds, &whole, None)[0].problem,
            Problem::NotWhole
        );
    }

    #[test]
    fn a_regime_names_only_indicators_on_its_form() {
        let (mut r, _) = regime();
        assert!(r.problems().is_empty());
        r.rules.push(Rule::Compare {
            left: "X".into(),
            op: Op::Le,
            right: "VON".into(),
        });
        r.indicators.push("VON".into());
        assert_eq!(r.problems().len(), 2, "{:?}", r.problems());
    }

    #[test]
    fn a_breakdown_is_typed_by_parts_and_totalled() {
        use crate::model::Category;
        let mut workers = ind("LAO_DONG", ValueType::Integer, Some(0.0), None);
        workers.disaggregation = vec![
            Category {
                code: "NAM".into(),
                name: "Nam".into(),
            },
            Category {
                code: "NU".into(),
                name: "Nữ".into(),
            },
        ];
        let r = Regime {
            code: "LD".into(),
            name: "Lao động".into(),
            period_type: PeriodType::Quarter,
            deadline_days: 10,
            indicators: vec!["LAO_DONG".into()],
            rules: Vec::new(),
        };
        let inds = vec![workers];
        assert_eq!(r.cells(&inds), ["LAO_DONG:NAM", "LAO_DONG:NU"]);
        let raw: BTreeMap<String, String> = [("LAO_DONG:NAM", "1200"), ("LAO_DONG", "2000")]
            .iter()
            .map(|(c, v)| ((*c).to_owned(), (*v).to_owned()))
            .collect();
        let (mut vals, problems) = read_cells(&r, &inds, &raw);
        assert_eq!(
            problems[0].problem,
            Problem::Total,
            "the total is not typed"
        );
        with_totals(&inds, &mut vals);
        assert_eq!(vals["LAO_DONG"], 1200.0);
        let p = validate(&r, &inds, &vals, None);
        assert_eq!(
            p.iter()
                .map(|x| (x.code.as_str(), &x.problem))
                .collect::<Vec<_>>(),
            [("LAO_DONG:NU", &Problem::Missing)]
        );
        vals.insert("LAO_DONG:NU".into(), 950.0);
        with_totals(&inds, &mut vals);
        assert_eq!(vals["LAO_DONG"], 2150.0);
        assert!(validate(&r, &inds, &vals, None).is_empty());
        assert_eq!(
            inds[0].part("NU").map(|i| i.name),
            Some("LAO_DONG — Nữ".to_owned())
        );
    }

    proptest! {
        #[test]
        fn reading_a_number_never_panics_and_round_trips_plain_ones(s in "\\PC{0,20}", n in -1e12f64..1e12) {
            let _ = parse_number(&s);
            let plain = format!("{n}");
            prop_assert_eq!(parse_number(&plain), Some(n));
        }
    }

    #[test]
    fn a_refused_file_travels_as_a_problem_without_a_code() {
        let p = CellProblem::error(
            "",
            Problem::File(FileProblem::CellTooLong {
                row: 7,
                max: 32_767,
            }),
        );
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json["problem"],
            serde_json::json!({"kind": "file", "reason": "cell_too_long", "row": 7, "max": 32767})
        );
        assert_eq!(serde_json::from_value::<CellProblem>(json).unwrap(), p);
        assert!(p.refuses_draft());
        assert_eq!(
            p.to_string(),
            "a cell of row 7 holds more than 32767 characters"
        );
    }
}
