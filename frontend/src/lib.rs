//! TEMPORARY CONTRACT STUB written by the server engineer so the server compiles; the
//! frontend helper replaces this whole file with the real app (same public API).
#![allow(missing_docs)]
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod i18n {
    use serde::{Deserialize, Serialize};
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Lang {
        Vi,
        En,
    }
    impl Lang {
        pub fn from_cookie_value(s: &str) -> Lang {
            if s == "en" { Lang::En } else { Lang::Vi }
        }
        pub fn code(self) -> &'static str {
            match self {
                Lang::Vi => "vi",
                Lang::En => "en",
            }
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Boot {
    pub me: Option<ecabinet_protocol::api::Me>,
    pub lang: i18n::Lang,
}

pub fn shell(options: leptos::config::LeptosOptions) -> impl IntoView {
    view! { <!DOCTYPE html><html><head><HydrationScripts options/></head><body><App/></body></html> }
}

#[component]
pub fn App() -> impl IntoView {
    use leptos_router::components::{Route, Router, Routes};
    use leptos_router::path;
    view! { <Router><Routes fallback=|| "not found"><Route path=path!("/") view=|| "home"/><Route path=path!("/login") view=|| "login"/></Routes></Router> }
}
