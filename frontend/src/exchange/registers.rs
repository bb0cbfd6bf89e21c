//! Document exchange (`/exchange`): an organ's incoming register (văn bản đến) with the
//! step each role may take, and its outgoing register (văn bản đi) with each recipient's
//! status, the clerk's draft form, the signer's seal with the PIN on this device, and
//! sending. Both registers follow live (`exchange.changed` on one's own topic).

use crate::documents::Owner;
use crate::i18n::{Lang, pick};
use crate::tablet::browser;
use crate::time::{display, local_offset};
use crate::{command, describe, ui};
use ecabinet_domain::UserId;
use ecabinet_exchange::{Business, Envelope, Priority, Status};
use ecabinet_protocol::Topic;
use ecabinet_protocol::document::DocumentSummary;
use ecabinet_protocol::exchange::{IncomingView, MyOrgan, OrganInfo, OrganMember, OutgoingView};
use leptos::prelude::*;
use serde_json::json;

/// The status in words.
pub fn status_label(l: Lang, s: Status) -> &'static str {
    match s {
        Status::Arrived => pick(l, "Đã đến", "Arrived"),
        Status::Rejected => pick(l, "Từ chối", "Rejected"),
        Status::Registered => pick(l, "Đã tiếp nhận", "Registered"),
        Status::Assigned => pick(l, "Đã phân công", "Assigned"),
        Status::Processing => pick(l, "Đang xử lý", "Processing"),
        Status::Done => pick(l, "Hoàn thành", "Done"),
        Status::Withdrawn => pick(l, "Đã thu hồi", "Withdrawn"),
        Status::RevocationAccepted => pick(l, "Đồng ý thu hồi", "Revocation accepted"),
        Status::RevocationRefused => pick(l, "Từ chối thu hồi", "Revocation refused"),
    }
}

fn priority_label(l: Lang, p: Priority) -> &'static str {
    match p {
        Priority::Normal => pick(l, "Thường", "Normal"),
        Priority::Urgent => pick(l, "Khẩn", "Urgent"),
        Priority::VeryUrgent => pick(l, "Thượng khẩn", "Very urgent"),
        Priority::Flash => pick(l, "Hỏa tốc", "Flash"),
    }
}

/// What a follow-up does to the document it names, as a verb phrase.
fn business_label(l: Lang, b: Business) -> &'static str {
    match b {
        Business::New => pick(l, "Văn bản mới", "New document"),
        Business::Revoke => pick(l, "Thu hồi văn bản", "Revokes"),
        Business::Update => pick(l, "Cập nhật văn bản", "Updates"),
        Business::Replace => pick(l, "Thay thế văn bản", "Replaces"),
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

/// "đã được thay thế" / "has been replaced", for a superseded document.
fn superseded_label(l: Lang, b: Business) -> &'static str {
    match b {
        Business::Replace => pick(l, "Đã có văn bản thay thế", "Replaced by a later document"),
        _ => pick(l, "Đã có văn bản cập nhật", "Updated by a later document"),
    }
}

/// A follow-up note: what an entry revokes, updates or replaces, and why.
fn follow_up_note(l: Lang, e: &Envelope) -> Option<String> {
    let target = e.target.as_ref()?;
    Some(format!(
        "{} {target}{}",
        business_label(l, e.business),
        if e.reason.is_empty() {
            String::new()
        } else {
            format!(" — {}", e.reason)
        }
    ))
}

fn outgoing_label(l: Lang, s: &str) -> &'static str {
    match s {
        "draft" => pick(l, "Dự thảo, chờ ký", "Draft, to be signed"),
        "signed" => pick(l, "Đã ký, chờ gửi", "Signed, to be sent"),
        _ => pick(l, "Đã gửi", "Sent"),
    }
}

async fn fetch<T: serde::de::DeserializeOwned>(l: Lang, path: String) -> Result<T, String> {
    crate::documents::get::<T>(l, path).await
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

#[component]
fn IncomingRow(
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
fn OutgoingRow(
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
                err.set(Some(crate::devices::device_error(lang.get_untracked(), &e)));
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

/// What of an entry's files a row shows: it is drawn again when one finishes rendering.
fn files_key(documents: &[DocumentSummary]) -> Vec<(i64, i64, bool)> {
    documents
        .iter()
        .map(|d| (d.id, d.current_version, d.status == "failed"))
        .collect()
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

#[component]
fn DraftForm(
    organ: String,
    members: RwSignal<Vec<OrganMember>>,
    directory: RwSignal<Vec<OrganInfo>>,
    follow: RwSignal<Option<(Business, OutgoingView)>>,
    err: RwSignal<Option<String>>,
) -> impl IntoView {
    let lang = ui().lang;
    let to = RwSignal::new(Vec::<String>::new());
    let number = RwSignal::new(String::new());
    let notation = RwSignal::new(String::new());
    let kind = RwSignal::new("Công văn".to_owned());
    let subject = RwSignal::new(String::new());
    let date = RwSignal::new(crate::time::today(local_offset()));
    let due = RwSignal::new(String::new());
    let priority = RwSignal::new(Priority::Normal);
    let signer = RwSignal::new(None::<i64>);
    let position = RwSignal::new(String::new());
    // The files picked: the document and its appendices, in order.
    let file = RwSignal::new(Vec::<crate::upload::Picked>::new());
    let sending = RwSignal::new(None::<f64>);
    let reason = RwSignal::new(String::new());
    // A follow-up starts from the document it changes: same recipients, type and subject.
    Effect::new(move |_| {
        if let Some((b, v)) = follow.get() {
            to.set(v.recipients.iter().map(|r| r.organ_id.clone()).collect());
            kind.set(v.envelope.document_type.clone());
            subject.set(format!(
                "{} {}/{}: {}",
                business_label(lang.get_untracked(), b),
                v.envelope.code_number,
                v.envelope.code_notation,
                v.envelope.subject
            ));
            reason.set(String::new());
        }
    });
    let revoking = move || follow.with(|f| matches!(f, Some((Business::Revoke, _))));
    let submit = move |_| {
        let picked = file.get_untracked();
        if picked.is_empty() && !revoking() {
            err.set(Some(
                pick(
                    lang.get_untracked(),
                    "Đính kèm văn bản PDF.",
                    "Attach the PDF.",
                )
                .into(),
            ));
            return;
        }
        // A revocation carries no file.
        let keys: Vec<u32> = if revoking() {
            Vec::new()
        } else {
            picked.iter().map(|p| p.key).collect()
        };
        let signer_id = signer.get_untracked();
        let name = members.with_untracked(|m| {
            m.iter()
                .find(|x| Some(x.user_id.0) == signer_id)
                .map(|x| x.display_name.clone())
                .unwrap_or_default()
        });
        let mut meta = json!({
            "to": to.get_untracked(),
            "code_number": number.get_untracked(),
            "code_notation": notation.get_untracked(),
            "place": "Hà Nội",
            "promulgation_date": date.get_untracked(),
            "document_type": kind.get_untracked(),
            "subject": subject.get_untracked(),
            "signer": {"competence": "", "position": position.get_untracked(), "full_name": name},
            "signer_id": signer_id.unwrap_or(0),
            "due_date": Some(due.get_untracked()).filter(|d| !d.is_empty()),
            "priority": priority.get_untracked(),
        });
        if let Some((b, v)) = follow.get_untracked() {
            meta["business"] = json!(b);
            meta["target"] = json!(v.envelope.document_id);
            meta["reason"] = json!(reason.get_untracked());
        }
        sending.set(Some(0.0));
        crate::upload::send(
            format!("/api/exchange/organs/{organ}/outgoing"),
            Some(meta.to_string()),
            keys.clone(),
            move |f| sending.set(Some(f)),
            move |r| {
                sending.set(None);
                match r {
                    Ok(_) => {
                        err.set(None);
                        subject.set(String::new());
                        number.set(String::new());
                        for k in &keys {
                            crate::upload::forget(*k);
                        }
                        file.set(Vec::new());
                        follow.set(None);
                    }
                    Err(e) => err.set(Some(describe(lang.get_untracked(), &e))),
                }
            },
        );
    };
    let l = move || lang.get();
    view! {
        <details class="card stack" data-testid="draft-form" prop:open=move || follow.with(Option::is_some)>
            <summary>{move || pick(l(), "Soạn văn bản đi", "Draft an outgoing document")}</summary>
            {move || follow.get().map(|(b, v)| view! {
                <div class="row wrap follow-of" data-testid="follow-of">
                    <strong>{format!("{} {}/{}", business_label(l(), b), v.envelope.code_number, v.envelope.code_notation)}</strong>
                    <button data-testid="follow-cancel" on:click=move |_| follow.set(None)>{pick(l(), "Bỏ", "Cancel")}</button>
                </div>
                <label>{pick(l(), "Lý do", "Reason")}
                    <textarea data-testid="follow-reason" rows="2" maxlength="2000" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                </label>
            })}
            <fieldset class="stack">
                <legend>{move || pick(l(), "Nơi nhận", "Recipients")}</legend>
                {move || directory.get().into_iter().map(|o| {
                    let id = o.id.clone();
                    view! {
                        <label class="check">
                            <input type="checkbox" data-testid="to" data-organ=o.id.clone() prop:checked={
                                let id = o.id.clone();
                                move || to.with(|t| t.contains(&id))
                            } on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                to.update(|t| { t.retain(|x| *x != id); if on { t.push(id.clone()); } });
                            }/>
                            {o.name}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="row wrap">
                <label>{move || pick(l(), "Số", "Number")}<input data-testid="code-number" prop:value=move || number.get() on:input=move |ev| number.set(event_target_value(&ev))/></label>
                <label>{move || pick(l(), "Ký hiệu", "Notation")}<input data-testid="code-notation" prop:value=move || notation.get() on:input=move |ev| notation.set(event_target_value(&ev))/></label>
                <label>{move || pick(l(), "Loại văn bản", "Type")}<input data-testid="document-type" prop:value=move || kind.get() on:input=move |ev| kind.set(event_target_value(&ev))/></label>
                <label>{move || pick(l(), "Ngày ban hành", "Date")}<input type="date" data-testid="promulgation-date" prop:value=move || date.get() on:input=move |ev| date.set(event_target_value(&ev))/></label>
                <label>{move || pick(l(), "Hạn xử lý", "Due")}<input type="date" data-testid="due-date" prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev))/></label>
                <label>{move || pick(l(), "Độ khẩn", "Urgency")}
                    <select data-testid="priority" on:change=move |ev| priority.set(event_target_value(&ev).parse().ok().and_then(Priority::from_code).unwrap_or(Priority::Normal))>
                        {Priority::ALL.into_iter().map(|p| view! { <option value=p.code().to_string()>{move || priority_label(l(), p)}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <label>{move || pick(l(), "Trích yếu", "Subject")}
                <textarea data-testid="subject" rows="2" maxlength="500" prop:value=move || subject.get() on:input=move |ev| subject.set(event_target_value(&ev))></textarea>
            </label>
            <div class="row wrap">
                <label>{move || pick(l(), "Người ký", "Signer")}
                    <select data-testid="signer" on:change=move |ev| signer.set(event_target_value(&ev).parse().ok())>
                        <option value="">{move || pick(l(), "Chọn lãnh đạo ký", "Choose the signing leader")}</option>
                        {move || members.get().into_iter().filter(|m| m.role == "leader").map(|m| view! {
                            <option value=m.user_id.0.to_string()>{m.display_name}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || pick(l(), "Chức vụ người ký", "Signer's position")}<input data-testid="signer-position" prop:value=move || position.get() on:input=move |ev| position.set(event_target_value(&ev))/></label>
            </div>
            <Show when=move || !revoking()>
                <label class="button file-button">{move || pick(l(), "Chọn tệp PDF", "Choose the PDF")}
                    <input type="file" multiple accept="application/pdf,.pdf" data-testid="draft-file" on:change=move |ev| {
                        let more = crate::upload::take_files(&ev);
                        file.update(|f| f.extend(more));
                    }/>
                </label>
                <ul class="files" data-testid="draft-files">
                    {move || file.get().into_iter().map(|p| {
                        let key = p.key;
                        view! {
                            <li data-testid="draft-file-row">
                                <span>{p.name}</span>
                                <button data-testid="draft-file-remove" on:click=move |_| {
                                    crate::upload::forget(key);
                                    file.update(|f| f.retain(|x| x.key != key));
                                }>{pick(lang.get_untracked(), "Bỏ", "Remove")}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
            {move || sending.get().map(|f| view! { <progress max="1" prop:value=f></progress> })}
            <button class="primary" data-testid="file-draft" on:click=submit>{move || pick(l(), "Lưu dự thảo", "File the draft")}</button>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_words_in_both_languages() {
        for s in Status::ALL {
            assert!(!status_label(Lang::Vi, s).is_empty());
            assert_ne!(
                status_label(Lang::Vi, s),
                status_label(Lang::En, s),
                "{s:?}"
            );
        }
    }
}
