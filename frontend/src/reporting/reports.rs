//! Reporting: `/reports`, where a unit's officer fills a period's form (on screen or from
//! the XLSX template), sees each cell's problems, signs the submission with the PIN, and
//! where approvers approve or return; and `/dashboard`, the direction dashboard: charts
//! drawn by the server as SVG, filters, exports, and ecabinet's own figures, redrawn live
//! when a report is approved (`reporting` topic).

use crate::i18n::{Lang, pick};
use crate::tablet::browser;
use crate::ui;
use ecabinet_domain::UserId;
use ecabinet_protocol::Topic;
use ecabinet_protocol::reporting::{
    EcabinetStatistics, Overview, RegimeInfo, ReportForm, Revision, RowProblem,
};
use ecabinet_reporting::validate::{CellProblem, FileProblem, Problem, Severity};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// A cell's problem in the reader's language.
pub fn problem_text(l: Lang, p: &CellProblem) -> String {
    match &p.problem {
        Problem::NotANumber { given } => {
            format!(
                "{} \"{given}\"",
                pick(l, "Không phải là số:", "Not a number:")
            )
        }
        Problem::NotWhole => pick(l, "Phải là số nguyên", "Must be a whole number").into(),
        Problem::BelowMin { min } => format!("{} {min}", pick(l, "Không được nhỏ hơn", "At least")),
        Problem::AboveMax { max } => format!("{} {max}", pick(l, "Không được lớn hơn", "At most")),
        Problem::Missing => pick(l, "Bắt buộc nhập", "Required").into(),
        Problem::Unknown => pick(
            l,
            "Không có chỉ tiêu này trong biểu",
            "Not an indicator of this form",
        )
        .into(),
        Problem::WrongPeriod { given, expected } => format!(
            "{} {given}, {} {expected}",
            pick(l, "Dòng ghi kỳ", "The row is for"),
            pick(l, "báo cáo là kỳ", "the report for")
        ),
        Problem::Duplicate => pick(l, "Chỉ tiêu bị lặp", "Appears twice").into(),
        Problem::Total => pick(
            l,
            "Là tổng của các phân tổ: nhập từng phần",
            "The total of its breakdown: enter the parts",
        )
        .into(),
        Problem::Broken {
            op,
            other,
            left,
            right,
        } => format!(
            "{left} {} {} {other} ({right})",
            pick(l, "phải", "must be"),
            op.sign()
        ),
        Problem::Changed {
            percent, previous, ..
        } => format!(
            "{} {percent:+.1}% {} ({previous})",
            pick(l, "Thay đổi", "Changed by"),
            pick(l, "so với kỳ trước", "against the previous period")
        ),
        Problem::File(f) => file_problem_text(l, f),
    }
}

/// Why an uploaded file was refused as a whole, in the reader's language, naming the
/// limit it passed.
pub fn file_problem_text(l: Lang, p: &FileProblem) -> String {
    let vi = matches!(l, Lang::Vi);
    match p {
        FileProblem::NotXlsxOrCsv => pick(
            l,
            "Tệp không phải bảng tính XLSX, cũng không phải CSV mã UTF-8.",
            "The file is neither an XLSX workbook nor UTF-8 CSV.",
        )
        .into(),
        FileProblem::UnreadableWorkbook { detail } => format!(
            "{} ({detail})",
            pick(
                l,
                "Không đọc được bảng tính XLSX",
                "The XLSX workbook cannot be read"
            )
        ),
        FileProblem::UnreadableCsv { detail } => format!(
            "{} ({detail})",
            pick(l, "Không đọc được tệp CSV", "The CSV file cannot be read")
        ),
        FileProblem::Encrypted => pick(
            l,
            "Bảng tính có mật khẩu; hãy tải lên bản không khoá.",
            "The workbook is protected by a password; upload it without protection.",
        )
        .into(),
        FileProblem::TooManyParts { max } if vi => {
            format!("Bảng tính gồm quá {max} thành phần; đây không phải biểu báo cáo.")
        }
        FileProblem::TooManyParts { max } => {
            format!("The workbook holds more than {max} parts; it is not a report form.")
        }
        FileProblem::PartTooLarge { part, max_mib } if vi => {
            format!("Thành phần {part} của bảng tính khi giải nén lớn hơn {max_mib} MiB.")
        }
        FileProblem::PartTooLarge { part, max_mib } => {
            format!("The workbook's part {part} unpacks to more than {max_mib} MiB.")
        }
        FileProblem::UnpacksTooLarge { max_mib } if vi => {
            format!("Bảng tính khi giải nén lớn hơn {max_mib} MiB.")
        }
        FileProblem::UnpacksTooLarge { max_mib } => {
            format!("The workbook unpacks to more than {max_mib} MiB.")
        }
        FileProblem::TooManyStrings { max } if vi => {
            format!("Bảng tính khai báo hoặc chứa quá {max} chuỗi văn bản.")
        }
        FileProblem::TooManyStrings { max } => {
            format!("The workbook declares or holds more than {max} texts.")
        }
        FileProblem::NoSheet => pick(
            l,
            "Bảng tính không có trang tính nào.",
            "The workbook has no sheet.",
        )
        .into(),
        FileProblem::TooManyRows { max } if vi => {
            format!("Tệp có ô dữ liệu sau dòng {max}; mỗi chỉ tiêu một dòng.")
        }
        FileProblem::TooManyRows { max } => {
            format!("The file has cells beyond row {max}; a report has one row per indicator.")
        }
        FileProblem::TooManyColumns { row, max } if vi => {
            format!("Dòng {row} có ô dữ liệu sau cột {max}.")
        }
        FileProblem::TooManyColumns { row, max } => {
            format!("Row {row} has cells beyond column {max}.")
        }
        FileProblem::CellTooLong { row, max } if vi => {
            format!("Một ô ở dòng {row} dài quá {max} ký tự.")
        }
        FileProblem::CellTooLong { row, max } => {
            format!("A cell of row {row} holds more than {max} characters.")
        }
        FileProblem::TooMuchText { max_mib } if vi => {
            format!("Các ô của tệp chứa quá {max_mib} MiB văn bản.")
        }
        FileProblem::TooMuchText { max_mib } => {
            format!("The cells hold more than {max_mib} MiB of text.")
        }
        FileProblem::NoHeader => pick(
            l,
            "Không có dòng tiêu đề ghi tên các cột (Kỳ, Mã chỉ tiêu, Giá trị).",
            "No header row naming the columns (Kỳ, Mã chỉ tiêu, Giá trị).",
        )
        .into(),
        FileProblem::NoCodeColumn => pick(
            l,
            "Thiếu cột Mã chỉ tiêu.",
            "The column Mã chỉ tiêu (code) is missing.",
        )
        .into(),
        FileProblem::NoValueColumn => pick(
            l,
            "Thiếu cột Giá trị.",
            "The column Giá trị (value) is missing.",
        )
        .into(),
        FileProblem::NoRows => pick(
            l,
            "Tệp không có dòng chỉ tiêu nào.",
            "The file has no indicator rows.",
        )
        .into(),
    }
}

fn status_label(l: Lang, s: &str) -> &'static str {
    match s {
        "missing" => pick(l, "Chưa nhập", "Not begun"),
        "draft" => pick(l, "Đang nhập", "Draft"),
        "submitted" => pick(l, "Đã gửi, chờ duyệt", "Submitted"),
        "approved" => pick(l, "Đã duyệt", "Approved"),
        _ => pick(l, "Bị trả lại", "Returned"),
    }
}

fn number(v: f64) -> String {
    let s = format!("{v}");
    s.replace('.', ",")
}

async fn fetch<T: serde::de::DeserializeOwned>(l: Lang, path: String) -> Result<T, String> {
    crate::documents::get::<T>(l, path).await
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
                err.set(Some(crate::describe(lang.get_untracked(), &e)));
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
                answer(crate::api::call("PUT", path, Some(body)).await);
            });
        }
    };
    let upload = {
        let path = path.clone();
        move |ev: leptos::ev::Event| {
            let Some(p) = crate::upload::take_files(&ev).into_iter().next() else {
                return;
            };
            busy.set(true);
            crate::upload::send(format!("{path}/upload"), None, vec![p.key], |_| {}, answer);
        }
    };
    let step = {
        let path = path.clone();
        move |what: &'static str, body: serde_json::Value| {
            busy.set(true);
            let path = format!("{}/{what}", path);
            leptos::task::spawn_local(async move {
                answer(crate::api::call("POST", path, Some(body)).await);
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
                Err(crate::tablet::DeviceError::Server(e)) => answer(Err(e)),
                Err(e) => err.set(Some(crate::devices::device_error(lang.get_untracked(), &e))),
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
                            <li data-testid="revision">{format!("{} · {} · {}{}", crate::time::display(r.at, crate::time::local_offset()), r.user_name, match (r.code.as_ref(), r.old_value, r.new_value) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use ecabinet_reporting::Op;

    #[test]
    fn every_problem_has_words_in_both_languages() {
        let problems = [
            Problem::NotANumber { given: "x".into() },
            Problem::NotWhole,
            Problem::BelowMin { min: 0.0 },
            Problem::AboveMax { max: 1.0 },
            Problem::Missing,
            Problem::Unknown,
            Problem::WrongPeriod {
                given: "2026-09".into(),
                expected: "2026-10".into(),
            },
            Problem::Duplicate,
            Problem::Total,
            Problem::Broken {
                op: Op::Le,
                other: "A".into(),
                left: 2.0,
                right: 1.0,
            },
            Problem::Changed {
                percent: 60.0,
                previous: 10.0,
                max_percent: 50.0,
            },
        ];
        let detail = || "x".to_owned();
        let files = [
            FileProblem::NotXlsxOrCsv,
            FileProblem::UnreadableWorkbook { detail: detail() },
            FileProblem::UnreadableCsv { detail: detail() },
            FileProblem::Encrypted,
            FileProblem::TooManyParts { max: 1000 },
            FileProblem::PartTooLarge {
                part: "xl/sharedStrings.xml".into(),
                max_mib: 8,
            },
            FileProblem::UnpacksTooLarge { max_mib: 16 },
            FileProblem::TooManyStrings { max: 200_000 },
            FileProblem::NoSheet,
            FileProblem::TooManyRows { max: 20_000 },
            FileProblem::TooManyColumns { row: 2, max: 64 },
            FileProblem::CellTooLong {
                row: 2,
                max: 32_767,
            },
            FileProblem::TooMuchText { max_mib: 16 },
            FileProblem::NoHeader,
            FileProblem::NoCodeColumn,
            FileProblem::NoValueColumn,
            FileProblem::NoRows,
        ];
        for f in &files {
            // The limit passed is named in both languages.
            let words = [Lang::Vi, Lang::En].map(|l| file_problem_text(l, f));
            for w in &words {
                for n in ["1000", "8 MiB", "16 MiB", "200000", "20000", "64", "32767"] {
                    if f.to_string().contains(n) {
                        assert!(w.contains(n), "{w} names {n}");
                    }
                }
            }
        }
        let files = files.map(Problem::File);
        for p in problems.into_iter().chain(files) {
            let cell = CellProblem {
                code: "A".into(),
                severity: Severity::Error,
                problem: p,
            };
            assert_ne!(
                problem_text(Lang::Vi, &cell),
                problem_text(Lang::En, &cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn numbers_show_with_a_decimal_comma() {
        assert_eq!(number(1250.5), "1250,5");
        assert_eq!(number(3.0), "3");
    }
}
