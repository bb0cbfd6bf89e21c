//! Reporting periods (kỳ báo cáo): a month, a quarter, a half-year or a year, written
//! `2026-11`, `2026-Q4`, `2026-H2` and `2026`; what comes before and after, which months a
//! period covers, and its deadline (so many days after its last day).

use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Duration, Month};

/// How long a regime's periods are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    /// Tháng.
    Month,
    /// Quý.
    Quarter,
    /// 6 tháng.
    HalfYear,
    /// Năm.
    Year,
}

impl PeriodType {
    /// Every type, shortest first.
    pub const ALL: [PeriodType; 4] = [Self::Month, Self::Quarter, Self::HalfYear, Self::Year];

    /// Months in one period.
    pub fn months(self) -> u8 {
        match self {
            Self::Month => 1,
            Self::Quarter => 3,
            Self::HalfYear => 6,
            Self::Year => 12,
        }
    }

    /// Periods in a year.
    pub fn per_year(self) -> u8 {
        12 / self.months()
    }

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::HalfYear => "half_year",
            Self::Year => "year",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<PeriodType> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One reporting period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    /// Which of the year's periods, from 1.
    index: u8,
    kind: PeriodType,
}

/// Why a period could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not one of the four forms.
    #[error("a period is written 2026-11, 2026-Q4, 2026-H2 or 2026")]
    Form,
    /// The year is outside 1900–9999.
    #[error("the year must be between 1900 and 9999")]
    Year,
    /// Month 13, quarter 5 and the like.
    #[error("there is no such period in a year")]
    Index,
    /// The period is not of the regime's type.
    #[error("the regime reports by {expected}, not {got}")]
    Kind {
        /// The regime's type.
        expected: &'static str,
        /// What was given.
        got: &'static str,
    },
}

impl Period {
    /// The `index`-th period (from 1) of `kind` in `year`.
    pub fn new(kind: PeriodType, year: i32, index: u8) -> Result<Period, PeriodError> {
        if !(1900..=9999).contains(&year) {
            return Err(PeriodError::Year);
        }
        if index == 0 || index > kind.per_year() {
            return Err(PeriodError::Index);
        }
        Ok(Period { year, index, kind })
    }

    /// Reads `2026-11`, `2026-Q4`, `2026-H2` or `2026`.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let s = s.trim();
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PeriodError::Form);
        }
        let year: i32 = year.parse().map_err(|_| PeriodError::Form)?;
        let number = |t: &str| -> Result<u8, PeriodError> {
            if t.is_empty() || t.len() > 2 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(PeriodError::Form);
            }
            t.parse().map_err(|_| PeriodError::Form)
        };
        match rest {
            None => Period::new(PeriodType::Year, year, 1),
            Some(r) => {
                if let Some(q) = r.strip_prefix(['Q', 'q']) {
                    Period::new(PeriodType::Quarter, year, number(q)?)
                } else if let Some(h) = r.strip_prefix(['H', 'h']) {
                    Period::new(PeriodType::HalfYear, year, number(h)?)
                } else if r.len() == 2 {
                    Period::new(PeriodType::Month, year, number(r)?)
                } else {
                    Err(PeriodError::Form)
                }
            }
        }
    }

    /// Reads a period that must be of `kind`.
    pub fn parse_as(s: &str, kind: PeriodType) -> Result<Period, PeriodError> {
        let p = Period::parse(s)?;
        if p.kind != kind {
            return Err(PeriodError::Kind {
                expected: kind.as_str(),
                got: p.kind.as_str(),
            });
        }
        Ok(p)
    }

    /// Its type.
    pub fn kind(self) -> PeriodType {
        self.kind
    }

    /// Its year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// Which of the year's periods, from 1.
    pub fn index(self) -> u8 {
        self.index
    }

    /// Its first month (1–12).
    pub fn first_month(self) -> u8 {
        (self.index - 1) * self.kind.months() + 1
    }

    /// Its last month (1–12).
    pub fn last_month(self) -> u8 {
        self.index * self.kind.months()
    }

    /// The period of `kind` holding month `month` (1–12) of `year`.
    pub fn containing(kind: PeriodType, year: i32, month: u8) -> Result<Period, PeriodError> {
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Index);
        }
        Period::new(kind, year, (month - 1) / kind.months() + 1)
    }

    /// The period of `kind` (as long or longer) that holds this one.
    pub fn within(self, kind: PeriodType) -> Result<Period, PeriodError> {
        Period::containing(kind, self.year, self.first_month())
    }

    /// Whether `other` lies inside this period (a month in its quarter, say).
    pub fn contains(self, other: Period) -> bool {
        other.year == self.year
            && other.first_month() >= self.first_month()
            && other.last_month() <= self.last_month()
    }

    /// Periods of its type since year 0, to count and shift by.
    fn ordinal(self) -> i64 {
        i64::from(self.year) * i64::from(self.kind.per_year()) + i64::from(self.index) - 1
    }

    fn from_ordinal(kind: PeriodType, n: i64) -> Result<Period, PeriodError> {
        let per = i64::from(kind.per_year());
        let year = i32::try_from(n.div_euclid(per)).map_err(|_| PeriodError::Year)?;
        let index = u8::try_from(n.rem_euclid(per) + 1).map_err(|_| PeriodError::Index)?;
        Period::new(kind, year, index)
    }

    /// The period `n` periods later (earlier if negative).
    pub fn shift(self, n: i64) -> Result<Period, PeriodError> {
        Period::from_ordinal(self.kind, self.ordinal() + n)
    }

    /// The period before (for the change against the last period).
    pub fn previous(self) -> Result<Period, PeriodError> {
        self.shift(-1)
    }

    /// The period after.
    pub fn next(self) -> Result<Period, PeriodError> {
        self.shift(1)
    }

    /// The same period a year earlier (cùng kỳ năm trước).
    pub fn a_year_before(self) -> Result<Period, PeriodError> {
        self.shift(-i64::from(self.kind.per_year()))
    }

    /// Periods from `self` to `to`, both included (empty if `to` is earlier or of another
    /// type).
    pub fn through(self, to: Period) -> Vec<Period> {
        if to.kind != self.kind {
            return Vec::new();
        }
        (self.ordinal()..=to.ordinal())
            .filter_map(|n| Period::from_ordinal(self.kind, n).ok())
            .collect()
    }

    /// Its first day.
    pub fn first_day(self) -> Date {
        // Years are 1900–9999 and months 1–12: always a date.
        Date::from_calendar_date(self.year, month(self.first_month()), 1).unwrap_or(Date::MIN)
    }

    /// Its last day.
    pub fn last_day(self) -> Date {
        let (y, m) = if self.last_month() == 12 {
            (self.year + 1, 1)
        } else {
            (self.year, self.last_month() + 1)
        };
        Date::from_calendar_date(y, month(m), 1)
            .map(|d| d - Duration::days(1))
            .unwrap_or(Date::MAX)
    }

    /// The last day to report it: `days` after its last day.
    pub fn due(self, days: u16) -> Date {
        self.last_day()
            .checked_add(Duration::days(i64::from(days)))
            .unwrap_or(Date::MAX)
    }
}

fn month(m: u8) -> Month {
    Month::try_from(m).unwrap_or(Month::January)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodType::Month => write!(f, "{}-{:02}", self.year, self.index),
            PeriodType::Quarter => write!(f, "{}-Q{}", self.year, self.index),
            PeriodType::HalfYear => write!(f, "{}-H{}", self.year, self.index),
            PeriodType::Year => write!(f, "{}", self.year),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Period, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn p(s: &str) -> Period {
        Period::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn the_four_forms_read_and_write_back() {
        for s in ["2026-11", "2026-01", "2026-Q4", "2026-H1", "2026"] {
            assert_eq!(p(s).to_string(), s);
        }
        assert_eq!(p("2026-q3").to_string(), "2026-Q3");
        for bad in [
            "2026-13",
            "2026-00",
            "2026-Q5",
            "2026-H3",
            "26-11",
            "2026-1",
            "2026-11-01",
            "",
            "abcd",
            "2026-Q",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Period::parse("1800"), Err(PeriodError::Year));
        assert!(matches!(
            Period::parse_as("2026-Q1", PeriodType::Month),
            Err(PeriodError::Kind { .. })
        ));
    }

    #[test]
    fn periods_cross_years_both_ways() {
        assert_eq!(p("2026-01").previous(), Ok(p("2025-12")));
        assert_eq!(p("2025-12").next(), Ok(p("2026-01")));
        assert_eq!(p("2026-Q1").previous(), Ok(p("2025-Q4")));
        assert_eq!(p("2026-H1").shift(-3), Ok(p("2024-H2")));
        assert_eq!(p("2026-03").a_year_before(), Ok(p("2025-03")));
        assert_eq!(p("2026").previous(), Ok(p("2025")));
        assert_eq!(p("2025-11").through(p("2026-02")).len(), 4);
        assert!(p("2026-02").through(p("2025-11")).is_empty());
        assert!(p("2026-02").through(p("2026-Q1")).is_empty());
    }

    #[test]
    fn a_period_knows_its_months_days_and_deadline() {
        assert_eq!(
            (p("2026-Q3").first_month(), p("2026-Q3").last_month()),
            (7, 9)
        );
        assert_eq!(p("2026-Q3").last_day(), date!(2026 - 09 - 30));
        assert_eq!(p("2024-02").last_day(), date!(2024 - 02 - 29), "leap year");
        assert_eq!(p("2026-12").last_day(), date!(2026 - 12 - 31));
        assert_eq!(p("2026-H1").first_day(), date!(2026 - 01 - 01));
        // Monthly reports due on the 5th of the next month, say.
        assert_eq!(p("2026-11").due(5), date!(2026 - 12 - 05));
        assert_eq!(p("2026-12").due(20), date!(2027 - 01 - 20));
        assert!(p("2026-Q4").contains(p("2026-11")));
        assert!(!p("2026-Q4").contains(p("2026-09")));
        assert!(p("2026").contains(p("2026-H2")));
        assert_eq!(p("2026-11").within(PeriodType::Quarter), Ok(p("2026-Q4")));
        assert_eq!(p("2026-08").within(PeriodType::HalfYear), Ok(p("2026-H2")));
    }

    proptest! {
        #[test]
        fn shifting_there_and_back_is_the_same_period(kind in 0usize..4, year in 1950i32..2100, index in 1u8..13, n in -500i64..500) {
            let kind = PeriodType::ALL[kind];
            prop_assume!(index <= kind.per_year());
            let start = Period::new(kind, year, index).unwrap();
            if let Ok(there) = start.shift(n) {
                prop_assert_eq!(there.shift(-n), Ok(start));
                prop_assert_eq!(start.through(there).len() as i64, if n >= 0 { n + 1 } else { 0 });
                prop_assert_eq!(Period::parse(&there.to_string()), Ok(there));
                prop_assert!(there.first_day() <= there.last_day());
            }
        }
    }
}
