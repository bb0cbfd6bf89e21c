//! The real-time hub: live delivery, resume, restart, snapshots, and frame errors.

use ecabinet_domain::meeting::MeetingStatus;
use ecabinet_domain::{MeetingId, UserId};
use ecabinet_protocol::frame::{ClientFrame, Position, ServerFrame};
use ecabinet_protocol::{ErrorCode, EventBody, MAX_REPLAY, SnapshotBody, Topic};
use ecabinet_tests::*;
use serde_json::json;
use std::time::Duration;

fn present(mode: &str) -> serde_json::Value {
    json!({"status": "present", "mode": mode})
}

fn events(frames: &[ServerFrame]) -> Vec<u64> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Event { event } => Some(event.seq),
            _ => None,
        })
        .collect()
}

fn has_snapshot(frames: &[ServerFrame]) -> bool {
    frames
        .iter()
        .any(|f| matches!(f, ServerFrame::Snapshot { .. }))
}

#[tokio::test]
async fn every_subscriber_sees_every_change_live_and_in_order() -> anyhow::Result<()> {
    let (s, _clerk, id, topic) = server_with_meeting("Họp trực tuyến", 3).await?;
    let chair = s.login("thutuong").await?;
    let mut watchers = Vec::new();
    for u in ["ptt1", "bt01", "bt02"] {
        let c = s.login(u).await?;
        let mut ws = c.ws().await?;
        ws.hello().await?;
        let frames = ws.subscribe(topic).await?;
        assert!(
            has_snapshot(&frames),
            "a first subscription starts from a snapshot"
        );
        watchers.push((c, ws));
    }
    let start_seq = watchers[0].1.seq(topic);
    for (c, _) in &watchers {
        c.ok_post(
            &format!("/api/meetings/{id}/attendance"),
            present("in_room"),
        )
        .await?;
    }
    chair
        .ok_post(&format!("/api/meetings/{id}/start"), json!({}))
        .await?;
    chair
        .ok_post(
            &format!("/api/meetings/{id}/current"),
            json!({"to": "next"}),
        )
        .await?;
    // 3 check-ins, status, current item (start), current item (next).
    let expected = start_seq + 6;
    let reference = chair.get(&format!("/api/meetings/{id}")).await?.body;
    for (_, ws) in &mut watchers {
        ws.wait_seq(topic, expected).await?;
        let seqs: Vec<u64> = ws.applied.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, ((start_seq + 1)..=expected).collect::<Vec<_>>());
        let m = ws.meeting(topic).unwrap();
        assert_eq!(
            serde_json::to_value(m)?,
            reference,
            "live state equals the server's"
        );
        assert_eq!(m.quorum().present, 3);
        assert_eq!(m.info.status, MeetingStatus::InProgress);
    }
    Ok(())
}

#[tokio::test]
async fn resume_after_disconnect_receives_exactly_the_missed_events() -> anyhow::Result<()> {
    let (s, _clerk, id, topic) = server_with_meeting("Họp", 2).await?;
    let (member, ws) = s.watch("bt03", topic).await?;
    let held = ws.topics.get(&topic).cloned().unwrap();
    ws.close().await;

    // Two things happen while the tablet is away.
    s.login("ptt1")
        .await?
        .ok_post(&format!("/api/meetings/{id}/attendance"), present("remote"))
        .await?;
    s.login("ptt2")
        .await?
        .ok_post(
            &format!("/api/meetings/{id}/attendance"),
            present("in_room"),
        )
        .await?;

    let mut ws = member.ws().await?;
    ws.hello().await?;
    ws.topics.insert(topic, held.clone());
    let frames = ws.subscribe(topic).await?;
    assert!(
        !has_snapshot(&frames),
        "a short gap is replayed, not reloaded"
    );
    assert_eq!(events(&frames), vec![held.seq + 1, held.seq + 2]);
    assert!(matches!(frames.last(), Some(ServerFrame::Synced { seq, .. }) if *seq == held.seq + 2));
    let m = ws.meeting(topic).unwrap();
    assert_eq!(m.quorum().present, 2);

    // Nothing more arrives: no duplicates of what was replayed.
    assert!(ws.next_within(Duration::from_millis(300)).await?.is_none());
    // And live events keep flowing after the replay.
    s.login("ptt3")
        .await?
        .ok_post(
            &format!("/api/meetings/{id}/attendance"),
            present("in_room"),
        )
        .await?;
    ws.wait_seq(topic, held.seq + 3).await?;
    assert_eq!(ws.meeting(topic).unwrap().quorum().present, 3);
    Ok(())
}

#[tokio::test]
async fn server_restart_then_resume_loses_nothing() -> anyhow::Result<()> {
    let (s, _clerk, id, topic) = server_with_meeting("Họp", 2).await?;
    let (member, mut ws) = s.watch("bt04", topic).await?;
    let before = ws.seq(topic);
    s.login("ptt1")
        .await?
        .ok_post(&format!("/api/meetings/{id}/attendance"), present("remote"))
        .await?;
    ws.wait_seq(topic, before + 1).await?;
    let held = ws.topics.get(&topic).cloned().unwrap();

    let s = s.restart().await?;
    // The server told the connection it was going away.
    let gone = ws.next().await.expect_err("the old connection is closed");
    assert!(
        gone.to_string().contains("1012") || gone.to_string().contains("Restart"),
        "{gone}"
    );

    // Sessions live in the database: the same cookie still works after the restart.
    assert_eq!(member.get("/api/me").await?.status, 200);
    s.login("ptt2")
        .await?
        .ok_post(
            &format!("/api/meetings/{id}/attendance"),
            present("in_room"),
        )
        .await?;
    s.login("thutuong")
        .await?
        .ok_post(&format!("/api/meetings/{id}/start"), json!({}))
        .await?;

    let mut ws = member.ws().await?;
    ws.hello().await?;
    ws.topics.insert(topic, held.clone());
    let frames = ws.subscribe(topic).await?;
    assert!(!has_snapshot(&frames));
    // check-in, status, current item
    assert_eq!(
        events(&frames),
        vec![held.seq + 1, held.seq + 2, held.seq + 3]
    );
    let m = ws.meeting(topic).unwrap();
    assert_eq!(m.info.status, MeetingStatus::InProgress);
    assert_eq!(m.quorum().present, 2);
    let fresh = member.get(&format!("/api/meetings/{id}")).await?.body;
    assert_eq!(serde_json::to_value(m)?, fresh);
    Ok(())
}

#[tokio::test]
async fn too_far_behind_another_epoch_or_the_future_reload_a_snapshot() -> anyhow::Result<()> {
    let (s, _clerk, _id, topic) = server_with_meeting("Họp", 1).await?;
    // Make a long history quickly, straight into the log.
    let mut tx = s.state.db.write().await?;
    for _ in 0..(MAX_REPLAY + 5) {
        tx.append(
            topic,
            EventBody::MeetingStatusChanged {
                status: MeetingStatus::Published,
            },
            None,
        )
        .await?;
    }
    let head = tx.last_seq(topic).await?;
    tx.commit().await?;
    assert!(head > MAX_REPLAY + 1);
    let member = s.login("ptt4").await?;
    let epoch = s.state.epoch.clone();
    for (since, why) in [
        (
            Position {
                epoch: epoch.clone(),
                seq: 1,
            },
            "too far behind",
        ),
        (
            Position {
                epoch: "another-database".into(),
                seq: head - 1,
            },
            "other epoch",
        ),
        (
            Position {
                epoch: epoch.clone(),
                seq: head + 7,
            },
            "from the future",
        ),
    ] {
        let mut ws = member.ws().await?;
        ws.hello().await?;
        let frames = ws.subscribe_since(topic, Some(since)).await?;
        assert!(has_snapshot(&frames), "{why}");
        assert!(events(&frames).is_empty(), "{why}");
        assert_eq!(ws.seq(topic), head, "{why}");
        ws.close().await;
    }
    // Just within the replay window: replayed, every event once, up to the head.
    let mut ws = member.ws().await?;
    ws.hello().await?;
    ws.subscribe(topic).await?;
    ws.topics.get_mut(&topic).unwrap().seq = head - MAX_REPLAY;
    let frames = ws.subscribe(topic).await?;
    assert!(!has_snapshot(&frames));
    assert_eq!(
        events(&frames),
        ((head - MAX_REPLAY + 1)..=head).collect::<Vec<_>>()
    );
    Ok(())
}

#[tokio::test]
async fn concurrent_commands_reach_a_watcher_once_each_without_gaps() -> anyhow::Result<()> {
    let (s, _clerk, id, topic) = server_with_meeting("Họp đông", 1).await?;
    let (_chair, mut watch) = s.watch("thutuong", topic).await?;
    let base = watch.seq(topic);
    let members: Vec<String> = std::iter::once("ptt1".to_owned())
        .chain((2..=4).map(|i| format!("ptt{i}")))
        .chain((1..=22).map(|i| format!("bt{i:02}")))
        .collect();
    let mut clients = Vec::new();
    for m in &members {
        clients.push(s.login(m).await?);
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            tokio::spawn(async move {
                let mode = if i % 2 == 0 { "in_room" } else { "remote" };
                c.ok_post(
                    &format!("/api/meetings/{id}/attendance"),
                    json!({"status": "present", "mode": mode}),
                )
                .await
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    // The test client refuses gaps and duplicates, so reaching the end proves both.
    watch.wait_seq(topic, base + members.len() as u64).await?;
    let q = watch.meeting(topic).unwrap().quorum();
    assert_eq!((q.present, q.total, q.required, q.met), (26, 27, 18, true));
    assert!(
        watch
            .next_within(Duration::from_millis(300))
            .await?
            .is_none(),
        "no extra events"
    );
    Ok(())
}

#[tokio::test]
async fn lists_follow_publication_and_removal() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let member = s.login("bt09").await?;
    let me = Topic::User(UserId(member.id()));
    let mut ws = member.ws().await?;
    ws.hello().await?;
    ws.subscribe(me).await?;
    let mut desk = clerk.ws().await?;
    desk.hello().await?;
    desk.subscribe(Topic::Meetings).await?;

    let input = meeting_input("Họp về đầu tư công", &[demo_id("thutuong"), member.id()]);
    let id = clerk.ok_post("/api/meetings", input.clone()).await?.body["id"]
        .as_i64()
        .unwrap();
    let listed = |title: &'static str| move |b: &SnapshotBody| matches!(b, SnapshotBody::MeetingList(l) if l.meetings.iter().any(|m| m.details.title == title));
    desk.wait_for(Topic::Meetings, listed("Họp về đầu tư công"))
        .await?;
    // The draft does not reach the member.
    assert!(ws.next_within(Duration::from_millis(300)).await?.is_none());

    clerk
        .put(
            &format!("/api/meetings/{id}/agenda"),
            json!({"items": [{"title": "A", "planned_minutes": 5}]}),
        )
        .await?;
    clerk
        .ok_post(&format!("/api/meetings/{id}/publish"), json!({}))
        .await?;
    ws.wait_for(me, listed("Họp về đầu tư công")).await?;

    // The member opens the meeting, then is removed from it.
    let topic = Topic::Meeting(MeetingId(id));
    ws.subscribe(topic).await?;
    let mut without = input;
    without["participants"] = json!([{"user_id": demo_id("thutuong")}]);
    assert_eq!(
        clerk
            .put(&format!("/api/meetings/{id}"), without)
            .await?
            .status,
        204
    );
    let mut unsubscribed = false;
    let mut unlisted = false;
    while !(unsubscribed && unlisted) {
        match ws.next().await? {
            ServerFrame::Unsubscribed { topic: t } if t == topic => unsubscribed = true,
            ServerFrame::Event { event }
                if matches!(event.body, EventBody::MeetingUnlisted { .. }) =>
            {
                unlisted = true
            }
            _ => {}
        }
    }
    assert_eq!(
        member.get(&format!("/api/meetings/{id}")).await?.status,
        404
    );
    Ok(())
}

#[tokio::test]
async fn malformed_frames_get_an_error_and_the_connection_survives() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let c = s.login("ptt1").await?;
    let mut ws = c.ws().await?;
    let expect = |f: ServerFrame| match f {
        ServerFrame::Error { code, .. } => code,
        other => panic!("expected an error frame, got {other:?}"),
    };
    ws.send(&ClientFrame::Ping { nonce: 1 }).await?;
    assert_eq!(expect(ws.next().await?), ErrorCode::HelloRequired);
    ws.hello().await?;
    for (text, code) in [
        ("{", ErrorCode::BadFrame),
        ("[]", ErrorCode::BadFrame),
        (r#"{"type":"vote","choice":1}"#, ErrorCode::BadFrame),
        (r#"{"type":"subscribe"}"#, ErrorCode::BadFrame),
        (
            r#"{"type":"subscribe","topic":"room:1"}"#,
            ErrorCode::UnknownTopic,
        ),
        (
            r#"{"type":"subscribe","topic":"meeting:007"}"#,
            ErrorCode::UnknownTopic,
        ),
    ] {
        ws.send_text(text.to_owned()).await?;
        assert_eq!(expect(ws.next().await?), code, "{text}");
    }
    let big = format!(
        r#"{{"type":"ping","nonce":1,"pad":"{}"}}"#,
        "x".repeat(ecabinet_protocol::MAX_FRAME_BYTES)
    );
    ws.send_text(big).await?;
    assert_eq!(expect(ws.next().await?), ErrorCode::FrameTooLarge);
    ws.stream
        .send(tokio_tungstenite::tungstenite::Message::Binary(
            vec![1, 2, 3].into(),
        ))
        .await?;
    assert_eq!(expect(ws.next().await?), ErrorCode::BadFrame);
    // Still alive and answering.
    ws.send(&ClientFrame::Ping { nonce: 42 }).await?;
    assert_eq!(ws.next().await?, ServerFrame::Pong { nonce: 42 });

    // Far beyond the transport limit the server closes the connection.
    let huge = "x".repeat(2 << 20);
    let _ = ws.send_text(huge).await;
    assert!(
        ws.next().await.is_err(),
        "a 2 MiB frame closes the connection"
    );

    // A client of another protocol version is told so, then closed.
    let mut old = c.ws().await?;
    old.send(&ClientFrame::Hello { protocol: 99 }).await?;
    assert_eq!(expect(old.next().await?), ErrorCode::UnsupportedProtocol);
    assert!(old.next().await.is_err());
    Ok(())
}

use futures::SinkExt;
