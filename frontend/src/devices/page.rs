//! `/devices`: a member creates this tablet's signing key under a PIN and sees whether
//! the secretariat approved it; the secretariat approves and revokes everyone's keys.
//! Both lists are live (`devices`, `devices:<id>`).

use super::i18n::{K, device_error, status_key};
use super::key::{self, StoredKey, browser};
use crate::platform::{Common, command, t, tx, ui};
use ecabinet_domain::device::{self, DeviceStatus};
use ecabinet_protocol::Topic;
use leptos::prelude::*;

/// `/devices`.
#[component]
pub fn DevicesPage() -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    let Some(me) = ui.me.clone() else {
        return view! { <main class="page"></main> }.into_any();
    };
    let manager = device::can_manage_devices(me.role);
    let member = me.signs;
    if !manager && !member {
        return view! { <main class="page"><p class="error">{tx(lang, K::DevicesNotForYou)}</p></main> }
            .into_any();
    }
    let my_id = me.id;
    let topic = if manager {
        Topic::Devices
    } else {
        Topic::DevicesOf(my_id)
    };
    Effect::new(move |_| live.want(topic));
    let err = RwSignal::new(None::<String>);
    // None while IndexedDB is read; then this account's key on this tablet, if any.
    let local = RwSignal::new(None::<Option<StoredKey>>);
    let busy = RwSignal::new(false);
    let label = RwSignal::new(t(lang.get_untracked(), K::DefaultDeviceLabel).to_owned());
    let pin = RwSignal::new(String::new());
    let pin_again = RwSignal::new(String::new());
    if member {
        Effect::new(move |_| {
            leptos::task::spawn_local(async move {
                match browser::load_key(my_id).await {
                    Ok(k) => local.set(Some(k)),
                    Err(e) => err.set(Some(device_error(lang.get_untracked(), &e))),
                }
            });
        });
    }
    let create = move |_| {
        let (p, again) = (pin.get_untracked(), pin_again.get_untracked());
        if let Err(e) = key::check_new_pin(&p, &again) {
            err.set(Some(device_error(lang.get_untracked(), &e)));
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let done = browser::enroll(my_id, label.get_untracked(), p).await;
            busy.set(false);
            pin.set(String::new());
            pin_again.set(String::new());
            match done {
                Ok(k) => {
                    err.set(None);
                    local.set(Some(Some(k)));
                }
                Err(e) => {
                    err.set(Some(device_error(lang.get_untracked(), &e)));
                    // The key may have been kept even though registering failed.
                    if let Ok(k) = browser::load_key(my_id).await {
                        local.set(Some(k));
                    }
                }
            }
        });
    };
    let register = move |_| {
        let Some(Some(k)) = local.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match browser::register(&k, label.get_untracked()).await {
                Ok(()) => err.set(None),
                Err(e) => err.set(Some(device_error(lang.get_untracked(), &e))),
            }
        });
    };
    // This tablet's key as the server sees it.
    let local_status = move || {
        let key = local.get().flatten()?;
        let list = live.devices(topic)?;
        Some(
            list.devices
                .iter()
                .find(|d| d.key_id == key.key_id)
                .map(|d| d.status),
        )
    };
    let this_tablet = move || {
        member.then(|| {
            let state = move || match (local.get(), local_status()) {
                (None, _) => "loading",
                (Some(None), _) => "none",
                (Some(Some(_)), None) => "loading",
                (Some(Some(_)), Some(None)) => "unregistered",
                (Some(Some(_)), Some(Some(s))) => s.as_str(),
            };
            view! {
                <section class="card stack" data-testid="this-tablet" data-state=state>
                    <h2>{tx(lang, K::ThisTablet)}</h2>
                    {move || match local.get() {
                        None => view! { <p class="muted">{tx(lang, Common::Loading)}</p> }.into_any(),
                        Some(Some(k)) => view! {
                            <p>
                                <span class="muted">{tx(lang, K::KeyFingerprint)}": "</span>
                                <code data-testid="key-id">{k.key_id[..16].to_owned()}</code>
                            </p>
                            <p data-testid="key-state">
                                {move || match local_status() {
                                    Some(Some(s)) => t(lang.get(), status_key(s)),
                                    Some(None) => t(lang.get(), K::KeyNotRegistered),
                                    None => t(lang.get(), Common::Loading),
                                }}
                            </p>
                            {move || (local_status() == Some(None)).then(|| view! {
                                <button data-testid="register-again" on:click=register>{tx(lang, K::RegisterAgain)}</button>
                            })}
                        }.into_any(),
                        Some(None) => view! { <p class="muted">{tx(lang, K::NoKeyHere)}</p> }.into_any(),
                    }}
                </section>
            }
        })
    };
    // The form stays outside the live block so that typing survives updates.
    let form = move || {
        (member && local.get() == Some(None)).then(|| view! {
            <section class="card stack">
                <label>{tx(lang, K::DeviceLabel)}
                    <input data-testid="device-label" prop:value=move || label.get() on:input=move |ev| label.set(event_target_value(&ev))/>
                </label>
                <label>{tx(lang, K::Pin)}
                    <input data-testid="pin" type="password" inputmode="numeric" autocomplete="new-password" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                </label>
                <label>{tx(lang, K::PinAgain)}
                    <input data-testid="pin-again" type="password" inputmode="numeric" autocomplete="new-password" prop:value=move || pin_again.get() on:input=move |ev| pin_again.set(event_target_value(&ev))/>
                </label>
                <button class="primary" data-testid="create-key" disabled=move || busy.get() on:click=create>
                    {move || t(lang.get(), if busy.get() { K::CreatingKey } else { K::CreateKey })}
                </button>
            </section>
        })
    };
    let list = move || {
        let l = lang.get();
        match live.devices(topic) {
            None => view! { <p class="muted">{t(l, Common::Loading)}</p> }.into_any(),
            Some(list) if list.devices.is_empty() => {
                view! { <p class="muted" data-testid="no-devices">{t(l, K::NoDevices)}</p> }.into_any()
            }
            Some(list) => view! {
                <ul class="devices">
                    {list.devices.into_iter().map(|d| {
                        let id = d.id;
                        let pending = d.status == DeviceStatus::Pending;
                        let revocable = d.status != DeviceStatus::Revoked;
                        view! {
                            <li class="card device-row" data-testid="device-row" data-id=id.to_string() data-user=d.user_id.0.to_string() data-status=d.status.as_str()>
                                <span class="grow">
                                    <strong>{if manager { d.user_name.clone() } else { d.label.clone() }}</strong>
                                    <span class="muted">{format!(" · {} · {} {}", if manager { d.label.clone() } else { String::new() }, t(l, K::KeyFingerprint), &d.key_id[..16])}</span>
                                </span>
                                <span class=format!("badge device-{}", d.status.as_str())>{t(l, status_key(d.status))}</span>
                                {(manager && pending).then(|| view! {
                                    <button class="primary" data-testid="approve-device" on:click=move |_| command(err, "POST", format!("/api/devices/{id}/approve"), None, |_| ())>{t(l, K::Approve)}</button>
                                })}
                                {revocable.then(|| view! {
                                    <button class="danger" data-testid="revoke-device" on:click=move |_| command(err, "POST", format!("/api/devices/{id}/revoke"), None, |_| ())>{t(l, K::Revoke)}</button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
        }
    };
    view! {
        <main class="page">
            <h1>{tx(lang, K::Devices)}</h1>
            {move || err.get().map(|e| view! { <p class="error" role="alert" data-testid="device-error">{e}</p> })}
            {this_tablet}
            {form}
            <h2>{tx(lang, if manager { K::AllDevices } else { K::MyDevices })}</h2>
            {list}
        </main>
    }
    .into_any()
}
