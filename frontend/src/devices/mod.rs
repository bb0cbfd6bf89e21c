//! Signing devices: this tablet's key under the member's PIN, the `/devices` page where it
//! is created and approved, and what a tablet-side failure means. Every signed action of
//! the other features unlocks the key through here.

mod i18n;
mod key;
mod page;

pub(crate) use i18n::{K, device_error};
#[cfg(not(feature = "hydrate"))]
pub(crate) use key::browser::absent;
#[cfg(feature = "hydrate")]
pub(crate) use key::browser::{keep_receipt, load_key, random, receipts, save_key, storage};
pub(crate) use key::{DeviceError, unhex};
pub(crate) use page::DevicesPage;
