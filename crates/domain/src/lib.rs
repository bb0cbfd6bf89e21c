//! Domain rules of ecabinet: meetings and their life cycle, agenda, attendance, quorum,
//! the speaker queue and who may do what. Pure data and functions: no I/O, no async,
//! no knowledge of axum, sqlx or Leptos, so it builds for `wasm32-unknown-unknown` and
//! runs the same on the server and in the tablet's browser.

pub mod access;
pub mod agenda;
pub mod attendance;
pub mod document;
pub mod error;
pub mod ids;
pub mod meeting;
pub mod minutes;
pub mod opinion;
pub mod poll;
pub mod quorum;
pub mod role;
pub mod speakers;
pub mod vote;

pub use error::DomainError;
pub use ids::{AgendaItemId, MeetingId, UserId};
pub use role::{ParticipantRole, Role};
pub mod device;
