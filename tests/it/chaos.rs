//! Chaos: the real `ecabinet` binary killed with SIGKILL while a vote closes and while a
//! document is uploaded and rendered (the render then finished by a restart, or by the
//! other node), and PostgreSQL crashed and started again under a
//! burst of ballots to two nodes. After each: nothing acknowledged is lost or
//! duplicated, nothing half-done is visible, archives verify. (The ballot burst under
//! SIGKILL is `crash.rs`.)

// The helpers below are test code too: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ecabinet_domain::poll::PollStatus;
use ecabinet_protocol::EventBody;
use ecabinet_protocol::poll::{PollView, Receipt};
use ecabinet_tests::*;
use serde_json::json;
use std::time::Duration;

async fn view(c: &Client, poll: i64) -> anyhow::Result<PollView> {
    let a = c.get(&format!("/api/polls/{poll}")).await?;
    anyhow::ensure!(a.status == 200, "poll {poll}: {} {}", a.status, a.body);
    Ok(serde_json::from_value(a.body)?)
}

/// How many `poll.changed` events announce poll `poll` closed, read from the event table.
async fn close_events(db_url: &str, poll: i64) -> anyhow::Result<usize> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(db_url).await?;
    let rows: Vec<(String, String)> =
        sqlx::query_as("select kind, payload from event where kind = 'poll.changed'")
            .fetch_all(&pool)
            .await?;
    pool.close().await;
    Ok(rows
        .iter()
        .filter_map(|(k, p)| EventBody::from_parts(k, serde_json::from_str(p).ok()?).ok())
        .filter(|b| matches!(b, EventBody::PollChanged { poll: s } if s.id == poll && s.status == PollStatus::Closed))
        .count())
}

/// A started demo meeting with enrolled tablets for `members`, through `base`.
async fn meeting_with_tablets(
    base: &str,
    members: &[&str],
) -> anyhow::Result<(Client, i64, Vec<Tablet>)> {
    let (clerk, meeting) = started_demo_meeting(base).await?;
    let mut tablets = Vec::new();
    for m in members {
        tablets.push(enroll(Client::logged_in(base, m).await?, &clerk).await?);
    }
    Ok((clerk, meeting, tablets))
}

async fn open_poll(clerk: &Client, meeting: i64, question: &str) -> anyhow::Result<i64> {
    let poll = new_poll(clerk, meeting, question).await?;
    clerk
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    Ok(poll)
}

#[tokio::test]
async fn a_vote_killed_while_closing_closes_once_with_a_result_that_verifies() -> anyhow::Result<()>
{
    let db = TestDb::new().await?;
    seed_with_binary(&db.url).await?;
    let mut node = ServerProcess::start(&db.url, &[]).await?;
    let members = ["bt01", "bt02", "bt03", "bt04", "bt05"];
    let (clerk, meeting, tablets) = meeting_with_tablets(&node.base, &members).await?;
    // The kill lands at different points of the close: before it, during its
    // transaction, after its commit.
    for (round, delay_ms) in [0u64, 3, 8, 15, 40].into_iter().enumerate() {
        let clerk = Client::logged_in(&node.base, "vanthu1").await?;
        let poll = open_poll(&clerk, meeting, &format!("Vòng {round}")).await?;
        for t in &tablets {
            let a = t.through(&node.base).await?.vote(poll, &[0]).await?;
            assert_eq!(a.status, 201, "{}", a.body);
        }
        let closing = {
            let clerk = clerk.clone();
            tokio::spawn(async move {
                clerk
                    .post(&format!("/api/polls/{poll}/close"), json!({}))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        node.kill().await?;
        let acknowledged = matches!(closing.await?, Ok(a) if a.status == 200);
        node.restart().await?;
        let clerk = Client::logged_in(&node.base, "vanthu1").await?;
        let v = view(&clerk, poll).await?;
        if acknowledged {
            assert_eq!(
                v.summary.status,
                PollStatus::Closed,
                "an acknowledged close is kept"
            );
        }
        match v.summary.status {
            PollStatus::Closed => {
                assert!(
                    v.summary.result.is_some() && v.result_signature.is_some(),
                    "{v:?}"
                )
            }
            _ => {
                // Not closed: it never was half-closed, and closes now.
                assert!(v.summary.result.is_none());
                clerk
                    .ok_post(&format!("/api/polls/{poll}/close"), json!({}))
                    .await?;
            }
        }
        assert_eq!(close_events(&db.url, poll).await?, 1, "round {round}");
        let bundle = clerk.get(&format!("/api/polls/{poll}/archive")).await?;
        let bundle = ecabinet_archive::parse(bundle.body.to_string().as_bytes()).expect("bundle");
        let verdict = ecabinet_archive::verify(&bundle);
        assert!(verdict.ok(), "{}", ecabinet_archive::describe(&verdict));
        assert_eq!(bundle.polls[0].ballots.len(), members.len());
    }
    drop(clerk);
    Ok(())
}

#[tokio::test]
async fn an_upload_cut_by_a_kill_leaves_nothing_and_an_acknowledged_one_renders_after_restart()
-> anyhow::Result<()> {
    let db = TestDb::new().await?;
    seed_with_binary(&db.url).await?;
    let mut node = ServerProcess::start(&db.url, &[]).await?;
    let docs_dir = node.documents_dir();
    let clerk = Client::logged_in(&node.base, "vanthu1").await?;
    let meeting = published_meeting(&clerk, "Phiên họp thử", 1).await?;
    let pdf = ecabinet_documents::fixtures::text_pdf(
        &ecabinet_server::platform::config::Config::default().pdfium_path(),
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".as_ref(),
        &[
            vec!["TỜ TRÌNH".to_owned()],
            vec!["Trang hai".to_owned()],
            vec!["Trang ba".to_owned()],
        ],
    )?;

    // Half the file arrives, then the server dies.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream_of(rx));
    let form = reqwest::multipart::Form::new()
        .text(
            "meta",
            json!({"title": "Tờ trình", "kind": "submission", "confidentiality": "normal"})
                .to_string(),
        )
        .part(
            "file",
            reqwest::multipart::Part::stream(body)
                .file_name("to-trinh.pdf")
                .mime_str("application/pdf")?,
        );
    let sending = {
        let http = clerk.http.clone();
        let url = format!("{}/api/meetings/{meeting}/documents", node.base);
        tokio::spawn(async move { http.post(url).multipart(form).send().await })
    };
    tx.send(Ok(pdf[..pdf.len() / 2].to_vec())).await?;
    let incoming = docs_dir.join("incoming");
    let mut leftover = None;
    for _ in 0..100 {
        leftover = std::fs::read_dir(&incoming)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path());
        if leftover.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let leftover = leftover.expect("the upload had begun");
    node.kill().await?;
    drop(tx);
    assert!(
        sending.await?.is_err(),
        "the cut upload was not acknowledged"
    );
    assert!(leftover.exists(), "SIGKILL leaves the partial file");
    // An hour later (made so), a restart sweeps it.
    std::fs::File::options()
        .write(true)
        .open(&leftover)?
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(2 * 3600))?;
    node.restart().await?;
    let clerk = Client::logged_in(&node.base, "vanthu1").await?;
    let listed = clerk
        .get(&format!("/api/meetings/{meeting}/documents"))
        .await?;
    assert_eq!(listed.body, json!([]), "nothing half-uploaded is listed");
    assert!(!leftover.exists(), "the partial file is swept at start");

    // An acknowledged upload, killed while rendering, renders after the restart.
    let a = clerk
        .upload(
            &format!("/api/meetings/{meeting}/documents"),
            Some(json!({"title": "Tờ trình", "kind": "submission", "confidentiality": "normal"})),
            "to-trinh.pdf",
            pdf.clone(),
        )
        .await?;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_i64().expect("document id");
    node.kill().await?;
    node.restart().await?;
    let clerk = Client::logged_in(&node.base, "vanthu1").await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let list = clerk
            .get(&format!("/api/meetings/{meeting}/documents"))
            .await?;
        let d = list.body.as_array().and_then(|l| l.first()).cloned();
        let d = d.expect("the acknowledged document is kept");
        assert_eq!(d["id"].as_i64(), Some(id));
        if d["status"] == "ready" {
            assert_eq!(d["pages_rendered"], 3);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{d}\n{}",
            node.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _, original) = clerk
        .get_bytes(&format!("/api/documents/{id}/original"))
        .await?;
    assert_eq!((status, original == pdf), (200, true));
    Ok(())
}

#[tokio::test]
async fn a_render_left_by_a_dead_node_is_finished_by_a_live_one() -> anyhow::Result<()> {
    let db = TestDb::new().await?;
    if db.engine() != "postgres" {
        eprintln!("skipped on {}: one node per SQLite file", db.engine());
        return Ok(());
    }
    seed_with_binary(&db.url).await?;
    // No bucket here: the two nodes share a folder, and B looks for orphans every second.
    let shared = tempfile::tempdir()?;
    let folder = shared.path().to_string_lossy().into_owned();
    let env = [
        ("ECABINET_DOCUMENTS_DIR", folder.as_str()),
        ("ECABINET_RENDER_ADOPT_SECS", "1"),
    ];
    let mut a = ServerProcess::start(&db.url, &env).await?;
    let b = ServerProcess::start(&db.url, &env).await?;
    let clerk = Client::logged_in(&a.base, "vanthu1").await?;
    let meeting = published_meeting(&clerk, "Phiên họp thử", 1).await?;
    let pages: Vec<Vec<String>> = (1..=120)
        .map(|i| vec![format!("TỜ TRÌNH — trang {i}")])
        .collect();
    let pdf = ecabinet_documents::fixtures::text_pdf(
        &ecabinet_server::platform::config::Config::default().pdfium_path(),
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".as_ref(),
        &pages,
    )?;
    let a_doc = clerk
        .upload(
            &format!("/api/meetings/{meeting}/documents"),
            Some(json!({"title": "Tờ trình", "kind": "submission", "confidentiality": "normal"})),
            "to-trinh.pdf",
            pdf,
        )
        .await?;
    assert_eq!(a_doc.status, 201, "{}", a_doc.body);
    let id = a_doc.body["id"].as_i64().expect("document id");
    let list = format!("/api/meetings/{meeting}/documents");
    let first = |v: serde_json::Value| v.as_array().and_then(|l| l.first()).cloned();

    // A dies with some pages done and the rest to do.
    let mut done_by_a = 0;
    for _ in 0..500 {
        let d = first(clerk.get(&list).await?.body).expect("listed");
        done_by_a = d["pages_rendered"].as_i64().unwrap_or(0);
        assert_eq!(d["status"], "rendering", "rendered before the kill: {d}");
        if done_by_a > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(done_by_a > 0, "A never began");
    a.kill().await?;

    // B, never restarted, takes it over and renders every page.
    let clerk = Client::logged_in(&b.base, "vanthu1").await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let d = first(clerk.get(&list).await?.body).expect("listed");
        assert_eq!(d["id"].as_i64(), Some(id));
        if d["status"] != "rendering" {
            assert_eq!(
                (d["status"].as_str(), d["pages_rendered"].as_i64()),
                (Some("ready"), Some(120)),
                "{d}"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {d} after A's death\n{}",
            b.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, _, m) = Client::at(&b.base).get_bytes("/metrics").await?;
    let m = String::from_utf8(m)?;
    assert!(
        m.lines().any(|l| l == "ecabinet_renders_adopted_total 1"),
        "B took it over, once:\n{m}"
    );
    for page in [1, 120] {
        let (status, _, png) = clerk
            .get_bytes(&format!(
                "/api/documents/{id}/versions/1/pages/{page}?w=240"
            ))
            .await?;
        assert_eq!(
            (status, png.starts_with(b"\x89PNG")),
            (200, true),
            "page {page}"
        );
    }
    Ok(())
}

/// A stream of the chunks sent on `rx`, for a request body that arrives slowly.
fn tokio_stream_of(
    rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) })
}

#[tokio::test]
async fn postgres_crashed_and_restarted_under_a_ballot_burst_loses_nothing() -> anyhow::Result<()> {
    if std::env::var("ECABINET_TEST_POSTGRES").is_err() {
        eprintln!("skipped on SQLite: this is PostgreSQL's outage");
        return Ok(());
    }
    // A cluster of its own, since the suite's serves the other tests meanwhile; with
    // synchronous commits, as in production, so that an acknowledged ballot is durable.
    let cluster = std::sync::Arc::new(
        tokio::task::spawn_blocking(|| {
            ecabinet_pgcluster::Cluster::start_with(
                ecabinet_pgcluster::Durability::CommitsSurviveCrash,
            )
        })
        .await??,
    );
    let db = TestDb::postgres(&cluster.url()).await?;
    seed_with_binary(&db.url).await?;
    let a = ServerProcess::start(&db.url, &[]).await?;
    let b = ServerProcess::start(&db.url, &[]).await?;
    let members: Vec<String> = (1..=16).map(|i| format!("bt{i:02}")).collect();
    let names: Vec<&str> = members.iter().map(String::as_str).collect();
    let (clerk, meeting, tablets) = meeting_with_tablets(&a.base, &names).await?;
    let poll = open_poll(&clerk, meeting, "Thông qua?").await?;
    let (_, hash) = poll_definition(&clerk, poll).await?;
    // Half the tablets go through B.
    let mut senders = Vec::new();
    for (k, t) in tablets.iter().enumerate() {
        let base = if k % 2 == 0 { &a.base } else { &b.base };
        let moved = t.through(base).await?;
        senders.push((moved.client.clone(), moved.ballot(poll, hash, &[0])));
    }
    let topic = ecabinet_protocol::Topic::Meeting(ecabinet_domain::MeetingId(meeting));
    let watcher = Client::logged_in(&b.base, "bt20").await?;
    let mut ws = watcher.ws().await?;
    ws.hello().await?;
    ws.subscribe(topic).await?;

    // Ballots every 60 ms; the database crashes after the fourth and is back 1.5 s on.
    let pg = |crash: bool| {
        let cluster = cluster.clone();
        tokio::task::spawn_blocking(move || {
            if crash {
                cluster.crash()
            } else {
                cluster.resume()
            }
        })
    };
    let mut acked: Vec<Receipt> = Vec::new();
    let mut refused = Vec::new();
    let mut ready_during_outage = None;
    for (i, (c, body)) in senders.iter().enumerate() {
        if i == 4 {
            pg(true).await??;
        }
        if i == 6 {
            ready_during_outage = Some(Client::at(&a.base).get("/readyz").await?.status);
        }
        if i == 10 {
            pg(false).await??;
        }
        match c
            .post(&format!("/api/polls/{poll}/ballots"), body.clone())
            .await
        {
            Ok(r) if r.status == 201 => acked.push(serde_json::from_value(r.body)?),
            other => refused.push((i, other.map(|r| r.status).unwrap_or(0))),
        }
        tokio::time::sleep(Duration::from_millis(if (4..10).contains(&i) {
            250
        } else {
            60
        }))
        .await;
    }
    assert!(!refused.is_empty(), "the outage refused some ballots");
    assert_eq!(
        ready_during_outage,
        Some(503),
        "not ready without its database"
    );
    assert!(
        refused.iter().all(|(_, s)| *s >= 500),
        "refused with a server error, not a verdict: {refused:?}"
    );
    // The tablets send again what was refused (the same signed bytes): each counts once.
    for (i, _) in &refused {
        let (c, body) = &senders[*i];
        let mut tries = 0;
        loop {
            let r = c
                .post(&format!("/api/polls/{poll}/ballots"), body.clone())
                .await?;
            match r.status {
                201 => {
                    acked.push(serde_json::from_value(r.body)?);
                    break;
                }
                409 if r.code() == "ballot_replayed" => break,
                _ if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                _ => anyhow::bail!("ballot {i} after the outage: {} {}", r.status, r.body),
            }
        }
    }
    // B's client, connected through it all (or resumed), reaches every ballot.
    let all = u32::try_from(senders.len())?;
    let reached = ws
        .wait_for(topic, |st| {
            matches!(st, ecabinet_protocol::SnapshotBody::Meeting(m) if m.polls.iter().any(|p| p.id == poll && p.voted == all))
        })
        .await;
    if reached.is_err() {
        let c = Client::logged_in(&b.base, "bt20").await?;
        let mut again = c.ws().await?;
        again.topics = ws.topics.clone();
        again.hello().await?;
        again.subscribe(topic).await?;
        again
            .wait_for(topic, |st| {
                matches!(st, ecabinet_protocol::SnapshotBody::Meeting(m) if m.polls.iter().any(|p| p.id == poll && p.voted == all))
            })
            .await?;
    }
    let clerk = Client::logged_in(&a.base, "vanthu1").await?;
    clerk
        .ok_post(&format!("/api/polls/{poll}/close"), json!({}))
        .await?;
    let bundle = clerk.get(&format!("/api/polls/{poll}/archive")).await?;
    let bundle = ecabinet_archive::parse(bundle.body.to_string().as_bytes()).expect("bundle");
    let verdict = ecabinet_archive::verify(&bundle);
    assert!(verdict.ok(), "{}", ecabinet_archive::describe(&verdict));
    assert_eq!(bundle.polls[0].ballots.len(), senders.len(), "each once");
    for r in &acked {
        let b = &bundle.polls[0].ballots[r.index as usize];
        let mut leaf = b.ballot.clone();
        leaf.extend_from_slice(&b.signature);
        assert_eq!(
            hex::encode(ecabinet_crypto::log::leaf_hash(&leaf)),
            r.leaf_hash,
            "an acknowledged ballot at its receipt's index"
        );
    }
    Ok(())
}
