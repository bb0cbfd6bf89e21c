//! `ecabinet-fanout-bench`: WebSocket capacity of BENCHMARKS.md. It starts the real
//! `ecabinet` binary (one node, or two on PostgreSQL with `--nodes 2`) on a fresh
//! database with the demo government, holds `--idle` sockets subscribed to a meeting and
//! reads the server's resident memory per socket, then measures fan-out: a member's
//! attendance changes and every socket waits for the event (trigger to screen, p50 /
//! p99 / max over `--rounds` rounds), for each size of `--fanout`. The same generator
//! then does the same against a minimal broadcast server on npm's `ws`
//! (`ws-broadcast.mjs`), so both are measured in one run on one machine.

use anyhow::{Context, Result, bail};
use clap::Parser;
use ecabinet_protocol::frame::{ClientFrame, ServerFrame};
use ecabinet_protocol::{PROTOCOL_VERSION, Topic};
use ecabinet_server::accounts::PasswordHasher;
use ecabinet_server::seed;
use ecabinet_storage::Db;
use ecabinet_tests::{Client, TestDb, free_port, spawn_server, started_demo_meeting, tool_sibling};
use futures::{SinkExt, StreamExt};
use reqwest::cookie::CookieStore;
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, broadcast, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Parser)]
struct Args {
    /// Socket counts, comma-separated, ascending: at each, the sockets are held open (the
    /// server's memory per socket is read) and a fan-out to all of them is measured.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    sizes: Vec<usize>,
    /// Rounds per size.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// ecabinet nodes (2: sockets alternate between them; needs PostgreSQL).
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// Skip the Node.js `ws` comparison.
    #[arg(long)]
    no_node: bool,
    /// The server binary (default: `ecabinet` next to this tool).
    #[arg(long)]
    server: Option<PathBuf>,
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Resident memory of a process, bytes.
fn rss(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS")?;
    Ok(kb * 1024)
}

fn pct(v: &[Duration], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let i = ((v.len() as f64 * p) as usize).min(v.len() - 1);
    v[i].as_secs_f64() * 1000.0
}

/// One socket in its own task: on each round's start it waits for the next frame that
/// `is_event` accepts and reports how long it took.
fn watch(
    mut ws: Ws,
    mut rounds: broadcast::Receiver<Instant>,
    out: mpsc::UnboundedSender<Duration>,
    is_event: fn(&str) -> bool,
) {
    tokio::spawn(async move {
        while let Ok(t0) = rounds.recv().await {
            loop {
                match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) if is_event(t.as_str()) => {
                        let _ = out.send(t0.elapsed());
                        break;
                    }
                    Ok(Some(Ok(_))) => continue,
                    _ => return,
                }
            }
        }
    });
}

fn ecabinet_event(text: &str) -> bool {
    text.starts_with("{\"type\":\"event\"")
}

fn any_text(_: &str) -> bool {
    true
}

/// Opens sockets `from..to` with `open`, 256 at a time.
async fn open_many<F, Fut>(from: usize, to: usize, open: Arc<F>) -> Result<Vec<Ws>>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Ws>> + Send + 'static,
{
    let sem = Arc::new(Semaphore::new(256));
    let mut tasks = Vec::with_capacity(to.saturating_sub(from));
    for i in from..to {
        let (sem, open) = (sem.clone(), open.clone());
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await?;
            open(i).await
        }));
    }
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await??);
    }
    Ok(out)
}

/// A socket to an ecabinet node, subscribed to `topic` and in sync.
async fn ecabinet_socket(base: &str, cookie: &str, topic: Topic) -> Result<Ws> {
    let mut req = format!("{}/api/ws", base.replace("http://", "ws://")).into_client_request()?;
    req.headers_mut().insert("cookie", cookie.parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    let send = |f: &ClientFrame| serde_json::to_string(f).map(|t| Message::Text(t.into()));
    ws.send(send(&ClientFrame::Hello {
        protocol: PROTOCOL_VERSION,
    })?)
    .await?;
    ws.send(send(&ClientFrame::Subscribe { topic, since: None })?)
        .await?;
    while let Some(m) = ws.next().await {
        if let Message::Text(t) = m?
            && let Ok(ServerFrame::Synced { .. }) = serde_json::from_str(t.as_str())
        {
            return Ok(ws);
        }
    }
    bail!("closed before synced")
}

/// For each size: opens sockets up to it, reads the server's memory per socket, then
/// times `rounds` fan-outs to all of them.
async fn measure<F, Fut>(
    label: &str,
    pids: &[u32],
    sizes: &[usize],
    rounds: usize,
    open: F,
    is_event: fn(&str) -> bool,
    mut trigger: impl AsyncFnMut(usize) -> Result<()>,
) -> Result<()>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Ws>> + Send + 'static,
{
    let open = Arc::new(open);
    let (round_tx, _) = broadcast::channel(4);
    let (out_tx, mut out_rx) = mpsc::unbounded_channel();
    let memory = || pids.iter().map(|p| rss(*p).unwrap_or(0)).sum::<u64>();
    let before = memory();
    let mut held = 0;
    for &n in sizes {
        let start = Instant::now();
        for ws in open_many(held, n, open.clone()).await? {
            watch(ws, round_tx.subscribe(), out_tx.clone(), is_event);
        }
        let opened = start.elapsed();
        let new = n.saturating_sub(held);
        held = n.max(held);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = memory();
        println!(
            "{label}: {held} sockets held (the last {} opened in {:.1} s); server memory {:.0} → {:.0} MiB: {:.1} KiB per socket",
            new,
            opened.as_secs_f64(),
            before as f64 / 1048576.0,
            after as f64 / 1048576.0,
            after.saturating_sub(before) as f64 / held as f64 / 1024.0
        );
        let mut lat = Vec::with_capacity(held * rounds);
        for r in 0..rounds {
            let _ = round_tx.send(Instant::now());
            trigger(r).await?;
            for _ in 0..held {
                match tokio::time::timeout(Duration::from_secs(30), out_rx.recv()).await {
                    Ok(Some(d)) => lat.push(d),
                    _ => bail!("{label}: a socket got nothing in round {r}"),
                }
            }
            // Let the sockets settle between rounds.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        lat.sort();
        println!(
            "{label}: fan-out to {held} sockets: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({rounds} rounds)",
            pct(&lat, 0.5),
            pct(&lat, 0.99),
            pct(&lat, 1.0)
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    rlimit::increase_nofile_limit(u64::MAX).context("raising the open-files limit")?;
    let server = match &args.server {
        Some(p) => p.clone(),
        None => tool_sibling("ecabinet")?,
    };
    let mut sizes = args.sizes.clone();
    sizes.sort_unstable();
    ecabinet(&args, &server, &sizes).await?;
    if !args.no_node {
        node_ws(&args, &sizes).await?;
    }
    Ok(())
}

async fn ecabinet(args: &Args, server: &std::path::Path, sizes: &[usize]) -> Result<()> {
    let db = TestDb::new().await?;
    let engine = db.engine();
    if args.nodes > 1 && engine != "postgres" {
        bail!("--nodes 2 needs PostgreSQL (ECABINET_TEST_POSTGRES)");
    }
    {
        let store = Db::connect(&db.url).await?;
        store.migrate().await?;
        seed::demo(&store, &PasswordHasher::fast_for_tests())
            .await
            .map_err(|e| anyhow::anyhow!("seed: {e}"))?;
        store.close().await;
    }
    let mut children = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..args.nodes.max(1) {
        let port = free_port()?;
        children.push(spawn_server(server, &db.url, port, std::process::Stdio::inherit()).await?);
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    let label = format!(
        "ecabinet ({engine}, {} node{})",
        bases.len(),
        if bases.len() > 1 { "s" } else { "" }
    );
    let (_clerk, meeting) = started_demo_meeting(&bases[0]).await?;
    let topic = Topic::Meeting(ecabinet_domain::MeetingId(meeting));
    // Every socket is a watcher of the secretariat (one session; the server keeps a
    // connection's state whoever it belongs to).
    let mut cookies = Vec::new();
    for b in &bases {
        let c = Client::logged_in(b, "vanthu2").await?;
        let url: reqwest::Url = b.parse()?;
        let cookie = c
            .jar
            .cookies(&url)
            .context("session cookie")?
            .to_str()?
            .to_owned();
        cookies.push((b.clone(), cookie));
    }
    let pids: Vec<u32> = children.iter().filter_map(|c| c.id()).collect();
    let cookies = Arc::new(cookies);
    // A member on the first node changes how they attend: one event per round.
    let member = Client::logged_in(&bases[0], "bt01").await?;
    let path = format!("/api/meetings/{meeting}/attendance");
    measure(
        &label,
        &pids,
        sizes,
        args.rounds,
        move |i| {
            let cookies = cookies.clone();
            async move {
                let (base, cookie) = &cookies[i % cookies.len()];
                ecabinet_socket(base, cookie, topic).await
            }
        },
        ecabinet_event,
        async |r| {
            let mode = if r % 2 == 0 { "remote" } else { "in_room" };
            member
                .ok_post(&path, json!({"status": "present", "mode": mode}))
                .await
                .map(|_| ())
        },
    )
    .await?;
    for mut c in children {
        let _ = c.start_kill();
        let _ = c.wait().await;
    }
    Ok(())
}

async fn node_ws(args: &Args, sizes: &[usize]) -> Result<()> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("load/ws-broadcast.mjs");
    let port = free_port()?;
    let mut child = tokio::process::Command::new("node")
        .arg(&script)
        .arg(port.to_string())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("starting node (the ws comparison; --no-node skips it)")?;
    let mut out = tokio::io::BufReader::new(child.stdout.take().context("stdout")?);
    let mut line = String::new();
    tokio::io::AsyncBufReadExt::read_line(&mut out, &mut line).await?;
    if !line.starts_with("listening") {
        bail!("ws-broadcast.mjs: {line}");
    }
    let pid = child.id().context("pid")?;
    let url = format!("ws://127.0.0.1:{port}/");
    let (mut control, _) = tokio_tungstenite::connect_async(url.clone()).await?;
    let u = url.clone();
    measure(
        "node ws 8",
        &[pid],
        sizes,
        args.rounds,
        move |_| {
            let u = u.clone();
            async move { Ok(tokio_tungstenite::connect_async(u).await?.0) }
        },
        any_text,
        async |_| {
            control
                .send(Message::Text("go".into()))
                .await
                .map_err(anyhow::Error::from)
        },
    )
    .await?;
    let _ = child.start_kill();
    Ok(())
}
