//! What every context uses and that knows no context: configuration, the clock, errors,
//! the session's person, the access gates that several contexts pass, the hub and the
//! WebSocket, files (blobs), mail, metrics, logging, the pages (SSR) and request limits.

pub mod blobs;
pub mod body;
pub mod clock;
pub mod config;
pub mod csrf;
pub mod error;
pub mod gates;
pub mod hub;
pub mod logline;
pub mod mailer;
pub mod metrics;
pub mod pdf;
pub mod registers;
pub mod session;
pub mod signatures;
pub mod web;
pub mod ws;

use crate::AppState;
use ecabinet_storage::Tx;
use error::AppResult;

impl AppState {
    /// Commits a write transaction and hands its events to the hub, which pushes them to
    /// the subscribers of their topics.
    pub(crate) async fn commit(&self, tx: Tx) -> AppResult<()> {
        let events = tx.commit().await?;
        self.hub.publish(events);
        Ok(())
    }
}

/// `N` bytes from hex (surrounding spaces allowed), or `None`.
pub(crate) fn hex_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    hex::decode(s.trim()).ok()?.try_into().ok()
}
