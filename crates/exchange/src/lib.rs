//! Document exchange between agencies (trục liên thông văn bản): what an official
//! document's envelope and a status package say, the rules a receiver checks before it
//! accepts one (each refusal is status 02 with a reason), the canonical bytes a signer
//! signs on the device, and edXML reading and writing (the `xml` feature). No I/O.

pub mod canonical;
#[cfg(feature = "xml")]
pub mod edxml;
pub mod model;

pub use model::*;
