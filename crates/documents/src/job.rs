//! The conversation between the server and its render worker: one JSON object per line
//! on the worker's stdin (jobs) and stdout (events). Both sides use these types, so the
//! two can never disagree about a field. What a worker says is read as hostile (a PDF may
//! have taken it over): [`parse_event`] caps a line before parsing it, and a
//! [`Conversation`] accepts only events that move the job forward within its limits.

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
    /// Where to write `p{page}-w{width}.png` (pages from 1): a folder of this job alone,
    /// where the worker may create files and do nothing else.
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

/// Tallest page image, as a multiple of its width: a strip-shaped page is scaled down
/// rather than rendered to a bitmap of gigabytes.
pub const MAX_ASPECT: u32 = 4;

/// Most text one page reports, bytes of UTF-8: the worker cuts a longer text (see
/// [`cut_text`]), and the server refuses a longer one.
pub const MAX_PAGE_TEXT: usize = 512 * 1024;

/// Longest line a worker writes before its job (its `Ready`).
pub const MAX_READY_LINE: usize = 64 * 1024;

/// Longest line a worker may write about `job`, newline excluded: its largest event is
/// a page (text escaped at most sixfold by JSON) or the list of page sizes.
pub fn max_line(job: &Job) -> usize {
    let page = MAX_PAGE_TEXT * 6 + job.widths.len() * 12 + 1024;
    let sizes = (job.max_pages as usize).saturating_mul(64) + 1024;
    page.max(sizes)
}

/// `text` cut to at most [`MAX_PAGE_TEXT`] bytes, at a character boundary.
pub fn cut_text(mut text: String) -> String {
    if text.len() > MAX_PAGE_TEXT {
        let mut end = MAX_PAGE_TEXT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// How far a worker could confine itself before its job; it says so in `Ready`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Confinement {
    /// The kernel's Landlock ABI (0: no Landlock, or it is turned off).
    pub landlock_abi: u8,
    /// How much of the worker's Landlock rules the kernel enforces.
    pub landlock: Enforced,
    /// The seccomp filter is on: no sockets, no reaching into other processes.
    pub seccomp: bool,
    /// The worker had one thread when it confined itself (Landlock binds only the
    /// calling thread and what it starts).
    pub single_thread: bool,
}

/// How much of what it asks for the kernel enforces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforced {
    /// Nothing.
    #[default]
    None,
    /// Some (an older kernel: Landlock before ABI 6, Linux 6.12).
    Partial,
    /// Everything.
    Full,
}

impl Confinement {
    /// Files other than the job's, sockets and other processes are out of the worker's
    /// reach: what `render_require_confinement` demands.
    pub fn sufficient(&self) -> bool {
        self.landlock != Enforced::None && self.seccomp && self.single_thread
    }

    /// Every rule the worker asks for is enforced.
    pub fn complete(&self) -> bool {
        self.landlock == Enforced::Full && self.seccomp && self.single_thread
    }

    /// What is not enforced, for the log.
    pub fn gaps(&self) -> Vec<&'static str> {
        let mut gaps = Vec::new();
        match self.landlock {
            Enforced::None => {
                gaps.push("no Landlock: every file the server's user may read is readable")
            }
            Enforced::Partial => gaps.push(
                "Landlock older than ABI 6 (Linux 6.12): signals to other processes are not scoped",
            ),
            Enforced::Full => {}
        }
        if !self.seccomp {
            gaps.push("no seccomp filter: sockets can be opened");
        }
        if !self.single_thread {
            gaps.push("more than one thread when confined: the other threads are free");
        }
        gaps
    }
}

/// What the worker reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The worker is ready for jobs.
    Ready {
        /// The PDFium build it bound to.
        pdfium: String,
        /// How far it is confined (absent from a worker that does not confine itself).
        #[serde(default)]
        confinement: Confinement,
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
    /// The renderer could not be confined on this machine, and `render_require_confinement`
    /// forbids reading a PDF outside a confined process.
    #[error(
        "the server refuses to read PDFs: its renderer cannot be confined on this machine (see the server's log)"
    )]
    Unconfined,
}

/// The file name of a rendered page.
pub fn page_file(page: u32, width: u32) -> String {
    format!("p{page}-w{width}.png")
}

/// Why the server stops listening to a worker (and kills it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    /// A line longer than the job allows.
    #[error("a line longer than {0} bytes")]
    TooLong(usize),
    /// A line that is no event.
    #[error("not an event: {0}")]
    NotEvent(String),
    /// An event the job cannot have at this point.
    #[error("{0}")]
    OutOfTurn(&'static str),
}

/// One line of a worker, newline excluded, as an event: refused unread past `limit` bytes.
pub fn parse_event(line: &[u8], limit: usize) -> Result<Event, Violation> {
    if line.len() > limit {
        return Err(Violation::TooLong(limit));
    }
    serde_json::from_slice(line).map_err(|e| Violation::NotEvent(e.to_string()))
}

/// What a worker may still say about one job. Each event must move the job forward (one
/// `Opened`, then this worker's pages in order, then `Done` or `Failed`), so a worker gone
/// wrong can neither flood the server nor report pages, sizes or texts the job did not ask
/// for.
#[derive(Clone, Debug)]
pub struct Conversation {
    id: u64,
    widths: Vec<u32>,
    max_pages: u32,
    stride: u32,
    /// Pages of the file, once opened.
    pages: Option<u32>,
    /// The page this worker reports next.
    next: u32,
    over: bool,
}

impl Conversation {
    /// Before the worker's first word about `job`.
    pub fn new(job: &Job) -> Conversation {
        Conversation {
            id: job.id,
            widths: job.widths.clone(),
            max_pages: job.max_pages,
            stride: job.stride.max(1),
            pages: None,
            next: job.offset.saturating_add(1),
            over: false,
        }
    }

    /// Whether `Done` or `Failed` has been said.
    pub fn is_over(&self) -> bool {
        self.over
    }

    /// Takes `event` as the worker's next word, or says why it cannot be.
    pub fn accept(&mut self, event: &Event) -> Result<(), Violation> {
        use Violation::OutOfTurn;
        if self.over {
            return Err(OutOfTurn("an event after the job ended"));
        }
        let job = match event {
            Event::Ready { .. } => return Err(OutOfTurn("ready again in the middle of a job")),
            Event::Opened { job, .. }
            | Event::Page { job, .. }
            | Event::Done { job }
            | Event::Failed { job, .. } => *job,
        };
        if job != self.id {
            return Err(OutOfTurn("an event about another job"));
        }
        match event {
            Event::Ready { .. } => Err(OutOfTurn("ready again in the middle of a job")),
            Event::Opened { pages, .. } => {
                if self.pages.is_some() {
                    return Err(OutOfTurn("opened twice"));
                }
                let count = u32::try_from(pages.len()).unwrap_or(u32::MAX);
                if count == 0 || count > self.max_pages {
                    return Err(OutOfTurn("a page count the job does not allow"));
                }
                let fits = |v: f32| v.is_finite() && v.abs() <= MAX_PAGE_SIDE_PT;
                if !pages.iter().all(|p| fits(p.width) && fits(p.height)) {
                    return Err(OutOfTurn("a page size beyond the 200-inch limit"));
                }
                self.pages = Some(count);
                Ok(())
            }
            Event::Page {
                page,
                text,
                heights,
                image_sha256,
                ..
            } => {
                let Some(count) = self.pages else {
                    return Err(OutOfTurn("a page before the file was opened"));
                };
                if *page != self.next || *page > count {
                    return Err(OutOfTurn("a page out of turn"));
                }
                if heights.len() != self.widths.len()
                    || heights
                        .iter()
                        .zip(&self.widths)
                        .any(|(&h, &w)| h > w.saturating_mul(MAX_ASPECT))
                {
                    return Err(OutOfTurn("image heights the job's widths do not allow"));
                }
                if image_sha256.len() != 64
                    || !image_sha256
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                {
                    return Err(OutOfTurn("an image hash that is not SHA-256 in hex"));
                }
                if text.len() > MAX_PAGE_TEXT {
                    return Err(OutOfTurn("a page text over the limit"));
                }
                self.next = self.next.saturating_add(self.stride);
                Ok(())
            }
            Event::Done { .. } => match self.pages {
                Some(count) if self.next > count => {
                    self.over = true;
                    Ok(())
                }
                _ => Err(OutOfTurn("done before every page")),
            },
            Event::Failed { .. } => {
                self.over = true;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(offset: u32, stride: u32) -> Job {
        Job {
            id: 7,
            pdf: "a.pdf".into(),
            out_dir: "out".into(),
            widths: vec![1280, 240],
            max_pages: 1000,
            offset,
            stride,
            extract_text: true,
        }
    }

    fn opened(pages: usize) -> Event {
        Event::Opened {
            job: 7,
            pages: vec![
                PageSize {
                    width: 595.0,
                    height: 842.0
                };
                pages
            ],
        }
    }

    fn page(page: u32) -> Event {
        Event::Page {
            job: 7,
            page,
            text: "Tờ trình".into(),
            heights: vec![1811, 339],
            image_sha256: "ab".repeat(32),
        }
    }

    #[test]
    fn a_worker_s_share_of_pages_is_accepted_in_order_and_nothing_after_done() {
        let mut c = Conversation::new(&job(1, 2));
        assert!(
            c.accept(&page(2)).is_err(),
            "no page before the file opened"
        );
        c.accept(&opened(5)).unwrap();
        assert!(c.accept(&page(1)).is_err(), "page 1 is the other worker's");
        assert!(
            c.accept(&Event::Done { job: 7 }).is_err(),
            "pages 2 and 4 first"
        );
        c.accept(&page(2)).unwrap();
        assert!(c.accept(&page(2)).is_err(), "no page twice");
        c.accept(&page(4)).unwrap();
        assert!(c.accept(&page(6)).is_err(), "the file has five pages");
        c.accept(&Event::Done { job: 7 }).unwrap();
        assert!(c.is_over());
        assert!(c.accept(&page(6)).is_err(), "nothing after done");
    }

    #[test]
    fn events_beyond_the_job_s_limits_are_refused() {
        let mut c = Conversation::new(&job(0, 1));
        assert!(c.accept(&opened(0)).is_err());
        assert!(c.accept(&opened(1001)).is_err());
        let endless = Event::Opened {
            job: 7,
            pages: vec![PageSize {
                width: f32::INFINITY,
                height: 1.0,
            }],
        };
        assert!(c.accept(&endless).is_err());
        assert!(c.accept(&Event::Done { job: 8 }).is_err(), "another job");
        let ready = Event::Ready {
            pdfium: "x".into(),
            confinement: Confinement::default(),
        };
        assert!(c.accept(&ready).is_err());
        // A first page spoilt one way at a time.
        let spoilt = |spoil: fn(&mut Vec<u32>, &mut String, &mut String)| {
            let mut e = page(1);
            if let Event::Page {
                heights,
                image_sha256,
                text,
                ..
            } = &mut e
            {
                spoil(heights, image_sha256, text);
            }
            let mut c = Conversation::new(&job(0, 1));
            c.accept(&opened(1)).unwrap();
            c.accept(&e).is_err()
        };
        assert!(!spoilt(|_, _, _| {}), "the page as it is");
        assert!(spoilt(|h, _, _| {
            h.pop();
        }));
        assert!(spoilt(|h, _, _| h[1] = 240 * MAX_ASPECT + 1));
        assert!(spoilt(|_, s, _| s.push('0')));
        assert!(spoilt(|_, s, _| *s = s.to_uppercase()));
        assert!(spoilt(|_, _, t| *t = "x".repeat(MAX_PAGE_TEXT + 1)));
    }

    #[test]
    fn a_line_past_the_limit_is_refused_before_it_is_parsed() {
        let j = job(0, 1);
        let limit = max_line(&j);
        let mut line = br#"{"event":"done","job":7}"#.to_vec();
        assert_eq!(parse_event(&line, limit), Ok(Event::Done { job: 7 }));
        line.resize(limit + 1, b' ');
        assert_eq!(parse_event(&line, limit), Err(Violation::TooLong(limit)));
    }

    #[test]
    fn the_worst_page_a_worker_sends_fits_in_a_line() {
        let j = job(0, 1);
        // Control characters are escaped six bytes each: the longest JSON per byte.
        let text = cut_text("\u{1}".repeat(MAX_PAGE_TEXT + 10));
        assert_eq!(text.len(), MAX_PAGE_TEXT);
        let e = Event::Page {
            job: u64::MAX,
            page: u32::MAX,
            text,
            heights: vec![u32::MAX; j.widths.len()],
            image_sha256: "f".repeat(64),
        };
        let line = serde_json::to_vec(&e).unwrap();
        assert!(line.len() <= max_line(&j), "{}", line.len());
        let sizes = Event::Opened {
            job: u64::MAX,
            pages: vec![
                PageSize {
                    width: -1.234_567_8e-30,
                    height: -1.234_567_8e-30
                };
                j.max_pages as usize
            ],
        };
        assert!(serde_json::to_vec(&sizes).unwrap().len() <= max_line(&j));
        // A cut never splits a letter.
        let cut = cut_text("ệ".repeat(MAX_PAGE_TEXT));
        assert!(cut.len() <= MAX_PAGE_TEXT && cut.chars().all(|c| c == 'ệ'));
    }
}
