//! `cargo xtask bench`: the benchmarks of BENCHMARKS.md, on a release build. Ballot
//! bursts of N = 500 and 5,000 tablets on SQLite and on a throwaway PostgreSQL cluster,
//! fan-out of a result to 1,000 sockets, one node and two on PostgreSQL; 1,000 and 10,000
//! sockets held and fanned out to, beside a minimal npm `ws` server; `ecabinet verify` on
//! a 10,000-ballot bundle; the reporting dashboard over 200 indicators × 63 provinces ×
//! 60 months on both engines.
//! Numbers are printed, never asserted: targets are read by people, not by CI.

use crate::{cargo, pg, run, target_dir};
use anyhow::Result;
use std::time::Instant;

pub fn run_all(quick: bool) -> Result<()> {
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "ecabinet-server",
        "-p",
        "ecabinet-tests",
        "--bin",
        "ecabinet",
        "--bin",
        "ecabinet-load",
        "--bin",
        "ecabinet-render-bench",
        "--bin",
        "ecabinet-report-bench",
        "--bin",
        "ecabinet-fanout-bench",
    ]))?;
    let bin = target_dir().join("release");
    let load = bin.join("ecabinet-load");
    // Documents: 200 pages against pdftoppm at the same width, in the same run.
    run(&mut std::process::Command::new(
        bin.join("ecabinet-render-bench"),
    ))?;
    let sizes: &[&str] = if quick { &["500"] } else { &["500", "5000"] };
    for n in sizes {
        run(std::process::Command::new(&load).args(["--tablets", n, "--watchers", "1000"]))?;
    }
    // Reporting: 200 indicators × 63 provinces × 60 months, then the dashboard's queries.
    let report = bin.join("ecabinet-report-bench");
    run(&mut std::process::Command::new(&report))?;
    // Sockets: 1,000 and 10,000 held and fanned out to, beside npm's `ws` in the same run.
    let fanout = bin.join("ecabinet-fanout-bench");
    run(&mut std::process::Command::new(&fanout))?;
    let cluster = pg::Cluster::start()?;
    for n in sizes {
        for nodes in ["1", "2"] {
            run(std::process::Command::new(&load)
                .args(["--tablets", n, "--watchers", "1000", "--nodes", nodes])
                .env("ECABINET_TEST_POSTGRES", cluster.url()))?;
        }
    }
    for nodes in ["1", "2"] {
        run(std::process::Command::new(&fanout)
            .args(["--nodes", nodes, "--no-node"])
            .env("ECABINET_TEST_POSTGRES", cluster.url()))?;
    }
    run(std::process::Command::new(&report).env("ECABINET_TEST_POSTGRES", cluster.url()))?;
    drop(cluster);
    let dir = std::env::temp_dir().join("ecabinet-bench");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("bundle-10000.json");
    run(std::process::Command::new(&load)
        .arg("--bundle")
        .arg("10000")
        .arg(&file))?;
    for _ in 0..3 {
        let start = Instant::now();
        run(std::process::Command::new(bin.join("ecabinet"))
            .arg("verify")
            .arg(&file))?;
        eprintln!(
            "ecabinet verify, 10000 ballots: {:.3} s wall (process start and JSON parsing included)",
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
