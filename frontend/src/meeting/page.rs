//! A meeting as participants follow it (`/meetings/:id`) and the chair's console
//! (`/meetings/:id/console`). Both show live blocks built from the meeting's topic; the
//! forms sit outside those blocks so that what a user types survives live updates.

use super::i18n::{self, K};
use crate::documents::{Documents, Owner};
use crate::minutes::Minutes;
use crate::platform::{Common, Lang, command, t, time, tx, ui};
use crate::voting::Votes;
use ecabinet_domain::attendance::{Attendance, PresenceMode};
use ecabinet_domain::meeting::MeetingStatus;
use ecabinet_domain::{MeetingId, ParticipantRole, Role};
use ecabinet_protocol::{MeetingSnapshot, Topic};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde_json::json;

/// The meeting id of the route and its live state.
fn use_meeting() -> (Memo<Option<i64>>, Memo<Option<MeetingSnapshot>>) {
    let live = ui().live;
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<i64>().ok()));
    Effect::new(move |_| {
        if let Some(id) = id.get() {
            live.want(Topic::Meeting(MeetingId(id)));
        }
    });
    let snap = Memo::new(move |_| {
        id.get()
            .and_then(|id| live.meeting(Topic::Meeting(MeetingId(id))))
    });
    (id, snap)
}

/// Loading, not found, or the page.
fn gate(
    id: Memo<Option<i64>>,
    snap: Memo<Option<MeetingSnapshot>>,
    page: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    // Only arrival matters here: the page's blocks follow the snapshot themselves, and
    // rebuilding the page on every event would drop what its components hold (a ballot
    // being signed, a PIN being typed).
    let loaded = Memo::new(move |_| snap.with(Option::is_some));
    move || {
        let refused = id
            .get()
            .and_then(|id| live.refusal(Topic::Meeting(MeetingId(id))));
        if loaded.get() {
            page()
        } else if id.get().is_none() || refused.is_some() {
            view! { <p class="error" data-testid="not-found">{tx(lang, K::MeetingNotFound)}</p> }
                .into_any()
        } else {
            view! { <p class="muted">{tx(lang, Common::Loading)}</p> }.into_any()
        }
    }
}

fn name_of(m: &MeetingSnapshot, user: ecabinet_domain::UserId) -> String {
    m.participant(user)
        .map(|p| p.display_name.clone())
        .unwrap_or_else(|| format!("#{user}"))
}

fn heading(snap: Memo<Option<MeetingSnapshot>>, lang: RwSignal<Lang>) -> impl IntoView {
    let offset = time::local_offset();
    move || {
        snap.get().map(|m| {
            let l = lang.get();
            let d = &m.info.details;
            view! {
                <div class="meeting-head">
                    <h1 data-testid="meeting-title">{d.title.clone()}</h1>
                    <p class="muted">
                        {format!("{} · {} · {}", i18n::kind(l, d.kind), time::display(d.starts_at, offset), d.place)}
                    </p>
                    <span class=format!("badge status-{}", m.info.status.as_str()) data-testid="status">{i18n::status(l, m.info.status)}</span>
                </div>
            }
        })
    }
}

fn quorum_line(snap: Memo<Option<MeetingSnapshot>>, lang: RwSignal<Lang>) -> impl IntoView {
    move || {
        snap.get().map(|m| {
            let q = m.quorum();
            let l = lang.get();
            let verdict = t(l, if q.met { K::QuorumMet } else { K::QuorumNotMet });
            view! {
                <p class=if q.met { "quorum met" } else { "quorum unmet" } data-testid="quorum" data-present=q.present.to_string() data-met=q.met.to_string()>
                    {format!("{} {}/{} — {} {} — {verdict}", t(l, K::PresentOf), q.present, q.total, t(l, K::Needed), q.required)}
                </p>
            }
        })
    }
}

fn agenda_block(snap: Memo<Option<MeetingSnapshot>>, lang: RwSignal<Lang>) -> impl IntoView {
    move || {
        snap.get().map(|m| {
            let current = m.current_item;
            let current_title = m.agenda.iter().find(|i| Some(i.id) == current).map(|i| i.title.clone());
            view! {
                <section class="card">
                    <h2>{tx(lang, K::Agenda)}</h2>
                    {current_title.map(|title| view! {
                        <p class="current-banner" data-testid="current-item">
                            <span class="muted">{tx(lang, K::CurrentItem)}": "</span><strong>{title}</strong>
                        </p>
                    })}
                    {m.agenda.is_empty().then(|| view! { <p class="muted">{tx(lang, K::NoAgendaYet)}</p> })}
                    <ol class="agenda">
                        {m.agenda.iter().map(|i| {
                            let is_current = Some(i.id) == current;
                            view! {
                                <li class:current=is_current data-testid="agenda-item" data-current=is_current.to_string()>
                                    <span class="item-title">{i.title.clone()}</span>
                                    <span class="muted">{format!("{} · {} {}", i.presenter, i.planned_minutes, t(lang.get(), K::Min))}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </section>
            }
        })
    }
}

fn attendance_block(snap: Memo<Option<MeetingSnapshot>>, lang: RwSignal<Lang>) -> impl IntoView {
    move || {
        snap.get().map(|m| {
            let l = lang.get();
            view! {
                <section class="card">
                    <h2>{tx(lang, K::Attendance)}</h2>
                    <ul class="attendance">
                        {m.participants.iter().map(|p| {
                            let entry = m.attendance.iter().find(|a| a.user_id == p.user_id).map(|a| a.attendance.clone());
                            let (state, text) = match &entry {
                                None => ("none", t(l, K::NotYet).to_owned()),
                                Some(Attendance::Present { mode: PresenceMode::InRoom }) => ("in_room", format!("{} {}", t(l, K::Present), t(l, K::InRoom))),
                                Some(Attendance::Present { mode: PresenceMode::Remote }) => ("remote", format!("{} {}", t(l, K::Present), t(l, K::Remote))),
                                Some(Attendance::Absent { reason, substitute }) => ("absent", match substitute {
                                    Some(s) => format!("{}: {reason} · {}: {s}", t(l, K::Absent), t(l, K::Substitute)),
                                    None => format!("{}: {reason}", t(l, K::Absent)),
                                }),
                            };
                            view! {
                                <li data-testid="attendance-row" data-user=p.user_id.0.to_string() data-state=state>
                                    <span>
                                        <strong>{p.display_name.clone()}</strong>
                                        <span class="muted">{format!(" · {}", i18n::participant_role(l, p.role))}</span>
                                    </span>
                                    <span class=format!("att att-{state}")>{text}</span>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

fn speakers_block(
    snap: Memo<Option<MeetingSnapshot>>,
    lang: RwSignal<Lang>,
    grant: Option<RwSignal<Option<String>>>,
) -> impl IntoView {
    move || {
        snap.get().map(|m| {
            let l = lang.get();
            let id = m.info.id.0;
            let speaking = m.speakers.speaking.as_ref().map(|s| name_of(&m, s.user_id));
            view! {
                <section class="card">
                    <h2>{tx(lang, K::Speakers)}</h2>
                    <p data-testid="speaking">
                        <span class="muted">{format!("{}: ", t(l, K::Speaking))}</span>
                        <strong>{speaking.unwrap_or_else(|| t(l, K::Nobody).to_owned())}</strong>
                    </p>
                    <p class="muted">{format!("{}:", t(l, K::Waiting))}</p>
                    <ol class="queue" data-testid="waiting">
                        {m.speakers.waiting.iter().map(|s| {
                            let user = s.user_id.0;
                            view! {
                                <li data-user=user.to_string()>
                                    <span>{name_of(&m, s.user_id)}</span>
                                    {grant.map(|err| view! {
                                        <button data-testid="grant-to" on:click=move |_| command(err, "POST", format!("/api/meetings/{id}/speakers/grant"), Some(json!({"user_id": user})), |_| ())>
                                            {tx(lang, K::GiveFloorTo)}
                                        </button>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                </section>
            }
        })
    }
}

fn error_line(err: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        err.get()
            .map(|e| view! { <p class="error" role="alert" data-testid="action-error">{e}</p> })
    }
}

/// `/meetings/:id`.
#[component]
pub fn MeetingPage() -> impl IntoView {
    let ui = ui();
    let lang = ui.lang;
    let me = ui.me.clone();
    let (id, snap) = use_meeting();
    let my_id = me.as_ref().map(|m| m.id);
    let clerk = me.as_ref().is_some_and(|m| m.role == Role::Secretariat);
    let my_role = Memo::new(move |_| {
        snap.with(|s| {
            s.as_ref()
                .and_then(|m| my_id.and_then(|u| m.participant(u)).map(|p| p.role))
        })
    });
    let status = Memo::new(move |_| snap.with(|s| s.as_ref().map(|m| m.info.status)));
    let waiting = Memo::new(move |_| {
        snap.with(|s| {
            s.as_ref()
                .is_some_and(|m| m.speakers.waiting.iter().any(|w| Some(w.user_id) == my_id))
        })
    });
    let err = RwSignal::new(None::<String>);
    let reason = RwSignal::new(String::new());
    let substitute = RwSignal::new(String::new());
    let path = move |p: &str| format!("/api/meetings/{}{p}", id.get_untracked().unwrap_or(0));
    let attend = move |body: serde_json::Value| {
        command(err, "POST", path("/attendance"), Some(body), |_| ())
    };
    let actions = move || {
        my_role.get().is_some().then(|| {
            let open = matches!(status.get(), Some(MeetingStatus::Published | MeetingStatus::InProgress));
            let in_progress = status.get() == Some(MeetingStatus::InProgress);
            view! {
                <section class="card actions">
                    <h2>{tx(lang, K::MyAttendance)}</h2>
                    <div class="row wrap">
                        <button class="primary" disabled=!open data-testid="check-in-room" on:click=move |_| attend(json!({"status": "present", "mode": "in_room"}))>{tx(lang, K::CheckInRoom)}</button>
                        <button class="primary" disabled=!open data-testid="check-in-remote" on:click=move |_| attend(json!({"status": "present", "mode": "remote"}))>{tx(lang, K::CheckInRemote)}</button>
                    </div>
                    <div class="row wrap">
                        <label class="grow">{tx(lang, K::Reason)}
                            <input data-testid="absence-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/>
                        </label>
                        <label class="grow">{tx(lang, K::Substitute)}
                            <input data-testid="absence-substitute" prop:value=move || substitute.get() on:input=move |ev| substitute.set(event_target_value(&ev))/>
                        </label>
                        <button disabled=!open data-testid="report-absence" on:click=move |_| attend(json!({"status": "absent", "reason": reason.get_untracked(), "substitute": substitute.get_untracked()}))>{tx(lang, K::ReportAbsence)}</button>
                    </div>
                    <div class="row wrap">
                        {if waiting.get() {
                            view! { <button data-testid="withdraw" on:click=move |_| command(err, "POST", path("/speakers/withdraw"), Some(json!({})), |_| ())>{tx(lang, K::Withdraw)}</button> }.into_any()
                        } else {
                            view! { <button class="primary" disabled=!in_progress data-testid="request-floor" on:click=move |_| command(err, "POST", path("/speakers/request"), Some(json!({})), |_| ())>{tx(lang, K::RequestFloor)}</button> }.into_any()
                        }}
                    </div>
                </section>
            }
        })
    };
    let links = move || {
        let conduct = clerk || my_role.get() == Some(ParticipantRole::Chair);
        let id = id.get().unwrap_or(0);
        view! {
            <div class="row wrap">
                <a class="button" href="/">{tx(lang, Common::Back)}</a>
                {conduct.then(|| view! { <a class="button" href=format!("/meetings/{id}/console") data-testid="to-console">{tx(lang, K::Console)}</a> })}
                {clerk.then(|| view! { <a class="button" href=format!("/meetings/{id}/edit")>{tx(lang, K::Edit)}</a> })}
            </div>
        }
    };
    view! {
        <main class="page">
            {gate(id, snap, move || view! {
                {links}
                {heading(snap, lang)}
                {quorum_line(snap, lang)}
                {error_line(err)}
                {actions}
                <Votes snap console=false err/>
                <div class="columns">
                    {agenda_block(snap, lang)}
                    {speakers_block(snap, lang, None)}
                </div>
                <Documents owner=Owner::Meeting(id.get_untracked().unwrap_or(0)) snap clerk/>
                {attendance_block(snap, lang)}
                {move || snap.with(|s| s.as_ref().is_some_and(|s| !matches!(s.info.status, ecabinet_domain::meeting::MeetingStatus::Draft | ecabinet_domain::meeting::MeetingStatus::Published)))
                    .then(|| view! { <Minutes meeting=id.get_untracked().unwrap_or(0) clerk/> })}
            }.into_any())}
        </main>
    }
}

/// `/meetings/:id/console`: the chair (or the secretariat) runs the meeting.
#[component]
pub fn Console() -> impl IntoView {
    let lang = ui().lang;
    let (id, snap) = use_meeting();
    let err = RwSignal::new(None::<String>);
    let status = Memo::new(move |_| snap.with(|s| s.as_ref().map(|m| m.info.status)));
    let path = move |p: &str| format!("/api/meetings/{}{p}", id.get_untracked().unwrap_or(0));
    let post = move |p: &'static str, body: serde_json::Value| {
        command(err, "POST", path(p), Some(body), |_| ())
    };
    let controls = move || {
        let s = status.get();
        let running = s == Some(MeetingStatus::InProgress);
        view! {
            <section class="card actions">
                <div class="row wrap">
                    <button class="primary" disabled=s != Some(MeetingStatus::Published) data-testid="start-meeting" on:click=move |_| post("/start", json!({}))>{tx(lang, K::StartMeeting)}</button>
                    <button disabled=!running data-testid="prev-item" on:click=move |_| post("/current", json!({"to": "previous"}))>{tx(lang, K::Previous)}</button>
                    <button class="primary" disabled=!running data-testid="next-item" on:click=move |_| post("/current", json!({"to": "next"}))>{tx(lang, K::Next)}</button>
                    <button disabled=!running data-testid="grant-next" on:click=move |_| post("/speakers/grant", json!({}))>{tx(lang, K::GiveFloor)}</button>
                    <button disabled=!running data-testid="end-turn" on:click=move |_| post("/speakers/end", json!({}))>{tx(lang, K::EndTurn)}</button>
                    <button class="danger" disabled=!running data-testid="end-meeting" on:click=move |_| post("/end", json!({}))>{tx(lang, K::EndMeeting)}</button>
                </div>
                {move || running.then(|| snap.get().map(|m| view! {
                    <div class="row wrap">
                        <span class="muted">{tx(lang, K::GoTo)}</span>
                        {m.agenda.iter().map(|i| {
                            let item = i.id.0;
                            view! {
                                <button class:current=Some(i.id) == m.current_item data-testid="goto-item" on:click=move |_| post("/current", json!({"to": "item", "item_id": item}))>
                                    {format!("{}. {}", i.position, i.title)}
                                </button>
                            }
                        }).collect_view()}
                    </div>
                }))}
            </section>
        }
    };
    view! {
        <main class="page">
            {gate(id, snap, move || view! {
                <div class="row wrap">
                    <a class="button" href=move || format!("/meetings/{}", id.get().unwrap_or(0))>{tx(lang, Common::Back)}</a>
                </div>
                {heading(snap, lang)}
                {quorum_line(snap, lang)}
                {error_line(err)}
                {controls}
                <Votes snap console=true err/>
                <div class="columns">
                    {agenda_block(snap, lang)}
                    {speakers_block(snap, lang, Some(err))}
                </div>
                {attendance_block(snap, lang)}
            }.into_any())}
        </main>
    }
}
