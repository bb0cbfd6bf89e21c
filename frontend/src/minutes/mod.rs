//! A meeting's minutes: the block on the meeting page where the secretariat drafts and
//! edits them and the chair signs the text on the device.

mod block;
mod i18n;
mod signature;

pub(crate) use block::Minutes;
