//! `cargo xtask test`: every stage in order; the counts of tests passed and failed are
//! collected from cargo's and node's own summaries and printed as the closing line.

use crate::{cargo, pg, rooms, root, site, target_dir};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    stages_failed: Vec<String>,
}

impl Tally {
    /// Runs a test command, echoing its output and adding up its summary lines.
    fn tests(&mut self, name: &str, cmd: &mut Command) -> Result<()> {
        eprintln!("\n=== {name}");
        let start = Instant::now();
        let mut child = cmd
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let stdout = child.stdout.take().context("stdout")?;
        let (mut p, mut f) = (0, 0);
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            let (lp, lf) = parse_summary(&line);
            p += lp;
            f += lf;
        }
        let status = child.wait()?;
        self.passed += p;
        self.failed += f;
        eprintln!(
            "=== {name}: {p} passed, {f} failed in {:.0?}",
            start.elapsed()
        );
        if !status.success() {
            self.stages_failed.push(name.to_owned());
            if f == 0 {
                // Failed without a failing test (did not build, crashed): count it as one.
                self.failed += 1;
            }
        }
        Ok(())
    }

    /// Runs a check that is not a test suite (fmt, clippy, builds).
    fn check(&mut self, name: &str, f: impl FnOnce() -> Result<()>) {
        eprintln!("\n=== {name}");
        if let Err(e) = f() {
            eprintln!("=== {name} FAILED: {e:#}");
            self.stages_failed.push(name.to_owned());
            // A failed check counts in the closing line, which must never say "0 failed"
            // for a run that fails.
            self.failed += 1;
        }
    }
}

/// Counts from one line of `cargo test` ("test result: ok. 12 passed; 0 failed; ...") or
/// of node's test runner ("# pass 5", "# fail 0").
fn parse_summary(line: &str) -> (u64, u64) {
    let l = line.trim();
    if let Some(rest) = l.strip_prefix("test result: ") {
        let num = |word: &str| {
            rest.split(';')
                .find_map(|part| {
                    let part = part
                        .trim()
                        .trim_start_matches("ok.")
                        .trim_start_matches("FAILED.")
                        .trim();
                    part.strip_suffix(word)
                        .and_then(|n| n.trim().parse::<u64>().ok())
                })
                .unwrap_or(0)
        };
        return (num("passed"), num("failed"));
    }
    if let Some(n) = l.strip_prefix("# pass ") {
        return (n.trim().parse().unwrap_or(0), 0);
    }
    if let Some(n) = l.strip_prefix("# fail ") {
        return (0, n.trim().parse().unwrap_or(0));
    }
    (0, 0)
}

pub fn run(browser: bool, postgres: bool) -> Result<()> {
    let started = Instant::now();
    let mut t = Tally::default();
    t.check("fmt", || {
        crate::run(cargo().args(["fmt", "--all", "--", "--check"]))
    });
    t.check("rooms", rooms::check);
    t.check("clippy", || {
        crate::run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    });
    t.check("clippy (browser build)", || {
        crate::run(
            cargo()
                .arg("clippy")
                .args(site::BROWSER_BUILD)
                .args(["--", "-D", "warnings"]),
        )
    });
    t.check("domain, protocol and crypto build for wasm32", || {
        crate::run(cargo().args([
            "build",
            "-p",
            "ecabinet-domain",
            "-p",
            "ecabinet-protocol",
            "-p",
            "ecabinet-crypto",
            "--target",
            "wasm32-unknown-unknown",
        ]))
    });
    t.check("hydrate dependency guard", site::guard);
    // The crash test and the archive test run the `ecabinet` binary itself, which
    // `cargo test` does not build for another package's tests.
    t.check("server binary (for the tests that start it)", || {
        crate::run(cargo().args(["build", "-p", "ecabinet-server", "--bin", "ecabinet"]))
    });
    t.tests(
        "unit and integration tests (SQLite)",
        cargo().args(["test", "--workspace"]),
    )?;
    if postgres {
        match pg::Cluster::start() {
            Ok(cluster) => {
                t.tests(
                    "integration tests (PostgreSQL)",
                    cargo()
                        .args(["test", "-p", "ecabinet-tests"])
                        .env("ECABINET_TEST_POSTGRES", cluster.url()),
                )?;
                drop(cluster);
            }
            Err(e) => {
                eprintln!("postgres: {e:#}");
                t.stages_failed.push("postgres cluster".into());
                t.failed += 1;
            }
        }
    }
    if browser {
        let mut site_ok = false;
        t.check("site (release build, wasm size budget)", || {
            site::build(true)?;
            site_ok = true;
            Ok(())
        });
        if site_ok {
            match browser_tests(&mut t) {
                Ok(()) => {}
                Err(e) => {
                    eprintln!("browser tests: {e:#}");
                    t.stages_failed.push("browser tests".into());
                    t.failed += 1;
                }
            }
        }
    }
    eprintln!("\nall stages took {:.0?}", started.elapsed());
    if !t.stages_failed.is_empty() {
        eprintln!("failed stages: {}", t.stages_failed.join(", "));
    }
    println!("summary: {} passed, {} failed", t.passed, t.failed);
    if t.failed > 0 || !t.stages_failed.is_empty() {
        bail!("some checks failed");
    }
    Ok(())
}

/// Starts the server on a fresh demo database and runs the Playwright tests against it.
fn browser_tests(t: &mut Tally) -> Result<()> {
    crate::run(cargo().args(["build", "-p", "ecabinet-server"]))?;
    let bin = target_dir().join("debug/ecabinet");
    let dir = std::env::temp_dir().join(format!("ecabinet-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    // The written-poll test listens here as the SMTP server that receives reminders.
    let smtp_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let log = std::fs::File::create(dir.join("server.log"))?;
    let mut server = Command::new(&bin)
        .arg("demo")
        .env("ECABINET_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "ECABINET_DATABASE_URL",
            format!("sqlite://{}/e2e.db", dir.display()),
        )
        .env("ECABINET_SITE_ROOT", target_dir().join("site"))
        .env("ECABINET_DOCUMENTS_DIR", dir.join("documents"))
        .env("ECABINET_LOG", "info")
        .env("ECABINET_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        .env("ECABINET_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("starting the server")?;
    let url = format!("http://127.0.0.1:{port}");
    let ready = wait_healthy(port, Duration::from_secs(60));
    let result = match ready {
        Ok(()) => t.tests(
            "browser end-to-end tests (Chromium)",
            Command::new("node")
                .args(["--test", "--test-concurrency=1", "--test-reporter=tap"])
                .arg("tests/e2e/")
                .env("ECABINET_URL", &url)
                .env("ECABINET_SMTP_PORT", smtp_port.to_string())
                // The vote test recounts its exported archive with `ecabinet verify`.
                .env("ECABINET_BIN", &bin),
        ),
        Err(e) => Err(e),
    };
    let _ = server.kill();
    let _ = server.wait();
    if result.is_err() || !t.stages_failed.is_empty() {
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(40).collect();
        eprintln!(
            "--- server log (last lines)\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn wait_healthy(port: u16, limit: Duration) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n");
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.0 200") || buf.starts_with("HTTP/1.1 200") {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("the server did not become healthy within {limit:?}")
}

#[cfg(test)]
mod tests {
    use super::parse_summary;

    #[test]
    fn reads_cargo_and_node_summaries() {
        assert_eq!(
            parse_summary(
                "test result: ok. 23 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s"
            ),
            (23, 0)
        );
        assert_eq!(
            parse_summary("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            (3, 2)
        );
        assert_eq!(parse_summary("# pass 4"), (4, 0));
        assert_eq!(parse_summary("# fail 1"), (0, 1));
        assert_eq!(parse_summary("ok 1 - login"), (0, 0));
    }
}
