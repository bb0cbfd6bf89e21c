//! `/exchange`: the organs one works for, and for the chosen one its incoming and
//! outgoing registers, read again on every `exchange.changed`.

use super::draft::DraftForm;
use super::rows::{IncomingRow, OutgoingRow};
use crate::platform::{Lang, get, pick, ui};
use ecabinet_domain::UserId;
use ecabinet_exchange::{Business, Envelope};
use ecabinet_protocol::Topic;
use ecabinet_protocol::document::DocumentSummary;
use ecabinet_protocol::exchange::{IncomingView, MyOrgan, OrganInfo, OrganMember, OutgoingView};
use leptos::prelude::*;

async fn fetch<T: serde::de::DeserializeOwned>(l: Lang, path: String) -> Result<T, String> {
    get::<T>(l, path).await
}

/// `/exchange`.
#[component]
pub fn ExchangePage() -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    let me: Option<UserId> = ui.me.as_ref().map(|m| m.id);
    Effect::new(move |_| {
        if let Some(u) = me {
            live.want(Topic::User(u));
        }
    });
    let organs = RwSignal::new(None::<Vec<MyOrgan>>);
    let chosen = RwSignal::new(None::<String>);
    let err = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            match fetch::<Vec<MyOrgan>>(lang.get_untracked(), "/api/exchange/me".into()).await {
                Ok(list) => {
                    if chosen.get_untracked().is_none() {
                        chosen.set(list.first().map(|o| o.id.clone()));
                    }
                    organs.set(Some(list));
                }
                Err(e) => err.set(Some(e)),
            }
        });
    });
    let organ = Memo::new(move |_| {
        let id = chosen.get()?;
        organs.with(|l| l.as_ref()?.iter().find(|o| o.id == id).cloned())
    });
    view! {
        <main class="page stack exchange" data-testid="exchange">
            <h1>{move || pick(lang.get(), "Liên thông văn bản", "Document exchange")}</h1>
            {move || err.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || organs.get().map(|list| if list.is_empty() {
                view! { <p class="muted" data-testid="no-organ">{pick(lang.get(), "Tài khoản này chưa thuộc cơ quan nào.", "This account works for no organ yet.")}</p> }.into_any()
            } else {
                view! {
                    <label>{pick(lang.get(), "Cơ quan", "Organ")}
                        <select data-testid="organ" on:change=move |ev| chosen.set(Some(event_target_value(&ev)))>
                            {list.into_iter().map(|o| {
                                let id = o.id.clone();
                                view! { <option value=o.id.clone() selected=move || chosen.get().as_deref() == Some(id.as_str())>{format!("{} ({})", o.name, o.id)}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                }.into_any()
            })}
            {move || organ.get().map(|o| view! { <Registers organ=o me/> })}
        </main>
    }
}

#[component]
fn Registers(organ: MyOrgan, me: Option<UserId>) -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    let id = organ.id.clone();
    let roles = organ.roles.clone();
    let has = move |r: &str| roles.iter().any(|x| x == r);
    let (clerk, leader) = (has("clerk"), has("leader"));
    let incoming = RwSignal::new(Vec::<IncomingView>::new());
    let outgoing = RwSignal::new(Vec::<OutgoingView>::new());
    let members = RwSignal::new(Vec::<OrganMember>::new());
    let directory = RwSignal::new(Vec::<OrganInfo>::new());
    let err = RwSignal::new(None::<String>);
    // A sent document the clerk is revoking, updating or replacing in the draft form.
    let follow = RwSignal::new(None::<(Business, OutgoingView)>);
    let reload = {
        let id = id.clone();
        move || {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                let l = lang.get_untracked();
                match fetch(l, format!("/api/exchange/organs/{id}/incoming")).await {
                    Ok(v) => incoming.set(v),
                    Err(e) => err.set(Some(e)),
                }
                match fetch(l, format!("/api/exchange/organs/{id}/outgoing")).await {
                    Ok(v) => outgoing.set(v),
                    Err(e) => err.set(Some(e)),
                }
            });
        }
    };
    {
        let id = id.clone();
        leptos::task::spawn_local(async move {
            let l = lang.get_untracked();
            if let Ok(v) = fetch(l, format!("/api/exchange/organs/{id}/members")).await {
                members.set(v);
            }
            if let Ok(v) = fetch::<Vec<OrganInfo>>(l, "/api/exchange/organs".into()).await {
                directory.set(v.into_iter().filter(|o| o.id != id).collect());
            }
        });
    }
    {
        let reload = reload.clone();
        Effect::new(move |_| {
            live.exchange.track();
            live.resyncs.track();
            reload();
        });
    }
    let tab = RwSignal::new("incoming");
    view! {
        <div class="row wrap tabs" role="tablist">
            <button role="tab" data-testid="tab-incoming" aria-selected=move || (tab.get() == "incoming").to_string()
                on:click=move |_| tab.set("incoming")>{move || pick(lang.get(), "Văn bản đến", "Incoming")}</button>
            <button role="tab" data-testid="tab-outgoing" aria-selected=move || (tab.get() == "outgoing").to_string()
                on:click=move |_| tab.set("outgoing")>{move || pick(lang.get(), "Văn bản đi", "Outgoing")}</button>
        </div>
        {move || err.get().map(|e| view! { <p class="error" role="alert" data-testid="exchange-error">{e}</p> })}
        <Show when=move || tab.get() == "incoming">
            <section class="card stack" data-testid="incoming">
                {move || incoming.with(Vec::is_empty).then(|| view! { <p class="muted">{pick(lang.get(), "Chưa có văn bản đến.", "Nothing has arrived.")}</p> })}
                <ul class="docs">
                    <For each=move || incoming.with(|list| list.iter().map(|d| {
                            let later = superseded_by(list.iter().map(|x| &x.envelope), &d.envelope.document_id);
                            (d.clone(), later)
                        }).collect::<Vec<_>>())
                        key=|(d, later)| (d.id, d.status, files_key(&d.documents), *later)
                        children=move |(d, later)| view! { <IncomingRow d later members me leader clerk err/> }/>
                </ul>
            </section>
        </Show>
        <Show when=move || tab.get() == "outgoing">
            <section class="card stack" data-testid="outgoing">
                {clerk.then(|| view! { <DraftForm organ=id.clone() members directory follow err/> })}
                <ul class="docs">
                    <For each=move || outgoing.with(|list| list.iter().map(|d| {
                            let later = superseded_by(list.iter().map(|x| &x.envelope), &d.envelope.document_id);
                            (d.clone(), later)
                        }).collect::<Vec<_>>())
                        key=|(d, later)| (d.id, d.status.clone(), d.recipients.iter().map(|r| r.status).collect::<Vec<_>>(), files_key(&d.documents), *later)
                        children=move |(d, later)| view! { <OutgoingRow d later me clerk follow err/> }/>
                </ul>
            </section>
        </Show>
    }
}

/// The business a document has seen after it was sent: the newest update or replacement
/// naming it in `list` (a revocation shows through the statuses).
fn superseded_by<'a, I>(list: I, document_id: &str) -> Option<Business>
where
    I: IntoIterator<Item = &'a Envelope>,
{
    list.into_iter()
        .filter(|e| matches!(e.business, Business::Update | Business::Replace))
        .filter(|e| e.target.as_deref() == Some(document_id))
        .last()
        .map(|e| e.business)
}

/// What of an entry's files a row shows: it is drawn again when one finishes rendering.
fn files_key(documents: &[DocumentSummary]) -> Vec<(i64, i64, bool)> {
    documents
        .iter()
        .map(|d| (d.id, d.current_version, d.status == "failed"))
        .collect()
}
