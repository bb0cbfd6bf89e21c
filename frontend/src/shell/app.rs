//! The HTML document around the app, the app itself (the context every page reads and
//! the routes to each feature's pages) and its header with the navigation.

use super::i18n::K;
use super::login::Login;
use crate::devices::{self, DevicesPage};
use crate::documents::{ExchangeViewer, MeetingViewer, OpinionViewer};
use crate::exchange::ExchangePage;
use crate::meeting::{Console, Editor, Home, MeetingPage};
use crate::opinions::{self, OpinionPage, OpinionsPage};
use crate::platform::live::{Conn, Live};
use crate::platform::{Lang, Ui, pick, t, tx, ui};
use crate::reporting::{DashboardPage, ReportsPage};
use ecabinet_protocol::api::Me;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
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
                <Route path=path!("/login") view=Login/>
                <Route path=path!("/") view=Home/>
                <Route path=path!("/meetings/new") view=Editor/>
                <Route path=path!("/meetings/:id/edit") view=Editor/>
                <Route path=path!("/meetings/:id/console") view=Console/>
                <Route path=path!("/meetings/:id/documents/:doc") view=MeetingViewer/>
                <Route path=path!("/meetings/:id") view=MeetingPage/>
                <Route path=path!("/devices") view=DevicesPage/>
                <Route path=path!("/opinions") view=OpinionsPage/>
                <Route path=path!("/exchange") view=ExchangePage/>
                <Route path=path!("/reports") view=ReportsPage/>
                <Route path=path!("/dashboard") view=DashboardPage/>
                <Route path=path!("/exchange/:register/:id/documents/:doc") view=ExchangeViewer/>
                <Route path=path!("/opinions/:id/documents/:doc") view=OpinionViewer/>
                <Route path=path!("/opinions/:id") view=OpinionPage/>
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
                        <a class="button" href="/opinions" data-testid="to-opinions">{tx(lang, opinions::K::Opinions)}</a>
                        <a class="button" href="/exchange" data-testid="to-exchange">{move || pick(lang.get(), "Văn bản", "Documents")}</a>
                        <a class="button" href="/reports" data-testid="to-reports">{move || pick(lang.get(), "Báo cáo", "Reports")}</a>
                        <a class="button" href="/dashboard" data-testid="to-dashboard">{move || pick(lang.get(), "Điều hành", "Dashboard")}</a>
                        <a class="button" href="/devices" data-testid="to-devices">{tx(lang, devices::K::Devices)}</a>
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
                                Conn::Connecting => K::Connecting,
                                Conn::Live => K::Live,
                                Conn::Resynced => K::Resynced,
                                Conn::Reconnecting => K::Reconnecting,
                                Conn::Offline => K::Offline,
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
