//! Written opinion polls (phiếu lấy ý kiến) in the app: the list (a member's inbox with
//! time left; the secretariat's and chair's dashboard with answered x of n), the draft
//! form, and one poll's page: the question and draft decision, the signed answer with its
//! PIN, and for the secretariat approval, extension, "remind now" and the aggregated report
//! with its PDF and XLSX downloads. Lists are live (`opinions`, `opinions:<id>`).

use super::answer::browser;
use super::i18n::{K, answer_label, status_label, time_left};
use crate::devices::{self, device_error};
use crate::documents::{Documents, Owner};
use crate::platform::time::{display, from_input, local_offset, to_input};
use crate::platform::{Common, api, command, describe, t, tx, ui};
use crate::voting::outcome;
use ecabinet_domain::Role;
use ecabinet_domain::opinion::{Answer, NonResponse};
use ecabinet_domain::poll::PollStatus;
use ecabinet_protocol::Topic;
use ecabinet_protocol::api::UserSummary;
use ecabinet_protocol::opinion::{OpinionReport, OpinionSummary, OpinionView};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::json;

fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

/// A signal that holds the browser's time and moves every 15 s (time left, overdue).
fn ticking() -> RwSignal<i64> {
    let now = RwSignal::new(now_ms());
    #[cfg(feature = "hydrate")]
    {
        let handle = set_interval_with_handle(
            move || now.set(now_ms()),
            std::time::Duration::from_secs(15),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
    }
    now
}

fn oversees(role: Option<Role>) -> bool {
    matches!(role, Some(Role::Secretariat | Role::Chair))
}

/// `/opinions`.
#[component]
pub fn OpinionsPage() -> impl IntoView {
    let ui = ui();
    let lang = ui.lang;
    let live = ui.live;
    let me = ui.me.clone();
    let role = me.as_ref().map(|m| m.role);
    let topic = match (&me, oversees(role)) {
        (Some(_), true) => Some(Topic::Opinions),
        (Some(m), false) => Some(Topic::OpinionsOf(m.id)),
        (None, _) => None,
    };
    Effect::new(move |_| {
        if let Some(tp) = topic {
            live.want(tp);
        }
    });
    let now = ticking();
    let list = Memo::new(move |_| topic.and_then(|tp| live.opinions(tp)));
    let secretariat = role == Some(Role::Secretariat);
    let row = move |o: OpinionSummary| {
        let l = lang.get();
        let id = o.id;
        let open = o.status == PollStatus::Open;
        let overdue = open && o.deadline <= now.get();
        view! {
            <li class="card meeting-row" data-testid="opinion-row" data-id=id.to_string()
                data-status=o.status.as_str() data-answered=o.answered.to_string() data-addressees=o.addressees.to_string()>
                <a class="meeting-link" href=format!("/opinions/{id}")>
                    <strong data-testid="opinion-question">{o.question.clone()}</strong>
                    <span class="muted">{format!("{}: {}", t(l, K::Deadline), display(o.deadline, local_offset()))}</span>
                </a>
                <span class=format!("badge poll-{}", o.status.as_str()) data-testid="opinion-status">{status_label(l, o.status)}</span>
                {oversees(role).then(|| view! {
                    <span data-testid="opinion-progress">{format!("{} {}/{}", t(l, K::AnsweredOf), o.answered, o.addressees)}</span>
                })}
                {(open && !overdue).then(|| view! {
                    <span class="muted" data-testid="time-left">{format!("{}: {}", t(l, K::TimeLeft), time_left(l, o.deadline, now.get()))}</span>
                })}
                {overdue.then(|| view! { <span class="badge danger" data-testid="overdue">{t(l, K::Overdue)}</span> })}
                {o.my_answer.map(|a| view! { <span class="badge" data-testid="my-answer">{answer_label(l, a)}</span> })}
            </li>
        }
    };
    let section = move |k: K, testid: &'static str, items: Vec<OpinionSummary>| {
        (!items.is_empty()).then(|| {
            view! {
                <h2>{move || t(lang.get(), k)}</h2>
                <ul class="meeting-list" data-testid=testid>
                    {items.into_iter().map(row).collect_view()}
                </ul>
            }
        })
    };
    view! {
        <main class="page stack">
            <div class="row spread">
                <h1>{tx(lang, K::Opinions)}</h1>
            </div>
            {secretariat.then(|| view! { <NewOpinion/> })}
            {move || match list.get() {
                None => view! { <p class="muted">{tx(lang, Common::Loading)}</p> }.into_any(),
                Some(l) if l.opinions.is_empty() => view! { <p class="muted" data-testid="no-opinions">{tx(lang, K::NoOpinions)}</p> }.into_any(),
                Some(l) if oversees(role) => view! {
                    <ul class="meeting-list" data-testid="opinion-list">
                        {l.opinions.into_iter().map(row).collect_view()}
                    </ul>
                }.into_any(),
                Some(l) => {
                    let (waiting, rest): (Vec<_>, Vec<_>) = l.opinions.into_iter()
                        .partition(|o| o.status == PollStatus::Open && o.my_answer.is_none());
                    let (answered, closed): (Vec<_>, Vec<_>) = rest.into_iter().partition(|o| o.status == PollStatus::Open);
                    view! {
                        {section(K::AwaitingMyAnswer, "awaiting", waiting)}
                        {section(K::Answered, "answered", answered)}
                        {section(K::Closed, "closed", closed)}
                    }.into_any()
                }
            }}
        </main>
    }
}

/// The secretariat's draft form.
#[component]
fn NewOpinion() -> impl IntoView {
    let lang = ui().lang;
    let navigate = use_navigate();
    let shown = RwSignal::new(false);
    let question = RwSignal::new(String::new());
    let draft = RwSignal::new(String::new());
    let deadline = RwSignal::new(to_input(now_ms() + 48 * 3_600_000, local_offset()));
    let deemed = RwSignal::new(false);
    let copy_staff = RwSignal::new(true);
    let users = RwSignal::new(Vec::<UserSummary>::new());
    let picked = RwSignal::new(std::collections::BTreeSet::<i64>::new());
    let err = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if shown.get() && users.with_untracked(Vec::is_empty) {
            leptos::task::spawn_local(async move {
                if let Ok(v) = api::call("GET", "/api/users".into(), None).await
                    && let Ok(all) = serde_json::from_value::<Vec<UserSummary>>(v)
                {
                    let members: Vec<UserSummary> = all
                        .into_iter()
                        .filter(|u| matches!(u.role, Role::Member | Role::Chair))
                        .collect();
                    picked.set(members.iter().map(|u| u.id.0).collect());
                    users.set(members);
                }
            });
        }
    });
    let submit = move |_| {
        let Some(when) = from_input(&deadline.get_untracked(), local_offset()) else {
            err.set(Some(t(lang.get_untracked(), K::Deadline).to_owned()));
            return;
        };
        let body = json!({
            "question": question.get_untracked(),
            "draft_decision": draft.get_untracked(),
            "deadline": when,
            "addressees": picked.get_untracked().into_iter().collect::<Vec<_>>(),
            "non_response": if deemed.get_untracked() { NonResponse::DeemedToAgree } else { NonResponse::NotAgreeing },
            "copy_staff": copy_staff.get_untracked(),
        });
        let navigate = navigate.clone();
        command(err, "POST", "/api/opinions".into(), Some(body), move |v| {
            if let Some(id) = v.get("id").and_then(|i| i.as_i64()) {
                navigate(&format!("/opinions/{id}"), Default::default());
            }
        });
    };
    view! {
        <button class="button primary" data-testid="new-opinion" on:click=move |_| shown.update(|s| *s = !*s)>{tx(lang, K::NewOpinion)}</button>
        <div class="card stack" data-testid="opinion-form" class:hidden=move || !shown.get()>
                <label>{tx(lang, K::OpinionQuestion)}
                    <textarea data-testid="opinion-question-input" rows="2" prop:value=move || question.get() on:input=move |ev| question.set(event_target_value(&ev))></textarea>
                </label>
                <label>{tx(lang, K::DraftDecision)}
                    <textarea data-testid="opinion-draft-input" rows="5" prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                </label>
                <label>{tx(lang, K::Deadline)}
                    <input type="datetime-local" data-testid="opinion-deadline" prop:value=move || deadline.get() on:input=move |ev| deadline.set(event_target_value(&ev))/>
                </label>
                <label class="row">
                    <input type="checkbox" data-testid="opinion-deemed" prop:checked=move || deemed.get() on:change=move |ev| deemed.set(event_target_checked(&ev))/>
                    {move || format!("{} {}", t(lang.get(), K::NonResponseRule), t(lang.get(), K::DeemedToAgree))}
                </label>
                <label class="row">
                    <input type="checkbox" data-testid="opinion-copy-staff" prop:checked=move || copy_staff.get() on:change=move |ev| copy_staff.set(event_target_checked(&ev))/>
                    {tx(lang, K::CopyStaff)}
                </label>
                <fieldset>
                    <legend>{tx(lang, K::Addressees)}</legend>
                    <div class="addressees">
                        {move || users.get().into_iter().map(|u| {
                            let id = u.id.0;
                            view! {
                                <label class="row addressee">
                                    <input type="checkbox" data-testid="addressee" data-user=id.to_string()
                                        prop:checked=move || picked.with(|p| p.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            picked.update(|p| { if on { p.insert(id); } else { p.remove(&id); } });
                                        }/>
                                    {u.display_name}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
                <button class="primary" data-testid="save-opinion" on:click=submit>{tx(lang, K::CreateDraft)}</button>
                {move || err.get().map(|e| view! { <p class="error" role="alert" data-testid="opinion-error">{e}</p> })}
        </div>
    }
}

/// Where the member's answer stands on this device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Choose,
    Sending,
    Done,
}

/// `/opinions/:id`.
#[component]
pub fn OpinionPage() -> impl IntoView {
    let ui = ui();
    let lang = ui.lang;
    let live = ui.live;
    let me = ui.me.clone();
    let my_id = me.as_ref().map(|m| m.id);
    let role = me.as_ref().map(|m| m.role);
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<i64>().ok()));
    let topic = match (my_id, oversees(role)) {
        (Some(_), true) => Some(Topic::Opinions),
        (Some(m), false) => Some(Topic::OpinionsOf(m)),
        (None, _) => None,
    };
    Effect::new(move |_| {
        if let Some(tp) = topic {
            live.want(tp);
        }
    });
    let now = ticking();
    let view_state = RwSignal::new(None::<OpinionView>);
    let report = RwSignal::new(None::<OpinionReport>);
    let err = RwSignal::new(None::<String>);
    // The live summary of this poll: when it moves, the page reads the poll again.
    let summary = Memo::new(move |_| {
        let id = id.get()?;
        topic
            .and_then(|tp| live.opinions(tp))
            .and_then(|l| l.opinions.into_iter().find(|o| o.id == id))
    });
    Effect::new(move |_| {
        let Some(id) = id.get() else { return };
        let _ = summary.get();
        let _ = live.resyncs.get();
        leptos::task::spawn_local(async move {
            match api::call("GET", format!("/api/opinions/{id}"), None).await {
                Ok(v) => view_state.set(serde_json::from_value(v).ok()),
                Err(e) => err.set(Some(describe(lang.get_untracked(), &e))),
            }
            if oversees(role)
                && let Ok(v) = api::call("GET", format!("/api/opinions/{id}/report"), None).await
            {
                report.set(serde_json::from_value(v).ok());
            }
        });
    });

    let choice = RwSignal::new(None::<Answer>);
    let text = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Choose);
    let answer_err = RwSignal::new(None::<String>);
    let recorded = RwSignal::new(None::<u64>);
    let send = move |_| {
        let (Some(me), Some(id), Some(a)) = (my_id, id.get_untracked(), choice.get_untracked())
        else {
            return;
        };
        let body = text.get_untracked();
        if a == Answer::Other && body.trim().is_empty() {
            answer_err.set(Some(
                t(lang.get_untracked(), K::OpinionTextRequired).to_owned(),
            ));
            return;
        }
        let p = pin.get_untracked();
        stage.set(Stage::Sending);
        leptos::task::spawn_local(async move {
            let done = browser::answer(me, id, a, body, p).await;
            pin.set(String::new());
            match done {
                Ok(r) => {
                    answer_err.set(None);
                    recorded.set(Some(r.index));
                    stage.set(Stage::Done);
                    if let Ok(v) = api::call("GET", format!("/api/opinions/{id}"), None).await {
                        view_state.set(serde_json::from_value(v).ok());
                    }
                }
                Err(e) => {
                    answer_err.set(Some(device_error(lang.get_untracked(), &e)));
                    stage.set(Stage::Choose);
                }
            }
        });
    };

    let new_deadline = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let reminded = RwSignal::new(None::<u64>);

    let body = move || {
        let v = view_state.get()?;
        let l = lang.get();
        let s = v.summary.clone();
        let id = s.id;
        let open = s.status == PollStatus::Open;
        let asked = my_id.is_some_and(|m| v.addressee_ids.contains(&m));
        let mine = v.my_answers.last().cloned();
        let can_send = s.status == PollStatus::Draft
            && (role == Some(Role::Chair)
                || (role == Some(Role::Secretariat) && my_id != Some(s.created_by)));
        let secretariat = role == Some(Role::Secretariat);
        let reminder = live.reminders.with(|m| m.get(&id).cloned());
        Some(view! {
            <div class="card stack" data-testid="opinion" data-id=id.to_string() data-status=s.status.as_str()>
                <div class="row spread">
                    <h1 data-testid="opinion-title">{s.question.clone()}</h1>
                    <span class=format!("badge poll-{}", s.status.as_str()) data-testid="opinion-status">{status_label(l, s.status)}</span>
                </div>
                <p data-testid="opinion-deadline-shown">
                    {format!("{}: {}", t(l, K::Deadline), display(s.deadline, local_offset()))}
                    {open.then(|| view! { <span class="muted" data-testid="time-left">{format!(" · {}: {}", t(l, K::TimeLeft), time_left(l, s.deadline, now.get()))}</span> })}
                </p>
                <p class="muted">{format!("{}: {}", t(l, K::NonResponseRule), t(l, match s.non_response { NonResponse::NotAgreeing => K::NotAgreeing, NonResponse::DeemedToAgree => K::DeemedToAgree }))}</p>
                {reminder.map(|m| view! { <p class="notice" role="status" data-testid="reminder">{format!("{}: {m}", t(l, K::ReminderFor))}</p> })}
                {(!v.draft_decision.is_empty()).then(|| view! {
                    <h2>{t(l, K::DraftDecision)}</h2>
                    <div class="draft-decision" data-testid="draft-decision">{v.draft_decision.clone()}</div>
                })}
                {(!v.changes.is_empty()).then(|| view! {
                    <ul class="muted" data-testid="deadline-changes">
                        {v.changes.iter().map(|c| view! {
                            <li>{format!("{}: {} → {} {}", t(l, K::DeadlineChanged), display(c.old_deadline, local_offset()), display(c.new_deadline, local_offset()), c.reason)}</li>
                        }).collect_view()}
                    </ul>
                })}
                {mine.as_ref().map(|a| view! {
                    <p class="ok" data-testid="my-answer" data-answer=format!("{:?}", a.answer)>
                        {format!("{}: {}", t(l, K::MyAnswer), answer_label(l, a.answer))}
                        {(!a.text.is_empty()).then(|| format!(" — {}", a.text))}
                    </p>
                })}
                {(asked && open).then(|| view! { <AnswerForm choice text pin stage answer_err recorded send/> })}
                {can_send.then(|| view! {
                    <button class="primary" data-testid="approve-send" on:click=move |_| command(err, "POST", format!("/api/opinions/{id}/send"), None, |_| ())>{t(l, K::ApproveSend)}</button>
                })}
                {(s.status == PollStatus::Draft && !can_send && secretariat).then(|| view! {
                    <p class="muted" data-testid="needs-approver">{t(l, K::NeedsSecondApprover)}</p>
                })}
                {(secretariat && open).then(|| view! {
                    <div class="row wrap" data-testid="extend-form">
                        <label>{t(l, K::NewDeadline)}
                            <input type="datetime-local" data-testid="new-deadline" prop:value=move || new_deadline.get() on:input=move |ev| new_deadline.set(event_target_value(&ev))/>
                        </label>
                        <label>{t(l, K::ExtendReason)}
                            <input data-testid="extend-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                        </label>
                        <button data-testid="extend" on:click=move |_| {
                            if let Some(when) = from_input(&new_deadline.get_untracked(), local_offset()) {
                                command(err, "POST", format!("/api/opinions/{id}/extend"), Some(json!({"deadline": when, "reason": reason.get_untracked()})), |_| ());
                            }
                        }>{t(l, K::Extend)}</button>
                    </div>
                    <div class="row wrap" data-testid="remind-form">
                        <label>{t(l, K::ReminderMessage)}
                            <input data-testid="remind-message" prop:value=move || message.get() on:input=move |ev| message.set(event_target_value(&ev))/>
                        </label>
                        <button data-testid="remind-now" on:click=move |_| {
                            command(err, "POST", format!("/api/opinions/{id}/remind"), Some(json!({"message": message.get_untracked()})), move |v| {
                                reminded.set(v.get("recipients").and_then(|n| n.as_u64()));
                            });
                        }>{t(l, K::RemindNow)}</button>
                        {move || reminded.get().map(|n| view! { <span class="ok" data-testid="reminded" data-count=n.to_string()>{format!("{} {n}", t(lang.get(), K::Reminded))}</span> })}
                    </div>
                })}
            </div>
        }.into_any())
    };
    let report_view = move || {
        let r = report.get()?;
        let l = lang.get();
        let id = r.summary.id;
        let closed = r.summary.status == PollStatus::Closed;
        let res = r.result.clone();
        Some(view! {
            <section class="card stack" data-testid="report" data-agree=res.agree.to_string()
                data-disagree=res.disagree.to_string() data-other=res.other.to_string()
                data-not-answered=res.not_answered.to_string() data-outcome=format!("{:?}", res.outcome)>
                <div class="row spread">
                    <h2>{t(l, K::Report)}</h2>
                    <div class="row">
                        <a class="button" data-testid="report-pdf" href=format!("/api/opinions/{id}/report.pdf") download>{t(l, K::DownloadPdf)}</a>
                        <a class="button" data-testid="report-xlsx" href=format!("/api/opinions/{id}/report.xlsx") download>{t(l, K::DownloadXlsx)}</a>
                    </div>
                </div>
                <p data-testid="report-outcome">
                    {if closed { outcome(l, res.outcome).to_owned() } else { t(l, K::Provisional).to_owned() }}
                </p>
                <ul class="bars">
                    {[(K::AnswerAgree, res.agree), (K::AnswerDisagree, res.disagree), (K::AnswerOther, res.other), (K::NotAnswered, res.not_answered), (K::InFavour, res.in_favour)]
                        .into_iter().map(|(k, n)| {
                            let pct = f64::from(n) * 100.0 / f64::from(r.summary.addressees.max(1));
                            view! {
                                <li data-testid="report-count" data-label=format!("{k:?}") data-count=n.to_string()>
                                    <span class="bar-label">{t(l, k)}</span>
                                    <span class="bar-track"><span class="bar" style=format!("width: {pct:.1}%")></span></span>
                                    <span class="bar-count">{n.to_string()}</span>
                                </li>
                            }
                        }).collect_view()}
                </ul>
                <table class="report-table">
                    <thead><tr><th>{t(l, K::Member)}</th><th>{t(l, K::MyAnswer)}</th><th>{t(l, K::OpinionText)}</th></tr></thead>
                    <tbody>
                        {r.lines.into_iter().map(|line| view! {
                            <tr data-testid="report-line" data-user=line.user_id.0.to_string()>
                                <td>{line.display_name}<br/><span class="muted">{line.title}</span></td>
                                <td>{line.answer.map_or_else(|| t(l, K::NotAnswered), |a| answer_label(l, a))}</td>
                                <td>{line.text}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        }.into_any())
    };
    // The documents card is mounted again only when the poll is sent (it stops taking
    // files then), not on every refresh of the page: an upload in progress survives.
    let docs_key = Memo::new(move |_| {
        view_state.with(|v| v.as_ref().map(|v| (v.summary.id, v.summary.status)))
    });
    let documents = move || {
        docs_key.get().map(|(id, status)| {
            view! {
                <Documents owner=Owner::Opinion(id)
                    clerk=role == Some(Role::Secretariat) editable=status == PollStatus::Draft/>
            }
            .into_any()
        })
    };
    view! {
        <main class="page stack">
            <a class="button" href="/opinions">{tx(lang, Common::Back)}</a>
            {body}
            {documents}
            {report_view}
            {move || err.get().map(|e| view! { <p class="error" role="alert" data-testid="page-error">{e}</p> })}
        </main>
    }
}

/// The three answers, the text, the PIN and the send button.
#[component]
fn AnswerForm(
    choice: RwSignal<Option<Answer>>,
    text: RwSignal<String>,
    pin: RwSignal<String>,
    stage: RwSignal<Stage>,
    answer_err: RwSignal<Option<String>>,
    recorded: RwSignal<Option<u64>>,
    send: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let lang = ui().lang;
    view! {
        <div class="ballot stack" data-testid="answer-form">
            {move || (stage.get() == Stage::Done).then(|| view! {
                <p class="ok" data-testid="answer-recorded">{move || format!("{} #{}", t(lang.get(), K::AnswerRecorded), recorded.get().map_or(0, |i| i + 1))}</p>
                <button data-testid="change-answer" on:click=move |_| stage.set(Stage::Choose)>{tx(lang, K::ChangeAnswer)}</button>
            })}
            <div class="options" role="group" class:hidden=move || stage.get() == Stage::Done>
                {Answer::ALL.into_iter().map(|a| view! {
                    <button class="option" data-testid="answer-option" data-answer=format!("{a:?}")
                        aria-pressed=move || (choice.get() == Some(a)).to_string()
                        on:click=move |_| choice.set(Some(a))>
                        {move || answer_label(lang.get(), a)}
                    </button>
                }).collect_view()}
            </div>
            <div class="stack" class:hidden=move || stage.get() == Stage::Done>
                <label>{tx(lang, K::OpinionText)}
                    <textarea data-testid="answer-text" rows="3" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </label>
                <label>{tx(lang, devices::K::EnterPin)}
                    <input data-testid="answer-pin" type="password" inputmode="numeric" autocomplete="off" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                </label>
                <button class="primary" data-testid="sign-answer" disabled=move || choice.get().is_none() || stage.get() == Stage::Sending on:click=send>
                    {move || t(lang.get(), if stage.get() == Stage::Sending { devices::K::Signing } else { devices::K::SignAndSend })}
                </button>
            </div>
            {move || answer_err.get().map(|e| view! { <p class="error" role="alert" data-testid="answer-error">{e}</p> })}
        </div>
    }
}
