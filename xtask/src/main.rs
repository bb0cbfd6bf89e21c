//! Project automation, run as `cargo xtask <command>` (see README.md):
//! `site` builds the hydrated site with cargo + wasm-bindgen (as a library, pinned to the
//! version in Cargo.lock, so no CLI is downloaded) + wasm-opt from npm's binaryen;
//! `guard` checks what the browser build pulls in; `test` runs every check and test stage
//! and prints one closing line with the counts; `bench` the benchmarks; `fuzz` the fuzz
//! targets for a bounded time; `rooms` checks the layout rules of the server and frontend
//! crates and prints their room graph.

mod bench;
mod fuzz;
mod rooms;
mod site;
mod test;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use ecabinet_pgcluster as pg;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Parser)]
#[command(name = "xtask")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build the site (wasm, js, css, fonts) into <target>/site.
    Site {
        /// Optimised build (wasm-release profile + wasm-opt), checked against the size budget.
        #[arg(long)]
        release: bool,
    },
    /// Check that the hydrate build pulls in neither sqlx nor tokio's runtime.
    Guard,
    /// Print the rooms of the server and frontend crates and the imports between them,
    /// then every breach of the layout rules (see xtask/src/rooms.rs); fails on one.
    Rooms {
        /// Check this checkout instead of the one xtask runs in.
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Every check and test: fmt, the layout rules (rooms), clippy, wasm builds, unit and
    /// integration tests on SQLite and PostgreSQL, the site, and the browser tests. Prints
    /// "N passed, M failed" last.
    Test {
        /// Skip the browser tests (for a quick local loop).
        #[arg(long)]
        no_browser: bool,
        /// Skip the PostgreSQL run.
        #[arg(long)]
        no_postgres: bool,
    },
    /// Run every cargo-fuzz target of `fuzz/` for a bounded time (or only those named).
    Fuzz {
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Targets to run (default: all).
        targets: Vec<String>,
    },
    /// Start a throwaway PostgreSQL cluster, print its URL, and keep it until Enter.
    Postgres,
    /// The benchmarks of BENCHMARKS.md (release build; prints numbers, asserts nothing).
    Bench {
        /// Only N = 500 (skip 5,000).
        #[arg(long)]
        quick: bool,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Cmd::Site { release } => site::build(release).map(|_| ()),
        Cmd::Guard => site::guard(),
        Cmd::Rooms { root } => rooms::run(root),
        Cmd::Test {
            no_browser,
            no_postgres,
        } => test::run(!no_browser, !no_postgres),
        Cmd::Bench { quick } => bench::run_all(quick),
        Cmd::Fuzz { seconds, targets } => fuzz::run_all(seconds, &targets),
        Cmd::Postgres => {
            let cluster = pg::Cluster::start()?;
            println!("{}", cluster.url());
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            drop(cluster);
            Ok(())
        }
    }
}

/// The workspace root, as `cargo xtask` says at run time: one target directory serves
/// every clone (./x keeps it outside them), so this binary may have been built from
/// another clone, and the path compiled into it may be gone.
pub fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The cargo target directory (kept outside the clone by `./x`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Runs a command in the workspace root, failing on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("$ {shown}");
    let status = cmd
        .current_dir(root())
        .status()
        .with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

/// `cargo` with the same toolchain that runs xtask.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}
