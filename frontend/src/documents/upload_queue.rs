//! The secretariat's upload queue on the documents card: drag and drop, several files,
//! each with its title, kind, classification, agenda item and readers, a bar for sending
//! and one for rendering.

use super::Owner;
use super::i18n::{self, K};
use super::progress::{bar, failure_text, rendered_fraction};
use crate::platform::upload::{self, Picked};
use crate::platform::{Common, describe, t, tx, ui};
use ecabinet_domain::document::{Confidentiality, DocumentKind};
use ecabinet_domain::{AgendaItemId, UserId};
use ecabinet_protocol::MeetingSnapshot;
use ecabinet_protocol::document::DocumentSummary;
use leptos::prelude::*;

/// "1.2 MB", for file sizes.
fn size(bytes: f64) -> String {
    if bytes >= 1_048_576.0 {
        format!("{:.1} MB", bytes / 1_048_576.0)
    } else {
        format!("{} KB", (bytes / 1024.0).ceil())
    }
}

/// Where a queued file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Waiting,
    Sending,
    Rendering,
    Refused,
}

/// A file in the upload queue, with the details it will be filed under.
#[derive(Clone, Copy)]
struct Queued {
    key: u32,
    name: StoredValue<String>,
    size: f64,
    title: RwSignal<String>,
    kind: RwSignal<DocumentKind>,
    level: RwSignal<Confidentiality>,
    item: RwSignal<Option<AgendaItemId>>,
    /// `None`: every participant.
    readers: RwSignal<Option<Vec<UserId>>>,
    sent: RwSignal<f64>,
    phase: RwSignal<Phase>,
    doc: RwSignal<Option<i64>>,
    error: RwSignal<Option<String>>,
}

impl Queued {
    fn new(p: Picked) -> Queued {
        let title = p
            .name
            .strip_suffix(".pdf")
            .or_else(|| p.name.strip_suffix(".PDF"))
            .unwrap_or(&p.name)
            .replace(['_', '-'], " ");
        Queued {
            key: p.key,
            name: StoredValue::new(p.name),
            size: p.size,
            title: RwSignal::new(title.trim().to_owned()),
            kind: RwSignal::new(DocumentKind::Other),
            level: RwSignal::new(Confidentiality::Normal),
            item: RwSignal::new(None),
            readers: RwSignal::new(None),
            sent: RwSignal::new(0.0),
            phase: RwSignal::new(Phase::Waiting),
            doc: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    fn meta(&self) -> String {
        serde_json::json!({
            "title": self.title.get_untracked().trim(),
            "kind": self.kind.get_untracked().as_str(),
            "confidentiality": self.level.get_untracked().as_str(),
            "item_id": self.item.get_untracked().map(|i| i.0),
            "readers": self.readers.get_untracked(),
        })
        .to_string()
    }
}

/// The secretariat's upload queue.
#[component]
pub(super) fn UploadQueue(
    owner: Owner,
    snap: Option<Memo<Option<MeetingSnapshot>>>,
    list: RwSignal<Option<Vec<DocumentSummary>>>,
) -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    let queue = RwSignal::new(Vec::<Queued>::new());
    let over = RwSignal::new(false);
    let add = move |ev: &leptos::ev::Event| {
        let picked = upload::take_files(ev);
        queue.update(|q| q.extend(picked.into_iter().map(Queued::new)));
    };
    let send = move |q: Queued| {
        if q.title.with_untracked(|t| t.trim().is_empty()) {
            q.error.set(Some(format!(
                "{} ({})",
                crate::platform::i18n::error(
                    lang.get_untracked(),
                    ecabinet_protocol::ErrorCode::Invalid
                ),
                t(lang.get_untracked(), Common::Title)
            )));
            q.phase.set(Phase::Refused);
            return;
        }
        q.phase.set(Phase::Sending);
        q.error.set(None);
        q.sent.set(0.0);
        upload::send(
            owner.api(),
            Some(q.meta()),
            vec![q.key],
            move |f| q.sent.set(f),
            move |r| match r {
                Ok(v) => {
                    q.sent.set(1.0);
                    q.doc.set(v["id"].as_i64());
                    q.phase.set(Phase::Rendering);
                }
                Err(e) => {
                    q.error.set(Some(describe(lang.get_untracked(), &e)));
                    q.phase.set(Phase::Refused);
                }
            },
        );
    };
    let send_all = move |_| {
        for q in queue.get_untracked() {
            if matches!(q.phase.get_untracked(), Phase::Waiting | Phase::Refused) {
                send(q);
            }
        }
    };
    let pending = move || {
        queue.with(|q| {
            q.iter()
                .any(|x| matches!(x.phase.get(), Phase::Waiting | Phase::Refused))
        })
    };
    let row = move |q: Queued| {
        let editable = move || matches!(q.phase.get(), Phase::Waiting | Phase::Refused);
        // After sending: the document's own state, from the live events and the list.
        let rendered = move || {
            let doc = q.doc.get()?;
            let c = live.documents.with(|m| m.get(&doc).cloned());
            let listed = list.with(|l| {
                l.as_ref()
                    .and_then(|l| l.iter().find(|d| d.id == doc).cloned())
            });
            Some((c, listed))
        };
        view! {
            <li class="queued" data-testid="queued" data-name=q.name.get_value()>
                <div class="row wrap">
                    <strong class="grow">{q.name.get_value()}</strong>
                    <span class="muted">{size(q.size)}</span>
                    <Show when=editable>
                        <button data-testid="queued-remove" on:click=move |_| {
                            upload::forget(q.key);
                            queue.update(|x| x.retain(|y| y.key != q.key));
                        }>{tx(lang, Common::Remove)}</button>
                    </Show>
                </div>
                <div class="row wrap">
                    <label class="grow">{tx(lang, Common::Title)}
                        <input data-testid="queued-title" prop:value=move || q.title.get() prop:disabled=move || !editable()
                            on:input=move |ev| q.title.set(event_target_value(&ev))/>
                    </label>
                    <label>{tx(lang, K::DocumentKindLabel)}
                        <select data-testid="queued-kind" prop:disabled=move || !editable()
                            on:change=move |ev| q.kind.set(DocumentKind::parse(&event_target_value(&ev)).unwrap_or(DocumentKind::Other))>
                            {DocumentKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str() selected=move || q.kind.get() == k>{move || i18n::document_kind(lang.get(), k)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>{tx(lang, K::ConfidentialityLabel)}
                        <select data-testid="queued-level" prop:disabled=move || !editable()
                            on:change=move |ev| q.level.set(Confidentiality::parse(&event_target_value(&ev)).unwrap_or(Confidentiality::Normal))>
                            {Confidentiality::ALL.into_iter().map(|c| view! {
                                <option value=c.as_str() selected=move || q.level.get() == c>{move || i18n::confidentiality(lang.get(), c)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    {snap.map(|snap| view! {
                    <label>{tx(lang, K::AgendaItemLabel)}
                        <select data-testid="queued-item" prop:disabled=move || !editable()
                            on:change=move |ev| q.item.set(event_target_value(&ev).parse().ok().map(AgendaItemId))>
                            <option value="" selected=move || q.item.get().is_none()>{tx(lang, K::WholeMeeting)}</option>
                            {move || snap.get().map(|m| m.agenda.iter().map(|i| {
                                let id = i.id;
                                view! { <option value=id.0.to_string() selected=move || q.item.get() == Some(id)>{format!("{}. {}", i.position, i.title)}</option> }
                            }).collect_view())}
                        </select>
                    </label>
                    })}
                </div>
                {snap.map(|snap| view! {
                <details class="readers">
                    <summary>{move || match q.readers.get() {
                        None => t(lang.get(), K::AllParticipantsRead).to_owned(),
                        Some(r) => format!("{}: {}", t(lang.get(), K::Readers), r.len()),
                    }}</summary>
                    <label class="check">
                        <input type="checkbox" data-testid="readers-all" prop:checked=move || q.readers.get().is_none() prop:disabled=move || !editable()
                            on:change=move |ev| q.readers.set(if event_target_checked(&ev) { None } else {
                                Some(snap.get_untracked().map(|m| m.participants.iter().map(|p| p.user_id).collect()).unwrap_or_default())
                            })/>
                        {tx(lang, K::AllParticipantsRead)}
                    </label>
                    {move || q.readers.get().is_some().then(|| snap.get().map(|m| m.participants.iter().map(|p| {
                        let user = p.user_id;
                        view! {
                            <label class="check">
                                <input type="checkbox" data-testid="reader" data-user=user.0.to_string()
                                    prop:checked=move || q.readers.get().is_some_and(|r| r.contains(&user)) prop:disabled=move || !editable()
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        q.readers.update(|r| if let Some(r) = r {
                                            r.retain(|u| *u != user);
                                            if on { r.push(user); }
                                        });
                                    }/>
                                {p.display_name.clone()}
                            </label>
                        }
                    }).collect_view()))}
                </details>
                })}
                {move || match q.phase.get() {
                    Phase::Waiting => None,
                    Phase::Sending => Some(bar("upload-progress", t(lang.get(), K::Sending).to_owned(), q.sent.get()).into_any()),
                    Phase::Refused => Some(view! { <p class="error" role="alert" data-testid="queued-error">{q.error.get()}</p> }.into_any()),
                    Phase::Rendering => Some(view! {
                        {bar("upload-progress", t(lang.get(), K::Sending).to_owned(), 1.0)}
                        {move || rendered().map(|(c, listed)| {
                            let status = c.as_ref().map(|c| c.status.clone()).or(listed.as_ref().map(|d| d.status.clone())).unwrap_or_else(|| "rendering".into());
                            match status.as_str() {
                                "ready" => view! { <span class="badge status-ready" data-testid="queued-ready">{tx(lang, K::Ready)}</span> }.into_any(),
                                "failed" => view! {
                                    <p class="error" data-testid="queued-failed">{listed.and_then(|d| failure_text(lang.get(), &d)).unwrap_or_default()}</p>
                                }.into_any(),
                                _ => {
                                    let (done, of) = c.map_or((0, 0), |c| (c.pages_rendered, c.pages));
                                    bar("queued-render-progress", t(lang.get(), K::Rendering).to_owned(), rendered_fraction(done, of)).into_any()
                                }
                            }
                        })}
                    }.into_any()),
                }}
            </li>
        }
    };
    view! {
        <div class="upload">
            <div class="dropzone" class:over=move || over.get() data-testid="dropzone"
                on:dragover=move |ev| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); over.set(false); add(&ev); }>
                <p>{tx(lang, K::DropFiles)}</p>
                <label class="button">
                    {tx(lang, K::ChooseFiles)}
                    <input type="file" multiple accept="application/pdf,.pdf" data-testid="file-input" on:change=move |ev| add(&ev)/>
                </label>
            </div>
            <ul class="queue-list">
                <For each=move || queue.get() key=|q| q.key children=row/>
            </ul>
            <Show when=pending>
                <button class="primary" data-testid="upload-all" on:click=send_all>{tx(lang, K::UploadAll)}</button>
            </Show>
        </div>
    }
}
