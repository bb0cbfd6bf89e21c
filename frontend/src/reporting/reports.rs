//! `/reports`: a unit's officer fills a period's form (on screen or from the XLSX
//! template), sees each cell's problems, signs the submission with the PIN; approvers
//! approve or return it.

use super::i18n::{number, problem_text, status_label};
use super::submission::browser;
use crate::devices::{DeviceError, device_error};
use crate::platform::{Lang, api, describe, get, pick, time, ui, upload};
use ecabinet_domain::UserId;
use ecabinet_protocol::Topic;
use ecabinet_protocol::reporting::{Overview, RegimeInfo, ReportForm, Revision, RowProblem};
use ecabinet_reporting::validate::Severity;
use leptos::prelude::*;
use std::collections::BTreeMap;

pub(super) async fn fetch<T: serde::de::DeserializeOwned>(
    l: Lang,
    path: String,
) -> Result<T, String> {
    get::<T>(l, path).await
}

/// The problems a refused save or upload lists, by code (and row).
fn refusals(e: &ecabinet_protocol::ApiError) -> Vec<RowProblem> {
    e.problems
        .clone()
        .and_then(|p| serde_json::from_value(p).ok())
        .unwrap_or_default()
}

/// `/reports`.
#[component]
pub fn ReportsPage() -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    let me: Option<UserId> = ui.me.as_ref().map(|m| m.id);
    Effect::new(move |_| {
        if let Some(u) = me {
            live.want(Topic::User(u));
        }
    });
    let overview = RwSignal::new(None::<Overview>);
    let err = RwSignal::new(None::<String>);
    // A dashboard number links here with the report and the cell whose history to show.
    let query = leptos_router::hooks::use_query_map();
    let linked = query.with_untracked(|q| {
        Some((
            q.get("regime")?.parse::<i64>().ok()?,
            q.get("unit")?.parse::<i64>().ok()?,
            q.get("period")?,
        ))
    });
    let history_of = query.with_untracked(|q| q.get("history"));
    let chosen = RwSignal::new(linked);
    let loaded = Memo::new(move |_| overview.with(Option::is_some));
    Effect::new(move |_| {
        live.reporting.track();
        live.resyncs.track();
        leptos::task::spawn_local(async move {
            match fetch::<Overview>(lang.get_untracked(), "/api/reporting".into()).await {
                Ok(o) => {
                    let first = o
                        .tasks
                        .first()
                        .map(|t| (t.regime_id, t.unit_id, t.period.clone()));
                    overview.set(Some(o));
                    if chosen.get_untracked().is_none() && first.is_some() {
                        chosen.set(first);
                    }
                }
                Err(e) => err.set(Some(e)),
            }
        });
    });
    view! {
        <main class="page stack reports" data-testid="reports">
            <h1>{move || pick(lang.get(), "Báo cáo", "Reports")}</h1>
            {move || err.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || overview.get().map(|o| {
                let l = lang.get();
                let unit_name = |id: i64| o.units.iter().find(|u| u.id == id).map(|u| u.name.clone()).unwrap_or_default();
                let regime_name = |id: i64| o.regimes.iter().find(|r| r.id == id).map(|r| r.regime.name.clone()).unwrap_or_default();
                view! {
                    <section class="card stack">
                        <h2>{pick(l, "Việc cần làm", "To do")}</h2>
                        {o.tasks.is_empty().then(|| view! { <p class="muted">{pick(l, "Không có báo cáo nào cần xử lý.", "Nothing to do.")}</p> })}
                        <ul class="docs">
                            {o.tasks.iter().map(|t| {
                                let key = (t.regime_id, t.unit_id, t.period.clone());
                                let k2 = key.clone();
                                view! {
                                    <li class="doc-row" data-testid="task" data-action=t.action.clone() data-status=t.status.clone()>
                                        <button class="grow" on:click=move |_| chosen.set(Some(key.clone()))
                                            aria-pressed=move || (chosen.get().as_ref() == Some(&k2)).to_string()>
                                            {format!("{} · {} · {}", regime_name(t.regime_id), unit_name(t.unit_id), t.period)}
                                        </button>
                                        <span class="badge">{status_label(l, &t.status)}</span>
                                        <span class="muted">{format!("{} {}", pick(l, "Hạn", "Due"), t.due)}</span>
                                        {t.overdue.then(|| view! { <span class="badge secret" data-testid="overdue">{pick(l, "Quá hạn", "Overdue")}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }
            })}
            // Drawn again only when another report is chosen: a refreshed task list must
            // not wipe what the officer is typing.
            {move || chosen.get().and_then(|(r, u, p)| {
                // Waits for the first overview (a linked report is chosen before it comes),
                // then ignores its refreshes.
                if !loaded.get() {
                    return None;
                }
                let regime = overview.with_untracked(|o| o.as_ref()?.regimes.iter().find(|x| x.id == r).cloned())?;
                Some(view! { <Form regime unit=u period=p me history_of=history_of.clone()/> })
            })}
        </main>
    }
}

#[component]
fn Form(
    regime: RegimeInfo,
    unit: i64,
    period: String,
    me: Option<UserId>,
    history_of: Option<String>,
) -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    let path = format!(
        "/api/reporting/regimes/{}/units/{unit}/periods/{period}",
        regime.id
    );
    let form = RwSignal::new(None::<ReportForm>);
    let typed = RwSignal::new(BTreeMap::<String, String>::new());
    let refused = RwSignal::new(Vec::<RowProblem>::new());
    let err = RwSignal::new(None::<String>);
    let pin = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let history = RwSignal::new(None::<(String, Vec<Revision>)>);
    let busy = RwSignal::new(false);
    // Cells typed since the last save or load: a live refresh leaves them as typed.
    let dirty = RwSignal::new(false);
    let show = move |f: ReportForm| {
        typed.set(
            f.values
                .iter()
                .map(|(k, v)| (k.clone(), number(*v)))
                .collect(),
        );
        dirty.set(false);
        form.set(Some(f));
    };
    {
        let path = path.clone();
        Effect::new(move |_| {
            live.reporting.track();
            let path = path.clone();
            leptos::task::spawn_local(async move {
                match fetch::<ReportForm>(lang.get_untracked(), path).await {
                    Ok(f) if dirty.get_untracked() => form.set(Some(f)),
                    Ok(f) => show(f),
                    Err(e) => err.set(Some(e)),
                }
            });
        });
    }
    let answer = move |r: Result<serde_json::Value, ecabinet_protocol::ApiError>| {
        busy.set(false);
        match r {
            Ok(v) => {
                refused.set(Vec::new());
                err.set(None);
                if let Ok(f) = serde_json::from_value::<ReportForm>(v) {
                    show(f);
                }
            }
            Err(e) => {
                refused.set(refusals(&e));
                err.set(Some(describe(lang.get_untracked(), &e)));
            }
        }
    };
    let save = {
        let path = path.clone();
        move |_| {
            busy.set(true);
            let body = serde_json::json!({ "values": typed.get_untracked() });
            let path = path.clone();
            leptos::task::spawn_local(async move {
                answer(api::call("PUT", path, Some(body)).await);
            });
        }
    };
    let upload = {
        let path = path.clone();
        move |ev: leptos::ev::Event| {
            let Some(p) = upload::take_files(&ev).into_iter().next() else {
                return;
            };
            busy.set(true);
            upload::send(format!("{path}/upload"), None, vec![p.key], |_| {}, answer);
        }
    };
    let step = {
        let path = path.clone();
        move |what: &'static str, body: serde_json::Value| {
            busy.set(true);
            let path = format!("{}/{what}", path);
            leptos::task::spawn_local(async move {
                answer(api::call("POST", path, Some(body)).await);
            });
        }
    };
    let submit = move |_| {
        let (Some(user), Some(f)) = (me, form.get_untracked()) else {
            return;
        };
        busy.set(true);
        let p = pin.get_untracked();
        leptos::task::spawn_local(async move {
            let r = browser::submit_report(user, f, p).await;
            pin.set(String::new());
            busy.set(false);
            match r {
                Ok(v) => answer(Ok(v)),
                Err(DeviceError::Server(e)) => answer(Err(e)),
                Err(e) => err.set(Some(device_error(lang.get_untracked(), &e))),
            }
        });
    };
    let open_history = {
        let path = path.clone();
        move |code: String| {
            let path = format!("{path}/history?code={code}");
            leptos::task::spawn_local(async move {
                if let Ok(h) = fetch::<Vec<Revision>>(lang.get_untracked(), path).await {
                    history.set(Some((code, h)));
                }
            });
        }
    };
    if let Some(code) = history_of {
        let open = open_history.clone();
        Effect::new(move |_| open(code.clone()));
    }
    let template = format!("{path}/template.xlsx");
    // One row per cell; an indicator broken down shows its computed total, then a row per
    // option.
    let rows: Vec<(ecabinet_reporting::Indicator, bool)> = regime
        .indicators
        .iter()
        .flat_map(|ind| {
            let parts: Vec<_> = ind
                .disaggregation
                .iter()
                .filter_map(|c| ind.part(&c.code))
                .map(|p| (p, false))
                .collect();
            if parts.is_empty() {
                vec![(ind.clone(), false)]
            } else {
                std::iter::once((ind.clone(), true)).chain(parts).collect()
            }
        })
        .collect();
    let codes = StoredValue::new(rows.iter().map(|(i, _)| i.code.clone()).collect::<Vec<_>>());
    view! {
        <section class="card stack" data-testid="report-form">
            {move || form.get().map(|f| {
                let l = lang.get();
                view! {
                    <div class="row wrap">
                        <h2 class="grow">{format!("{} · {}", regime.regime.name, f.period)}</h2>
                        <span class="badge" data-testid="report-status" data-status=f.status.clone()>{status_label(l, &f.status)}</span>
                        <span class="muted">{format!("{} {}", pick(l, "Hạn", "Due"), f.due)}</span>
                    </div>
                    {(!f.comment.is_empty()).then(|| view! { <p class="notice" data-testid="report-comment">{format!("{} {}", pick(l, "Lý do trả lại:", "Returned because:"), f.comment)}</p> })}
                }
            })}
            {move || err.get().map(|e| view! { <p class="error" role="alert" data-testid="report-error">{e}</p> })}
            <table class="report-table">
                <thead><tr>
                    <th>{move || pick(lang.get(), "Chỉ tiêu", "Indicator")}</th>
                    <th>{move || pick(lang.get(), "Đơn vị tính", "Unit")}</th>
                    <th>{move || pick(lang.get(), "Kỳ trước", "Previous")}</th>
                    <th>{move || pick(lang.get(), "Giá trị", "Value")}</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|(ind, total)| {
                        if total {
                            let code = ind.code.clone();
                            return view! {
                                <tr data-testid="cell-total" data-code=ind.code.clone()>
                                    <td><strong>{ind.name.clone()}</strong><div class="muted small">{ind.code.clone()}</div></td>
                                    <td>{ind.unit.clone()}</td>
                                    <td></td>
                                    <td>{move || form.with(|f| f.as_ref().and_then(|f| f.values.get(&code).map(|v| number(*v)))).unwrap_or_default()}</td>
                                </tr>
                            }.into_any();
                        }
                        let code = ind.code.clone();
                        let (c1, c2, c3, c4, c5) = (code.clone(), code.clone(), code.clone(), code.clone(), code.clone());
                        let editable = move || form.with(|f| f.as_ref().is_some_and(|f| f.may.iter().any(|m| m == "edit")));
                        let open_history = open_history.clone();
                        view! {
                            <tr data-testid="cell" data-code=code.clone()>
                                <td>
                                    <button class="link" data-testid="cell-history" on:click=move |_| open_history(c5.clone())>{ind.name.clone()}</button>
                                    <div class="muted small">{ind.code.clone()}</div>
                                </td>
                                <td>{ind.unit.clone()}</td>
                                <td class="muted">{move || form.with(|f| f.as_ref().and_then(|f| f.previous.get(&c1).map(|v| number(*v)))).unwrap_or_default()}</td>
                                <td>
                                    <input inputmode="decimal" data-testid="cell-input" disabled=move || !editable()
                                        prop:value=move || typed.with(|t| t.get(&c2).cloned().unwrap_or_default())
                                        on:input=move |ev| { let v = event_target_value(&ev); dirty.set(true); typed.update(|t| { t.insert(c3.clone(), v); }); }/>
                                    {move || {
                                        let l = lang.get();
                                        let mut lines: Vec<(Severity, String)> = refused.with(|r| r.iter().filter(|p| p.problem.code == c4).map(|p| (Severity::Error, match p.row {
                                            Some(n) => format!("{} {n}: {}", pick(l, "Dòng", "Row"), problem_text(l, &p.problem)),
                                            None => problem_text(l, &p.problem),
                                        })).collect());
                                        if lines.is_empty() {
                                            lines = form.with(|f| f.as_ref().map(|f| f.problems.iter().filter(|p| p.code == c4).map(|p| (p.severity, problem_text(l, p))).collect()).unwrap_or_default());
                                        }
                                        lines.into_iter().map(|(sev, t)| view! {
                                            <div class=if sev == Severity::Error { "cell-problem error" } else { "cell-problem warn" } data-testid="cell-problem">{t}</div>
                                        }).collect_view()
                                    }}
                                </td>
                            </tr>
                        }.into_any()
                    }).collect_view()}
                </tbody>
            </table>
            // Rows naming no cell of the form (an unknown code) are listed below it; so is
            // a file refused as a whole, whose words name the row themselves.
            {move || refused.with(|r| r.iter().filter(|p| !codes.with_value(|c| c.contains(&p.problem.code))).map(|p| view! {
                <p class="error" data-testid="row-problem">{if p.problem.code.is_empty() {
                    problem_text(lang.get(), &p.problem)
                } else {
                    format!("{} {}: {} — {}", pick(lang.get(), "Dòng", "Row"), p.row.unwrap_or(0), p.problem.code, problem_text(lang.get(), &p.problem))
                }}</p>
            }).collect_view())}
            {move || history.get().map(|(code, h)| view! {
                <div class="card stack" data-testid="history">
                    <div class="row"><strong class="grow">{format!("{} {code}", pick(lang.get(), "Lịch sử", "History of"))}</strong>
                        <button on:click=move |_| history.set(None)>{pick(lang.get(), "Đóng", "Close")}</button></div>
                    <ul>
                        {h.into_iter().map(|r| view! {
                            <li data-testid="revision">{format!("{} · {} · {}{}", time::display(r.at, time::local_offset()), r.user_name, match (r.code.as_ref(), r.old_value, r.new_value) {
                                (Some(_), o, n) => format!("{} → {}", o.map(number).unwrap_or_else(|| "—".into()), n.map(number).unwrap_or_else(|| "—".into())),
                                (None, _, _) => r.action.clone(),
                            }, if r.note.is_empty() { String::new() } else { format!(" ({})", r.note) })}</li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
            {move || form.get().map(|f| {
                let l = lang.get();
                let may = |m: &str| f.may.iter().any(|x| x == m);
                view! {
                    <div class="row wrap">
                        {may("edit").then(|| view! {
                            <button data-testid="save" disabled=move || busy.get() on:click=save.clone()>{pick(l, "Lưu nháp", "Save draft")}</button>
                            <a class="button" data-testid="template" href=template.clone() download="">{pick(l, "Tải biểu mẫu XLSX", "Download the XLSX template")}</a>
                            <label class="button file-button">{pick(l, "Nhập từ tệp XLSX/CSV", "Load an XLSX/CSV file")}
                                <input type="file" accept=".xlsx,.csv" data-testid="upload" on:change=upload.clone()/>
                            </label>
                        })}
                        {may("submit").then(|| view! {
                            <input type="password" inputmode="numeric" autocomplete="off" placeholder="PIN" data-testid="report-pin"
                                prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                            <button class="primary" data-testid="submit" disabled=move || busy.get() on:click=submit>{pick(l, "Ký và gửi", "Sign and submit")}</button>
                        })}
                        {may("approve").then(|| { let step = step.clone(); view! {
                            <button class="primary" data-testid="approve" on:click=move |_| step("approve", serde_json::json!({}))>{pick(l, "Duyệt", "Approve")}</button>
                        }})}
                        {may("return").then(|| { let step = step.clone(); view! {
                            <input data-testid="return-comment" placeholder=pick(l, "Lý do trả lại", "Why it is returned")
                                prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))/>
                            <button data-testid="return" on:click=move |_| step("return", serde_json::json!({"comment": comment.get_untracked()}))>{pick(l, "Trả lại", "Return")}</button>
                        }})}
                    </div>
                }
            })}
        </section>
    }
}
