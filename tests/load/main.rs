//! `ecabinet-load`: the load tool of BENCHMARKS.md. It starts the real `ecabinet` binary on
//! a fresh database (SQLite, or PostgreSQL when `ECABINET_TEST_POSTGRES` names an admin
//! URL), enrolls N tablets with real ed25519 keys, and has them all cast signed ballots
//! within one second; then measures the fan-out of a result to many watching sockets.
//! `--bundle N FILE` instead writes a synthetic, valid N-ballot archive bundle for timing
//! `ecabinet verify`.

use anyhow::{Context, Result, bail};
use clap::Parser;
use ecabinet_crypto::{Ballot, SigningKey, key_id};
use ecabinet_domain::{MeetingId, Role};
use ecabinet_protocol::{SnapshotBody, Topic};
use ecabinet_server::accounts::PasswordHasher;
use ecabinet_server::seed;
use ecabinet_storage::{Db, NewUser};
use ecabinet_tests::{Client, TestDb, poll_definition, spawn_server, tool_sibling};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most voters per meeting (the server's participant limit).
const PER_MEETING: usize = 500;

#[derive(Parser)]
struct Args {
    /// Tablets casting a ballot each within one second.
    #[arg(long, default_value_t = 500)]
    tablets: usize,
    /// WebSockets watching the first meeting while its result is published.
    #[arg(long, default_value_t = 1000)]
    watchers: usize,
    /// The server binary (default: `ecabinet` next to this tool).
    #[arg(long)]
    server: Option<PathBuf>,
    /// ecabinet nodes on one database (2: tablets and watchers alternate between them;
    /// needs PostgreSQL).
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// Write a synthetic N-ballot bundle to FILE and exit.
    #[arg(long, num_args = 2, value_names = ["N", "FILE"])]
    bundle: Option<Vec<String>>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(b) = &args.bundle {
        let n: usize = b[0].parse().context("N")?;
        let bundle = ecabinet_archive::sample::bundle(n).map_err(anyhow::Error::msg)?;
        std::fs::write(&b[1], serde_json::to_vec(&bundle)?)?;
        println!("wrote a {n}-ballot bundle to {}", b[1]);
        return Ok(());
    }
    let server = match &args.server {
        Some(p) => p.clone(),
        None => tool_sibling("ecabinet")?,
    };
    run(&args, &server).await
}

async fn run(args: &Args, server: &std::path::Path) -> Result<()> {
    let db = TestDb::new().await?;
    let engine_name = db.engine();
    if args.nodes > 1 && engine_name != "postgres" {
        bail!("--nodes 2 needs PostgreSQL (ECABINET_TEST_POSTGRES)");
    }
    let nodes = args.nodes.max(1);
    let engine = format!(
        "{engine_name}, {nodes} node{}",
        if nodes > 1 { "s" } else { "" }
    );
    let n = args.tablets;
    // Accounts and approved keys go straight into the database: the benchmark is about
    // ballots, not about N argon2 logins' worth of setup through the API.
    let keys = prepare_database(&db.url, n).await?;
    let mut children = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..nodes {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        children.push(spawn_server(server, &db.url, port, std::process::Stdio::inherit()).await?);
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    let base = bases[0].clone();

    let clerk = Client::logged_in(&base, "vanthu1").await?;
    let mut polls = Vec::new();
    for (m, chunk) in keys.chunks(PER_MEETING).enumerate() {
        let participants: Vec<_> = chunk
            .iter()
            .map(|(id, _, _)| json!({"user_id": id}))
            .collect();
        let meeting = clerk
            .ok_post(
                "/api/meetings",
                json!({"title": format!("Phiên họp tải {m}"), "kind": "regular",
                       "starts_at": 1_800_000_000_000i64, "place": "Hà Nội", "participants": participants}),
            )
            .await?
            .body["id"]
            .as_i64()
            .context("meeting id")?;
        let a = clerk
            .put(
                &format!("/api/meetings/{meeting}/agenda"),
                json!({"items": [{"title": "Biểu quyết", "planned_minutes": 10}]}),
            )
            .await?;
        if a.status != 204 {
            bail!("agenda: {}", a.body);
        }
        for step in ["publish", "start"] {
            clerk
                .ok_post(&format!("/api/meetings/{meeting}/{step}"), json!({}))
                .await?;
        }
        let poll = clerk
            .ok_post(
                &format!("/api/meetings/{meeting}/polls"),
                json!({"question": "Thông qua?", "preset": "company_board"}),
            )
            .await?
            .body["id"]
            .as_i64()
            .context("poll id")?;
        clerk
            .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
            .await?;
        let (_, hash) = poll_definition(&clerk, poll).await?;
        polls.push((meeting, poll, hash));
    }

    // Every tablet logs in and signs its ballot before the clock starts.
    let mut tablets = Vec::with_capacity(n);
    let sem = Arc::new(tokio::sync::Semaphore::new(32));
    let mut logins = Vec::new();
    for (i, (user, name, key)) in keys.into_iter().enumerate() {
        let (_, poll, hash) = polls[i / PER_MEETING];
        let base = bases[i % nodes].clone();
        let sem = sem.clone();
        logins.push(tokio::spawn(async move {
            let _permit = sem.acquire().await?;
            let c = Client::logged_in(&base, &name).await?;
            let b = Ballot {
                poll_id: poll as u64,
                poll_hash: hash,
                member_id: user as u64,
                key_id: key_id(&key.verifying_key()),
                choices: vec![u16::from(i % 3 == 0)],
                text_hash: [0; 32],
                nonce: rand::random(),
                client_time: 0,
            }
            .sign(&key)?;
            let body =
                json!({"ballot": hex::encode(&b.bytes), "signature": hex::encode(b.signature)});
            Ok::<_, anyhow::Error>((c, poll, body))
        }));
    }
    for l in logins {
        tablets.push(l.await??);
    }

    // The burst: tablet i sends at i/N of one second.
    let start = Instant::now();
    let mut sends = Vec::with_capacity(n);
    for (i, (c, poll, body)) in tablets.into_iter().enumerate() {
        let at = Duration::from_micros((i as u64 * 1_000_000) / n as u64);
        sends.push(tokio::spawn(async move {
            tokio::time::sleep_until(tokio::time::Instant::from_std(start + at)).await;
            let t0 = Instant::now();
            let a = c.post(&format!("/api/polls/{poll}/ballots"), body).await;
            (a.map(|a| a.status).unwrap_or(0), t0.elapsed(), t0)
        }));
    }
    let mut lat = Vec::with_capacity(n);
    let mut lost = 0;
    let mut last = start;
    for s in sends {
        let (status, d, t0) = s.await?;
        if status == 201 {
            lat.push(d);
            last = last.max(t0 + d);
        } else {
            lost += 1;
        }
    }
    lat.sort();
    let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)));
    let span = (last - start).as_secs_f64();
    println!(
        "{engine}: {n} ballots, lost {lost}, ack p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms, {:.0} ballots/s (all acks within {span:.2} s)",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(lat.last()),
        lat.len() as f64 / span
    );

    // Fan-out: W sockets watch the first meeting; time from the close request to the
    // result on each screen.
    let (meeting, poll, _) = polls[0];
    let topic = Topic::Meeting(MeetingId(meeting));
    let mut watchers = Vec::with_capacity(args.watchers);
    let mut clerks = vec![clerk.clone()];
    for b in &bases[1..] {
        clerks.push(Client::logged_in(b, "vanthu1").await?);
    }
    for i in 0..args.watchers {
        let mut ws = clerks[i % nodes].ws().await?;
        ws.hello().await?;
        ws.subscribe(topic).await?;
        watchers.push(ws);
    }
    let (go_tx, go) = tokio::sync::watch::channel(false);
    let mut waits = Vec::new();
    for mut ws in watchers {
        let mut go = go.clone();
        waits.push(tokio::spawn(async move {
            let _ = go.changed().await;
            ws.wait_for_within(topic, Duration::from_secs(30), |st| {
                matches!(st, SnapshotBody::Meeting(m) if m.polls.iter().any(|p| p.id == poll && p.result.is_some()))
            })
            .await
            .map(|_| Instant::now())
        }));
    }
    let t0 = Instant::now();
    let _ = go_tx.send(true);
    clerk
        .ok_post(&format!("/api/polls/{poll}/close"), json!({}))
        .await?;
    let mut fan = Vec::new();
    for w in waits {
        fan.push(w.await??.duration_since(t0));
    }
    fan.sort();
    let fp = |p: f64| fan.get(((fan.len() as f64 * p) as usize).min(fan.len().saturating_sub(1)));
    println!(
        "{engine}: result to {} sockets: p50 {:.1} ms, p99 {:.1} ms, last {:.1} ms after the close request",
        fan.len(),
        ms(fp(0.5)),
        ms(fp(0.99)),
        ms(fan.last())
    );
    for mut child in children {
        child.start_kill()?;
        child.wait().await?;
    }
    Ok(())
}

fn ms(d: Option<&Duration>) -> f64 {
    d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

/// Seeds the demo, then adds `n` members with approved device keys. Returns (user id,
/// username, key) per tablet.
async fn prepare_database(url: &str, n: usize) -> Result<Vec<(i64, String, SigningKey)>> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    let fast = PasswordHasher::fast_for_tests();
    seed::demo(&db, &fast)
        .await
        .map_err(|e| anyhow::anyhow!("seed: {e}"))?;
    let hash = fast
        .hash(seed::DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = db.write().await?;
    let clerk = tx.user_by_username("vanthu1").await?.context("vanthu1")?.id;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let username = format!("tai{i:05}");
        let id = tx
            .insert_user(&NewUser {
                username: username.clone(),
                display_name: format!("Đại biểu {i}"),
                title: "Thành viên".into(),
                role: Role::Member,
                password_hash: hash.clone(),
                sort_order: 1000 + i as i64,
            })
            .await?;
        let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
        let pk = key.verifying_key();
        let device = tx
            .insert_device(
                id,
                "Máy tính bảng",
                &hex::encode(pk.as_bytes()),
                &hex::encode(key_id(&pk)),
            )
            .await?;
        tx.set_device_status(
            device,
            ecabinet_domain::device::DeviceStatus::Approved,
            clerk,
        )
        .await?;
        out.push((id.0, username, key));
    }
    tx.commit().await?;
    db.close().await;
    Ok(out)
}
