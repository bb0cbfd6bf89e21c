//! The dashboard's charts as SVG, drawn with plotters: a series over time, units side by
//! side, and completeness per period. Sized for a tablet (960 × 480), with large type, and
//! with the numbers in the SVG's text so that the chart reads without the page around it.

use ecabinet_protocol::reporting::{Comparison, PeriodCompleteness, Series};
use plotters::prelude::*;

const SIZE: (u32, u32) = (960, 480);
const BLUE: RGBColor = RGBColor(0x1d, 0x4e, 0x89);
const GREEN: RGBColor = RGBColor(0x2e, 0x7d, 0x32);
const AMBER: RGBColor = RGBColor(0xf5, 0x9e, 0x0b);

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing the chart: {e:?}")
}

/// A value range that includes 0 and leaves room above the largest.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    (lo * 1.1, hi * 1.1)
}

fn short(v: f64) -> String {
    if v.abs() >= 1e9 {
        format!("{:.1} tỷ", v / 1e9)
    } else if v.abs() >= 1e6 {
        format!("{:.1} tr", v / 1e6)
    } else if v.fract() == 0.0 {
        format!("{v}")
    } else {
        format!("{v:.2}")
    }
}

/// One indicator over time: a line with a dot and its value at each period reported;
/// periods without approved reports are gaps.
pub fn series_svg(s: &Series) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = s.points.len().max(1);
        let (lo, hi) = range(s.points.iter().filter_map(|p| p.value));
        let title = format!("{} ({})", s.indicator.name, s.indicator.unit);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(0..n, lo..hi)
            .map_err(err)?;
        let labels: Vec<String> = s.points.iter().map(|p| p.period.clone()).collect();
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
            .y_label_formatter(&|v| short(*v))
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        // Consecutive reported periods are joined; a missing one breaks the line.
        let mut run: Vec<(usize, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (i, p) in s.points.iter().enumerate() {
            match p.value {
                Some(v) => run.push((i, v)),
                None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                None => {}
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        for r in &runs {
            chart
                .draw_series(LineSeries::new(r.iter().copied(), BLUE.stroke_width(3)))
                .map_err(err)?;
        }
        chart
            .draw_series(runs.iter().flatten().map(|(i, v)| {
                EmptyElement::at((*i, *v))
                    + Circle::new((0, 0), 5, BLUE.filled())
                    + Text::new(short(*v), (-12, -24), ("sans-serif", 15))
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// Units side by side for one period: a bar each, highest first; units without an
/// approved report are listed with no bar.
pub fn comparison_svg(c: &Comparison) -> Result<String, String> {
    let mut out = String::new();
    {
        let height = (80 + 28 * c.units.len() as u32).max(SIZE.1);
        let root = SVGBackend::with_string(&mut out, (SIZE.0, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = c.units.len().max(1);
        let (lo, hi) = range(c.units.iter().filter_map(|u| u.value));
        let title = format!("{} — {} ({})", c.indicator.name, c.period, c.indicator.unit);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(220)
            .build_cartesian_2d(lo..hi, 0..n)
            .map_err(err)?;
        let names: Vec<String> = c.units.iter().map(|u| u.name.clone()).collect();
        chart
            .configure_mesh()
            .y_labels(n)
            .y_label_formatter(&|i| names.get(*i).cloned().unwrap_or_default())
            .x_label_formatter(&|v| short(*v))
            .label_style(("sans-serif", 15))
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        chart
            .draw_series(c.units.iter().enumerate().filter_map(|(i, u)| {
                u.value.map(|v| {
                    EmptyElement::at((0.0, i))
                        + Rectangle::new(
                            [(0, -10), (bar_px(v, lo, hi, SIZE.0 - 260), 10)],
                            BLUE.filled(),
                        )
                })
            }))
            .map_err(err)?;
        chart
            .draw_series(c.units.iter().enumerate().filter_map(|(i, u)| {
                u.value
                    .map(|v| Text::new(short(v), (v, i), ("sans-serif", 14)))
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// The width in pixels of a bar from 0 to `v` on an axis `lo..hi` drawn `px` wide.
fn bar_px(v: f64, lo: f64, hi: f64, px: u32) -> i32 {
    ((v / (hi - lo)) * f64::from(px)).round() as i32
}

/// Per period: units that must report, submitted, approved.
pub fn completeness_svg(view: &[PeriodCompleteness]) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = view.len().max(1);
        let top = view.iter().map(|c| c.expected).max().unwrap_or(1).max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption("Tình hình gửi báo cáo", ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((0..n).into_segmented(), 0..top + 1)
            .map_err(err)?;
        let labels: Vec<String> = view.iter().map(|c| c.period.clone()).collect();
        chart
            .configure_mesh()
            .x_labels(n.min(12))
            .x_label_formatter(&|seg| match seg {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    labels.get(*i).cloned().unwrap_or_default()
                }
                SegmentValue::Last => String::new(),
            })
            .label_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        for (color, pick) in [
            (
                AMBER,
                (|c: &PeriodCompleteness| c.submitted) as fn(&PeriodCompleteness) -> u32,
            ),
            (GREEN, |c: &PeriodCompleteness| c.approved),
        ] {
            chart
                .draw_series(
                    Histogram::vertical(&chart)
                        .style(color.filled())
                        .margin(if color == AMBER { 6 } else { 18 })
                        .data(view.iter().enumerate().map(|(i, c)| (i, pick(c)))),
                )
                .map_err(err)?
                .label(if color == AMBER {
                    "Đã gửi"
                } else {
                    "Đã duyệt"
                })
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
                });
        }
        chart
            .configure_series_labels()
            .label_font(("sans-serif", 16))
            .border_style(BLACK)
            .background_style(WHITE)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecabinet_protocol::reporting::{Point, UnitValue};
    use ecabinet_reporting::{Aggregation, Indicator, ValueType};

    fn indicator() -> Indicator {
        Indicator {
            code: "THU_NS".into(),
            name: "Thu ngân sách".into(),
            unit: "tỷ đồng".into(),
            value_type: ValueType::Decimal,
            aggregation: Aggregation::Sum,
            min: Some(0.0),
            max: None,
            required: true,
            disaggregation: Vec::new(),
        }
    }

    #[test]
    fn a_series_chart_shows_each_reported_value_and_its_period() {
        let s = Series {
            indicator: indicator(),
            unit_id: None,
            points: vec![
                Point {
                    period: "2026-09".into(),
                    value: Some(1250.5),
                    units: 2,
                },
                Point {
                    period: "2026-10".into(),
                    value: None,
                    units: 0,
                },
                Point {
                    period: "2026-11".into(),
                    value: Some(1300.0),
                    units: 2,
                },
            ],
        };
        let svg = series_svg(&s).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        for text in [
            "Thu ngân sách (tỷ đồng)",
            "1250.50",
            "1300",
            "2026-09",
            "2026-11",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn a_comparison_names_every_unit_and_completeness_both_counts() {
        let c = Comparison {
            indicator: indicator(),
            period: "2026-11".into(),
            units: vec![
                UnitValue {
                    unit_id: 1,
                    name: "Hà Nội".into(),
                    value: Some(900.0),
                },
                UnitValue {
                    unit_id: 2,
                    name: "Đà Nẵng".into(),
                    value: None,
                },
            ],
        };
        let svg = comparison_svg(&c).unwrap();
        assert!(svg.contains("Hà Nội") && svg.contains("Đà Nẵng") && svg.contains("900"));
        let view = vec![PeriodCompleteness {
            period: "2026-11".into(),
            expected: 3,
            submitted: 2,
            approved: 1,
            due: "2026-12-05".into(),
        }];
        let svg = completeness_svg(&view).unwrap();
        assert!(svg.contains("Đã gửi") && svg.contains("Đã duyệt") && svg.contains("2026-11"));
    }
}
