//! The ecabinet web app (Leptos): rendered on the server (`ssr`) and hydrated in the
//! browser (`hydrate`). Touch-first, Vietnamese by default. Commands go over HTTP
//! ([`api`]); state arrives live over one WebSocket ([`live`]).

// Leptos views are nested types; the meeting pages with their votes go past the default.
#![recursion_limit = "256"]

pub mod api;
mod devices;
mod documents;
mod editor;
mod exchange;
pub mod i18n;
pub mod live;
mod meeting;
mod minutes;
mod opinions;
mod pages;
mod reporting;
pub mod tablet;
pub mod time;
mod upload;
mod viewer;
mod vote;

use ecabinet_protocol::ApiError;
use ecabinet_protocol::api::Me;
use i18n::{K, Lang, t};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use live::Live;
use serde::{Deserialize, Serialize};

/// What the server knows at render time and the browser must know before hydrating, so
/// both render the same page: who is logged in and in which language.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Boot {
    /// The logged-in account, if any.
    pub me: Option<Me>,
    /// The UI language (cookie `lang`).
    pub lang: Lang,
}

/// Shared UI context.
#[derive(Clone)]
pub(crate) struct Ui {
    pub lang: RwSignal<Lang>,
    pub me: Option<Me>,
    pub live: Live,
}

pub(crate) fn ui() -> Ui {
    expect_context::<Ui>()
}

/// A reactive translated text.
pub(crate) fn tx(
    lang: RwSignal<Lang>,
    k: K,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || t(lang.get(), k)
}

/// An error from the API, in words, naming the field if any.
pub(crate) fn describe(lang: Lang, e: &ApiError) -> String {
    let base = i18n::error(lang, e.code);
    match e.field.as_deref().map(|f| i18n::field(lang, f)) {
        Some(f) if !f.is_empty() => format!("{base} ({f})"),
        _ => base.to_owned(),
    }
}

/// Runs a command; on failure the translated error goes to `err`, on success `err` clears
/// and `done` runs with the answer.
pub(crate) fn command(
    err: RwSignal<Option<String>>,
    method: &'static str,
    path: String,
    body: Option<serde_json::Value>,
    done: impl FnOnce(serde_json::Value) + 'static,
) {
    let lang = ui().lang;
    leptos::task::spawn_local(async move {
        match api::call(method, path, body).await {
            Ok(v) => {
                err.set(None);
                done(v);
            }
            Err(e) => err.set(Some(describe(lang.get_untracked(), &e))),
        }
    });
}

/// The HTML document around the app.
pub fn shell(options: leptos::config::LeptosOptions) -> impl IntoView {
    let boot = use_context::<Boot>().unwrap_or(Boot {
        me: None,
        lang: Lang::Vi,
    });
    // `<` escaped so that no text can close the script element.
    let json = serde_json::to_string(&boot)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    view! {
        <!DOCTYPE html>
        <html lang=boot.lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href="/pkg/ecabinet.css"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <script id="boot" type="application/json" inner_html=json></script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: header and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let boot = use_context::<Boot>().unwrap_or(Boot {
        me: None,
        lang: Lang::Vi,
    });
    let lang = RwSignal::new(boot.lang);
    provide_context(Ui {
        lang,
        me: boot.me.clone(),
        live: Live::new(),
    });
    view! {
        <Title text=move || t(lang.get(), K::AppName)/>
        <Router>
            <Header/>
            <Routes fallback=|| view! { <main class="page"><p>"404"</p></main> }>
                <Route path=path!("/login") view=pages::Login/>
                <Route path=path!("/") view=pages::Home/>
                <Route path=path!("/meetings/new") view=editor::Editor/>
                <Route path=path!("/meetings/:id/edit") view=editor::Editor/>
                <Route path=path!("/meetings/:id/console") view=meeting::Console/>
                <Route path=path!("/meetings/:id/documents/:doc") view=viewer::MeetingViewer/>
                <Route path=path!("/meetings/:id") view=meeting::MeetingPage/>
                <Route path=path!("/devices") view=devices::DevicesPage/>
                <Route path=path!("/opinions") view=opinions::OpinionsPage/>
                <Route path=path!("/exchange") view=exchange::ExchangePage/>
                <Route path=path!("/reports") view=reporting::ReportsPage/>
                <Route path=path!("/dashboard") view=reporting::DashboardPage/>
                <Route path=path!("/exchange/:register/:id/documents/:doc") view=viewer::ExchangeViewer/>
                <Route path=path!("/opinions/:id/documents/:doc") view=viewer::OpinionViewer/>
                <Route path=path!("/opinions/:id") view=opinions::OpinionPage/>
            </Routes>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let ui = ui();
    let lang = ui.lang;
    let live = ui.live;
    let set_lang = move |l: Lang| {
        lang.set(l);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(doc) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
            {
                let _ = doc.set_cookie(&format!(
                    "lang={}; path=/; max-age=31536000; samesite=lax",
                    l.code()
                ));
                if let Some(root) = doc.document_element() {
                    let _ = root.set_attribute("lang", l.code());
                }
            }
        }
    };
    let who = ui.me.clone();
    view! {
        <header class="topbar">
            <a class="brand" href="/">{tx(lang, K::AppName)}</a>
            <div class="topbar-right">
                {who.map(|me| view! {
                    {(me.role != ecabinet_domain::Role::Admin).then(|| view! {
                        <a class="button" href="/opinions" data-testid="to-opinions">{tx(lang, K::Opinions)}</a>
                        <a class="button" href="/exchange" data-testid="to-exchange">{move || i18n::pick(lang.get(), "Văn bản", "Documents")}</a>
                        <a class="button" href="/reports" data-testid="to-reports">{move || i18n::pick(lang.get(), "Báo cáo", "Reports")}</a>
                        <a class="button" href="/dashboard" data-testid="to-dashboard">{move || i18n::pick(lang.get(), "Điều hành", "Dashboard")}</a>
                        <a class="button" href="/devices" data-testid="to-devices">{tx(lang, K::Devices)}</a>
                    })}
                    <span class="me" data-testid="me">
                        <strong>{me.display_name}</strong>
                    </span>
                    <span
                        class="conn"
                        data-testid="conn"
                        data-state=move || live.conn.get().name()
                    >
                        {move || {
                            let k = match live.conn.get() {
                                live::Conn::Connecting => K::Connecting,
                                live::Conn::Live => K::Live,
                                live::Conn::Resynced => K::Resynced,
                                live::Conn::Reconnecting => K::Reconnecting,
                                live::Conn::Offline => K::Offline,
                            };
                            t(lang.get(), k)
                        }}
                    </span>
                })}
                <span class="langs">
                    {[Lang::Vi, Lang::En].into_iter().map(|l| view! {
                        <button
                            class="lang"
                            data-testid=format!("lang-{}", l.code())
                            aria-pressed=move || (lang.get() == l).to_string()
                            on:click=move |_| set_lang(l)
                        >
                            {l.code().to_ascii_uppercase()}
                        </button>
                    }).collect_view()}
                </span>
                {ui.me.is_some().then(|| view! {
                    <form method="post" action="/api/logout" class="logout">
                        <button type="submit" data-testid="logout">{tx(lang, K::LogOut)}</button>
                    </form>
                })}
            </div>
        </header>
    }
}

/// Browser entry point: reads the boot data the server embedded, then hydrates.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let boot = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
        .and_then(|e| e.text_content())
        .and_then(|s| serde_json::from_str::<Boot>(&s).ok())
        .unwrap_or(Boot {
            me: None,
            lang: Lang::Vi,
        });
    leptos::mount::hydrate_body(move || {
        provide_context(boot);
        view! { <App/> }
    });
}
