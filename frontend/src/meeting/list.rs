//! `/`: the meetings one takes part in (the secretariat: every meeting), each with its
//! status, and for the secretariat the pages distributed instead of printed.

use super::i18n::{self, K};
use crate::platform::{Common, api, t, time, tx, ui};
use ecabinet_domain::Role;
use ecabinet_protocol::Topic;
use leptos::prelude::*;

/// `/`: the secretariat sees every meeting; everyone else the meetings they are invited to.
#[component]
pub fn Home() -> impl IntoView {
    let ui = ui();
    let lang = ui.lang;
    let live = ui.live;
    let Some(me) = ui.me.clone() else {
        return view! { <main class="page"></main> }.into_any();
    };
    if me.role == Role::Admin {
        return view! { <main class="page"><p>{tx(lang, K::AdminNoMeetings)}</p></main> }
            .into_any();
    }
    let clerk = me.role == Role::Secretariat;
    let topic = if clerk {
        Topic::Meetings
    } else {
        Topic::User(me.id)
    };
    Effect::new(move |_| live.want(topic));
    let offset = time::local_offset();
    // The paper not printed: pages of the current versions × their readers, all meetings.
    let saved = RwSignal::new(None::<(i64, i64)>);
    if clerk {
        Effect::new(move |_| {
            leptos::task::spawn_local(async move {
                if let Ok(v) = api::call("GET", "/api/statistics/documents".into(), None).await {
                    saved.set(Some((
                        v["pages_distributed"].as_i64().unwrap_or(0),
                        v["documents"].as_i64().unwrap_or(0),
                    )));
                }
            });
        });
    }
    view! {
        <main class="page">
            <div class="row spread">
                <h1>{tx(lang, if clerk { K::AllMeetings } else { K::MyMeetings })}</h1>
                {clerk.then(|| view! {
                    <a class="button primary" href="/meetings/new" data-testid="new-meeting">{tx(lang, K::NewMeeting)}</a>
                })}
            </div>
            {move || saved.get().map(|(pages, docs)| view! {
                <p class="card" data-testid="pages-distributed" data-pages=pages.to_string()>
                    <strong>{pages.to_string()}</strong>" "{move || t(lang.get(), K::PagesDistributed)}
                    <span class="muted">{move || format!(" ({docs} {})", t(lang.get(), K::DocumentsCount))}</span>
                </p>
            })}
            {move || match live.list(topic) {
                None => view! { <p class="muted">{tx(lang, Common::Loading)}</p> }.into_any(),
                Some(l) if l.meetings.is_empty() => view! { <p class="muted" data-testid="no-meetings">{tx(lang, K::NoMeetings)}</p> }.into_any(),
                Some(l) => view! {
                    <ul class="meetings">
                        {l.meetings.into_iter().map(|m| {
                            let id = m.id.0;
                            let l = lang.get();
                            view! {
                                <li class="card meeting-row" data-testid="meeting-row" data-id=id.to_string()>
                                    <a class="meeting-link" href=format!("/meetings/{id}")>
                                        <span class="meeting-title">{m.details.title.clone()}</span>
                                        <span class="muted">
                                            {format!("{} · {} · {}", i18n::kind(l, m.details.kind), time::display(m.details.starts_at, offset), m.details.place)}
                                        </span>
                                    </a>
                                    <span class=format!("badge status-{}", m.status.as_str()) data-testid="status">{i18n::status(l, m.status)}</span>
                                    {m.my_role.map(|r| view! { <span class="badge">{i18n::participant_role(l, r)}</span> })}
                                    {clerk.then(|| view! {
                                        <a class="button" href=format!("/meetings/{id}/edit") data-testid="edit-meeting">{t(l, K::Edit)}</a>
                                        <a class="button" href=format!("/meetings/{id}/console")>{t(l, K::Console)}</a>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </main>
    }
    .into_any()
}
