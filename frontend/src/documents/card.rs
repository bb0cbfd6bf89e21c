//! The documents card of a meeting page (by agenda item) and of a written poll's page:
//! the list, search across them, and for the secretariat the upload queue, new versions,
//! read receipts and, for a draft poll, removing a document attached by mistake.

use super::Owner;
use super::i18n::{self, K};
use super::progress::{bar, failure_text, rendered_fraction};
use super::search::SearchBox;
use super::upload_queue::UploadQueue;
use crate::platform::{Common, Lang, api, describe, get, t, time, tx, ui, upload};
use ecabinet_domain::AgendaItemId;
use ecabinet_protocol::MeetingSnapshot;
use ecabinet_protocol::document::{DocumentSummary, ReadReceipt};
use leptos::prelude::*;
use std::collections::HashMap;

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
                                            match api::call("DELETE", format!("/api/documents/{id}"), None).await {
                                                Ok(_) => list.update(|l| if let Some(l) = l { l.retain(|d| d.id != id); }),
                                                Err(e) => err.set(Some(describe(lang.get_untracked(), &e))),
                                            }
                                        });
                                    }>{tx(lang, Common::Remove)}</button>
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
                None => view! { <p class="muted">{tx(lang, Common::Loading)}</p> }.into_any(),
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
    let offset = time::local_offset();
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
                        <td>{time::display(x.first_at, offset)}</td>
                        <td>{time::display(x.last_at, offset)}</td>
                        <td>{x.opens}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
