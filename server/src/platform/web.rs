//! The pages: server-side rendering of the Leptos app, the built site's static files, and
//! the redirects between the login page and the rest.

use crate::AppState;
use crate::platform::session::session_user;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use ecabinet_frontend::Boot;
use ecabinet_frontend::i18n::Lang;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::Session;

/// Pages, plus `/pkg` and `/fonts` from the built site.
pub fn router(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(ecabinet_frontend::App);
    let options = state.leptos.clone();
    let site = state.leptos.site_root.to_string();
    // wasm, js and fonts carry no content hash in their names yet: revalidate each time.
    let cache = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    );
    let static_files = Router::new()
        .nest_service("/pkg", ServeDir::new(format!("{site}/pkg")))
        .nest_service("/fonts", ServeDir::new(format!("{site}/fonts")))
        .route_service(
            "/favicon.svg",
            tower_http::services::ServeFile::new(format!("{site}/favicon.svg")),
        )
        .layer(cache);
    Router::new()
        .leptos_routes_with_context(
            state,
            routes,
            || {
                // The middleware below put the boot data in the request's extensions.
                let boot = use_context::<axum::http::request::Parts>()
                    .and_then(|p| p.extensions.get::<Boot>().cloned())
                    .unwrap_or(Boot {
                        me: None,
                        lang: Lang::Vi,
                    });
                provide_context(boot);
                // The hydration script carries it; `gate` put the same one in the CSP.
                if let Some(nonce) = use_context::<axum::http::request::Parts>()
                    .and_then(|p| p.extensions.get::<PageNonce>().cloned())
                {
                    provide_context(leptos::nonce::Nonce::from_value(nonce.0));
                }
            },
            move || ecabinet_frontend::shell(options.clone()),
        )
        .layer(middleware::from_fn_with_state(state.clone(), gate))
        .merge(static_files)
}

fn lang_of(req: &Request) -> Lang {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix("lang="))
        .map(Lang::from_cookie_value)
        .next_back()
        .unwrap_or(Lang::Vi)
}

/// Sends visitors without a session to the login page (and logged-in ones away from it),
/// and hands the account and language to the renderer.
async fn gate(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    let user = match session_user(&state, &session).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let on_login = req.uri().path() == "/login";
    match (&user, on_login) {
        (None, false) => return Redirect::to("/login").into_response(),
        (Some(_), true) => return Redirect::to("/").into_response(),
        _ => {}
    }
    let me = match &user {
        Some(u) => match crate::platform::session::me_of(&state, u).await {
            Ok(m) => Some(m),
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    let boot = Boot {
        me,
        lang: lang_of(&req),
    };
    req.extensions_mut().insert(boot);
    let nonce = PageNonce(hex::encode(rand::random::<[u8; 16]>()).into());
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    if let Ok(csp) = HeaderValue::from_str(&page_csp(&nonce.0)) {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    res
}

/// The nonce of one page's inline hydration script.
#[derive(Clone)]
struct PageNonce(std::sync::Arc<str>);

/// The Content-Security-Policy of a page: scripts only from this origin or with this
/// response's nonce (the hydration bootstrap), WebAssembly compiled but no `eval`,
/// stylesheets only from this origin, connections (HTTP and the WebSocket) only to it,
/// no plugins, no framing, no `<base>`, forms posting only here. Inline `style`
/// attributes stay allowed: the views set widths and aspect ratios through them (bars,
/// page boxes), and an attribute cannot load a script.
pub fn page_csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}
