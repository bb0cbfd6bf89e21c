//! Adding up: an indicator's values over time (months into a quarter, a year) and across
//! units (provinces into the country), each by the indicator's [`Aggregation`].

use crate::model::Aggregation;
use crate::period::{Period, PeriodError, PeriodType};
use std::collections::BTreeMap;

/// One value over several periods, in period order: the sum, the mean, or the last.
/// `None` when there is none.
pub fn over_time(agg: Aggregation, values: &[(Period, f64)]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(match agg {
        Aggregation::Sum => values.iter().map(|(_, v)| v).sum(),
        Aggregation::Average => values.iter().map(|(_, v)| v).sum::<f64>() / values.len() as f64,
        Aggregation::Last => values.iter().max_by_key(|(p, _)| *p).map(|(_, v)| *v)?,
    })
}

/// One value from several units' values for one period: summed, except rates, which are
/// averaged. `None` when there is none.
pub fn across_units(agg: Aggregation, values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let sum: f64 = values.iter().sum();
    Some(match agg {
        Aggregation::Sum | Aggregation::Last => sum,
        Aggregation::Average => sum / values.len() as f64,
    })
}

/// A series rolled up into longer periods (`to`, as long or longer than the series'):
/// each longer period's value from the shorter ones inside it, in order. A longer period
/// is given only from the periods present: completeness is told apart, not guessed.
pub fn roll_up(
    agg: Aggregation,
    series: &[(Period, f64)],
    to: PeriodType,
) -> Result<Vec<(Period, f64)>, PeriodError> {
    let mut groups: BTreeMap<Period, Vec<(Period, f64)>> = BTreeMap::new();
    for &(p, v) in series {
        if p.kind().months() > to.months() {
            return Err(PeriodError::Kind {
                expected: to.as_str(),
                got: p.kind().as_str(),
            });
        }
        groups.entry(p.within(to)?).or_default().push((p, v));
    }
    Ok(groups
        .into_iter()
        .filter_map(|(p, vs)| over_time(agg, &vs).map(|v| (p, v)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(year: i32, vals: &[f64]) -> Vec<(Period, f64)> {
        vals.iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    Period::new(PeriodType::Month, year, i as u8 + 1).unwrap(),
                    *v,
                )
            })
            .collect()
    }

    #[test]
    fn each_aggregation_over_time() {
        let s = months(2026, &[10.0, 20.0, 60.0]);
        assert_eq!(over_time(Aggregation::Sum, &s), Some(90.0));
        assert_eq!(over_time(Aggregation::Average, &s), Some(30.0));
        assert_eq!(over_time(Aggregation::Last, &s), Some(60.0));
        let mut shuffled = s.clone();
        shuffled.reverse();
        assert_eq!(
            over_time(Aggregation::Last, &shuffled),
            Some(60.0),
            "by period, not by position"
        );
        assert_eq!(over_time(Aggregation::Sum, &[]), None);
    }

    #[test]
    fn across_units_rates_are_averaged_and_the_rest_summed() {
        assert_eq!(across_units(Aggregation::Sum, &[1.0, 2.0, 3.0]), Some(6.0));
        assert_eq!(across_units(Aggregation::Last, &[1.0, 2.0, 3.0]), Some(6.0));
        assert_eq!(
            across_units(Aggregation::Average, &[1.0, 2.0, 3.0]),
            Some(2.0)
        );
        assert_eq!(across_units(Aggregation::Average, &[]), None);
    }

    #[test]
    fn months_roll_up_into_quarters_and_a_year() {
        let s = months(2026, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]);
        let q = roll_up(Aggregation::Sum, &s, PeriodType::Quarter).unwrap();
        let q: Vec<(String, f64)> = q.iter().map(|(p, v)| (p.to_string(), *v)).collect();
        assert_eq!(
            q,
            [
                ("2026-Q1".into(), 6.0),
                ("2026-Q2".into(), 15.0),
                ("2026-Q3".into(), 7.0)
            ]
        );
        let y = roll_up(Aggregation::Last, &s, PeriodType::Year).unwrap();
        assert_eq!(y[0].1, 7.0);
        let h = roll_up(Aggregation::Average, &s, PeriodType::HalfYear).unwrap();
        assert_eq!(h[0].1, 3.5);
        assert!(roll_up(Aggregation::Sum, &q_of(&s), PeriodType::Month).is_err());
    }

    fn q_of(s: &[(Period, f64)]) -> Vec<(Period, f64)> {
        roll_up(Aggregation::Sum, s, PeriodType::Quarter).unwrap()
    }
}
