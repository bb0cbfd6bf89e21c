//! The secretariat's meeting editor (`/meetings/new`, `/meetings/:id/edit`): details,
//! participants, quorum, the agenda (add, edit, remove, reorder), and publication.

use super::i18n::{self, K};
use crate::platform::{Common, command, t, time, tx, ui};
use ecabinet_domain::agenda::AgendaItem;
use ecabinet_domain::meeting::{MeetingKind, MeetingStatus};
use ecabinet_domain::{AgendaItemId, MeetingId, ParticipantRole, Role, UserId};
use ecabinet_protocol::api::UserSummary;
use ecabinet_protocol::{MeetingSnapshot, Topic};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};

/// One agenda row being edited; `key` identifies it on screen, `id` on the server.
#[derive(Clone, Copy)]
struct Row {
    key: u64,
    id: Option<AgendaItemId>,
    title: RwSignal<String>,
    presenter: RwSignal<String>,
    minutes: RwSignal<String>,
}

static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

impl Row {
    fn new(id: Option<AgendaItemId>, title: &str, presenter: &str, minutes: i64) -> Row {
        Row {
            key: NEXT_KEY.fetch_add(1, Ordering::Relaxed),
            id,
            title: RwSignal::new(title.to_owned()),
            presenter: RwSignal::new(presenter.to_owned()),
            minutes: RwSignal::new(minutes.to_string()),
        }
    }

    fn from_item(i: &AgendaItem) -> Row {
        Row::new(Some(i.id), &i.title, &i.presenter, i.planned_minutes)
    }
}

/// A participant choice: invited or not, with which role.
#[derive(Clone, Copy)]
struct Pick {
    user: UserId,
    on: RwSignal<bool>,
    role: RwSignal<ParticipantRole>,
}

const QUORUMS: [(u32, u32); 3] = [(2, 3), (1, 2), (3, 4)];

#[component]
pub fn Editor() -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<i64>().ok()));
    let navigate = use_navigate();
    let offset = time::local_offset();

    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(MeetingKind::Regular);
    let starts = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let quorum = RwSignal::new(0usize);
    let users = RwSignal::new(Vec::<UserSummary>::new());
    let picks = RwSignal::new(Vec::<Pick>::new());
    let rows = RwSignal::new(Vec::<Row>::new());
    let loaded = RwSignal::new(false);
    let err = RwSignal::new(None::<String>);
    let note = RwSignal::new(None::<K>);

    // Accounts that can take part, fetched once in the browser.
    Effect::new(move |_| {
        command(err, "GET", "/api/users".into(), None, move |v| {
            let list: Vec<UserSummary> = serde_json::from_value(v).unwrap_or_default();
            let list: Vec<_> = list
                .into_iter()
                .filter(|u| u.role.default_participant_role().is_some())
                .collect();
            picks.set(
                list.iter()
                    .map(|u| Pick {
                        user: u.id,
                        on: RwSignal::new(matches!(u.role, Role::Chair | Role::Member)),
                        role: RwSignal::new(
                            u.role
                                .default_participant_role()
                                .unwrap_or(ParticipantRole::Member),
                        ),
                    })
                    .collect(),
            );
            users.set(list);
        });
    });
    Effect::new(move |_| {
        if let Some(id) = id.get() {
            live.want(Topic::Meeting(MeetingId(id)));
        } else if starts.get_untracked().is_empty() {
            // A new meeting defaults to tomorrow at 08:00 local time.
            let now = js_now();
            let day = 86_400_000;
            let local_midnight = (now + offset * 60_000).div_euclid(day) * day - offset * 60_000;
            starts.set(time::to_input(local_midnight + day + 8 * 3_600_000, offset));
        }
    });
    let snap = Memo::new(move |_| {
        id.get()
            .and_then(|id| live.meeting(Topic::Meeting(MeetingId(id))))
    });
    let fill = move |m: &MeetingSnapshot| {
        let d = &m.info.details;
        title.set(d.title.clone());
        kind.set(d.kind);
        starts.set(time::to_input(d.starts_at, offset));
        place.set(d.place.clone());
        quorum.set(
            QUORUMS
                .iter()
                .position(|q| (q.0, q.1) == (m.info.quorum.num, m.info.quorum.den))
                .unwrap_or(0),
        );
        rows.set(m.agenda.iter().map(Row::from_item).collect());
    };
    // Fill the form once from the live meeting, and the participant picks once both are known.
    Effect::new(move |_| {
        let ready = users.with(|u| !u.is_empty());
        snap.with(|s| {
            if let (Some(m), false, true) = (s, loaded.get_untracked(), ready) {
                fill(m);
                picks.with_untracked(|ps| {
                    for p in ps {
                        let part = m.participant(p.user);
                        p.on.set(part.is_some());
                        if let Some(part) = part {
                            p.role.set(part.role);
                        }
                    }
                });
                loaded.set(true);
            }
        });
    });

    let body = move || {
        let (num, den) = QUORUMS[quorum.get_untracked()];
        let participants: Vec<_> = picks.with_untracked(|ps| {
            ps.iter()
                .filter(|p| p.on.get_untracked())
                .map(|p| json!({"user_id": p.user, "role": p.role.get_untracked()}))
                .collect()
        });
        json!({
            "title": title.get_untracked(),
            "kind": kind.get_untracked(),
            "starts_at": time::from_input(&starts.get_untracked(), offset).unwrap_or(0),
            "place": place.get_untracked(),
            "participants": participants,
            "quorum": {"num": num, "den": den},
        })
    };
    let save = move |_| {
        note.set(None);
        match id.get_untracked() {
            Some(id) => command(
                err,
                "PUT",
                format!("/api/meetings/{id}"),
                Some(body()),
                move |_| note.set(Some(K::Saved)),
            ),
            None => {
                let navigate = navigate.clone();
                command(
                    err,
                    "POST",
                    "/api/meetings".into(),
                    Some(body()),
                    move |v| {
                        if let Some(new_id) = v.get("id").and_then(|i| i.as_i64()) {
                            navigate(
                                &format!("/meetings/{new_id}/edit"),
                                NavigateOptions::default(),
                            );
                        }
                    },
                );
            }
        }
    };
    let save_agenda = move |_| {
        note.set(None);
        let Some(id) = id.get_untracked() else { return };
        let items: Vec<_> = rows.with_untracked(|rs| {
            rs.iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "title": r.title.get_untracked(),
                        "presenter": r.presenter.get_untracked(),
                        "planned_minutes": r.minutes.get_untracked().trim().parse::<i64>().unwrap_or(0),
                    })
                })
                .collect()
        });
        command(
            err,
            "PUT",
            format!("/api/meetings/{id}/agenda"),
            Some(json!({"items": items})),
            move |_| {
                note.set(Some(K::Saved));
                // New items got ids on the server: take them, or a second save would duplicate them.
                command(err, "GET", format!("/api/meetings/{id}"), None, move |v| {
                    if let Ok(m) = serde_json::from_value::<MeetingSnapshot>(v) {
                        rows.set(m.agenda.iter().map(Row::from_item).collect());
                    }
                });
            },
        );
    };
    let publish = move |_| {
        note.set(None);
        if let Some(id) = id.get_untracked() {
            command(
                err,
                "POST",
                format!("/api/meetings/{id}/publish"),
                Some(json!({})),
                move |_| note.set(Some(K::Published)),
            );
        }
    };
    let move_row = move |key: u64, delta: isize| {
        rows.update(|rs| {
            if let Some(i) = rs.iter().position(|r| r.key == key) {
                let j = i as isize + delta;
                if j >= 0 && (j as usize) < rs.len() {
                    rs.swap(i, j as usize);
                }
            }
        })
    };
    let status = Memo::new(move |_| snap.with(|s| s.as_ref().map(|m| m.info.status)));

    view! {
        <main class="page">
            <div class="row wrap">
                <a class="button" href="/">{tx(lang, Common::Back)}</a>
                {move || id.get().map(|id| view! { <a class="button" href=format!("/meetings/{id}")>{tx(lang, K::Open)}</a> })}
            </div>
            <h1>{move || if id.get().is_some() { t(lang.get(), K::Edit) } else { t(lang.get(), K::NewMeeting) }}</h1>
            {move || status.get().map(|s| view! { <span class=format!("badge status-{}", s.as_str()) data-testid="status">{i18n::status(lang.get(), s)}</span> })}
            {move || err.get().map(|e| view! { <p class="error" role="alert" data-testid="editor-error">{e}</p> })}
            {move || note.get().map(|k| view! { <p class="ok" data-testid="editor-note">{t(lang.get(), k)}</p> })}

            <section class="card stack">
                <h2>{tx(lang, K::Details)}</h2>
                <label>{tx(lang, Common::Title)}
                    <input data-testid="meeting-title-input" prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
                </label>
                <div class="row wrap">
                    <label class="grow">{tx(lang, K::Kind)}
                        <select data-testid="meeting-kind" on:change=move |ev| kind.set(MeetingKind::parse(&event_target_value(&ev)).unwrap_or(MeetingKind::Regular))>
                            {MeetingKind::ALL.iter().map(|k| {
                                let k = *k;
                                view! { <option value=k.as_str() selected=move || kind.get() == k>{move || i18n::kind(lang.get(), k)}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="grow">{tx(lang, K::Start)}
                        <input type="datetime-local" data-testid="meeting-start" prop:value=move || starts.get() on:input=move |ev| starts.set(event_target_value(&ev))/>
                    </label>
                    <label class="grow">{tx(lang, K::Quorum)}
                        <select data-testid="meeting-quorum" on:change=move |ev| quorum.set(event_target_value(&ev).parse().unwrap_or(0))>
                            {QUORUMS.iter().enumerate().map(|(i, (n, d))| view! { <option value=i.to_string() selected=move || quorum.get() == i>{format!("{n}/{d}")}</option> }).collect_view()}
                        </select>
                    </label>
                </div>
                <label>{tx(lang, K::Place)}
                    <input data-testid="meeting-place" prop:value=move || place.get() on:input=move |ev| place.set(event_target_value(&ev))/>
                </label>
                <h3>{tx(lang, K::Participants)}</h3>
                <ul class="picks">
                    {move || {
                        let us = users.get();
                        picks.get().into_iter().zip(us).map(|(p, u)| view! {
                            <li data-testid="pick" data-user=u.id.0.to_string()>
                                <label class="check">
                                    <input type="checkbox" prop:checked=move || p.on.get() on:change=move |ev| p.on.set(event_target_checked(&ev))/>
                                    <span>{u.display_name.clone()}</span>
                                </label>
                                <select on:change=move |ev| p.role.set(ParticipantRole::parse(&event_target_value(&ev)).unwrap_or(ParticipantRole::Member))>
                                    {ParticipantRole::ALL.iter().map(|r| {
                                        let r = *r;
                                        view! { <option value=r.as_str() selected=move || p.role.get() == r>{move || i18n::participant_role(lang.get(), r)}</option> }
                                    }).collect_view()}
                                </select>
                            </li>
                        }).collect_view()
                    }}
                </ul>
                <button class="primary" data-testid="save-meeting" on:click=save>{tx(lang, Common::Save)}</button>
            </section>

            <Show when=move || id.get().is_some()>
                <section class="card stack">
                    <h2>{tx(lang, K::Agenda)}</h2>
                    <ol class="agenda-edit">
                        {move || rows.get().into_iter().map(|r| view! {
                            <li class="row wrap" data-testid="agenda-row">
                                <input class="grow" data-testid="item-title" placeholder=move || t(lang.get(), Common::Title) prop:value=move || r.title.get() on:input=move |ev| r.title.set(event_target_value(&ev))/>
                                <input data-testid="item-presenter" placeholder=move || t(lang.get(), K::Presenter) prop:value=move || r.presenter.get() on:input=move |ev| r.presenter.set(event_target_value(&ev))/>
                                <input class="minutes" type="number" min="1" max="600" data-testid="item-minutes" prop:value=move || r.minutes.get() on:input=move |ev| r.minutes.set(event_target_value(&ev))/>
                                <button on:click=move |_| move_row(r.key, -1) aria-label=move || t(lang.get(), K::Up)>"↑"</button>
                                <button on:click=move |_| move_row(r.key, 1) aria-label=move || t(lang.get(), K::Down)>"↓"</button>
                                <button class="danger" on:click=move |_| rows.update(|rs| rs.retain(|x| x.key != r.key))>{tx(lang, Common::Remove)}</button>
                            </li>
                        }).collect_view()}
                    </ol>
                    <div class="row wrap">
                        <button data-testid="add-item" on:click=move |_| rows.update(|rs| rs.push(Row::new(None, "", "", 30)))>{tx(lang, K::AddItem)}</button>
                        <button class="primary" data-testid="save-agenda" on:click=save_agenda>{tx(lang, K::SaveAgenda)}</button>
                    </div>
                </section>
                <section class="card">
                    <button class="primary" data-testid="publish" disabled=move || status.get() != Some(MeetingStatus::Draft) on:click=publish>{tx(lang, K::Publish)}</button>
                </section>
            </Show>
        </main>
    }
}

fn js_now() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}
