//! One entry of each register: an incoming document with the step each role may take,
//! and an outgoing one with each recipient's status, the signer's seal with the PIN on
//! this device, sending and follow-ups; and an entry's files.

use super::i18n::{follow_up_note, outgoing_label, priority_label, status_label, superseded_label};
use super::seal::browser;
use crate::devices::device_error;
use crate::documents::Owner;
use crate::platform::time::{display, local_offset};
use crate::platform::{command, pick, ui};
use ecabinet_domain::UserId;
use ecabinet_exchange::{Business, Status};
use ecabinet_protocol::document::DocumentSummary;
use ecabinet_protocol::exchange::{IncomingView, OrganMember, OutgoingView};
use leptos::prelude::*;
use serde_json::json;

#[component]
pub(super) fn IncomingRow(
    d: IncomingView,
    later: Option<Business>,
    members: RwSignal<Vec<OrganMember>>,
    me: Option<UserId>,
    leader: bool,
    clerk: bool,
    err: RwSignal<Option<String>>,
) -> impl IntoView {
    let lang = ui().lang;
    let l = lang.get_untracked();
    let id = d.id;
    let e = d.envelope.clone();
    let note = RwSignal::new(String::new());
    let handler = RwSignal::new(None::<i64>);
    let step = move |status: &'static str| {
        let mut body = json!({"status": status, "note": note.get_untracked()});
        if let Some(h) = handler.get_untracked() {
            body["handler_id"] = json!(h);
        }
        command(
            err,
            "POST",
            format!("/api/exchange/incoming/{id}/status"),
            Some(body),
            |_| (),
        );
    };
    let mine = d.handler_id.is_some() && d.handler_id == me;
    let s = d.status;
    let revocation = e.business == Business::Revoke;
    let button = move |testid: &'static str, status: &'static str, label: &'static str| {
        view! { <button data-testid=testid on:click=move |_| step(status)>{label}</button> }
    };
    view! {
        <li class="doc-row" data-testid="incoming-row" data-id=id.to_string() data-status=s.code()>
            <div class="doc-main">
                <strong>{format!("{} {}/{}", e.document_type, e.code_number, e.code_notation)}</strong>
                <span data-testid="incoming-subject">{e.subject.clone()}</span>
                <span class="muted">{format!("{} · {} · {}", e.from.name, priority_label(l, e.priority), display(d.received_at, local_offset()))}</span>
                {d.register_number.map(|n| view! { <span class="muted">{format!("{} {n}", pick(l, "Số đến", "No."))}</span> })}
                <span class=format!("badge status-{}", s.code()) data-testid="incoming-status">{status_label(l, s)}</span>
                {follow_up_note(l, &e).map(|n| view! { <span class="muted" data-testid="follow-up-note">{n}</span> })}
                {later.map(|b| view! { <span class="badge" data-testid="superseded">{superseded_label(l, b)}</span> })}
            </div>
            <Files owner=Owner::Incoming(id) documents=d.documents.clone()/>
            <div class="row wrap">
                {(clerk && s == Status::Arrived).then(|| view! {
                    {button("register", "registered", pick(l, "Tiếp nhận", "Register"))}
                })}
                {(leader && s == Status::Registered && !revocation).then(|| view! {
                    <select data-testid="handler" on:change=move |ev| handler.set(event_target_value(&ev).parse().ok())>
                        <option value="">{pick(l, "Chọn người xử lý", "Choose a handler")}</option>
                        {move || members.get().into_iter().filter(|m| m.role == "handler" || m.role == "leader").map(|m| view! {
                            <option value=m.user_id.0.to_string()>{m.display_name}</option>
                        }).collect_view()}
                    </select>
                    {button("assign", "assigned", pick(l, "Phân công", "Assign"))}
                })}
                {((mine || leader) && s == Status::Assigned).then(|| button("processing", "processing", pick(l, "Bắt đầu xử lý", "Start")))}
                {((mine || leader) && s == Status::Processing).then(|| button("done", "done", pick(l, "Hoàn thành", "Done")))}
                {(leader && revocation && !s.is_final() && s != Status::RevocationRefused).then(|| view! {
                    {button("revocation-accept", "revocation_accepted", pick(l, "Đồng ý thu hồi", "Accept revocation"))}
                    {button("revocation-refuse", "revocation_refused", pick(l, "Từ chối thu hồi", "Refuse revocation"))}
                })}
                {(clerk && matches!(s, Status::Arrived | Status::Registered)).then(|| view! {
                    <input data-testid="note" placeholder=pick(l, "Lý do / ghi chú", "Reason / note")
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                    {button("reject", "rejected", pick(l, "Từ chối", "Reject"))}
                })}
            </div>
        </li>
    }
}

#[component]
pub(super) fn OutgoingRow(
    d: OutgoingView,
    later: Option<Business>,
    me: Option<UserId>,
    clerk: bool,
    follow: RwSignal<Option<(Business, OutgoingView)>>,
    err: RwSignal<Option<String>>,
) -> impl IntoView {
    let lang = ui().lang;
    let l = lang.get_untracked();
    let id = d.id;
    let e = d.envelope.clone();
    let pin = RwSignal::new(String::new());
    let signing = RwSignal::new(false);
    let signer = d.signer_id.is_some() && d.signer_id == me;
    let (envelope, digest) = (
        StoredValue::new(d.envelope.clone()),
        StoredValue::new(d.digest.clone()),
    );
    let seal = move |_| {
        let Some(user) = me else { return };
        signing.set(true);
        let p = pin.get_untracked();
        leptos::task::spawn_local(async move {
            let done = browser::seal(user, id, envelope.get_value(), digest.get_value(), p).await;
            pin.set(String::new());
            signing.set(false);
            if let Err(e) = done {
                err.set(Some(device_error(lang.get_untracked(), &e)));
            }
        });
    };
    view! {
        <li class="doc-row" data-testid="outgoing-row" data-id=id.to_string() data-status=d.status.clone()>
            <div class="doc-main">
                <strong>{format!("{} {}/{}", e.document_type, e.code_number, e.code_notation)}</strong>
                <span>{e.subject.clone()}</span>
                <span class="badge" data-testid="outgoing-status">{outgoing_label(l, &d.status)}</span>
                {follow_up_note(l, &e).map(|n| view! { <span class="muted" data-testid="follow-up-note">{n}</span> })}
                {later.map(|b| view! { <span class="badge" data-testid="superseded">{superseded_label(l, b)}</span> })}
            </div>
            <Files owner=Owner::Outgoing(id) documents=d.documents.clone()/>
            <ul class="recipients">
                {d.recipients.iter().map(|r| {
                    let stuck = r.undeliverable.clone();
                    let waiting = if stuck.is_some() {
                        pick(l, "Không chuyển được", "Undeliverable")
                    } else {
                        pick(l, "Đang chuyển", "In transit")
                    };
                    view! {
                        <li data-testid="recipient" data-organ=r.organ_id.clone() data-status=r.status.map_or("", Status::code)>
                            {format!("{}: {}", r.organ_name, r.status.map_or(waiting, |s| status_label(l, s)))}
                            {(!r.description.is_empty()).then(|| format!(" — {}", r.description))}
                            {stuck.map(|u| {
                                let retry = format!("/api/exchange/dead-letters/{}/retry", u.dead_letter_id);
                                view! {
                                    <span class="badge status-02" data-testid="undeliverable">{pick(l, "Không chuyển được", "Undeliverable")}</span>
                                    <span class="muted" data-testid="undeliverable-reason">{u.reason}</span>
                                    {clerk.then(|| view! {
                                        <button data-testid="retry-delivery" on:click=move |_| command(err, "POST", retry.clone(), None, |_| ())>{pick(l, "Gửi lại", "Retry")}</button>
                                    })}
                                }
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(signer && d.status == "draft").then(|| view! {
                <div class="row wrap">
                    <input type="password" inputmode="numeric" autocomplete="off" data-testid="seal-pin" placeholder="PIN"
                        prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                    <button class="primary" data-testid="seal" disabled=move || signing.get() on:click=seal>{pick(l, "Ký số", "Sign")}</button>
                </div>
            })}
            {(clerk && d.status == "sent" && e.business == Business::New).then(|| {
                let v = StoredValue::new(d.clone());
                let start = move |b: Business| follow.set(Some((b, v.get_value())));
                view! {
                    <div class="row wrap">
                        <button data-testid="start-revoke" on:click=move |_| start(Business::Revoke)>{pick(l, "Thu hồi", "Revoke")}</button>
                        <button data-testid="start-update" on:click=move |_| start(Business::Update)>{pick(l, "Cập nhật", "Update")}</button>
                        <button data-testid="start-replace" on:click=move |_| start(Business::Replace)>{pick(l, "Thay thế", "Replace")}</button>
                    </div>
                }
            })}
            {(clerk && d.status == "signed").then(|| view! {
                <button class="primary" data-testid="send" on:click=move |_| command(err, "POST", format!("/api/exchange/outgoing/{id}/send"), None, |_| ())>{pick(l, "Gửi", "Send")}</button>
            })}
        </li>
    }
}

/// An entry's files: each opens in the document viewer once rendered (the signer reads
/// the pages before sealing, the receiving organ after arrival); the PDF itself downloads.
#[component]
fn Files(owner: Owner, documents: Vec<DocumentSummary>) -> impl IntoView {
    let l = ui().lang.get_untracked();
    let (register, entry) = match owner {
        Owner::Outgoing(e) => ("outgoing", e),
        Owner::Incoming(e) => ("incoming", e),
        Owner::Meeting(_) | Owner::Opinion(_) => ("", 0),
    };
    view! {
        <ul class="files">
            {documents.into_iter().enumerate().map(|(i, d)| {
                let ready = d.current_version > 0;
                let state = match d.status.as_str() {
                    "ready" => format!("{} {}", d.pages, pick(l, "trang", "pages")),
                    "failed" => pick(l, "không hiển thị được", "cannot be shown").to_owned(),
                    _ => pick(l, "đang xử lý…", "preparing…").to_owned(),
                };
                view! {
                    <li data-testid="entry-file" data-status=d.status.clone()>
                        {if ready {
                            view! { <a class="button" data-testid="entry-file-open" href=owner.viewer(d.id)>{d.title.clone()}</a> }.into_any()
                        } else {
                            view! { <span>{d.title.clone()}</span> }.into_any()
                        }}
                        <span class="muted">{state}</span>
                        <a data-testid="entry-file-download" href=format!("/api/exchange/{register}/{entry}/files/{}", i + 1) download="">{pick(l, "Tải PDF", "Download PDF")}</a>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
