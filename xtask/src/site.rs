//! Building the site that the server serves under `/pkg` and `/fonts`.

use crate::{cargo, root, run, target_dir};
use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Cargo's selection of the browser build. The site, its clippy stage and the dependency
/// guard all use this, so the guard checks exactly the build that ships.
pub const BROWSER_BUILD: [&str; 7] = [
    "-p",
    "ecabinet-frontend",
    "--no-default-features",
    "--features",
    "hydrate",
    "--target",
    "wasm32-unknown-unknown",
];

/// Gzipped size budget of the release wasm. Raised from 600 KiB when the tablet began to
/// sign ballots itself (ed25519, SHA-2, Argon2id, XChaCha20-Poly1305, RFC 6962 proofs,
/// IndexedDB) and gained the device and vote screens: 641 KiB then; 905 KiB with the
/// document viewer and the upload queue, 1,050 KiB with written polls and minutes. Leptos
/// compiles every view type into build, rebuild, hydrate and hydrate_async code; built with
/// `--cfg erase_components` (.cargo/config.toml) it is 721 KiB, 784 KiB with the exchange
/// screen; 873 KiB with the reporting form and dashboard (their charts are drawn on the
/// server, so no charting code ships). Raised to 900 KiB then, just above, so that a
/// regression shows; the way down is loading the viewer, exchange and reporting screens as
/// separate modules on first use (ARCHITECTURE.md, "Limits").
const WASM_GZIP_BUDGET: u64 = 900 * 1024;
/// Oldest wasm-opt that handles wasm-bindgen's externref tables correctly (Debian's 108 does not).
const MIN_WASM_OPT: u32 = 116;

/// Builds `<target>/site`; returns its path.
pub fn build(release: bool) -> Result<PathBuf> {
    let site = target_dir().join("site");
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg)?;
    let profile = if release { "wasm-release" } else { "dev" };
    run(cargo()
        .arg("build")
        .args(BROWSER_BUILD)
        .args(["--lib", "--profile", profile]))?;
    let dir = if release { "wasm-release" } else { "debug" };
    let wasm = target_dir()
        .join("wasm32-unknown-unknown")
        .join(dir)
        .join("ecabinet_frontend.wasm");
    eprintln!("wasm-bindgen {}", wasm.display());
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .out_name("ecabinet")
        .web(true)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .typescript(false)
        .generate(&pkg)
        .map_err(|e| anyhow::anyhow!("wasm-bindgen: {e}"))?;
    let out = pkg.join("ecabinet_bg.wasm");
    if release {
        let opt = wasm_opt()?;
        run(Command::new(&opt)
            .arg("-Oz")
            .arg("--enable-reference-types")
            .arg("--enable-bulk-memory")
            .arg("--enable-nontrapping-float-to-int")
            .arg("--enable-sign-ext")
            .arg("--enable-mutable-globals")
            .arg(&out)
            .arg("-o")
            .arg(&out))?;
    }
    std::fs::copy(root().join("assets/style.css"), pkg.join("ecabinet.css"))
        .context("assets/style.css")?;
    for entry in std::fs::read_dir(root().join("assets"))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_file() && name != "style.css" {
            std::fs::copy(&path, site.join(name))?;
        }
    }
    copy_fonts(&site.join("fonts"))?;
    let raw = std::fs::metadata(&out)?.len();
    let gz = gzip_len(&out)?;
    eprintln!("site: {} (wasm {raw} B, {gz} B gzipped)", site.display());
    if release && gz > WASM_GZIP_BUDGET {
        bail!("release wasm is {gz} B gzipped, over the {WASM_GZIP_BUDGET} B budget");
    }
    Ok(site)
}

fn wasm_opt() -> Result<PathBuf> {
    let opt = root().join("node_modules/.bin/wasm-opt");
    if !opt.exists() {
        bail!(
            "{} is missing: run ./x setup (npm ci installs binaryen)",
            opt.display()
        );
    }
    let out = Command::new(&opt).arg("--version").output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version: u32 = text
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .with_context(|| format!("cannot read wasm-opt version from {text:?}"))?;
    if version < MIN_WASM_OPT {
        bail!("wasm-opt {version} is too old (needs >= {MIN_WASM_OPT}; 108 corrupts the wasm)");
    }
    Ok(opt)
}

fn copy_fonts(dest: &Path) -> Result<()> {
    let src = root().join("node_modules/@fontsource/be-vietnam-pro/files");
    std::fs::create_dir_all(dest)?;
    let mut n = 0;
    for subset in ["latin", "latin-ext", "vietnamese"] {
        for weight in [400, 600, 700] {
            let name = format!("be-vietnam-pro-{subset}-{weight}-normal.woff2");
            std::fs::copy(src.join(&name), dest.join(&name))
                .with_context(|| format!("font {name}: run ./x setup (npm ci)"))?;
            n += 1;
        }
    }
    eprintln!("fonts: {n} files");
    Ok(())
}

fn gzip_len(path: &Path) -> Result<u64> {
    let data = std::fs::read(path)?;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&data)?;
    Ok(enc.finish()?.len() as u64)
}

/// Fails if the browser build depends on sqlx, or on tokio with a runtime feature.
pub fn guard() -> Result<()> {
    let out = cargo()
        .current_dir(root())
        .arg("tree")
        .args(BROWSER_BUILD)
        .args(["-e", "normal", "--prefix", "none", "--format", "{p} [{f}]"])
        .output()?;
    if !out.status.success() {
        bail!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let tree = String::from_utf8_lossy(&out.stdout);
    let problems = guard_problems(&tree);
    if !problems.is_empty() {
        bail!(
            "the hydrate build pulls in what it must not:\n{}",
            problems.join("\n")
        );
    }
    eprintln!(
        "guard: hydrate build has no sqlx and no tokio runtime ({} crates)",
        tree.lines().count()
    );
    Ok(())
}

fn guard_problems(tree: &str) -> Vec<String> {
    tree.lines()
        .filter(|l| {
            let name = l.split_whitespace().next().unwrap_or("");
            let features = l.split('[').nth(1).unwrap_or("");
            name.starts_with("sqlx")
                || name == "mio"
                || (name == "tokio"
                    && features
                        .split(',')
                        .any(|f| f.trim().trim_end_matches(']').starts_with("rt")))
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn guard_spots_sqlx_and_the_tokio_runtime() {
        let bad = "leptos v0.8.23 [hydrate]\nsqlx-core v0.9.0 []\ntokio v1.54.1 [rt,sync]\n";
        assert_eq!(super::guard_problems(bad).len(), 2);
        let ok = "leptos v0.8.23 [hydrate]\ntokio v1.54.1 [sync]\n";
        assert!(super::guard_problems(ok).is_empty());
    }
}
