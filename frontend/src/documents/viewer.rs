//! The document viewer, one file because it is one component whose parts share its signals
//! (`/meetings/:id/documents/:doc`, `/opinions/:id/documents/:doc`,
//! `/exchange/:register/:id/documents/:doc`): one page at a time, fitted to the tablet in
//! either orientation; swipe, keys and the thumbnail strip to move; pinch or buttons to
//! zoom (a drag then pans); search hits by page; private highlights and notes drawn with a
//! finger and synced live to the member's other devices.

use super::Owner;
use super::i18n::{self, K};
use super::search::{hit_list, search_path};
use crate::platform::{Common, command, get, t, tx, ui};
use ecabinet_domain::document::{ANNOTATION_COLORS, AnnotationKind, REGION_SCALE, Region};
use ecabinet_domain::{MeetingId, Role, UserId};
use ecabinet_protocol::Topic;
use ecabinet_protocol::document::{Annotation, DocumentView, SearchResult};
use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::json;

/// What a finger on the page does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tool {
    /// Swipe, pan, pinch; a tap selects an annotation.
    Read,
    /// A drag highlights the region.
    Highlight,
    /// A tap (or drag) pins a note.
    Note,
}

const MIN_ZOOM: f64 = 1.0;
const MAX_ZOOM: f64 = 4.0;

/// Zoom after a pinch that went from `from` to `to` pixels apart, starting at `zoom`.
fn pinched(zoom: f64, from: f64, to: f64) -> f64 {
    if from <= 0.0 {
        return zoom;
    }
    (zoom * to / from).clamp(MIN_ZOOM, MAX_ZOOM)
}

/// The page step of a finger that moved `dx`, `dy` pixels: a clear horizontal stroke of
/// at least 60 px turns the page (left: next), anything else does not.
fn swipe(dx: f64, dy: f64) -> i64 {
    if dx.abs() >= 60.0 && dx.abs() > 1.5 * dy.abs() {
        if dx < 0.0 { 1 } else { -1 }
    } else {
        0
    }
}

/// A page image's address.
fn page_url(doc: i64, version: i64, page: i64, width: u32) -> String {
    format!("/api/documents/{doc}/versions/{version}/pages/{page}?w={width}")
}

/// CSS placing `r` on its page, in percent (so it holds at every zoom).
fn region_style(r: &Region) -> String {
    let pct = |v: u32| f64::from(v) * 100.0 / f64::from(REGION_SCALE);
    format!(
        "left: {:.2}%; top: {:.2}%; width: {:.2}%; height: {:.2}%",
        pct(r.x),
        pct(r.y),
        pct(r.w),
        pct(r.h)
    )
}

/// Width over height of a page; ISO paper (A4) if the size is unknown.
fn aspect(p: &ecabinet_protocol::document::PageInfo) -> f64 {
    if p.height_pt > 0.0 && p.width_pt > 0.0 {
        p.width_pt / p.height_pt
    } else {
        std::f64::consts::FRAC_1_SQRT_2
    }
}

/// Annotations fetched over HTTP, updated by the live events (newest edit wins, deletion
/// wins), for one document version.
fn merged(
    base: &[Annotation],
    live: &std::collections::HashMap<i64, Option<Annotation>>,
    doc: i64,
    version: i64,
) -> Vec<Annotation> {
    let mut out: Vec<Annotation> = base
        .iter()
        .filter(|a| !matches!(live.get(&a.id), Some(None)))
        .map(|a| match live.get(&a.id) {
            Some(Some(l)) if l.updated_at >= a.updated_at => l.clone(),
            _ => a.clone(),
        })
        .collect();
    for a in live.values().flatten() {
        if a.document_id == doc && a.version == version && !out.iter().any(|b| b.id == a.id) {
            out.push(a.clone());
        }
    }
    out.retain(|a| a.document_id == doc && a.version == version);
    out.sort_by_key(|a| (a.page, a.id));
    out
}

/// Where an event falls on `el`, as fractions of its size.
fn fraction_on(el: &NodeRef<Div>, x: f64, y: f64) -> Option<(f64, f64)> {
    #[cfg(feature = "hydrate")]
    {
        let r = el.get_untracked()?.get_bounding_client_rect();
        (r.width() > 0.0 && r.height() > 0.0)
            .then(|| ((x - r.left()) / r.width(), (y - r.top()) / r.height()))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (el, x, y);
        None
    }
}

/// The state of the fingers (or mouse) on the page.
#[derive(Default)]
struct Gesture {
    pointers: Vec<(i32, f64, f64)>,
    start: Option<(f64, f64)>,
    last: Option<(f64, f64)>,
    moved: bool,
    pinch: Option<(f64, f64)>,
    drawing: Option<(f64, f64)>,
}

impl Gesture {
    fn spread(&self) -> f64 {
        match self.pointers.as_slice() {
            [a, b, ..] => ((a.1 - b.1).powi(2) + (a.2 - b.2).powi(2)).sqrt(),
            _ => 0.0,
        }
    }
}

/// `/meetings/:id/documents/:doc`.
#[component]
pub fn MeetingViewer() -> impl IntoView {
    view! { <Viewer register="meeting"/> }
}

/// `/opinions/:id/documents/:doc`: a written poll's document.
#[component]
pub fn OpinionViewer() -> impl IntoView {
    view! { <Viewer register="opinion"/> }
}

/// `/exchange/:register/:id/documents/:doc`: a file of an outgoing or incoming register
/// entry.
#[component]
pub fn ExchangeViewer() -> impl IntoView {
    view! { <Viewer register=""/> }
}

/// The viewer of a document of a meeting, a poll or an exchange register entry: `register`
/// says which, or is empty to take it from the route.
#[component]
fn Viewer(register: &'static str) -> impl IntoView {
    let ui = ui();
    let (lang, live) = (ui.lang, ui.live);
    let me: Option<UserId> = ui.me.as_ref().map(|m| m.id);
    let params = use_params_map();
    let query = use_query_map();
    let owner = Memo::new(move |_| {
        let id = params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())?;
        let routed = params.read().get("register");
        match (register, routed.as_deref()) {
            ("meeting", _) => Some(Owner::Meeting(id)),
            ("opinion", _) => Some(Owner::Opinion(id)),
            (_, Some("outgoing")) => Some(Owner::Outgoing(id)),
            (_, Some("incoming")) => Some(Owner::Incoming(id)),
            _ => None,
        }
    });
    let oversees = ui
        .me
        .as_ref()
        .is_some_and(|m| matches!(m.role, Role::Secretariat | Role::Chair));
    let doc = Memo::new(move |_| params.read().get("doc").and_then(|s| s.parse::<i64>().ok()));
    // The meeting's topic says when the document changes (a poll's changes only while a
    // draft, on the secretariat's topic); one's own, when one's notes do.
    Effect::new(move |_| {
        match owner.get() {
            Some(Owner::Meeting(m)) => live.want(Topic::Meeting(MeetingId(m))),
            Some(Owner::Opinion(_)) if oversees => live.want(Topic::Opinions),
            _ => {}
        }
        if let Some(u) = me {
            live.want(Topic::User(u));
        }
    });

    let view = RwSignal::new(None::<Result<DocumentView, String>>);
    let base = RwSignal::new(Vec::<Annotation>::new());
    let page = RwSignal::new(
        query
            .read_untracked()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
            .max(1),
    );
    let zoom = RwSignal::new(1.0f64);
    // Fit the stage's width (the default: legible on a tablet, scroll down) or the page.
    let whole_page = RwSignal::new(false);
    let tool = RwSignal::new(Tool::Read);
    let color = RwSignal::new("yellow".to_owned());
    let selected = RwSignal::new(None::<i64>);
    let draft = RwSignal::new(None::<((f64, f64), (f64, f64))>);
    let err = RwSignal::new(None::<String>);
    let q = RwSignal::new(query.read_untracked().get("q").unwrap_or_default());
    let hits = RwSignal::new(None::<Result<SearchResult, String>>);
    let gesture = StoredValue::new(Gesture::default());
    let stage = NodeRef::<Div>::new();
    let frame = NodeRef::<Div>::new();

    let shown = Memo::new(move |_| {
        view.with(|v| match v {
            Some(Ok(v)) => Some(v.clone()),
            _ => None,
        })
    });
    let version = Memo::new(move |_| shown.with(|v| v.as_ref().map(|v| v.version)));
    let count = Memo::new(move |_| shown.with(|v| v.as_ref().map_or(0, |v| v.pages.len() as i64)));
    let load = move || {
        let Some(d) = doc.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let l = lang.get_untracked();
            let got = get::<DocumentView>(l, format!("/api/documents/{d}")).await;
            if let Ok(v) = &got {
                let n = v.pages.len() as i64;
                page.update(|p| *p = (*p).clamp(1, n.max(1)));
                match get::<Vec<Annotation>>(
                    l,
                    format!("/api/documents/{d}/annotations?version={}", v.version),
                )
                .await
                {
                    Ok(a) => base.set(a),
                    Err(e) => err.set(Some(e)),
                }
            }
            view.set(Some(got));
        });
    };
    let search = move || {
        let (Some(m), query) = (owner.get_untracked(), q.get_untracked()) else {
            return;
        };
        if query.trim().is_empty() {
            hits.set(None);
            return;
        }
        leptos::task::spawn_local(async move {
            let path = search_path(m, &query);
            hits.set(Some(get::<SearchResult>(lang.get_untracked(), path).await));
        });
    };
    Effect::new(move |_| {
        let _ = doc.get();
        live.resyncs.track();
        load();
        search();
    });
    // What the live events say of this document.
    let change = Memo::new(move |_| {
        let d = doc.get()?;
        live.documents.with(|m| m.get(&d).cloned())
    });
    let newer = Memo::new(move |_| match (change.get(), version.get()) {
        (Some(c), Some(v)) if c.current_version > v => Some(c.current_version),
        _ => None,
    });
    // The secretariat may look while pages render: fetch again as they arrive.
    Effect::new(move |prev: Option<i64>| {
        let rendered = change.with(|c| c.as_ref().map_or(0, |c| c.pages_rendered));
        let incomplete = shown.with_untracked(|v| {
            v.as_ref()
                .is_some_and(|v| v.pages.iter().any(|p| !p.rendered))
        });
        if prev.is_some_and(|p| p != rendered) && incomplete {
            load();
        }
        rendered
    });
    let annotations = Memo::new(move |_| {
        let (Some(d), Some(v)) = (doc.get(), version.get()) else {
            return Vec::new();
        };
        base.with(|b| live.annotations.with(|l| merged(b, l, d, v)))
    });
    let on_page = Memo::new(move |_| {
        let p = page.get();
        annotations.with(|a| {
            a.iter()
                .filter(|x| x.page == p)
                .cloned()
                .collect::<Vec<_>>()
        })
    });

    let go = move |n: i64| {
        let last = count.get_untracked();
        if last == 0 {
            return;
        }
        let n = n.clamp(1, last);
        if n != page.get_untracked() {
            page.set(n);
            selected.set(None);
            draft.set(None);
            if let Some(s) = stage.get_untracked() {
                s.set_scroll_top(0);
                s.set_scroll_left(0);
            }
        }
    };
    let step = move |d: i64| go(page.get_untracked() + d);
    let set_zoom = move |z: f64| zoom.set(z.clamp(MIN_ZOOM, MAX_ZOOM));

    // Keys, except while typing.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| {
                leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::Element>(t).ok()
            })
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if typing {
            return;
        }
        let handled = match ev.key().as_str() {
            "ArrowRight" | "PageDown" => {
                step(1);
                true
            }
            "ArrowLeft" | "PageUp" => {
                step(-1);
                true
            }
            "Home" => {
                go(1);
                true
            }
            "End" => {
                go(count.get_untracked());
                true
            }
            "+" | "=" => {
                set_zoom(zoom.get_untracked() * 1.25);
                true
            }
            "-" => {
                set_zoom(zoom.get_untracked() / 1.25);
                true
            }
            "0" => {
                set_zoom(1.0);
                true
            }
            "Escape" => {
                tool.set(Tool::Read);
                selected.set(None);
                true
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
    });
    on_cleanup(move || keys.remove());

    let create = move |kind: AnnotationKind, region: Region| {
        let (Some(d), Some(v)) = (doc.get_untracked(), version.get_untracked()) else {
            return;
        };
        let body = json!({
            "version": v, "page": page.get_untracked(), "kind": kind,
            "region": region, "color": color.get_untracked(),
        });
        command(
            err,
            "POST",
            format!("/api/documents/{d}/annotations"),
            Some(body),
            move |a| {
                if let Ok(a) = serde_json::from_value::<Annotation>(a) {
                    let id = a.id;
                    base.update(|b| {
                        if !b.iter().any(|x| x.id == id) {
                            b.push(a);
                        }
                    });
                    if kind == AnnotationKind::Note {
                        selected.set(Some(id));
                    }
                }
            },
        );
    };
    let save = move |id: i64, patch: serde_json::Value| {
        command(
            err,
            "PUT",
            format!("/api/annotations/{id}"),
            Some(patch),
            move |a| {
                if let Ok(a) = serde_json::from_value::<Annotation>(a) {
                    base.update(|b| {
                        b.retain(|x| x.id != a.id);
                        b.push(a);
                    });
                }
            },
        );
    };
    let remove = move |id: i64| {
        command(
            err,
            "DELETE",
            format!("/api/annotations/{id}"),
            None,
            move |_| {
                base.update(|b| b.retain(|x| x.id != id));
                selected.set(None);
            },
        );
    };

    // Pointer handling: one finger swipes (at fit), pans (zoomed) or draws (with a tool);
    // two fingers pinch. The stage takes no browser gestures (`touch-action: none`).
    let down = move |ev: leptos::ev::PointerEvent| {
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        if let Some(s) = stage.get_untracked() {
            let _ = s.set_pointer_capture(ev.pointer_id());
        }
        let mut start_draw = None;
        gesture.update_value(|g| {
            g.pointers.retain(|p| p.0 != ev.pointer_id());
            g.pointers.push((ev.pointer_id(), x, y));
            if g.pointers.len() >= 2 {
                g.pinch = Some((g.spread(), zoom.get_untracked()));
                g.drawing = None;
                g.start = None;
            } else {
                g.start = Some((x, y));
                g.last = Some((x, y));
                g.moved = false;
                g.pinch = None;
                if tool.get_untracked() != Tool::Read {
                    g.drawing = fraction_on(&frame, x, y);
                    start_draw = g.drawing;
                }
            }
        });
        draft.set(start_draw.map(|p| (p, p)));
        if gesture.with_value(|g| g.pinch.is_some()) {
            draft.set(None);
        }
    };
    let moved = move |ev: leptos::ev::PointerEvent| {
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let mut pan = None;
        let mut new_zoom = None;
        let mut drawn = None;
        gesture.update_value(|g| {
            let Some(p) = g.pointers.iter_mut().find(|p| p.0 == ev.pointer_id()) else {
                return;
            };
            (p.1, p.2) = (x, y);
            if let Some((from, z)) = g.pinch {
                new_zoom = Some(pinched(z, from, g.spread()));
            } else if let Some(origin) = g.drawing {
                drawn = fraction_on(&frame, x, y).map(|to| (origin, to));
            } else if let (Some(s), Some(l)) = (g.start, g.last) {
                if (x - s.0).abs() > 8.0 || (y - s.1).abs() > 8.0 {
                    g.moved = true;
                }
                pan = Some((x - l.0, y - l.1));
                g.last = Some((x, y));
            }
        });
        if let Some(z) = new_zoom {
            set_zoom(z);
        }
        if drawn.is_some() {
            draft.set(drawn);
        }
        if let (Some((dx, dy)), Some(s)) = (pan, stage.get_untracked()) {
            // Zoomed: the finger moves the page. At fit only up and down (a tall page);
            // sideways is the swipe, judged when the finger lifts.
            if zoom.get_untracked() > 1.01 {
                s.set_scroll_left(s.scroll_left() - dx as i32);
            }
            s.set_scroll_top(s.scroll_top() - dy as i32);
        }
    };
    let up = move |ev: leptos::ev::PointerEvent, cancelled: bool| {
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let mut done = None;
        gesture.update_value(|g| {
            g.pointers.retain(|p| p.0 != ev.pointer_id());
            if g.pinch.is_some() {
                if g.pointers.len() < 2 {
                    g.pinch = None;
                }
                g.start = None;
                return;
            }
            if let Some(origin) = g.drawing.take() {
                done = Some((Some(origin), None, false));
            } else if let Some(s) = g.start.take() {
                done = Some((None, Some((x - s.0, y - s.1)), g.moved));
            }
        });
        draft.set(None);
        if cancelled {
            return;
        }
        match done {
            Some((Some(origin), _, _)) => {
                let to = fraction_on(&frame, x, y).unwrap_or(origin);
                match tool.get_untracked() {
                    Tool::Highlight => {
                        if let Some(r) = Region::from_corners(origin, to, 0.01) {
                            create(AnnotationKind::Highlight, r);
                        }
                    }
                    Tool::Note => {
                        let r = Region::from_corners(origin, to, 0.01)
                            .unwrap_or_else(|| Region::around(origin, 0.05, 0.035));
                        create(AnnotationKind::Note, r);
                    }
                    Tool::Read => {}
                }
            }
            Some((None, Some((dx, dy)), was_moved)) => {
                if !was_moved {
                    // A tap: select the annotation under the finger, if any.
                    let hit = fraction_on(&frame, x, y).and_then(|p| {
                        on_page.with_untracked(|a| {
                            a.iter().rev().find(|a| a.region.contains(p)).map(|a| a.id)
                        })
                    });
                    selected.set(hit);
                } else if zoom.get_untracked() <= 1.01 {
                    step(swipe(dx, dy));
                }
            }
            _ => {}
        }
    };

    let page_src = move |n: i64, w: u32| {
        shown.with(|v| v.as_ref().map(|v| page_url(v.summary.id, v.version, n, w)))
    };
    let toolbar = move || {
        let l = lang.get();
        view! {
            <div class="viewer-bar row wrap">
                <button data-testid="prev-page" aria-label=t(l, K::PreviousPage) disabled=move || { page.get() <= 1 } on:click=move |_| step(-1)>"‹"</button>
                <label class="page-jump">
                    <span class="sr-only">{t(l, K::JumpToPage)}</span>
                    <input type="number" min="1" inputmode="numeric" data-testid="page-input"
                        prop:value=move || page.get().to_string()
                        on:change=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<i64>() { go(n) } }/>
                    <span data-testid="page-count">{move || format!("/ {}", count.get())}</span>
                </label>
                <button data-testid="next-page" aria-label=t(l, K::NextPage) disabled=move || { page.get() >= count.get() } on:click=move |_| step(1)>"›"</button>
                <span class="sep"></span>
                <button data-testid="zoom-out" aria-label=t(l, K::ZoomOut) on:click=move |_| set_zoom(zoom.get_untracked() / 1.25)>"−"</button>
                <button data-testid="zoom-fit" on:click=move |_| set_zoom(1.0)>
                    <span data-testid="zoom" data-zoom=move || format!("{:.2}", zoom.get())>{move || format!("{:.0}%", zoom.get() * 100.0)}</span>
                </button>
                <button data-testid="zoom-in" aria-label=t(l, K::ZoomIn) on:click=move |_| set_zoom(zoom.get_untracked() * 1.25)>"+"</button>
                <button data-testid="fit" aria-pressed=move || whole_page.get().to_string() on:click=move |_| { whole_page.update(|w| *w = !*w); set_zoom(1.0); }>{t(l, K::WholePage)}</button>
                <span class="sep"></span>
                {[(Tool::Read, K::ToolRead, "tool-read"), (Tool::Highlight, K::ToolHighlight, "tool-highlight"), (Tool::Note, K::ToolNote, "tool-note")].into_iter().map(|(tl, k, id)| view! {
                    <button data-testid=id aria-pressed=move || (tool.get() == tl).to_string() on:click=move |_| tool.set(tl)>{t(l, k)}</button>
                }).collect_view()}
                {move || (tool.get() != Tool::Read).then(|| view! {
                    <span class="palette">
                        {ANNOTATION_COLORS.into_iter().map(|c| view! {
                            <button class=format!("swatch c-{c}") data-testid=format!("color-{c}") aria-label=c
                                aria-pressed=move || (color.get() == c).to_string() on:click=move |_| color.set(c.to_owned())></button>
                        }).collect_view()}
                    </span>
                })}
            </div>
        }
        .into_any()
    };
    let page_view = move || {
        let v = shown.get()?;
        let n = page.get();
        let info = v.pages.get((n - 1) as usize).cloned()?;
        let ratio = aspect(&info);
        let w = v.widths.first().copied().unwrap_or(1280);
        let src = page_src(n, w);
        // Classified pages are drawn per request and logged: never fetch one unasked.
        let next = (!v.watermarked && n < v.pages.len() as i64 && v.pages[n as usize].rendered)
            .then(|| page_src(n + 1, w))
            .flatten();
        let alt = format!("{} {n}", t(lang.get(), K::Page));
        Some(view! {
            <div class="page-frame" node_ref=frame data-testid="page" data-page=n.to_string()
                data-fit=move || if whole_page.get() { "page" } else { "width" }
                style=move || format!("--ar: {ratio:.5}; --zoom: {:.3}", zoom.get())>
                {if info.rendered {
                    view! { <img class="page-img" src=src alt=alt draggable="false" data-testid="page-image"/> }.into_any()
                } else {
                    view! { <div class="page-wait muted">{tx(lang, K::PageRendering)}</div> }.into_any()
                }}
                {move || on_page.get().into_iter().map(|a| {
                    let style = region_style(&a.region);
                    let kind = if a.kind == AnnotationKind::Note { "note" } else { "highlight" };
                    view! {
                        <div class=format!("ann ann-{kind} c-{}", a.color) class:selected=move || selected.get() == Some(a.id)
                            style=style data-testid="annotation" data-id=a.id.to_string() data-kind=kind>
                            {(a.kind == AnnotationKind::Note).then(|| view! { <span class="pin" aria-hidden="true">"✎"</span> })}
                        </div>
                    }
                }).collect_view()}
                {move || draft.get().and_then(|(a, b)| Region::from_corners(a, b, 0.0)).map(|r| view! {
                    <div class=move || format!("ann draft c-{}", color.get()) data-testid="draft" style=region_style(&r)></div>
                })}
            </div>
            {next.map(|src| view! { <img class="preload" src=src alt="" aria-hidden="true"/> })}
        }.into_any())
    };
    let thumbs = move || {
        let v = shown.get()?;
        let w = v.widths.get(1).or(v.widths.first()).copied().unwrap_or(240);
        let changed = v.changed_since_read.clone();
        Some(view! {
            <nav class="thumbs" data-testid="thumbs" aria-label=move || t(lang.get(), K::Pages)>
                {v.pages.iter().map(|p| {
                    let n = p.page;
                    let src = page_url(v.summary.id, v.version, n, w);
                    let ratio = aspect(p);
                    let was_changed = changed.contains(&(n as u32));
                    let rendered = p.rendered;
                    let hit_count = move || hits.with(|h| match h {
                        Some(Ok(r)) => r.hits.iter().filter(|x| Some(x.document_id) == doc.get() && x.page == n).map(|x| x.count).sum(),
                        _ => 0,
                    });
                    let notes = move || annotations.with(|a| a.iter().filter(|x| x.page == n).count());
                    view! {
                        <button class="thumb" class:current=move || page.get() == n data-testid="thumb" data-page=n.to_string()
                            aria-current=move || (page.get() == n).then_some("page") on:click=move |_| go(n)
                            id=format!("thumb-{n}")>
                            <span class="thumb-img" style=format!("aspect-ratio: {ratio:.4}")>
                                {rendered.then(|| view! { <img src=src.clone() alt="" loading="lazy" draggable="false"/> })}
                            </span>
                            <span class="thumb-label">{n}</span>
                            {was_changed.then(|| view! { <span class="thumb-badge changed" data-testid="thumb-changed">"Δ"</span> })}
                            {move || (hit_count() > 0).then(|| view! { <span class="thumb-badge hits" data-testid="thumb-hits">{hit_count()}</span> })}
                            {move || (notes() > 0).then(|| view! { <span class="thumb-badge notes">"✎"</span> })}
                        </button>
                    }
                }).collect_view()}
            </nav>
        }.into_any())
    };
    // Keep the current page's thumbnail in sight.
    Effect::new(move |_| {
        let n = page.get();
        let _ = count.get();
        #[cfg(feature = "hydrate")]
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&format!("thumb-{n}")))
        {
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
            opts.set_inline(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&opts);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = n;
    });

    let notes_panel = move || {
        let l = lang.get();
        view! {
            <section class="ann-panel" data-testid="ann-panel">
                <h3>{format!("{} · {} {}", t(l, K::MyNotes), t(l, K::Page), page.get())}</h3>
                <p class="muted small">{t(l, K::NotesArePrivate)}</p>
                {move || on_page.get().is_empty().then(|| view! { <p class="muted" data-testid="no-notes">{tx(lang, K::NoNotesHere)}</p> })}
                <For each=move || on_page.get() key=|a| (a.id, a.updated_at) children=move |a| {
                    let id = a.id;
                    let text = RwSignal::new(a.note.clone());
                    let kind = if a.kind == AnnotationKind::Note { K::ToolNote } else { K::ToolHighlight };
                    view! {
                        <div class="ann-item" class:selected=move || selected.get() == Some(id) data-testid="ann-item" data-id=id.to_string()
                            on:click=move |_| selected.set(Some(id))>
                            <div class="row">
                                <span class=format!("swatch small c-{}", a.color)></span>
                                <strong class="grow">{move || t(lang.get(), kind)}</strong>
                                {a.carried_from.is_some().then(|| view! { <span class="badge" title=move || t(lang.get(), K::CarriedOver)>"↪"</span> })}
                                <button class="danger" data-testid="ann-delete" on:click=move |ev| { ev.stop_propagation(); remove(id); }>{tx(lang, Common::Remove)}</button>
                            </div>
                            <textarea data-testid="ann-note" rows="3" placeholder=move || t(lang.get(), K::NotePlaceholder)
                                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                            <div class="row wrap">
                                {ANNOTATION_COLORS.into_iter().map(|c| view! {
                                    <button class=format!("swatch c-{c}") aria-label=c aria-pressed=(a.color == c).to_string()
                                        on:click=move |_| save(id, json!({"color": c}))></button>
                                }).collect_view()}
                                <span class="grow"></span>
                                <button class="primary" data-testid="ann-save" on:click=move |_| save(id, json!({"note": text.get_untracked()}))>{tx(lang, Common::Save)}</button>
                            </div>
                        </div>
                    }
                }/>
            </section>
        }
        .into_any()
    };
    let search_panel = move || {
        // A level whose text is withheld has nothing to search: say why instead.
        if shown.with(|v| v.as_ref().is_some_and(|v| !v.text_available)) {
            return view! {
                <section class="search-panel">
                    <p class="notice" data-testid="text-withheld">{tx(lang, K::TextWithheldNote)}</p>
                </section>
            }
            .into_any();
        }
        view! {
            <section class="search-panel">
                <form class="row" on:submit=move |ev| { ev.prevent_default(); search(); }>
                    <input type="search" class="grow" data-testid="viewer-search" placeholder=move || t(lang.get(), K::SearchDocument)
                        prop:value=move || q.get() on:input=move |ev| q.set(event_target_value(&ev))/>
                    <button type="submit" data-testid="viewer-search-go">{tx(lang, K::Search)}</button>
                </form>
                {move || match (hits.get(), owner.get(), doc.get()) {
                    (Some(Err(e)), _, _) => Some(view! { <p class="error">{e}</p> }.into_any()),
                    (Some(Ok(r)), Some(m), Some(d)) => Some(if r.hits.iter().any(|h| h.document_id == d) {
                        hit_list(lang.get(), m, &r, Some(d)).into_any()
                    } else {
                        view! { <p class="muted" data-testid="search-none">{tx(lang, K::NoHits)}</p> }.into_any()
                    }),
                    _ => None,
                }}
            </section>
        }
        .into_any()
    };
    // A hit's link changes only the query: follow it to the page.
    Effect::new(move |_| {
        let p = query.read().get("page").and_then(|p| p.parse::<i64>().ok());
        if let Some(p) = p {
            go(p);
        }
    });

    view! {
        <main class="page viewer" data-testid="viewer">
            {move || match view.get() {
                None => view! { <p class="muted">{tx(lang, Common::Loading)}</p> }.into_any(),
                Some(Err(e)) => view! {
                    <p class="error" role="alert" data-testid="viewer-error">{e}</p>
                    <a class="button" href=move || owner.get().map_or_else(|| "/".to_owned(), Owner::page)>{tx(lang, Common::Back)}</a>
                }.into_any(),
                Some(Ok(v)) => {
                    let l = lang.get();
                    let s = v.summary.clone();
                    let back = Owner::of(&s).map_or_else(|| "/".to_owned(), Owner::page);
                    view! {
                        <div class="viewer-head row wrap">
                            <a class="button" href=back>{tx(lang, Common::Back)}</a>
                            <h1 class="grow" data-testid="doc-title">{s.title.clone()}</h1>
                            <span class="muted">{format!("{} · v{}", i18n::document_kind(l, s.kind), v.version)}</span>
                            {s.confidentiality.is_classified().then(|| view! {
                                <span class="badge secret" data-testid="doc-level">{i18n::confidentiality(l, s.confidentiality)}</span>
                            })}
                            {v.original_allowed.then(|| view! {
                                <a class="button" data-testid="original" href=format!("/api/documents/{}/original", s.id) download="">{tx(lang, K::DownloadOriginal)}</a>
                            })}
                        </div>
                        {v.watermarked.then(|| view! { <p class="notice" data-testid="watermark-note">{tx(lang, K::WatermarkNote)}</p> })}
                        {(!v.changed_since_read.is_empty()).then(|| {
                            let pages = v.changed_since_read.clone();
                            view! {
                                <div class="notice" data-testid="changed-since-read">
                                    <span>{format!("{} (v{}):", t(l, K::ChangedSinceRead), v.last_read_version.unwrap_or(0))}</span>
                                    {pages.into_iter().map(|p| view! {
                                        <button data-testid="changed-page" on:click=move |_| go(i64::from(p))>{format!("{} {p}", t(l, K::Page))}</button>
                                    }).collect_view()}
                                </div>
                            }
                        })}
                    }.into_any()
                }
            }}
            {move || newer.get().map(|n| view! {
                <div class="notice live-notice" role="status" data-testid="new-version-banner">
                    <span>{format!("{} (v{n})", t(lang.get(), K::NewVersionAvailable))}</span>
                    <button class="primary" data-testid="open-new-version" on:click=move |_| load()>{tx(lang, K::OpenNewVersion)}</button>
                </div>
            })}
            {move || err.get().map(|e| view! { <p class="error" role="alert" data-testid="action-error">{e}</p> })}
            <Show when=move || shown.with(Option::is_some)>
                {toolbar}
                <div class="viewer-body">
                    <div class="stage" node_ref=stage data-testid="stage" data-tool=move || match tool.get() { Tool::Read => "read", Tool::Highlight => "highlight", Tool::Note => "note" }
                        on:pointerdown=down
                        on:pointermove=moved
                        on:pointerup=move |ev| up(ev, false)
                        on:pointercancel=move |ev| up(ev, true)
                        on:contextmenu=move |ev| ev.prevent_default()>
                        {page_view}
                    </div>
                    {thumbs}
                    <aside class="viewer-side">
                        {search_panel}
                        {notes_panel}
                    </aside>
                </div>
            </Show>
        </main>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn note(id: i64, version: i64, updated_at: i64, text: &str) -> Annotation {
        Annotation {
            id,
            document_id: 1,
            version,
            page: 1,
            kind: AnnotationKind::Note,
            region: Region::around((0.5, 0.5), 0.1, 0.1),
            color: "yellow".into(),
            note: text.into(),
            updated_at,
            carried_from: None,
        }
    }

    #[test]
    fn live_events_update_what_was_fetched() {
        let base = vec![
            note(1, 2, 10, "old"),
            note(2, 2, 10, "kept"),
            note(3, 2, 10, "gone"),
        ];
        let mut live = HashMap::new();
        live.insert(1, Some(note(1, 2, 20, "edited on the other tablet")));
        live.insert(3, None);
        live.insert(4, Some(note(4, 2, 30, "made on the other tablet")));
        // Carried to another version: not shown on this one.
        live.insert(5, Some(note(5, 3, 30, "on v3")));
        let got = merged(&base, &live, 1, 2);
        let texts: Vec<&str> = got.iter().map(|a| a.note.as_str()).collect();
        assert_eq!(
            texts,
            [
                "edited on the other tablet",
                "kept",
                "made on the other tablet"
            ]
        );
        // An event older than what was fetched does not undo a newer fetch.
        live.insert(2, Some(note(2, 2, 5, "stale")));
        assert_eq!(merged(&base, &live, 1, 2)[1].note, "kept");
    }

    #[test]
    fn a_clear_sideways_stroke_turns_the_page() {
        assert_eq!(swipe(-120.0, 10.0), 1);
        assert_eq!(swipe(120.0, -30.0), -1);
        assert_eq!(swipe(-40.0, 0.0), 0, "too short");
        assert_eq!(swipe(-100.0, 90.0), 0, "too diagonal");
    }

    #[test]
    fn pinching_zooms_within_bounds() {
        assert!((pinched(1.0, 100.0, 200.0) - 2.0).abs() < 1e-9);
        assert_eq!(pinched(2.0, 100.0, 10.0), MIN_ZOOM);
        assert_eq!(pinched(3.0, 100.0, 1000.0), MAX_ZOOM);
        assert_eq!(pinched(1.5, 0.0, 50.0), 1.5);
    }
}
