//! Meeting documents without the server: search folding for Vietnamese (`fold`,
//! `search`), what changed between versions and where annotations go (`versions`), the
//! job protocol between the server and its render worker (`job`), and, with the `pdfium`
//! feature, the worker itself, how it confines itself (`confine`), and the PDFs the tests
//! and benchmarks are made of.

pub mod fold;
pub mod job;
pub mod search;
pub mod versions;

#[cfg(feature = "pdfium")]
pub mod confine;
#[cfg(feature = "pdfium")]
pub mod fixtures;
#[cfg(feature = "pdfium")]
pub mod worker;
