//! The ecabinet web app (Leptos): rendered on the server (`ssr`) and hydrated in the
//! browser (`hydrate`). Touch-first, Vietnamese by default. Commands go over HTTP
//! ([`api`]); state arrives live over one WebSocket ([`live`]). The code is in folders by
//! feature: `platform` (what every feature uses), the features, and `shell` (the app frame
//! and routes on top).

// Leptos views are nested types; the meeting pages with their votes go past the default.
#![recursion_limit = "256"]

mod devices;
mod documents;
mod exchange;
mod meeting;
mod minutes;
mod opinions;
mod platform;
mod reporting;
mod shell;
mod voting;

pub use platform::{api, i18n, live, time};
pub use shell::{App, Boot, shell};

/// Browser entry point: reads the boot data the server embedded, then hydrates.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use i18n::Lang;
    use leptos::prelude::*;
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
