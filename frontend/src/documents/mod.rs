//! Documents: the documents card of meetings and written polls (list, search, the
//! secretariat's upload queue, versions, read receipts), whose documents they are, and
//! the viewer.

mod card;
mod i18n;
mod owner;
mod progress;
mod search;
mod upload_queue;
mod viewer;

pub(crate) use card::Documents;
pub(crate) use owner::Owner;
pub(crate) use viewer::{ExchangeViewer, MeetingViewer, OpinionViewer};
