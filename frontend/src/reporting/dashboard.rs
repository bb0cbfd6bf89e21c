//! `/dashboard`, the direction dashboard: charts drawn by the server as SVG, filters,
//! exports, the comparison with links to each report's history, and ecabinet's own
//! figures, redrawn live when a report is approved (`reporting` topic).

use super::i18n::number;
use super::reports::fetch;
use crate::platform::{pick, ui};
use ecabinet_protocol::Topic;
use ecabinet_protocol::reporting::{EcabinetStatistics, Overview};
use leptos::prelude::*;

/// `/dashboard`.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    Effect::new(move |_| live.want(Topic::Reporting));
    let overview = RwSignal::new(None::<Overview>);
    let stats = RwSignal::new(None::<EcabinetStatistics>);
    let regime = RwSignal::new(None::<i64>);
    let indicator = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let err = RwSignal::new(None::<String>);
    // The comparison as numbers too: each links to that report's history of the cell.
    let compared = RwSignal::new(None::<ecabinet_protocol::reporting::Comparison>);
    Effect::new(move |_| {
        live.reporting.track();
        let (Some(r), code, period) = (regime.get(), indicator.get(), to.get()) else {
            return;
        };
        let mut path = format!("/api/reporting/regimes/{r}/compare?indicator={code}");
        if !period.is_empty() {
            path.push_str(&format!("&period={period}"));
        }
        leptos::task::spawn_local(async move {
            compared.set(fetch(lang.get_untracked(), path).await.ok());
        });
    });
    Effect::new(move |_| {
        live.reporting.track();
        live.resyncs.track();
        leptos::task::spawn_local(async move {
            let l = lang.get_untracked();
            match fetch::<Overview>(l, "/api/reporting".into()).await {
                Ok(o) => {
                    if regime.get_untracked().is_none()
                        && let Some(r) = o.regimes.first()
                    {
                        regime.set(Some(r.id));
                        indicator.set(r.regime.indicators.first().cloned().unwrap_or_default());
                    }
                    overview.set(Some(o));
                }
                Err(e) => err.set(Some(e)),
            }
            if let Ok(s) = fetch::<EcabinetStatistics>(l, "/api/reporting/statistics".into()).await
            {
                stats.set(Some(s));
            }
        });
    });
    let query = move |extra: &str| {
        let mut q = format!("indicator={}", indicator.get());
        for (k, v) in [("unit", unit.get()), ("from", from.get()), ("to", to.get())] {
            if !v.is_empty() {
                q.push_str(&format!("&{k}={v}"));
            }
        }
        format!("{q}{extra}")
    };
    // Each event draws the charts again: the version in the URL defeats the cache.
    let url = move |view: &str, format: &str| {
        let Some(r) = regime.get() else {
            return String::new();
        };
        format!(
            "/api/reporting/regimes/{r}/{view}?{}&format={format}&v={}",
            query(""),
            live.reporting.get()
        )
    };
    view! {
        <main class="page stack dashboard" data-testid="dashboard">
            <h1>{move || pick(lang.get(), "Bảng điều hành", "Direction dashboard")}</h1>
            {move || err.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || overview.get().map(|o| {
                let l = lang.get();
                let regimes = o.regimes.clone();
                let current = regime.get().and_then(|r| regimes.iter().find(|x| x.id == r).cloned());
                view! {
                    <div class="row wrap filters">
                        <label>{pick(l, "Chế độ báo cáo", "Regime")}
                            <select data-testid="dash-regime" on:change=move |ev| regime.set(event_target_value(&ev).parse().ok())>
                                {regimes.iter().map(|r| view! { <option value=r.id.to_string() selected=Some(r.id) == regime.get_untracked()>{r.regime.name.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        {current.map(|r| {
                            let units = o.units.clone();
                            view! {
                                <label>{pick(l, "Chỉ tiêu", "Indicator")}
                                    <select data-testid="dash-indicator" on:change=move |ev| indicator.set(event_target_value(&ev))>
                                        {r.indicators.iter().flat_map(|i| std::iter::once(i.clone()).chain(i.disaggregation.iter().filter_map(|c| i.part(&c.code)))).map(|i| view! { <option value=i.code.clone() selected=i.code == indicator.get_untracked()>{i.name.clone()}</option> }).collect_view()}
                                    </select>
                                </label>
                                <label>{pick(l, "Đơn vị", "Unit")}
                                    <select data-testid="dash-unit" on:change=move |ev| unit.set(event_target_value(&ev))>
                                        <option value="">{pick(l, "Tất cả", "All")}</option>
                                        {r.unit_ids.iter().map(|id| view! { <option value=id.to_string()>{units.iter().find(|u| u.id == *id).map(|u| u.name.clone()).unwrap_or_default()}</option> }).collect_view()}
                                    </select>
                                </label>
                            }
                        })}
                        <label>{pick(l, "Từ kỳ", "From")}<input data-testid="dash-from" placeholder="2026-01" prop:value=move || from.get() on:change=move |ev| from.set(event_target_value(&ev))/></label>
                        <label>{pick(l, "Đến kỳ", "To")}<input data-testid="dash-to" placeholder="2026-11" prop:value=move || to.get() on:change=move |ev| to.set(event_target_value(&ev))/></label>
                    </div>
                }
            })}
            <Show when=move || regime.get().is_some()>
                {["series", "compare", "completeness"].into_iter().map(|v| view! {
                    <figure class="card chart">
                        <img data-testid=format!("chart-{v}") alt=v src=move || url(v, "svg")/>
                        <figcaption class="row wrap">
                            <a class="button" data-testid=format!("export-{v}-csv") href=move || url(v, "csv")>"CSV"</a>
                            <a class="button" data-testid=format!("export-{v}-xlsx") href=move || url(v, "xlsx")>"XLSX"</a>
                        </figcaption>
                    </figure>
                }).collect_view()}
            </Show>
            {move || compared.get().map(|c| {
                let l = lang.get();
                let r = regime.get().unwrap_or(0);
                view! {
                    <section class="card stack" data-testid="compare-table">
                        <h2>{format!("{} — {}", c.indicator.name, c.period)}</h2>
                        <table class="report-table">
                            <thead><tr><th>{pick(l, "Đơn vị", "Unit")}</th><th>{format!("{} ({})", pick(l, "Giá trị", "Value"), c.indicator.unit)}</th></tr></thead>
                            <tbody>
                                {c.units.iter().map(|u| view! {
                                    <tr data-testid="compare-row">
                                        <td>{u.name.clone()}</td>
                                        <td>{match u.value {
                                            Some(v) => view! { <a data-testid="compare-value" href=format!("/reports?regime={r}&unit={}&period={}&history={}", u.unit_id, c.period, c.indicator.code)>{number(v)}</a> }.into_any(),
                                            None => view! { <span class="muted">{pick(l, "chưa duyệt", "not approved")}</span> }.into_any(),
                                        }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }
            })}
            {move || stats.get().map(|s| {
                let l = lang.get();
                let opt = |v: Option<f64>| v.map(number).unwrap_or_else(|| "—".into());
                view! {
                    <section class="card stack" data-testid="ecabinet-stats">
                        <h2>{pick(l, "Hiệu quả của Chính phủ điện tử", "What ecabinet saved")}</h2>
                        <dl class="stats">
                            <dt>{pick(l, "Phiên họp đã tổ chức", "Meetings held")}</dt><dd>{s.meetings_held}</dd>
                            <dt>{pick(l, "Trang tài liệu phân phối điện tử", "Pages distributed digitally")}</dt><dd>{s.pages_distributed}</dd>
                            <dt>{pick(l, "Phiếu biểu quyết điện tử", "Ballots cast")}</dt><dd>{s.ballots}</dd>
                            <dt>{pick(l, "Phiếu lấy ý kiến đã trả lời", "Poll answers")}</dt><dd>{s.poll_answers}</dd>
                            <dt>{pick(l, "Thời gian lấy ý kiến trung bình (giờ)", "Average poll turnaround (h)")}</dt><dd>{opt(s.poll_turnaround_hours)}</dd>
                            <dt>{pick(l, "Văn bản liên thông", "Documents exchanged")}</dt><dd>{s.documents_exchanged}</dd>
                            <dt>{pick(l, "Thời gian xử lý văn bản đến (giờ)", "Average processing time (h)")}</dt><dd>{opt(s.exchange_processing_hours)}</dd>
                        </dl>
                        <div class="row wrap">
                            <a class="button" href="/api/reporting/statistics?format=csv">"CSV"</a>
                            <a class="button" href="/api/reporting/statistics?format=xlsx">"XLSX"</a>
                        </div>
                    </section>
                }
            })}
        </main>
    }
}
