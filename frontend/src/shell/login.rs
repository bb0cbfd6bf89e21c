//! `/login`: a plain form, so it works before (and without) the wasm.

use super::i18n::K;
use crate::platform::{tx, ui};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// `/login`: a plain form, so it works before (and without) the wasm.
#[component]
pub fn Login() -> impl IntoView {
    let lang = ui().lang;
    let query = use_query_map();
    let error = move || query.read().get("error");
    view! {
        <main class="page narrow">
            <h1>{tx(lang, K::AppName)}</h1>
            <p class="muted">{tx(lang, K::LoginHint)}</p>
            <form method="post" action="/api/login" class="card stack" data-testid="login-form">
                <label>
                    {tx(lang, K::Username)}
                    <input name="username" autocomplete="username" required autocapitalize="none"/>
                </label>
                <label>
                    {tx(lang, K::Password)}
                    <input name="password" type="password" autocomplete="current-password" required/>
                </label>
                {move || error().map(|e| {
                    let key = if e == "limited" { K::LoginLimited } else { K::LoginFailed };
                    view! { <p class="error" role="alert" data-testid="login-error">{tx(lang, key)}</p> }
                })}
                <button type="submit" class="primary" data-testid="login-submit">{tx(lang, K::LogIn)}</button>
            </form>
        </main>
    }
}
