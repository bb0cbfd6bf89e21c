//! The conversation between the server and its render worker: one JSON object per line
//! on the worker's stdin (jobs) and stdout (events). Both sides use these types, so the
//! two can never disagree about a field.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Render one PDF: every page at each width, a thumbnail, and the page texts (unless the
/// document's level withholds them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Chosen by the server; every event names it.
    pub id: u64,
    /// The PDF to read.
    pub pdf: PathBuf,
    /// Where to write `p{page}-w{width}.png` (pages from 1).
    pub out_dir: PathBuf,
    /// Page widths in pixels, the first being the one shown first.
    pub widths: Vec<u32>,
    /// Most pages a document may have.
    pub max_pages: u32,
    /// This worker renders pages `offset + 1, offset + 1 + stride, …` (from 0 and 1 for
    /// one worker): several workers share a document's pages.
    pub offset: u32,
    /// How many workers share the document.
    pub stride: u32,
    /// Whether to extract each page's text. False for a level whose text is withheld:
    /// the text is never read out of the file, so it cannot leak from the worker's
    /// events, the database or a log.
    pub extract_text: bool,
}

/// A page's size in PDF points (1/72 inch).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageSize {
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// Largest page side the worker renders: the 200-inch limit of PDF 1.7 (Annex C).
pub const MAX_PAGE_SIDE_PT: f32 = 14_400.0;

/// What the worker reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The worker is ready for jobs.
    Ready {
        /// The PDFium build it bound to.
        pdfium: String,
    },
    /// The file opened; its pages follow in order.
    Opened {
        /// Job id.
        job: u64,
        /// Size of each page.
        pages: Vec<PageSize>,
    },
    /// One page is rendered at every width.
    Page {
        /// Job id.
        job: u64,
        /// Page number, from 1.
        page: u32,
        /// Its text, as PDFium extracts it (empty when the job did not ask for it).
        text: String,
        /// Each width's height in pixels, in the order of the job's widths.
        heights: Vec<u32>,
        /// SHA-256 of the first width's image, hex: equal images, unchanged page.
        image_sha256: String,
    },
    /// Every page is done.
    Done {
        /// Job id.
        job: u64,
    },
    /// The file cannot be rendered; nothing of it is to be kept.
    Failed {
        /// Job id.
        job: u64,
        /// Why.
        reason: Failure,
    },
}

/// Why a file is refused. The server adds the cases the worker cannot report itself
/// (it crashed, or took too long).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Failure {
    /// Not a PDF at all.
    #[error("the file is not a PDF")]
    NotPdf,
    /// Password-protected.
    #[error("the PDF is protected by a password; upload it without protection")]
    Encrypted,
    /// Damaged beyond what PDFium repairs (truncated, corrupt).
    #[error("the PDF is damaged and cannot be read")]
    Damaged,
    /// No pages.
    #[error("the PDF has no pages")]
    NoPages,
    /// More pages than allowed.
    #[error("the PDF has {pages} pages; at most {max} are accepted")]
    TooManyPages {
        /// Pages in the file.
        pages: u32,
        /// The limit.
        max: u32,
    },
    /// A page larger than PDF allows (or than is sensible to render).
    #[error("page {page} is {width_pt}×{height_pt} points, larger than the 200-inch limit of PDF")]
    PageTooLarge {
        /// Page number, from 1.
        page: u32,
        /// Width in points (rounded).
        width_pt: u32,
        /// Height in points (rounded).
        height_pt: u32,
    },
    /// A page failed to render.
    #[error("page {page} cannot be rendered")]
    PageFailed {
        /// Page number, from 1.
        page: u32,
    },
    /// The worker died on this file (crash, memory limit).
    #[error("the renderer stopped while reading this file")]
    Crashed,
    /// The worker took too long.
    #[error("reading the file took too long")]
    TimedOut,
    /// Something on the server's side (disk).
    #[error("the server could not store the pages")]
    Storage,
}

/// The file name of a rendered page.
pub fn page_file(page: u32, width: u32) -> String {
    format!("p{page}-w{width}.png")
}
