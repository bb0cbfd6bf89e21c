//! `ecabinet-report-bench`: the reporting benchmark of BENCHMARKS.md. It fills a fresh
//! database (SQLite, or PostgreSQL when `ECABINET_TEST_POSTGRES` names an admin URL) with
//! one monthly regime of 200 indicators reported by 63 provinces for 60 months, all
//! approved (756,000 values), starts the real `ecabinet` binary on it, and times the
//! dashboard over HTTP as a leader's tablet asks for it: every indicator's 60-month
//! series across the 63 provinces (the whole aggregation), then p50/p95/max of series,
//! comparisons and completeness in random order, each also as the SVG chart.

use anyhow::{Context, Result};
use clap::Parser;
use ecabinet_reporting::{Aggregation, Indicator, Period, PeriodType, Regime, ValueType};
use ecabinet_server::accounts::PasswordHasher;
use ecabinet_server::seed;
use ecabinet_storage::Db;
use ecabinet_tests::{Client, TestDb, spawn_server, tool_sibling};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Indicators on the form.
    #[arg(long, default_value_t = 200)]
    indicators: usize,
    /// Reporting provinces.
    #[arg(long, default_value_t = 63)]
    units: usize,
    /// Months reported.
    #[arg(long, default_value_t = 60)]
    months: usize,
    /// Dashboard requests timed per kind.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// The server binary (default: `ecabinet` next to this tool).
    #[arg(long)]
    server: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let server = match &args.server {
        Some(p) => p.clone(),
        None => tool_sibling("ecabinet")?,
    };
    let db = TestDb::new().await?;
    let engine = db.engine();
    let started = Instant::now();
    let (regime, last) = fill(&db.url, &args).await?;
    let values = args.indicators * args.units * args.months;
    println!(
        "{engine}: {values} approved values ({} indicators × {} units × {} months) written in {:.1} s",
        args.indicators,
        args.units,
        args.months,
        started.elapsed().as_secs_f64()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = spawn_server(&server, &db.url, port, std::process::Stdio::inherit()).await?;
    let base = format!("http://127.0.0.1:{port}");
    let pm = Client::logged_in(&base, "thutuong").await?;
    let first = last
        .shift(-(args.months as i64 - 1))
        .map_err(anyhow::Error::msg)?;
    let series = |i: usize, format: &str| {
        format!(
            "/api/reporting/regimes/{regime}/series?indicator=CT{i:03}&from={first}&to={last}&format={format}"
        )
    };

    // The whole aggregation: every indicator over every month across every unit.
    let t = Instant::now();
    for i in 0..args.indicators {
        let a = pm.get(&series(i, "json")).await?;
        anyhow::ensure!(a.status == 200, "series: {}", a.body);
        let points = a.body["points"].as_array().context("points")?;
        anyhow::ensure!(
            points.len() == args.months
                && points
                    .iter()
                    .all(|p| p["units"].as_u64() == Some(args.units as u64)),
            "every month adds up every unit"
        );
    }
    println!(
        "{engine}: all {} series ({} months × {} units each) in {:.2} s",
        args.indicators,
        args.months,
        args.units,
        t.elapsed().as_secs_f64()
    );

    let compare_name = format!("compare {} units (json)", args.units);
    let completeness_name = format!("completeness, {} months (json)", args.months);
    let kinds: [(&str, PathFor); 5] = [
        (
            "series (json)",
            Box::new(|i| series(i % args.indicators, "json")),
        ),
        (
            "series (svg chart)",
            Box::new(|i| series(i % args.indicators, "svg")),
        ),
        (
            compare_name.as_str(),
            Box::new(|i| {
                let p = last.shift(-((i % args.months) as i64)).unwrap_or(last);
                format!(
                    "/api/reporting/regimes/{regime}/compare?indicator=CT{:03}&period={p}",
                    i % args.indicators
                )
            }),
        ),
        (
            "compare (svg chart)",
            Box::new(|i| {
                format!(
                    "/api/reporting/regimes/{regime}/compare?indicator=CT{:03}&period={last}&format=svg",
                    i % args.indicators
                )
            }),
        ),
        (
            completeness_name.as_str(),
            Box::new(|_| {
                format!("/api/reporting/regimes/{regime}/completeness?from={first}&to={last}")
            }),
        ),
    ];
    for (name, path) in &kinds {
        let mut times = Vec::with_capacity(args.requests);
        for i in 0..args.requests {
            // Spread over the indicators in a fixed shuffled order.
            let k = (i * 7919) % (args.indicators * args.months).max(1);
            let p = path(k);
            let t = Instant::now();
            let a = pm.get(&p).await?;
            times.push(t.elapsed());
            anyhow::ensure!(a.status == 200, "{name}: {}", a.body);
        }
        times.sort();
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "{engine}: dashboard {name}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} requests)",
            ms(at(0.5)),
            ms(at(0.95)),
            ms(*times.last().unwrap_or(&Duration::ZERO)),
            times.len()
        );
    }
    child.kill().await.ok();
    Ok(())
}

/// The path of the i-th request of a kind.
type PathFor<'a> = Box<dyn Fn(usize) -> String + 'a>;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The regime, units and approved reports, written straight into the database in large
/// statements (the benchmark is about reading them back, not about 3,780 submissions
/// through the API; no revisions are written).
async fn fill(url: &str, args: &Args) -> Result<(i64, Period)> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    seed::demo(&db, &PasswordHasher::fast_for_tests())
        .await
        .map_err(|e| anyhow::anyhow!("seed: {e}"))?;
    let codes: Vec<String> = (0..args.indicators).map(|i| format!("CT{i:03}")).collect();
    let (regime, units, officer) = {
        let mut tx = db.write().await?;
        let vpcp = tx
            .insert_unit("VPCP", "Văn phòng Chính phủ", None, 0)
            .await?;
        let mut units = Vec::new();
        for u in 0..args.units {
            units.push(
                tx.insert_unit(
                    &format!("T{u:02}"),
                    &format!("Tỉnh {u:02}"),
                    Some(vpcp),
                    u as i64 + 1,
                )
                .await?,
            );
        }
        for (i, code) in codes.iter().enumerate() {
            let ind = Indicator {
                code: code.clone(),
                name: format!("Chỉ tiêu {i}"),
                unit: "tỷ đồng".into(),
                value_type: ValueType::Decimal,
                aggregation: [Aggregation::Sum, Aggregation::Average, Aggregation::Last][i % 3],
                min: None,
                max: None,
                required: true,
                disaggregation: Vec::new(),
            };
            tx.put_indicator(code, &serde_json::to_string(&ind)?)
                .await?;
        }
        let regime = Regime {
            code: "BENCH".into(),
            name: "Benchmark".into(),
            period_type: PeriodType::Month,
            deadline_days: 5,
            indicators: codes.clone(),
            rules: Vec::new(),
        };
        let id = tx
            .insert_regime("BENCH", &serde_json::to_string(&regime)?, vpcp, &units)
            .await?;
        let officer = tx.user_by_username("vanthu1").await?.context("vanthu1")?.id;
        tx.commit().await?;
        (id, units, officer)
    };
    let last = Period::parse("2026-11").map_err(anyhow::Error::msg)?;
    let pool = sqlx::AnyPool::connect(url).await?;
    let mut tx = pool.begin().await?;
    let mut report_rows = Vec::new();
    for m in 0..args.months {
        let p = last.shift(-(m as i64)).map_err(anyhow::Error::msg)?;
        let start = i64::from(p.year()) * 100 + i64::from(p.first_month());
        for u in &units {
            report_rows.push(format!(
                "({regime}, {u}, '{p}', {start}, 'approved', {}, 0, {}, 0, 0)",
                officer.0, officer.0
            ));
        }
    }
    for chunk in report_rows.chunks(500) {
        let sql = format!(
            "insert into report (regime_id, unit_id, period, period_start, status, submitted_by, \
             submitted_at, decided_by, decided_at, updated_at) values {}",
            chunk.join(", ")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await?;
    }
    let ids: Vec<(i64,)> = sqlx::query_as("select report_id from report where regime_id = $1")
        .bind(regime)
        .fetch_all(&mut *tx)
        .await?;
    let mut rows = Vec::with_capacity(1000);
    for (n, (report,)) in ids.iter().enumerate() {
        for (i, code) in codes.iter().enumerate() {
            let v = ((n * 31 + i * 17) % 1000) as f64 + 0.5;
            rows.push(format!("({report}, '{code}', {v})"));
            if rows.len() == 1000 {
                insert_values(&mut tx, &rows).await?;
                rows.clear();
            }
        }
    }
    if !rows.is_empty() {
        insert_values(&mut tx, &rows).await?;
    }
    tx.commit().await?;
    pool.close().await;
    db.close().await;
    Ok((regime, last))
}

async fn insert_values(tx: &mut sqlx::Transaction<'_, sqlx::Any>, rows: &[String]) -> Result<()> {
    let sql = format!(
        "insert into report_value (report_id, indicator_code, value) values {}",
        rows.join(", ")
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut **tx)
        .await?;
    Ok(())
}
