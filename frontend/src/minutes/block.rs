//! The minutes block of a meeting page: the secretariat drafts the minutes from the
//! meeting's record and edits them; the chair signs the text on the device with the PIN
//! (the device hashes the text it shows); everyone downloads the PDF and, once signed, the
//! bundle that `ecabinet verify` checks.

use super::i18n::K;
use super::signature::browser;
use crate::devices::{self, device_error};
use crate::platform::{api, command, t, time, ui};
use ecabinet_domain::MeetingId;
use ecabinet_protocol::api::MinutesView;
use leptos::prelude::*;
use serde_json::json;

/// The minutes of meeting `meeting`; `clerk`: the secretariat's controls.
#[component]
pub(crate) fn Minutes(meeting: i64, clerk: bool) -> impl IntoView {
    let ui = ui();
    let lang = ui.lang;
    let live = ui.live;
    let me = ui.me.as_ref().map(|m| m.id);
    let state = RwSignal::new(None::<MinutesView>);
    let text = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let err = RwSignal::new(None::<String>);
    let signing = RwSignal::new(false);
    let load = move || {
        leptos::task::spawn_local(async move {
            if let Ok(v) = api::call("GET", format!("/api/meetings/{meeting}/minutes"), None).await
                && let Ok(m) = serde_json::from_value::<MinutesView>(v)
            {
                text.set(m.text.clone());
                state.set(Some(m));
            }
        });
    };
    Effect::new(move |_| {
        let _ = live.minutes.get();
        let _ = live.resyncs.get();
        load();
    });
    let sign = move |_| {
        let (Some(me), Some(m)) = (me, state.get_untracked()) else {
            return;
        };
        let p = pin.get_untracked();
        signing.set(true);
        leptos::task::spawn_local(async move {
            let done =
                browser::sign_minutes(me, MeetingId(meeting), m.text, m.text_sha256, p).await;
            pin.set(String::new());
            signing.set(false);
            match done {
                Ok(()) => {
                    err.set(None);
                    load();
                }
                Err(e) => err.set(Some(device_error(lang.get_untracked(), &e))),
            }
        });
    };
    move || {
        let m = state.get()?;
        let l = lang.get();
        let draft = m.status == "draft";
        let signed = m.signed.clone();
        Some(view! {
            <section class="card stack" data-testid="minutes" data-status=m.status.clone()>
                <div class="row spread">
                    <h2>{t(l, K::MinutesTitle)}</h2>
                    {(m.status != "none").then(|| view! {
                        <span class="badge" data-testid="minutes-status">{t(l, if draft { K::MinutesDraftState } else { K::MinutesSigned })}</span>
                    })}
                </div>
                {clerk.then(|| (m.status != "signed").then(|| view! {
                    <button data-testid="generate-minutes" on:click=move |_| command(err, "POST", format!("/api/meetings/{meeting}/minutes/draft"), None, move |_| load())>{t(l, K::GenerateMinutes)}</button>
                }))}
                {(draft && clerk).then(|| view! {
                    <textarea data-testid="minutes-text" rows="16" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    <button class="primary" data-testid="save-minutes" on:click=move |_| command(err, "PUT", format!("/api/meetings/{meeting}/minutes"), Some(json!({"text": text.get_untracked()})), move |_| load())>{t(l, K::SaveMinutes)}</button>
                })}
                {((draft && !clerk) || !draft && m.status != "none").then(|| view! {
                    <div class="draft-decision" data-testid="minutes-body">{m.text.clone()}</div>
                })}
                {(m.status != "none").then(|| view! {
                    <p class="muted" data-testid="minutes-hash">{format!("{}: {}", t(l, K::TextHash), m.text_sha256)}</p>
                    <div class="row wrap">
                        <a class="button" data-testid="minutes-pdf" href=format!("/api/meetings/{meeting}/minutes.pdf") download>{t(l, K::DownloadMinutes)}</a>
                        {signed.is_some().then(|| view! {
                            <a class="button" data-testid="minutes-archive" href=format!("/api/meetings/{meeting}/minutes/archive") download>{t(l, K::MinutesArchive)}</a>
                        })}
                    </div>
                })}
                {m.may_sign.then(|| view! {
                    <div class="row wrap" data-testid="sign-minutes-form">
                        <label>{t(l, devices::K::EnterPin)}
                            <input data-testid="minutes-pin" type="password" inputmode="numeric" autocomplete="off" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                        </label>
                        <button class="primary" data-testid="sign-minutes" disabled=move || signing.get() on:click=sign>{t(l, K::SignMinutes)}</button>
                    </div>
                })}
                {signed.map(|s| view! {
                    <p class="ok" data-testid="minutes-signature">{format!("{}: {} · {}", t(l, K::SignedBy), s.signer_name, time::display(s.signed_at, time::local_offset()))}</p>
                })}
                {move || err.get().map(|e| view! { <p class="error" role="alert" data-testid="minutes-error">{e}</p> })}
            </section>
        }.into_any())
    }
}
