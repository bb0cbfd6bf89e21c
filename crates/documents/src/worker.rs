//! The render worker: a separate process (`ecabinet render-worker`) that binds PDFium,
//! reads [`Job`]s from stdin and answers [`Event`]s on stdout. A hostile PDF can crash or
//! hang only this process; the server kills and restarts it (see the server's
//! `documents::Renderer`). It limits its own address space before touching any file.

use crate::job::{Event, Failure, Job, MAX_PAGE_SIDE_PT, PageSize, page_file};
use anyhow::{Context, Result};
use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use pdfium_render::prelude::*;
use std::io::{BufRead, Write};
use std::path::Path;

/// Tallest page image, as a multiple of its width: a strip-shaped page is scaled down
/// rather than rendered to a bitmap of gigabytes.
const MAX_ASPECT: u32 = 4;

/// Serves jobs until stdin closes. `memory_limit` (bytes) caps the address space.
pub fn run(library: &Path, memory_limit: Option<u64>) -> Result<()> {
    if let Some(bytes) = memory_limit {
        rlimit::setrlimit(rlimit::Resource::AS, bytes, bytes)
            .context("setting the memory limit")?;
    }
    let bindings = Pdfium::bind_to_library(library)
        .with_context(|| format!("loading PDFium from {}", library.display()))?;
    let pdfium = Pdfium::new(bindings);
    let mut out = std::io::stdout().lock();
    emit(
        &mut out,
        &Event::Ready {
            pdfium: library.display().to_string(),
        },
    )?;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let job: Job = serde_json::from_str(&line).context("reading a job")?;
        match render(&pdfium, &job, &mut out) {
            Ok(()) => emit(&mut out, &Event::Done { job: job.id })?,
            Err(Stop::Refused(reason)) => emit(
                &mut out,
                &Event::Failed {
                    job: job.id,
                    reason,
                },
            )?,
            Err(Stop::Io(e)) => return Err(e),
        }
    }
    Ok(())
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
            || width > MAX_PAGE_SIDE_PT
            || height > MAX_PAGE_SIDE_PT
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
    std::fs::create_dir_all(&job.out_dir)?;
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
            page.text().map(|t| t.all()).unwrap_or_default()
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
