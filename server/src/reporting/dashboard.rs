//! The dashboard: approved numbers only, as a series over time, units side by side,
//! completeness per period, and ecabinet's own figures; each as JSON, SVG, CSV or XLSX.

use super::*;

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
            rights(&mut tx, &u, &l, unit, ReportCap::Read).await?;
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
    if !access::reporting::reads_dashboard(u.0.role) {
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
