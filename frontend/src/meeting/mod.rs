//! Meetings: the list of one's meetings, the secretariat's editor (details, participants,
//! agenda, publication), a meeting's page as participants follow it live, and the chair's
//! console. The votes, documents and minutes blocks on those pages are their own features.

mod editor;
mod i18n;
mod list;
mod page;

pub(crate) use editor::Editor;
pub(crate) use list::Home;
pub(crate) use page::{Console, MeetingPage};
