//! Document exchange (`/exchange`): an organ's incoming register (văn bản đến) with the
//! step each role may take, and its outgoing register (văn bản đi) with each recipient's
//! status, the clerk's draft form, the signer's seal with the PIN on this device, and
//! sending. Both registers follow live (`exchange.changed` on one's own topic).

mod draft;
mod i18n;
mod registers;
mod rows;
mod seal;

pub(crate) use registers::ExchangePage;
