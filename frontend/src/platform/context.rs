//! The shared UI context (language, account, live connection) and the helpers every page
//! uses with it: reactive texts, API errors in words, commands and fetches.

use super::api;
use super::i18n::{self, Lang, Words, pick, t};
use super::live::Live;
use ecabinet_protocol::ApiError;
use ecabinet_protocol::api::Me;
use leptos::prelude::*;

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
    k: impl Words,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    texts(lang, t(Lang::Vi, k), t(Lang::En, k))
}

/// `tx` once the table is known: one closure type whatever the table, as each type a
/// view renders is compiled into the wasm again.
fn texts(
    lang: RwSignal<Lang>,
    vi: &'static str,
    en: &'static str,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || pick(lang.get(), vi, en)
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

/// Fetches `path` and decodes it; errors come back translated.
pub(crate) async fn get<T: serde::de::DeserializeOwned>(
    lang: Lang,
    path: String,
) -> Result<T, String> {
    let v = api::call("GET", path, None)
        .await
        .map_err(|e| describe(lang, &e))?;
    serde_json::from_value(v).map_err(|e| e.to_string())
}
