//! `cargo xtask fuzz [--seconds N] [TARGET...]`: every cargo-fuzz target of `fuzz/` for a
//! bounded time each. cargo-fuzz is installed into the target directory on first use
//! (crates.io); the machine has only the stable toolchain, so its nightly flags
//! (`-Zsanitizer=address`) are allowed with `RUSTC_BOOTSTRAP=1`. A crash stops the run
//! with libFuzzer's report and leaves the input in `fuzz/artifacts/<target>/`: fix it and
//! keep the input as a unit test of the crate it broke.

use crate::{cargo, root, run, target_dir};
use anyhow::{Context, Result};
use std::process::Command;

/// Every target, in the order they run.
pub const TARGETS: &[&str] = &[
    "ws_frame",
    "ballot",
    "edxml_envelope",
    "edxml_status",
    "report_import",
    "multipart",
    "report_import_xlsx",
    "worker_event",
];

pub fn run_all(seconds: u64, only: &[String]) -> Result<()> {
    let tools = target_dir().join("tools");
    let bin = tools.join("bin/cargo-fuzz");
    if !bin.exists() {
        run(cargo()
            .args([
                "install",
                "--locked",
                "cargo-fuzz",
                "--version",
                "0.13.1",
                "--root",
            ])
            .arg(&tools))?;
    }
    let fuzz_target = target_dir().join("fuzz");
    let chosen: Vec<&str> = if only.is_empty() {
        TARGETS.to_vec()
    } else {
        only.iter().map(String::as_str).collect()
    };
    for t in chosen {
        let corpus = root().join("fuzz/corpus").join(t);
        std::fs::create_dir_all(&corpus).with_context(|| corpus.display().to_string())?;
        // The committed seeds stay as they are; what libFuzzer finds goes to a scratch
        // folder beside the build.
        let scratch = fuzz_target.join("corpus").join(t);
        std::fs::create_dir_all(&scratch)?;
        run(Command::new(&bin)
            .current_dir(root().join("fuzz"))
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_DIR", &fuzz_target)
            .args(["fuzz", "run", t])
            .arg(&scratch)
            .arg(&corpus)
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-rss_limit_mb=2048",
            ]))
        .with_context(|| format!("fuzz target {t}"))?;
    }
    Ok(())
}
