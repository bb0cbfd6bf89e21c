//! The render worker: a separate process (`ecabinet render-worker`) that binds PDFium,
//! reads one [`Job`] from stdin, answers [`Event`]s on stdout and exits. A hostile PDF can
//! crash or hang only this process; the server kills it and starts another (see the
//! server's `render` module). It limits its own address space before touching any file,
//! and confines itself (`confine`) before reading the PDF: one job per process, as its
//! Landlock rules name that job's files.

use crate::confine;
use crate::job::{
    Confinement, Event, Failure, Job, MAX_ASPECT, MAX_PAGE_SIDE_PT, PageSize, cut_text, page_file,
};
use anyhow::{Context, Result};
use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use pdfium_render::prelude::*;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// How the server starts the worker.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `libpdfium.so`.
    pub library: PathBuf,
    /// Address-space limit, bytes.
    pub memory_limit: Option<u64>,
    /// Render even where the worker cannot confine itself (`render_require_confinement`
    /// off).
    pub allow_unconfined: bool,
    /// Instead of rendering, try what a hostile PDF would and report it (the tests').
    pub probe: Option<ProbeTargets>,
}

/// Serves one job, then exits (also when stdin closes first).
pub fn run(options: &Options) -> Result<()> {
    if let Some(bytes) = options.memory_limit {
        rlimit::setrlimit(rlimit::Resource::AS, bytes, bytes)
            .context("setting the memory limit")?;
    }
    let library = &options.library;
    let bindings = Pdfium::bind_to_library(library)
        .with_context(|| format!("loading PDFium from {}", library.display()))?;
    let pdfium = Pdfium::new(bindings);
    let confinement = confine::before_job();
    let mut out = std::io::stdout().lock();
    emit(
        &mut out,
        &Event::Ready {
            pdfium: library.display().to_string(),
            confinement,
        },
    )?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Ok(());
    }
    let job: Job = serde_json::from_str(&line).context("reading a job")?;
    let outcome = confined(&job, &confinement, options).and_then(|enforced| match &options.probe {
        Some(targets) => {
            let report = ProbeReport {
                landlock: enforced,
                attempts: probe(&job, targets),
            };
            serde_json::to_writer(&mut out, &report).map_err(|e| Stop::Io(e.into()))?;
            out.write_all(b"\n")?;
            out.flush()?;
            Ok(())
        }
        None => render(&pdfium, &job, &mut out),
    });
    match outcome {
        Ok(()) if options.probe.is_some() => Ok(()),
        Ok(()) => emit(&mut out, &Event::Done { job: job.id }),
        Err(Stop::Refused(reason)) => emit(
            &mut out,
            &Event::Failed {
                job: job.id,
                reason,
            },
        ),
        Err(Stop::Io(e)) => Err(e),
    }
}

/// The worker narrowed to its job's files (the server made its folder), or the job
/// refused: unconfined where confinement is required.
fn confined(
    job: &Job,
    promised: &Confinement,
    options: &Options,
) -> Result<crate::job::Enforced, Stop> {
    if !promised.sufficient() && !options.allow_unconfined {
        return Err(Stop::Refused(Failure::Unconfined));
    }
    confine::to_job(job, promised, options.allow_unconfined).map_err(Stop::Refused)
}

enum Stop {
    Refused(Failure),
    Io(anyhow::Error),
}

/// A file or folder of the job that cannot be read or written (the server may have given
/// up on the job and removed its folder) ends that job, not the worker.
impl From<std::io::Error> for Stop {
    fn from(_: std::io::Error) -> Self {
        Stop::Refused(Failure::Storage)
    }
}

fn emit(out: &mut impl Write, event: &Event) -> Result<()> {
    serde_json::to_writer(&mut *out, event)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Whether the first kilobyte holds a PDF header (PDFium, like Acrobat, allows junk
/// before it).
fn looks_like_pdf(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 1024];
    let mut f = std::fs::File::open(path)?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(head[..n].windows(5).any(|w| w == b"%PDF-"))
}

fn load_failure(e: &PdfiumError) -> Failure {
    match e {
        PdfiumError::PdfiumLibraryInternalError(
            PdfiumInternalError::PasswordError | PdfiumInternalError::SecurityError,
        ) => Failure::Encrypted,
        _ => Failure::Damaged,
    }
}

fn render(pdfium: &Pdfium, job: &Job, out: &mut impl Write) -> Result<(), Stop> {
    if !looks_like_pdf(&job.pdf)? {
        return Err(Stop::Refused(Failure::NotPdf));
    }
    let doc = pdfium
        .load_pdf_from_file(&job.pdf, None)
        .map_err(|e| Stop::Refused(load_failure(&e)))?;
    let pages = doc.pages();
    let count = u32::try_from(pages.len()).unwrap_or(0);
    if count == 0 {
        return Err(Stop::Refused(Failure::NoPages));
    }
    if count > job.max_pages {
        return Err(Stop::Refused(Failure::TooManyPages {
            pages: count,
            max: job.max_pages,
        }));
    }
    let mut sizes = Vec::with_capacity(count as usize);
    for i in 0..count {
        let page = i + 1;
        let rect = pages
            .page_size(index(i))
            .map_err(|_| Stop::Refused(Failure::PageFailed { page }))?;
        let (width, height) = (rect.width().value, rect.height().value);
        if !(width.is_finite() && height.is_finite())
            || width.abs() > MAX_PAGE_SIDE_PT
            || height.abs() > MAX_PAGE_SIDE_PT
        {
            return Err(Stop::Refused(Failure::PageTooLarge {
                page,
                width_pt: width.max(0.0).min(u32::MAX as f32) as u32,
                height_pt: height.max(0.0).min(u32::MAX as f32) as u32,
            }));
        }
        sizes.push(PageSize { width, height });
    }
    emit(
        out,
        &Event::Opened {
            job: job.id,
            pages: sizes,
        },
    )
    .map_err(Stop::Io)?;
    for i in (job.offset..count).step_by(job.stride.max(1) as usize) {
        let page_no = i + 1;
        let failed = || Stop::Refused(Failure::PageFailed { page: page_no });
        let page = pages.get(index(i)).map_err(|_| failed())?;
        let mut heights = Vec::with_capacity(job.widths.len());
        let mut image_sha256 = String::new();
        for &w in &job.widths {
            let config = PdfRenderConfig::new()
                .set_target_width(px(w))
                .set_maximum_width(px(w))
                .set_maximum_height(px(w.saturating_mul(MAX_ASPECT)))
                .render_form_data(true);
            let bitmap = page.render_with_config(&config).map_err(|_| failed())?;
            let (bw, bh) = (bitmap.width(), bitmap.height());
            let (bw, bh) = (
                u32::try_from(bw).unwrap_or(0),
                u32::try_from(bh).unwrap_or(0),
            );
            let rgba = bitmap.as_rgba_bytes();
            let png = encode_png(&rgba, bw, bh).map_err(|_| failed())?;
            if image_sha256.is_empty() {
                use sha2::Digest;
                image_sha256 = hex::encode(sha2::Sha256::digest(&png));
            }
            let path = job.out_dir.join(page_file(page_no, w));
            std::fs::write(&path, png)?;
            heights.push(bh);
        }
        let text = if job.extract_text {
            cut_text(page.text().map(|t| t.all()).unwrap_or_default())
        } else {
            String::new()
        };
        emit(
            out,
            &Event::Page {
                job: job.id,
                page: page_no,
                text,
                heights,
                image_sha256,
            },
        )
        .map_err(Stop::Io)?;
    }
    Ok(())
}

fn index(i: u32) -> PdfPageIndex {
    PdfPageIndex::try_from(i).unwrap_or(PdfPageIndex::MAX)
}

fn px(w: u32) -> Pixels {
    Pixels::try_from(w).unwrap_or(Pixels::MAX)
}

/// RGBA from PDFium to an RGB PNG: pages are opaque, and fast deflate keeps encoding
/// cheaper than rendering.
fn encode_png(rgba: &[u8], width: u32, height: u32) -> image::ImageResult<Vec<u8>> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for p in rgba.chunks_exact(4) {
        rgb.extend_from_slice(&p[..3]);
    }
    let mut png = Vec::with_capacity(rgb.len() / 8);
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Sub).write_image(
        &rgb,
        width,
        height,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(png)
}

/// What the probe tries beyond its job, named by the test; it adds the server's
/// environment, sockets, running a program and its positive controls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeTargets {
    /// Files it tries to read.
    pub read: Vec<PathBuf>,
    /// Files it tries to create or overwrite.
    pub write: Vec<PathBuf>,
    /// TCP addresses it tries to connect to.
    pub connect: Vec<std::net::SocketAddr>,
}

/// What the probe found, one JSON line instead of the job's events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// How much of the job's Landlock layer the kernel enforced.
    pub landlock: crate::job::Enforced,
    /// Each attempt, in order.
    pub attempts: Vec<Attempt>,
}

/// One thing the probe tried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// What, e.g. `read /proc/1/environ`.
    pub what: String,
    /// Whether a confined worker must be able to (its job's files, the fonts): the
    /// controls that keep a probe from passing because nothing works at all.
    pub expected: bool,
    /// Whether it could.
    pub allowed: bool,
    /// What it got instead.
    pub error: Option<String>,
}

/// Tries, from inside the job's confinement, what a PDF that took PDFium over would.
fn probe(job: &Job, targets: &ProbeTargets) -> Vec<Attempt> {
    use std::os::unix::net::UnixDatagram;
    let mut attempts = Vec::new();
    let mut note = |what: String, expected: bool, result: std::io::Result<()>| {
        attempts.push(Attempt {
            what,
            expected,
            allowed: result.is_ok(),
            error: result.err().map(|e| e.to_string()),
        })
    };
    let read = |p: &Path| std::fs::read(p).map(drop);
    // The job itself: its PDF, its pages, the fonts.
    note(format!("read {}", job.pdf.display()), true, read(&job.pdf));
    let page = job.out_dir.join(page_file(1, 1));
    note(
        format!("write {}", page.display()),
        true,
        std::fs::write(&page, b"probe"),
    );
    if let Some(font) = confine::FONT_DIRS
        .iter()
        .find_map(|d| first_file(Path::new(d)))
    {
        note(format!("read {}", font.display()), true, read(&font));
    }
    // Beyond it.
    let environ = PathBuf::from(format!(
        "/proc/{}/environ",
        std::os::unix::process::parent_id()
    ));
    note(format!("read {}", environ.display()), false, read(&environ));
    for p in &targets.read {
        note(format!("read {}", p.display()), false, read(p));
    }
    for p in &targets.write {
        note(
            format!("write {}", p.display()),
            false,
            std::fs::write(p, b"probe"),
        );
    }
    if let Some(folder) = job.out_dir.parent() {
        note(
            format!("list {}", folder.display()),
            false,
            std::fs::read_dir(folder).map(drop),
        );
    }
    note(
        format!("read the job's folder {}", job.out_dir.display()),
        false,
        std::fs::read_dir(&job.out_dir).map(drop),
    );
    note(
        format!("overwrite {}", job.pdf.display()),
        false,
        std::fs::OpenOptions::new()
            .append(true)
            .open(&job.pdf)
            .map(drop),
    );
    note(
        format!("remove {}", job.pdf.display()),
        false,
        std::fs::remove_file(&job.pdf),
    );
    for a in &targets.connect {
        note(
            format!("connect tcp {a}"),
            false,
            std::net::TcpStream::connect_timeout(a, std::time::Duration::from_secs(2)).map(drop),
        );
    }
    note(
        "open a UDP socket".into(),
        false,
        std::net::UdpSocket::bind("127.0.0.1:0").map(drop),
    );
    note(
        "open a unix socket".into(),
        false,
        UnixDatagram::unbound().map(drop),
    );
    note(
        "run /bin/sh".into(),
        false,
        std::process::Command::new("/bin/sh")
            .args(["-c", "true"])
            .status()
            .map(drop),
    );
    attempts
}

/// The first regular file under `dir`, depth first.
fn first_file(dir: &Path) -> Option<PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    entries.into_iter().find_map(|e| {
        let kind = e.file_type().ok()?;
        if kind.is_file() {
            Some(e.path())
        } else if kind.is_dir() {
            first_file(&e.path())
        } else {
            None
        }
    })
}
