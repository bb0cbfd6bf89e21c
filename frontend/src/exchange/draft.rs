//! The clerk's draft of an outgoing document: recipients, number and notation, type,
//! dates, urgency, subject, signer and the PDF files; or a follow-up that revokes, updates
//! or replaces a document sent before.

use super::i18n::{business_label, priority_label};
use crate::platform::time::{self, local_offset};
use crate::platform::{describe, pick, ui, upload};
use ecabinet_exchange::{Business, Priority};
use ecabinet_protocol::exchange::{OrganInfo, OrganMember, OutgoingView};
use leptos::prelude::*;
use serde_json::json;

#[component]
pub(super) fn DraftForm(
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
    let date = RwSignal::new(time::today(local_offset()));
    let due = RwSignal::new(String::new());
    let priority = RwSignal::new(Priority::Normal);
    let signer = RwSignal::new(None::<i64>);
    let position = RwSignal::new(String::new());
    // The files picked: the document and its appendices, in order.
    let file = RwSignal::new(Vec::<upload::Picked>::new());
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
        upload::send(
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
                            upload::forget(*k);
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
                        let more = upload::take_files(&ev);
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
                                    upload::forget(key);
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
