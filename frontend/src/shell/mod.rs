//! The app frame on top of the features: the HTML document, the header with its
//! navigation, the login page, and the routes that compose the features' pages.

mod app;
mod i18n;
mod login;

pub use app::{App, Boot, shell};
