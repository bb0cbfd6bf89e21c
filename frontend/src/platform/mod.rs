//! What every feature uses and that knows no feature: the HTTP API client, the live
//! WebSocket connection, time formatting, file uploads, the translation core and the
//! shared UI context.

pub mod api;
mod context;
pub mod i18n;
pub mod live;
pub mod time;
pub mod upload;

pub(crate) use context::{Ui, command, describe, get, tx, ui};
pub(crate) use i18n::{Common, Lang, Words, pick, t};
