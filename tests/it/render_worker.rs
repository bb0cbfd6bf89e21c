//! The render worker as an intruder would find it, should a PDF take PDFium over: it
//! holds none of the server's secrets (its environment is empty), it can read only its
//! job's PDF and the fonts, create files only in its job's folder, open no socket and run
//! no program; the server refuses to hand a PDF to a worker that could not confine itself,
//! and reads what a worker writes as hostile (a line too long is cut off, not buffered).
//!
//! Where Landlock is missing these tests fail, unless `ECABINET_TEST_ALLOW_UNCONFINED=1`
//! says that is known: then they print that they are skipped.

// The helpers below are test code too: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ecabinet_documents::fixtures;
use ecabinet_documents::job::{Event, Failure, Job};
use ecabinet_documents::worker::{ProbeReport, ProbeTargets};
use ecabinet_server::documents::{RenderSettings, Renderer, worker_command};
use ecabinet_tests::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn settings(program: PathBuf) -> RenderSettings {
    RenderSettings {
        program,
        pdfium: ecabinet_server::platform::config::Config::default().pdfium_path(),
        workers: 1,
        memory_limit: 1536 << 20,
        page_timeout: Duration::from_secs(30),
        max_pages: 1000,
        widths: vec![240],
        require_confinement: true,
    }
}

/// Says, visibly, that a confinement check is skipped on a machine known not to have it.
fn skipped(what: &str) -> bool {
    if allow_unconfined() {
        eprintln!("SKIPPED (ECABINET_TEST_ALLOW_UNCONFINED=1): {what}");
        return true;
    }
    false
}

#[tokio::test]
async fn a_render_worker_inherits_none_of_the_server_s_secrets() -> anyhow::Result<()> {
    const CANARY: &str = "canary-aws-5c1f0b7e";
    const STORE_CANARY: &str = "canary-store-9d2e4a61";
    let db = TestDb::new().await?;
    seed_with_binary(&db.url).await?;
    let mut node = ServerProcess::start(
        &db.url,
        &[
            ("AWS_SECRET_ACCESS_KEY", CANARY),
            ("ECABINET_OBJECT_STORE_SECRET_ACCESS_KEY", STORE_CANARY),
        ],
    )
    .await?;
    let server = node.pid().expect("the server runs");
    // The control: the server itself holds every secret, and /proc shows them here.
    let server_env = std::fs::read(format!("/proc/{server}/environ"))?;
    let server_env = String::from_utf8_lossy(&server_env);
    assert!(server_env.contains(CANARY) && server_env.contains(STORE_CANARY));
    assert!(server_env.contains(&db.url));

    // A file that keeps a worker busy.
    let clerk = Client::logged_in(&node.base, "vanthu1").await?;
    let meeting = published_meeting(&clerk, "Phiên họp thử", 1).await?;
    let a = clerk
        .upload(
            &format!("/api/meetings/{meeting}/documents"),
            Some(json!({"title": "Chậm", "kind": "submission", "confidentiality": "normal"})),
            "cham.pdf",
            fixtures::slow_page(3_000_000),
        )
        .await?;
    assert_eq!(a.status, 201, "{}", a.body);
    let deadline = Instant::now() + Duration::from_secs(20);
    let workers = loop {
        let w = render_workers_of(server);
        if !w.is_empty() {
            break w;
        }
        assert!(Instant::now() < deadline, "no worker\n{}", node.log_text());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    for w in &workers {
        let env = std::fs::read(format!("/proc/{w}/environ"))?;
        let names: Vec<String> = env
            .split(|&b| b == 0)
            .filter(|v| !v.is_empty())
            .map(|v| {
                let v = String::from_utf8_lossy(v);
                v.split('=').next().unwrap_or_default().to_owned()
            })
            .collect();
        let text = String::from_utf8_lossy(&env);
        assert!(
            !text.contains(CANARY) && !text.contains(STORE_CANARY) && !text.contains(&db.url),
            "worker {w} holds a secret: {text}"
        );
        assert!(
            names.iter().all(|n| n == "LD_LIBRARY_PATH"),
            "worker {w} has variables {names:?}"
        );
        if !skipped("the worker's seccomp filter") {
            // Set once PDFium is loaded, before the worker says it is ready.
            let field = |status: &str, name: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_owned()
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let status = std::fs::read_to_string(format!("/proc/{w}/status"))?;
                let filtered = (field(&status, "Seccomp:"), field(&status, "NoNewPrivs:"));
                if filtered == ("2".into(), "1".into()) {
                    break;
                }
                assert!(Instant::now() < deadline, "worker {w}: {status}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    // The slow worker is not left to run on after the server.
    for w in workers {
        let _ = std::process::Command::new("kill")
            .args(["-9", &w.to_string()])
            .status();
    }
    node.kill().await?;
    Ok(())
}

/// A version folder as the server lays it out: the original, and other files beside.
fn version(root: &Path, doc: u32, original: &[u8]) -> PathBuf {
    let dir = root.join(format!("{doc}/v1"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("original.pdf"), original).unwrap();
    std::fs::write(dir.join("p1-w240.png"), format!("page of document {doc}")).unwrap();
    dir
}

#[tokio::test]
async fn a_confined_worker_reaches_only_its_own_job() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let docs = tmp.path().join("documents");
    let mine = version(&docs, 1, b"%PDF-1.7 the job's own file");
    let other = version(&docs, 2, b"%PDF-1.7 another agency's secret");
    let stage = mine.join(".render-9");
    std::fs::create_dir(&stage)?;
    let database = tmp.path().join("ecabinet.db");
    std::fs::write(&database, b"the database")?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let targets = ProbeTargets {
        read: vec![
            other.join("original.pdf"),
            other.join("p1-w240.png"),
            database.clone(),
            "/etc/passwd".into(),
        ],
        write: vec![
            other.join("p1-w240.png"),
            mine.join("p2-w240.png"),
            docs.join("planted.pdf"),
            tmp.path().join("planted.txt"),
        ],
        connect: vec![listener.local_addr()?],
    };

    // Exactly as the pool starts one, plus the probe.
    let mut cmd = worker_command(&settings(server_binary()?));
    cmd.arg("--probe").arg(serde_json::to_string(&targets)?);
    let mut child = cmd.spawn()?;
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready: Event = serde_json::from_str(&stdout.next_line().await?.expect("ready"))?;
    let Event::Ready { confinement, .. } = ready else {
        panic!("not ready: {ready:?}")
    };
    if !confinement.complete() && skipped(&format!("confinement is {confinement:?}")) {
        return Ok(());
    }
    assert!(
        confinement.complete(),
        "{confinement:?}: {:?}",
        confinement.gaps()
    );
    let job = Job {
        id: 9,
        pdf: mine.join("original.pdf"),
        out_dir: stage.clone(),
        widths: vec![240],
        max_pages: 1000,
        offset: 0,
        stride: 1,
        extract_text: true,
    };
    stdin
        .write_all(format!("{}\n", serde_json::to_string(&job)?).as_bytes())
        .await?;
    stdin.flush().await?;
    let report: ProbeReport = serde_json::from_str(&stdout.next_line().await?.expect("report"))?;
    child.wait().await?;

    assert_eq!(
        report.landlock,
        ecabinet_documents::job::Enforced::Full,
        "{report:#?}"
    );
    let wrong: Vec<_> = report
        .attempts
        .iter()
        .filter(|a| a.allowed != a.expected)
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The controls ran (the job's PDF, a page, a font), and so did every intrusion.
    let controls = report.attempts.iter().filter(|a| a.expected).count();
    assert_eq!(controls, 3, "{report:#?}");
    for what in [
        "/environ",
        "another agency",
        "ecabinet.db",
        "connect tcp",
        "UDP socket",
        "unix socket",
        "run /bin/sh",
        "overwrite",
    ] {
        let needle = if what == "another agency" {
            other.join("original.pdf").display().to_string()
        } else {
            what.to_owned()
        };
        assert!(
            report
                .attempts
                .iter()
                .any(|a| a.what.contains(&needle) && !a.allowed),
            "{what} was not tried: {report:#?}"
        );
    }
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the worker reached the listener"
    );
    // Nothing outside the job's folder changed; the page written there is there.
    assert_eq!(
        std::fs::read(other.join("p1-w240.png"))?,
        b"page of document 2"
    );
    assert_eq!(
        std::fs::read(mine.join("original.pdf"))?,
        b"%PDF-1.7 the job's own file"
    );
    assert!(!mine.join("p2-w240.png").exists() && !docs.join("planted.pdf").exists());
    assert!(!tmp.path().join("planted.txt").exists());
    assert!(stage.join("p1-w1.png").exists());
    Ok(())
}

/// A stand-in for the worker: a shell script whose `Ready` is `ready` and which then runs
/// `then` (the environment is empty, so commands are named by path).
fn fake_worker(dir: &Path, ready: &str, then: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-worker.sh");
    std::fs::write(&path, format!("#!/bin/sh\necho '{ready}'\n{then}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Renders `pdf` (in a version folder of its own) and returns the last event and how long
/// it took.
async fn render_once(settings: RenderSettings, dir: &Path) -> (Event, Duration) {
    let out = dir.join("1/v1");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("original.pdf"), b"%PDF-1.7").unwrap();
    let start = Instant::now();
    let renderer = Renderer::start(settings);
    let mut events = renderer.render(out.join("original.pdf"), out, true).await;
    let mut last = None;
    while let Some(e) = tokio::time::timeout(Duration::from_secs(60), events.recv())
        .await
        .expect("the render ends")
    {
        last = Some(e);
    }
    (last.expect("an event"), start.elapsed())
}

#[tokio::test]
async fn a_worker_that_cannot_confine_itself_is_handed_no_pdf() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let got = tmp.path().join("got-a-job");
    // A worker as an older build, or one on a kernel without Landlock, reports itself.
    let worker = fake_worker(
        tmp.path(),
        r#"{"event":"ready","pdfium":"fake"}"#,
        &format!("read -r job && echo \"$job\" > {}", got.display()),
    );
    let (last, _) = render_once(settings(worker), tmp.path()).await;
    assert_eq!(
        last,
        Event::Failed {
            job: 1,
            reason: Failure::Unconfined
        }
    );
    assert!(
        !got.exists(),
        "the PDF's path reached the unconfined worker"
    );
    // What the secretariat reads.
    assert!(
        Failure::Unconfined
            .to_string()
            .contains("cannot be confined")
    );
    Ok(())
}

#[tokio::test]
async fn a_worker_writing_an_endless_line_is_cut_off_at_the_limit() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    // Confined by its own account, then 256 MiB without a newline, then silence.
    let worker = fake_worker(
        tmp.path(),
        r#"{"event":"ready","pdfium":"fake","confinement":{"landlock_abi":7,"landlock":"full","seccomp":true,"single_thread":true}}"#,
        "read -r job\n/usr/bin/head -c 268435456 /dev/zero\n/bin/sleep 120",
    );
    let (last, took) = render_once(settings(worker), tmp.path()).await;
    // Not a time-out: the server stopped at the line's limit, a few MiB in.
    assert_eq!(
        last,
        Event::Failed {
            job: 1,
            reason: Failure::Crashed
        }
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
    Ok(())
}
