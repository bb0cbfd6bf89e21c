//! `ecabinet-render-bench`: the document benchmark of BENCHMARKS.md. It makes a 200-page
//! PDF of Vietnamese text, renders it with `pdftoppm` (poppler) and with ecabinet's render
//! workers at the same width in the same run, and reports pages per second, the time
//! until the first page is viewable and the workers' peak memory.

use anyhow::{Context, Result, bail};
use clap::Parser;
use ecabinet_documents::fixtures;
use ecabinet_documents::job::Event;
use ecabinet_server::documents::{RenderSettings, Renderer};
use ecabinet_tests::tool_sibling;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// Pages of the test document.
    #[arg(long, default_value_t = 200)]
    pages: usize,
    /// The page view's width in pixels.
    #[arg(long, default_value_t = 1280)]
    width: u32,
    /// The server binary (default: `ecabinet` next to this tool).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Only write the test PDF to this file (to try other tools on it).
    #[arg(long)]
    write: Option<PathBuf>,
}

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// One page of a cabinet submission: a heading and 38 lines of body text.
fn page_text(n: usize) -> Vec<String> {
    let body = [
        "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung",
        "một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương;",
        "Xét đề nghị của Bộ trưởng Bộ Kế hoạch và Đầu tư về kế hoạch đầu tư công trung hạn,",
        "Chính phủ thống nhất đánh giá tình hình kinh tế - xã hội tháng 11 và 11 tháng năm 2026.",
    ];
    let mut lines = vec![format!(
        "Trang {n}: Tờ trình dự thảo Nghị quyết phiên họp Chính phủ"
    )];
    lines.extend((0..38).map(|i| body[i % body.len()].to_owned()));
    lines
}

/// `pdftoppm` at `width`, writing PNG (`png`) or uncompressed PPM (its fastest output,
/// rendering alone).
fn pdftoppm(pdf: &Path, width: u32, out: &Path, png: bool) -> Result<Duration> {
    std::fs::create_dir_all(out)?;
    let start = Instant::now();
    let mut cmd = std::process::Command::new("pdftoppm");
    if png {
        cmd.arg("-png");
    }
    let status = cmd
        .args(["-scale-to-x", &width.to_string(), "-scale-to-y", "-1"])
        .arg(pdf)
        .arg(out.join("p"))
        .status()
        .context("running pdftoppm (apt-get install poppler-utils)")?;
    if !status.success() {
        bail!("pdftoppm failed: {status}");
    }
    Ok(start.elapsed())
}

/// Renders with `workers` processes at `widths`; returns the time to the first page, to
/// all pages, and the largest worker's peak resident memory in KiB.
async fn ours(
    program: &Path,
    pdfium: &Path,
    pdf: &Path,
    out: &Path,
    workers: usize,
    widths: Vec<u32>,
) -> Result<(Duration, Duration, u64)> {
    let renderer = Renderer::start(RenderSettings {
        program: program.to_owned(),
        pdfium: pdfium.to_owned(),
        workers,
        memory_limit: 1536 << 20,
        page_timeout: Duration::from_secs(60),
        max_pages: 5000,
        widths,
        require_confinement: true,
    });
    // Started before timing: the server's workers are up long before a file arrives.
    let warm = out.join("warm");
    std::fs::create_dir_all(&warm)?;
    let small = warm.join("one.pdf");
    std::fs::write(
        &small,
        fixtures::text_pdf(pdfium, FONT.as_ref(), &[page_text(0)])?,
    )?;
    let mut rx = renderer.render(small, warm.clone(), true).await;
    while let Some(e) = rx.recv().await {
        if let Event::Failed { reason, .. } = e {
            bail!("warm-up failed: {reason}");
        }
    }
    let start = Instant::now();
    let mut first = None;
    let mut peak = 0;
    let mut rx = renderer.render(pdf.to_owned(), out.to_owned(), true).await;
    while let Some(e) = rx.recv().await {
        match e {
            Event::Page { page, .. } => {
                if page == 1 {
                    first = Some(start.elapsed());
                }
                // Each worker exits after its job: its peak is read while it renders.
                peak = peak.max(worker_peak_kib());
            }
            Event::Failed { reason, .. } => bail!("rendering failed: {reason}"),
            Event::Done { .. } => break,
            _ => {}
        }
    }
    let all = start.elapsed();
    Ok((first.context("no first page")?, all, peak))
}

/// Peak resident memory of the biggest live `render-worker` child, KiB.
fn worker_peak_kib() -> u64 {
    let me = std::process::id().to_string();
    let mut peak = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let dir = entry.path();
        let Ok(stat) = std::fs::read_to_string(dir.join("status")) else {
            continue;
        };
        let parent = stat
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .map(str::trim);
        let cmd = std::fs::read_to_string(dir.join("cmdline")).unwrap_or_default();
        if parent == Some(me.as_str()) && cmd.contains("render-worker") {
            let hwm = stat
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
            peak = peak.max(hwm);
        }
    }
    peak
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let program = match &args.server {
        Some(p) => p.clone(),
        None => tool_sibling("ecabinet")?,
    };
    let pdfium = ecabinet_server::platform::config::Config::default().pdfium_path();
    let dir = tempfile::tempdir()?;
    let pages: Vec<Vec<String>> = (1..=args.pages).map(page_text).collect();
    let pdf = dir.path().join("bench.pdf");
    std::fs::write(&pdf, fixtures::text_pdf(&pdfium, FONT.as_ref(), &pages)?)?;
    if let Some(out) = &args.write {
        std::fs::copy(&pdf, out)?;
        return Ok(());
    }
    let n = args.pages as f64;
    println!(
        "{} pages of Vietnamese text, {} KiB, at {} px wide",
        args.pages,
        std::fs::metadata(&pdf)?.len() / 1024,
        args.width
    );

    // PPM first: the comparison is against pdftoppm at its fastest.
    let poppler = pdftoppm(&pdf, args.width, &dir.path().join("ppm"), false)?;
    println!(
        "pdftoppm (PPM), 1 process:       {:6.2} s, {:6.1} pages/s",
        poppler.as_secs_f64(),
        n / poppler.as_secs_f64()
    );
    let png = pdftoppm(&pdf, args.width, &dir.path().join("png"), true)?;
    println!(
        "pdftoppm -png, 1 process:        {:6.2} s, {:6.1} pages/s",
        png.as_secs_f64(),
        n / png.as_secs_f64()
    );
    let (first, all, _) = ours(
        &program,
        &pdfium,
        &pdf,
        &dir.path().join("one"),
        1,
        vec![args.width],
    )
    .await?;
    println!(
        "ecabinet, 1 worker, 1 width:     {:6.2} s, {:6.1} pages/s ({:.2}x pdftoppm PPM), first page {:.0} ms",
        all.as_secs_f64(),
        n / all.as_secs_f64(),
        poppler.as_secs_f64() / all.as_secs_f64(),
        first.as_secs_f64() * 1000.0
    );
    let (first, all, peak) = ours(
        &program,
        &pdfium,
        &pdf,
        &dir.path().join("pool"),
        2,
        vec![args.width, 240],
    )
    .await?;
    println!(
        "ecabinet, 2 workers, as served:  {:6.2} s, {:6.1} pages/s ({:.2}x pdftoppm PPM), first page {:.0} ms (page view and thumbnail)",
        all.as_secs_f64(),
        n / all.as_secs_f64(),
        poppler.as_secs_f64() / all.as_secs_f64(),
        first.as_secs_f64() * 1000.0
    );
    println!("render worker peak resident memory: {} MiB", peak / 1024);
    Ok(())
}
