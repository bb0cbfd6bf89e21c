//! What the documents card and the upload queue both show of a file on its way: a bar
//! for sending and one for rendering, and why a failed render failed.

use super::i18n;
use crate::platform::Lang;
use ecabinet_protocol::document::DocumentSummary;
use leptos::prelude::*;

/// Why a document's newest upload failed, in the UI's language when the reason is known.
pub(super) fn failure_text(l: Lang, d: &DocumentSummary) -> Option<String> {
    d.failure_detail
        .as_ref()
        .map(|f| i18n::failure(l, f))
        .or_else(|| d.failure.clone())
}

/// Pages rendered as a fraction of the pages (0 until the page count is known).
pub(super) fn rendered_fraction(done: i64, of: i64) -> f64 {
    if of > 0 { done as f64 / of as f64 } else { 0.0 }
}

/// A bar from 0 to 1 with its percentage, for tests and screen readers alike.
pub(super) fn bar(testid: &'static str, label: String, fraction: f64) -> impl IntoView {
    let pct = (fraction.clamp(0.0, 1.0) * 100.0).round();
    view! {
        <div class="progress" data-testid=testid data-percent=pct.to_string() role="progressbar"
            aria-valuemin="0" aria-valuemax="100" aria-valuenow=pct.to_string() aria-label=label.clone()>
            <div class="progress-fill" style=format!("width: {pct}%")></div>
            <span class="progress-text">{format!("{label} {pct}%")}</span>
        </div>
    }
}
