//! PDFs for tests and benchmarks, made here rather than shipped: text documents in
//! Vietnamese (through PDFium, with a TrueType font), and hostile files written byte by
//! byte (no pages, a page larger than PDF allows, a page that takes very long to draw,
//! a truncated file), and a scan-sized document of many megabytes.

use anyhow::{Context, Result};
use pdfium_render::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

static PDFIUM: OnceLock<Pdfium> = OnceLock::new();

fn pdfium(library: &Path) -> Result<&'static Pdfium> {
    if let Some(p) = PDFIUM.get() {
        return Ok(p);
    }
    let bindings = Pdfium::bind_to_library(library)
        .with_context(|| format!("loading PDFium from {}", library.display()))?;
    Ok(PDFIUM.get_or_init(|| Pdfium::new(bindings)))
}

/// An A4 document with one page per entry of `pages`, each entry's lines set in `font`
/// (a TrueType file with Vietnamese letters, such as DejaVu Sans).
pub fn text_pdf(library: &Path, font: &Path, pages: &[Vec<String>]) -> Result<Vec<u8>> {
    let pdfium = pdfium(library)?;
    let mut doc = pdfium.create_new_pdf()?;
    let font = doc
        .fonts_mut()
        .load_true_type_from_file(font, true)
        .with_context(|| format!("loading {}", font.display()))?;
    for lines in pages {
        let mut page = doc.pages_mut().create_page_at_end(PdfPagePaperSize::a4())?;
        // Once per page, not once per line: regenerating after every object is quadratic.
        page.set_content_regeneration_strategy(PdfPageContentRegenerationStrategy::Manual);
        let mut y = 800.0;
        for line in lines {
            let mut obj = PdfPageTextObject::new(&doc, line, font, PdfPoints::new(13.0))?;
            obj.translate(PdfPoints::new(60.0), PdfPoints::new(y))?;
            page.objects_mut().add_text_object(obj)?;
            y -= 20.0;
        }
        page.regenerate_content()?;
    }
    Ok(doc.save_to_bytes()?)
}

/// The text of each page of a PDF, as PDFium extracts it (tests read generated reports).
pub fn page_texts(library: &Path, pdf: &[u8]) -> Result<Vec<String>> {
    let pdfium = pdfium(library)?;
    let doc = pdfium.load_pdf_from_byte_slice(pdf, None)?;
    let mut out = Vec::new();
    for page in doc.pages().iter() {
        out.push(page.text()?.all());
    }
    Ok(out)
}

/// Writes a PDF from its objects (numbered from 1), with a correct cross-reference table.
pub fn raw_pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A well-formed PDF whose page tree is empty.
pub fn zero_pages() -> Vec<u8> {
    raw_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
    ])
}

/// One page of `width` × `height` points.
pub fn page_of_size(width: u32, height: u32) -> Vec<u8> {
    raw_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] >>").into_bytes(),
    ])
}

/// One page whose content stream (compressed to little) strokes `segments` lines: a
/// small file that keeps a renderer busy for a long time.
pub fn slow_page(segments: usize) -> Vec<u8> {
    use std::fmt::Write;
    let mut content = String::with_capacity(segments * 16);
    content.push_str("0.1 w 0 0 m\n");
    for i in 0..segments {
        // A zig-zag over the whole page: every segment crosses many pixels.
        let (x, y) = if i.is_multiple_of(2) {
            (595, i % 842)
        } else {
            (0, (i * 7) % 842)
        };
        let _ = writeln!(content, "{x} {y} l");
    }
    content.push_str("S\n");
    let packed = miniz_oxide::deflate::compress_to_vec_zlib(content.as_bytes(), 9);
    let mut stream = format!(
        "<< /Length {} /Filter /FlateDecode >>\nstream\n",
        packed.len()
    )
    .into_bytes();
    stream.extend_from_slice(&packed);
    stream.extend_from_slice(b"\nendstream");
    raw_pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        stream,
    ])
}

/// `pages` A4 pages, each showing one image of `side` × `side` grey pixels of noise kept
/// uncompressed: a scanned document's size (`side`² bytes a page) that no compression
/// shrinks, yet quick to draw. The same arguments give the same bytes.
pub fn bulky_pdf(pages: usize, side: usize) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 3 + 3 * i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        )
        .into_bytes(),
    ];
    for i in 0..pages {
        // Object 3 + 3i is the page, then its content and its image.
        let (content, image) = (4 + 3 * i, 5 + 3 * i);
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
                 /Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {content} 0 R >>"
            )
            .into_bytes(),
        );
        let draw = b"q 595 0 0 842 0 0 cm /Im0 Do Q";
        let mut stream = format!("<< /Length {} >>\nstream\n", draw.len()).into_bytes();
        stream.extend_from_slice(draw);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
        // Noise from SHA-256 in counter mode: incompressible, and the same every run.
        let mut pixels = Vec::with_capacity(side * side + 32);
        let mut block = 0u64;
        while pixels.len() < side * side {
            let mut h = Sha256::new();
            h.update((i as u64).to_be_bytes());
            h.update(block.to_be_bytes());
            pixels.extend_from_slice(&h.finalize());
            block += 1;
        }
        pixels.truncate(side * side);
        let mut stream = format!(
            "<< /Type /XObject /Subtype /Image /Width {side} /Height {side} \
             /ColorSpace /DeviceGray /BitsPerComponent 8 /Length {} >>\nstream\n",
            pixels.len()
        )
        .into_bytes();
        stream.extend_from_slice(&pixels);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }
    raw_pdf(&objects)
}

/// The first `keep` parts in a thousand of `pdf`: a download that broke off.
pub fn truncated(pdf: &[u8], keep: usize) -> Vec<u8> {
    pdf[..pdf.len() * keep.min(1000) / 1000].to_vec()
}

/// `pdf` encrypted with a user password, by `qpdf` (Debian's package).
pub fn encrypted(pdf: &[u8], dir: &Path) -> Result<Vec<u8>> {
    let plain = dir.join("plain.pdf");
    let locked = dir.join("locked.pdf");
    std::fs::write(&plain, pdf)?;
    let status = std::process::Command::new("qpdf")
        .args(["--encrypt", "mat-khau", "owner-secret", "256", "--"])
        .arg(&plain)
        .arg(&locked)
        .status()
        .context("running qpdf (apt-get install qpdf)")?;
    anyhow::ensure!(status.success(), "qpdf failed: {status}");
    Ok(std::fs::read(&locked)?)
}
