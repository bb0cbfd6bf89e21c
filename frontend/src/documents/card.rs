//! The documents card of a meeting page (by agenda item) and of a written poll's page:
//! the list, search across them, and for the secretariat the upload queue (drag and drop,
//! several files, a bar for sending and one for rendering), new versions, read receipts
//! and, for a draft poll, removing a document attached by mistake.

use crate::i18n::{self, K, Lang, t};
use crate::upload::{self, Picked};
use crate::{describe, tx, ui};
use ecabinet_domain::document::{Confidentiality, DocumentKind};
use ecabinet_domain::{AgendaItemId, UserId};
use ecabinet_protocol::MeetingSnapshot;
use ecabinet_protocol::document::{DocumentSummary, ReadReceipt, SearchResult};
use leptos::prelude::*;
use std::collections::HashMap;

/// Percent-encodes a query value (everything but RFC 3986's unreserved characters).
pub(crate) fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Fetches `path` and decodes it; errors come back translated.
pub(crate) async fn get<T: serde::de::DeserializeOwned>(
    lang: Lang,
    path: String,
) -> Result<T, String> {
    let v = crate::api::call("GET", path, None)
        .await
        .map_err(|e| describe(lang, &e))?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// Whose documents a card or the viewer shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A meeting's, by id.
    Meeting(i64),
    /// A written poll's, by id.
    Opinion(i64),
    /// An outgoing register entry's file, by entry id.
    Outgoing(i64),
    /// An incoming register entry's file, by entry id.
    Incoming(i64),
}

impl Owner {
    /// The page the documents belong to.
    pub fn page(self) -> String {
        match self {
            Owner::Meeting(m) => format!("/meetings/{m}"),
            Owner::Opinion(o) => format!("/opinions/{o}"),
            Owner::Outgoing(_) | Owner::Incoming(_) => "/exchange".to_owned(),
        }
    }

    /// The API route of the list (and of uploads).
    pub fn api(self) -> String {
        match self {
            Owner::Meeting(m) => format!("/api/meetings/{m}/documents"),
            Owner::Opinion(o) => format!("/api/opinions/{o}/documents"),
            Owner::Outgoing(e) => format!("/api/exchange/outgoing/{e}/documents"),
            Owner::Incoming(e) => format!("/api/exchange/incoming/{e}/documents"),
        }
    }

    /// The viewer's route for document `doc`.
    pub fn viewer(self, doc: i64) -> String {
        match self {
            Owner::Meeting(_) | Owner::Opinion(_) => format!("{}/documents/{doc}", self.page()),
            Owner::Outgoing(e) => format!("/exchange/outgoing/{e}/documents/{doc}"),
            Owner::Incoming(e) => format!("/exchange/incoming/{e}/documents/{doc}"),
        }
    }

    /// The owner a document's summary names.
    pub fn of(d: &DocumentSummary) -> Option<Owner> {
        match (d.meeting_id, d.opinion_id, d.outgoing_id, d.incoming_id) {
            (Some(m), ..) => Some(Owner::Meeting(m.0)),
            (_, Some(o), ..) => Some(Owner::Opinion(o)),
            (_, _, Some(e), _) => Some(Owner::Outgoing(e)),
            (_, _, _, Some(e)) => Some(Owner::Incoming(e)),
            _ => None,
        }
    }
}

/// The search route of `owner`'s documents for `query`.
pub(crate) fn search_path(owner: Owner, query: &str) -> String {
    format!("{}/search?q={}", owner.api(), encode(query.trim()))
}

/// Why a document's newest upload failed, in the UI's language when the reason is known.
fn failure_text(l: Lang, d: &DocumentSummary) -> Option<String> {
    d.failure_detail
        .as_ref()
        .map(|f| i18n::failure(l, f))
        .or_else(|| d.failure.clone())
}

/// Pages rendered as a fraction of the pages (0 until the page count is known).
fn rendered_fraction(done: i64, of: i64) -> f64 {
    if of > 0 { done as f64 / of as f64 } else { 0.0 }
}

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

/// A bar from 0 to 1 with its percentage, for tests and screen readers alike.
fn bar(testid: &'static str, label: String, fraction: f64) -> impl IntoView {
    let pct = (fraction.clamp(0.0, 1.0) * 100.0).round();
    view! {
        <div class="progress" data-testid=testid data-percent=pct.to_string() role="progressbar"
            aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct.to_string() aria-label=label.clone()>
            <div class="progress-fill" style=format!("width: {pct}%")></div>
            <span class="progress-text">{format!("{label} {pct}%")}</span>
        </div>
    }
}

/// The documents card of a meeting or of a written poll.
#[component]
pub fn Documents(
    /// The meeting or the poll.
    owner: Owner,
    /// A meeting's live state (agenda and participants); none for a poll.
    #[prop(optional)]
    snap: Option<Memo<Option<MeetingSnapshot>>>,
    /// Whether the viewer is the secretariat (files, sees failures and receipts).
    clerk: bool,
    /// Whether documents may still be filed and replaced (a poll's, until it is sent).
    #[prop(default = true)]
    editable: bool,
) -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    let list = RwSignal::new(None::<Vec<DocumentSummary>>);
    let err = RwSignal::new(None::<String>);
    let notices = RwSignal::new(Vec::<String>::new());
    let reload = move || {
        leptos::task::spawn_local(async move {
            let l = lang.get_untracked();
            match get::<Vec<DocumentSummary>>(l, owner.api()).await {
                Ok(new) => {
                    // Tell readers what arrived since they looked.
                    if !clerk && let Some(old) = list.get_untracked() {
                        let fresh: Vec<String> = new
                            .iter()
                            .filter_map(|d| match old.iter().find(|o| o.id == d.id) {
                                None => Some(format!("{}: {}", t(l, K::NewDocument), d.title)),
                                Some(o) if o.current_version < d.current_version => Some(format!(
                                    "{}: {} (v{})",
                                    t(l, K::NewVersion),
                                    d.title,
                                    d.current_version
                                )),
                                _ => None,
                            })
                            .collect();
                        if !fresh.is_empty() {
                            notices.update(|n| n.extend(fresh));
                        }
                    }
                    err.set(None);
                    list.set(Some(new));
                }
                Err(e) => err.set(Some(e)),
            }
        });
    };
    // Refetch when a document is filed, finishes, fails or gets a version; not on every
    // rendered page (the bars read those from the live events directly).
    let signature = Memo::new(move |_| {
        live.documents.with(|m| {
            let mut v: Vec<(i64, i64, i64, String)> = m
                .iter()
                .map(|(id, c)| (*id, c.current_version, c.latest_version, c.status.clone()))
                .collect();
            v.sort();
            v
        })
    });
    Effect::new(move |_| {
        // `get`, not `track`: a memo that is only tracked is never recomputed, and then
        // never changes.
        let _ = signature.get();
        live.resyncs.track();
        reload();
    });

    let groups = move || {
        let docs = list.get()?;
        let Some(snap) = snap else {
            // A poll's documents: one list, no agenda.
            let empty = docs.is_empty();
            return Some((vec![(None, String::new(), docs)], None, empty));
        };
        let m = snap.get()?;
        let mut out: Vec<(Option<AgendaItemId>, String, Vec<DocumentSummary>)> = Vec::new();
        let l = lang.get();
        let general: Vec<_> = docs
            .iter()
            .filter(|d| d.item_id.is_none())
            .cloned()
            .collect();
        if !general.is_empty() {
            out.push((None, t(l, K::GeneralDocuments).to_owned(), general));
        }
        for i in &m.agenda {
            let of: Vec<_> = docs
                .iter()
                .filter(|d| d.item_id == Some(i.id))
                .cloned()
                .collect();
            if !of.is_empty() {
                out.push((Some(i.id), format!("{}. {}", i.position, i.title), of));
            }
        }
        Some((out, m.current_item, docs.is_empty()))
    };
    let versions = RwSignal::new(HashMap::<i64, (f64, Option<String>)>::new());
    let receipts = RwSignal::new(None::<(i64, Vec<ReadReceipt>)>);
    let row = move |d: DocumentSummary| {
        let l = lang.get();
        let id = d.id;
        let change = move || live.documents.with(|m| m.get(&id).cloned());
        let status = {
            let s = d.status.clone();
            move || change().map_or_else(|| s.clone(), |c| c.status)
        };
        let progress = {
            let (p, r) = (d.pages, d.pages_rendered);
            move || change().map_or((r, p), |c| (c.pages_rendered, c.pages))
        };
        let failure = failure_text(l, &d);
        let readable = d.current_version > 0;
        let title = d.title.clone();
        view! {
            <li class="doc-row" data-testid="doc-row" data-id=id.to_string() data-status=status.clone()>
                <div class="doc-main">
                    {if readable {
                        view! { <a class="doc-title" data-testid="doc-link" href=owner.viewer(id)>{title}</a> }.into_any()
                    } else {
                        view! { <span class="doc-title">{title}</span> }.into_any()
                    }}
                    <span class="muted">
                        {format!("{} · {} {}", i18n::document_kind(l, d.kind), d.pages, t(l, K::Pages))}
                        {(d.current_version > 1).then(|| format!(" · v{}", d.current_version))}
                    </span>
                    {d.confidentiality.is_classified().then(|| view! {
                        <span class="badge secret" data-testid="doc-level">{i18n::confidentiality(l, d.confidentiality)}</span>
                    })}
                </div>
                {clerk.then(|| {
                    let status = status.clone();
                    view! {
                        <div class="doc-clerk">
                            {move || match status().as_str() {
                                "rendering" => {
                                    let (done, of) = progress();
                                    bar("render-progress", t(lang.get(), K::Rendering).to_owned(), rendered_fraction(done, of)).into_any()
                                }
                                "failed" => view! {
                                    <p class="error" data-testid="doc-failure">{failure.clone().unwrap_or_default()}</p>
                                }.into_any(),
                                _ => view! { <span class="badge status-ready" data-testid="doc-ready">{tx(lang, K::Ready)}</span> }.into_any(),
                            }}
                            {move || versions.with(|v| v.get(&id).cloned()).map(|(f, e)| match e {
                                Some(e) => view! { <p class="error" data-testid="version-error">{e}</p> }.into_any(),
                                None => bar("version-progress", t(lang.get(), K::Sending).to_owned(), f).into_any(),
                            })}
                            <div class="row wrap">
                                {editable.then(|| view! {
                                <label class="button file-button">
                                    {tx(lang, K::UploadNewVersion)}
                                    <input type="file" accept="application/pdf,.pdf" data-testid="new-version"
                                        on:change=move |ev| {
                                            if let Some(p) = upload::take_files(&ev).into_iter().next() {
                                                versions.update(|v| { v.insert(id, (0.0, None)); });
                                                let key = p.key;
                                                upload::send(
                                                    format!("/api/documents/{id}/versions"),
                                                    None,
                                                    vec![key],
                                                    move |f| versions.update(|v| { v.insert(id, (f, None)); }),
                                                    move |r| match r {
                                                        Ok(_) => versions.update(|v| { v.remove(&id); }),
                                                        Err(e) => {
                                                            upload::forget(key);
                                                            versions.update(|v| { v.insert(id, (0.0, Some(describe(lang.get_untracked(), &e)))); });
                                                        }
                                                    },
                                                );
                                            }
                                        }/>
                                </label>
                                })}
                                {(editable && matches!(owner, Owner::Opinion(_))).then(|| view! {
                                    <button data-testid="doc-remove" on:click=move |_| {
                                        leptos::task::spawn_local(async move {
                                            match crate::api::call("DELETE", format!("/api/documents/{id}"), None).await {
                                                Ok(_) => list.update(|l| if let Some(l) = l { l.retain(|d| d.id != id); }),
                                                Err(e) => err.set(Some(describe(lang.get_untracked(), &e))),
                                            }
                                        });
                                    }>{tx(lang, K::Remove)}</button>
                                })}
                                <button data-testid="show-reads" on:click=move |_| {
                                    if receipts.with_untracked(|r| r.as_ref().is_some_and(|(d, _)| *d == id)) {
                                        receipts.set(None);
                                        return;
                                    }
                                    leptos::task::spawn_local(async move {
                                        match get::<Vec<ReadReceipt>>(lang.get_untracked(), format!("/api/documents/{id}/reads")).await {
                                            Ok(r) => receipts.set(Some((id, r))),
                                            Err(e) => err.set(Some(e)),
                                        }
                                    });
                                }>{tx(lang, K::WhoRead)}</button>
                            </div>
                            {move || receipts.get().filter(|(d, _)| *d == id).map(|(_, r)| reads_table(lang.get(), r))}
                        </div>
                    }
                })}
            </li>
        }
    };

    view! {
        <section class="card documents" data-testid="documents">
            <h2>{tx(lang, K::Documents)}</h2>
            {move || (!notices.with(Vec::is_empty)).then(|| view! {
                <div class="notice" role="status" data-testid="doc-notice">
                    <ul>{notices.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
                    <button on:click=move |_| notices.set(Vec::new())>{tx(lang, K::Dismiss)}</button>
                </div>
            })}
            {move || err.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {(clerk && editable).then(|| view! { <UploadQueue owner snap list/> })}
            <SearchBox owner/>
            {move || match groups() {
                None => view! { <p class="muted">{tx(lang, K::Loading)}</p> }.into_any(),
                Some((_, _, true)) => view! { <p class="muted" data-testid="no-documents">{tx(lang, K::NoDocuments)}</p> }.into_any(),
                Some((groups, current, false)) => groups.into_iter().map(|(item, heading, docs)| view! {
                    <div class="doc-group" class:current=item.is_some() && item == current>
                        {(!heading.is_empty()).then(|| view! { <h3>{heading}</h3> })}
                        <ul class="docs">{docs.into_iter().map(row).collect_view()}</ul>
                    </div>
                }).collect_view().into_any(),
            }}
        </section>
    }
}

fn reads_table(l: Lang, r: Vec<ReadReceipt>) -> impl IntoView {
    let offset = crate::time::local_offset();
    if r.is_empty() {
        return view! { <p class="muted" data-testid="reads">{t(l, K::NobodyRead)}</p> }.into_any();
    }
    view! {
        <table class="reads" data-testid="reads">
            <thead><tr>
                <th>{t(l, K::Reader)}</th><th>{t(l, K::Version)}</th>
                <th>{t(l, K::FirstOpened)}</th><th>{t(l, K::LastOpened)}</th><th>{t(l, K::Opens)}</th>
            </tr></thead>
            <tbody>
                {r.into_iter().map(|x| view! {
                    <tr data-testid="read-row">
                        <td>{x.name}</td><td>{format!("v{}", x.version)}</td>
                        <td>{crate::time::display(x.first_at, offset)}</td>
                        <td>{crate::time::display(x.last_at, offset)}</td>
                        <td>{x.opens}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Search over the meeting's documents; hits by page, each opening the viewer there.
#[component]
fn SearchBox(owner: Owner) -> impl IntoView {
    let lang = ui().lang;
    let q = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Result<SearchResult, String>>);
    let run = move || {
        let query = q.get_untracked();
        leptos::task::spawn_local(async move {
            let path = search_path(owner, &query);
            result.set(Some(get::<SearchResult>(lang.get_untracked(), path).await));
        });
    };
    view! {
        <form class="row search" on:submit=move |ev| { ev.prevent_default(); run(); }>
            <input type="search" data-testid="doc-search" class="grow"
                placeholder=move || t(lang.get(), K::SearchDocuments)
                prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev))/>
            <button type="submit" data-testid="doc-search-go">{tx(lang, K::Search)}</button>
        </form>
        {move || result.get().map(|r| match r {
            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Ok(r) => {
                let left_out = (!r.not_searchable.is_empty()).then(|| view! {
                    <p class="muted" data-testid="search-not-searchable">{format!("{} {}", t(lang.get(), K::NotSearchable), r.not_searchable.len())}</p>
                });
                let hits = if r.hits.is_empty() {
                    view! { <p class="muted" data-testid="search-none">{tx(lang, K::NoHits)}</p> }.into_any()
                } else {
                    hit_list(lang.get(), owner, &r, None).into_any()
                };
                view! { {hits} {left_out} }.into_any()
            }
        })}
    }
}

/// Search hits as links to their pages; `only` keeps one document's.
pub(crate) fn hit_list(
    l: Lang,
    owner: Owner,
    r: &SearchResult,
    only: Option<i64>,
) -> impl IntoView + use<> {
    let q = encode(&r.query);
    view! {
        <ul class="hits" data-testid="hits">
            {r.hits.iter().filter(|h| only.is_none_or(|d| d == h.document_id)).map(|h| {
                let href = format!("{}?page={}&q={q}", owner.viewer(h.document_id), h.page);
                view! {
                    <li data-testid="hit" data-page=h.page.to_string() data-doc=h.document_id.to_string()>
                        <a href=href>
                            <strong>{if only.is_some() { String::new() } else { format!("{} · ", h.title) }}{format!("{} {}", t(l, K::Page), h.page)}</strong>
                            <span class="muted">{format!(" ({}×)", h.count)}</span>
                            {h.snippets.iter().map(|[a, m, b]| view! {
                                <span class="snippet">"…"{a.clone()}<mark>{m.clone()}</mark>{b.clone()}"…"</span>
                            }).collect_view()}
                        </a>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The secretariat's upload queue.
#[component]
fn UploadQueue(
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
                i18n::error(lang.get_untracked(), ecabinet_protocol::ErrorCode::Invalid),
                t(lang.get_untracked(), K::Title)
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
                        }>{tx(lang, K::Remove)}</button>
                    </Show>
                </div>
                <div class="row wrap">
                    <label class="grow">{tx(lang, K::Title)}
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
