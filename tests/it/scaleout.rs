//! Scale-out: two `ecabinet` processes on one PostgreSQL. Clients on either node see every
//! event of the other once and in order (LISTEN/NOTIFY wakes a node, the event table
//! gives it the events); a node killed with SIGKILL loses nothing: its clients resume on
//! the other where they were.

use ecabinet_domain::MeetingId;
use ecabinet_protocol::frame::ServerFrame;
use ecabinet_protocol::{SnapshotBody, Topic};
use ecabinet_tests::*;
use serde_json::json;

/// `(seq, kind)` of the events of `topic` a client applied.
fn trail(ws: &WsClient, topic: Topic) -> Vec<(u64, String)> {
    ws.applied
        .iter()
        .filter(|e| e.topic == topic)
        .map(|e| (e.seq, e.body.kind().to_owned()))
        .collect()
}

fn voted(ws: &WsClient, topic: Topic, poll: i64) -> u32 {
    ws.meeting(topic)
        .and_then(|m| m.polls.iter().find(|p| p.id == poll))
        .map_or(0, |p| p.voted)
}

async fn wait_voted(ws: &mut WsClient, topic: Topic, poll: i64, n: u32) -> anyhow::Result<()> {
    ws.wait_for(topic, |st| {
        matches!(st, SnapshotBody::Meeting(m) if m.polls.iter().any(|p| p.id == poll && p.voted == n))
    })
    .await
}

#[tokio::test]
async fn two_nodes_on_one_postgres_deliver_every_event_once_in_order_and_survive_a_kill()
-> anyhow::Result<()> {
    let db = TestDb::new().await?;
    if db.engine() != "postgres" {
        // One SQLite file has one node; this runs in the PostgreSQL pass of `./x test`.
        eprintln!("skipped on {}: several nodes need PostgreSQL", db.engine());
        return Ok(());
    }
    seed_with_binary(&db.url).await?;
    // The nodes share one documents folder, as compose's volume does.
    let docs = db.files.path().join("documents");
    let env = [("ECABINET_DOCUMENTS_DIR", docs.to_str().unwrap_or_default())];
    let node_a = ServerProcess::start(&db.url, &env).await?;
    let mut node_b = ServerProcess::start(&db.url, &env).await?;
    let (base_a, base_b) = (node_a.base.clone(), node_b.base.clone());
    let show_logs = || {
        format!(
            "\nnode A:\n{}\nnode B:\n{}",
            node_a.log_text(),
            node_b.log_text()
        )
    };

    let (clerk, meeting) = started_demo_meeting(&base_a).await?;
    let topic = Topic::Meeting(MeetingId(meeting));

    // Watchers on both nodes, subscribed before anything happens.
    let watcher_a = Client::logged_in(&base_a, "bt20").await?;
    let mut wa = watcher_a.ws().await?;
    wa.hello().await?;
    wa.subscribe(topic).await?;
    let watcher_b = Client::logged_in(&base_b, "bt21").await?;
    let mut wb = watcher_b.ws().await?;
    wb.hello().await?;
    wb.subscribe(topic).await?;

    // A poll prepared on A, ten tablets: five on each node.
    let poll = new_poll(&clerk, meeting, "Thông qua Nghị quyết?").await?;
    let names: Vec<String> = (1..=10).map(|i| format!("bt{i:02}")).collect();
    let mut on_a = Vec::new();
    let mut on_b = Vec::new();
    for (k, n) in names.iter().enumerate() {
        let base = if k % 2 == 0 { &base_a } else { &base_b };
        let t = enroll(Client::logged_in(base, n).await?, &clerk).await?;
        if k % 2 == 0 {
            on_a.push(t)
        } else {
            on_b.push(t)
        }
    }
    clerk
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    let (_, hash) = poll_definition(&clerk, poll).await?;

    // Three ballots on each node at once.
    let mut sends = Vec::new();
    for t in on_a.iter().take(3).chain(on_b.iter().take(3)) {
        let c = t.client.clone();
        let body = t.ballot(poll, hash, &[0]);
        sends.push(tokio::spawn(async move {
            c.post(&format!("/api/polls/{poll}/ballots"), body).await
        }));
    }
    for s in sends {
        let a = s.await??;
        assert_eq!(a.status, 201, "{}{}", a.body, show_logs());
    }
    wait_voted(&mut wa, topic, poll, 6).await?;
    wait_voted(&mut wb, topic, poll, 6).await?;
    // Both reducers refuse a duplicate or a gap, so applying is "once, in order"; and
    // both nodes' clients saw the same history.
    assert_eq!(trail(&wa, topic), trail(&wb, topic));
    assert!(
        trail(&wb, topic).iter().any(|(_, k)| k == "poll.changed"),
        "B's client saw the vote opened on A"
    );
    let (_, _, metrics_a) = Client::at(&base_a).get_bytes("/metrics").await?;
    let metrics_a = String::from_utf8_lossy(&metrics_a);
    assert!(
        metrics_a
            .lines()
            .any(|l| l.starts_with("ecabinet_remote_wakeups_total ") && !l.ends_with(" 0")),
        "A was woken by B's commits:\n{metrics_a}"
    );

    // Node B dies. Its watcher notices, A goes on voting meanwhile.
    node_b.kill().await?;
    loop {
        match wb.next_within(PATIENCE).await {
            Err(_) => break,
            Ok(None) => anyhow::bail!("B's socket still open after SIGKILL"),
            Ok(Some(_)) => {}
        }
    }
    let seq_at_kill = wb.seq(topic);
    for t in on_a.iter().skip(3) {
        let a = t.vote(poll, &[1]).await?;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    wait_voted(&mut wa, topic, poll, 8).await?;

    // B's watcher reconnects to A from where it was: a replay, not a snapshot.
    let watcher_b = Client::logged_in(&base_a, "bt21").await?;
    let mut wb2 = watcher_b.ws().await?;
    wb2.topics = wb.topics.clone();
    wb2.applied = wb.applied.clone();
    wb2.hello().await?;
    let frames = wb2.subscribe(topic).await?;
    assert!(
        !frames
            .iter()
            .any(|f| matches!(f, ServerFrame::Snapshot { .. })),
        "resumed by replay"
    );
    assert!(wb2.seq(topic) > seq_at_kill, "missed events replayed");
    assert_eq!(voted(&wb2, topic, poll), 8);

    // B's tablets go on on A with their keys.
    for t in &on_b[3..] {
        let a = t.through(&base_a).await?.vote(poll, &[2]).await?;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    clerk
        .ok_post(&format!("/api/polls/{poll}/close"), json!({}))
        .await?;
    for ws in [&mut wa, &mut wb2] {
        ws.wait_for(topic, |st| {
            matches!(st, SnapshotBody::Meeting(m) if m.polls.iter().any(|p| p.id == poll && p.result.is_some()))
        })
        .await?;
    }
    let ta = trail(&wa, topic);
    assert_eq!(ta, trail(&wb2, topic), "the same history on both");
    assert!(
        ta.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "no gap: {ta:?}"
    );

    let bundle = clerk.get(&format!("/api/polls/{poll}/archive")).await?;
    let bundle = ecabinet_archive::parse(bundle.body.to_string().as_bytes()).expect("bundle");
    let verdict = ecabinet_archive::verify(&bundle);
    assert!(verdict.ok(), "{}", ecabinet_archive::describe(&verdict));
    assert_eq!(bundle.polls[0].ballots.len(), 10, "every ballot once");
    Ok(())
}
