//! Search over an owner's documents: the search box of the documents card and the hit
//! list that the viewer shows too.

use super::Owner;
use super::i18n::K;
use crate::platform::{Lang, get, t, tx, ui};
use ecabinet_protocol::document::SearchResult;
use leptos::prelude::*;

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

/// The search route of `owner`'s documents for `query`.
pub(crate) fn search_path(owner: Owner, query: &str) -> String {
    format!("{}/search?q={}", owner.api(), encode(query.trim()))
}

/// Search over the meeting's documents; hits by page, each opening the viewer there.
#[component]
pub(super) fn SearchBox(owner: Owner) -> impl IntoView {
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
