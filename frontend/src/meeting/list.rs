//! The login page and the list of meetings.

use crate::i18n::{self, K, t};
use crate::{tx, ui};
use ecabinet_domain::Role;
use ecabinet_protocol::Topic;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// `/login`: a plain form, so it works before (and without) the wasm.
#[component]
pub fn Login() -> impl IntoView {
    let lang = ui().lang;
    let query = use_query_map();
    let error = move || query.read().get("error");
    view! {
        <main class="page narrow">
            <h1>{tx(lang, K::AppName)}</h1>
            <p class="muted">{tx(lang, K::LoginHint)}</p>
            <form method="post" action="/api/login" class="card stack" data-testid="login-form">
                <label>
                    {tx(lang, K::Username)}
                    <input name="username" autocomplete="username" required autocapitalize="none"/>
                </label>
                <label>
                    {tx(lang, K::Password)}
                    <input name="password" type="password" autocomplete="current-password" required/>
                </label>
                {move || error().map(|e| {
                    let key = if e == "limited" { K::LoginLimited } else { K::LoginFailed };
                    view! { <p class="error" role="alert" data-testid="login-error">{tx(lang, key)}</p> }
                })}
                <button type="submit" class="primary" data-testid="login-submit">{tx(lang, K::LogIn)}</button>
            </form>
        </main>
    }
}

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
    let offset = crate::time::local_offset();
    // The paper not printed: pages of the current versions × their readers, all meetings.
    let saved = RwSignal::new(None::<(i64, i64)>);
    if clerk {
        Effect::new(move |_| {
            leptos::task::spawn_local(async move {
                if let Ok(v) =
                    crate::api::call("GET", "/api/statistics/documents".into(), None).await
                {
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
                None => view! { <p class="muted">{tx(lang, K::Loading)}</p> }.into_any(),
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
                                            {format!("{} · {} · {}", i18n::kind(l, m.details.kind), crate::time::display(m.details.starts_at, offset), m.details.place)}
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
