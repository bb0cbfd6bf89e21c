//! Signed votes end to end: enrolment, opening, ballots with receipts, live progress,
//! closing, the archive bundle and its offline recount; every refusal; concurrency.

// The helpers below are test code too: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ecabinet_crypto::log::{
    TreeHead, receipt_bytes, server_verify, verify_consistency, verify_inclusion,
};
use ecabinet_domain::MeetingId;
use ecabinet_domain::vote::Outcome;
use ecabinet_protocol::poll::{PollView, Receipt};
use ecabinet_protocol::{SnapshotBody, Topic};
use ecabinet_tests::*;
use serde_json::json;

fn arr<const N: usize>(h: &str) -> [u8; N] {
    hex::decode(h).unwrap().try_into().unwrap()
}

/// What a tablet checks on a receipt: the server's signature, and that its leaf is in the
/// tree it names.
fn check_receipt(r: &Receipt, server_key: &str, leaf: &[u8]) {
    let head = TreeHead {
        size: r.tree_size,
        root: arr(&r.tree_root),
    };
    let lh: [u8; 32] = arr(&r.leaf_hash);
    assert_eq!(lh, ecabinet_crypto::log::leaf_hash(leaf));
    server_verify(
        &arr(server_key),
        &receipt_bytes(r.poll_id as u64, r.index, &lh, &head),
        &arr(&r.signature),
    )
    .expect("receipt signature");
    let proof: Vec<[u8; 32]> = r.inclusion.iter().map(|h| arr(h)).collect();
    assert!(verify_inclusion(&head, leaf, r.index, &proof), "inclusion");
}

fn leaf_of(ballot: &serde_json::Value) -> Vec<u8> {
    let mut leaf = hex::decode(ballot["ballot"].as_str().unwrap()).unwrap();
    leaf.extend(hex::decode(ballot["signature"].as_str().unwrap()).unwrap());
    leaf
}

async fn view(c: &Client, poll: i64) -> anyhow::Result<PollView> {
    Ok(serde_json::from_value(
        c.get(&format!("/api/polls/{poll}")).await?.body,
    )?)
}

#[tokio::test]
async fn a_vote_from_opening_to_a_verified_archive() -> anyhow::Result<()> {
    let (s, clerk, chair, meeting, poll) =
        meeting_with_poll(json!({"preset": "company_board"})).await?;
    let topic = Topic::Meeting(MeetingId(meeting));
    let mut tablets = Vec::new();
    for u in ["thutuong", "bt01", "bt02", "bt03"] {
        tablets.push(enrolled_tablet(&s, &clerk, u).await?);
    }
    // 14 of 27 check in: quorum (half) is met.
    for u in [
        "thutuong", "ptt1", "ptt2", "ptt3", "ptt4", "bt01", "bt02", "bt03", "bt04", "bt05", "bt06",
        "bt07", "bt08", "bt09",
    ] {
        s.login(u)
            .await?
            .ok_post(
                &format!("/api/meetings/{meeting}/attendance"),
                json!({"status": "present", "mode": "in_room"}),
            )
            .await?;
    }
    let (_, mut watcher) = s.watch("bt20", topic).await?;

    // Before opening, a ballot is refused.
    let early = tablets[1].vote(poll, &[0]).await;
    assert!(early.is_err(), "a draft has no definition to sign");
    chair
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    watcher
        .wait_for(topic, |st| {
            matches!(st, SnapshotBody::Meeting(m) if m.polls.iter().any(|p| p.id == poll && p.eligible == 27))
        })
        .await?;

    let (def, hash) = poll_definition(&tablets[1].client, poll).await?;
    assert_eq!(
        def.voters.len(),
        27,
        "chair and all members; not the invitee"
    );
    assert_eq!(def.voters.iter().filter(|v| v.present).count(), 14);
    let server_key = view(&chair, poll).await?.server_key;

    // Chair and bt01 for, bt02 against, bt03 abstains.
    let mut receipts = Vec::new();
    for (t, choice) in tablets.iter().zip([0u16, 0, 1, 2]) {
        let b = t.ballot(poll, hash, &[choice]);
        let a = t
            .client
            .post(&format!("/api/polls/{poll}/ballots"), b.clone())
            .await?;
        assert_eq!(a.status, 201, "{}", a.body);
        let r: Receipt = serde_json::from_value(a.body)?;
        check_receipt(&r, &server_key, &leaf_of(&b));
        receipts.push(r);
    }
    // Everyone sees the count move; nobody sees a choice.
    watcher
        .wait_for(topic, |st| {
            matches!(st, SnapshotBody::Meeting(m) if m.polls.iter().any(|p| p.id == poll && p.voted == 4 && p.result.is_none()))
        })
        .await?;
    let pending = chair.get(&format!("/api/polls/{poll}/pending")).await?;
    assert_eq!(pending.body["members"].as_array().unwrap().len(), 23);
    assert!(
        !pending
            .body
            .to_string()
            .contains("Bộ trưởng Bộ Quốc phòng\""),
        "bt01 voted"
    );
    let member_view = tablets[1]
        .client
        .get(&format!("/api/polls/{poll}/pending"))
        .await?;
    assert_eq!(
        member_view.status, 403,
        "only the chair sees who has not voted"
    );
    // The member keeps their receipt; the view gives it back.
    assert_eq!(view(&tablets[1].client, poll).await?.my_receipts.len(), 1);

    chair
        .ok_post(&format!("/api/polls/{poll}/close"), json!({}))
        .await?;
    watcher
        .wait_for(topic, |st| {
            matches!(st, SnapshotBody::Meeting(m) if m.polls.iter().any(|p| p.id == poll && p.result.is_some()))
        })
        .await?;
    let v = view(&tablets[2].client, poll).await?;
    let result = v.summary.result.clone().unwrap();
    // Company board: more than half of the 14 present; 2 for is not.
    assert_eq!(result.counts, vec![2, 1, 1]);
    assert_eq!(result.outcome, Outcome::Failed);
    assert_eq!(result.base, 14);
    // Each tablet checks that the log the result was counted from extends the tree its
    // receipt named: its ballot is still in what was counted.
    let record = v.result_record.clone().unwrap();
    server_verify(
        &arr(&server_key),
        &record.canonical_bytes(),
        &arr(v.result_signature.as_deref().unwrap()),
    )
    .expect("result signature");
    assert_eq!(record.result, result);
    let final_head = TreeHead {
        size: record.tree_size,
        root: record.tree_root,
    };
    assert_eq!(final_head.size, 4);
    for (i, t) in tablets.iter().enumerate() {
        let mine = view(&t.client, poll).await?;
        let r = &receipts[i];
        let head = TreeHead {
            size: r.tree_size,
            root: arr(&r.tree_root),
        };
        let proof: Vec<[u8; 32]> = mine.my_consistency[0].iter().map(|h| arr(h)).collect();
        assert!(verify_consistency(&head, &final_head, &proof), "tablet {i}");
        if r.tree_size > 1 && r.tree_size < 4 {
            let other = TreeHead {
                size: r.tree_size,
                root: arr(&receipts[0].tree_root),
            };
            assert!(
                !verify_consistency(&other, &final_head, &proof),
                "a wrong head fails"
            );
        }
    }

    // The archive recounts offline; one flipped byte anywhere in a ballot fails it.
    let bundle = chair
        .get(&format!("/api/meetings/{meeting}/archive"))
        .await?;
    assert_eq!(bundle.status, 200);
    let parsed = ecabinet_archive::parse(bundle.body.to_string().as_bytes()).unwrap();
    let verdict = ecabinet_archive::verify(&parsed);
    assert!(verdict.ok(), "{}", ecabinet_archive::describe(&verdict));
    assert_eq!(verdict.polls[0].recount.as_ref().unwrap(), &result);
    let mut tampered = parsed.clone();
    tampered.polls[0].ballots[2].ballot[60] ^= 1;
    assert!(!ecabinet_archive::verify(&tampered).ok());
    let mut forged = parsed.clone();
    forged.polls[0].result.result.outcome = Outcome::Passed;
    let v = ecabinet_archive::verify(&forged);
    assert!(!v.ok());
    assert!(ecabinet_archive::describe(&v).contains("result signature"));

    // The command line says the same, from the file alone; one flipped hex digit of a
    // signature makes it fail.
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&bundle.body)?)?;
    let run = |f: &std::path::Path| {
        std::process::Command::new(server_binary().unwrap())
            .arg("verify")
            .arg(f)
            .output()
            .unwrap()
    };
    let out = run(&file);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with("verdict: VERIFIED\n"), "{stdout}");
    let mut flipped = bundle.body.clone();
    let sig = flipped["polls"][0]["ballots"][1]["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    let digit = if sig.starts_with('0') { "1" } else { "0" };
    flipped["polls"][0]["ballots"][1]["signature"] = json!(format!("{digit}{}", &sig[1..]));
    std::fs::write(&file, serde_json::to_vec(&flipped)?)?;
    let out = run(&file);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("ballot 1: the member's signature does not verify"),
        "{stdout}"
    );
    std::fs::write(&file, b"{ not json")?;
    assert_eq!(run(&file).status.code(), Some(2));

    // After the close, nothing more is accepted.
    let late = tablets[0]
        .client
        .post(
            &format!("/api/polls/{poll}/ballots"),
            tablets[0].ballot(poll, hash, &[0]),
        )
        .await?;
    assert_eq!((late.status, late.code()), (409, "poll_closed"));
    Ok(())
}

#[tokio::test]
async fn bad_ballots_get_their_own_code_and_store_nothing() -> anyhow::Result<()> {
    let (s, clerk, chair, _meeting, poll) = meeting_with_poll(json!({})).await?;
    let member = enrolled_tablet(&s, &clerk, "bt01").await?;
    let other = enrolled_tablet(&s, &clerk, "bt02").await?;
    let revoked = enrolled_tablet(&s, &clerk, "bt03").await?;
    // bt04 registers a key that is never approved; bt05 takes part as a non-voting invitee.
    let pending = s.login("bt04").await?;
    let pending_key = ed25519_dalek::SigningKey::from_bytes(&[44; 32]);
    pending
        .ok_post(
            "/api/devices",
            json!({"label": "Điện thoại", "public_key": hex::encode(pending_key.verifying_key().as_bytes())}),
        )
        .await?;
    let ballots = |p: i64| format!("/api/polls/{p}/ballots");

    // Draft: not open.
    let draft_hash = [0u8; 32];
    let a = member
        .client
        .post(&ballots(poll), member.ballot(poll, draft_hash, &[0]))
        .await?;
    assert_eq!((a.status, a.code()), (409, "poll_not_open"));

    chair
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    let (_, hash) = poll_definition(&member.client, poll).await?;
    clerk
        .ok_post(
            &format!("/api/devices/{}/revoke", revoked.device_id),
            json!({}),
        )
        .await?;

    let good = member.ballot(poll, hash, &[0]);
    let mut bad_sig = good.clone();
    let mut sig = hex::decode(bad_sig["signature"].as_str().unwrap())?;
    sig[5] ^= 1;
    bad_sig["signature"] = json!(hex::encode(sig));
    let mut truncated = good.clone();
    let t = good["ballot"].as_str().unwrap();
    truncated["ballot"] = json!(&t[..t.len() - 2]);
    let pending_tablet = Tablet {
        client: pending.clone(),
        key: pending_key,
        device_id: 0,
    };
    let stranger = Tablet {
        client: member.client.clone(),
        key: ed25519_dalek::SigningKey::from_bytes(&[99; 32]),
        device_id: 0,
    };
    let cases: Vec<(&str, &Client, serde_json::Value, u16, &str)> = vec![
        (
            "bad signature",
            &member.client,
            bad_sig,
            422,
            "bad_signature",
        ),
        (
            "not hex",
            &member.client,
            json!({"ballot": "zz", "signature": "00"}),
            422,
            "ballot_malformed",
        ),
        (
            "truncated",
            &member.client,
            truncated,
            422,
            "ballot_malformed",
        ),
        (
            "wrong shape",
            &member.client,
            json!({"ballot": 5}),
            400,
            "bad_request",
        ),
        (
            "other poll id",
            &member.client,
            member.ballot(poll + 1, hash, &[0]),
            422,
            "ballot_malformed",
        ),
        (
            "stale definition",
            &member.client,
            member.ballot(poll, [7; 32], &[0]),
            409,
            "ballot_stale_poll",
        ),
        (
            "wrong option",
            &member.client,
            member.ballot(poll, hash, &[3]),
            422,
            "bad_choice",
        ),
        (
            "two options on yes/no",
            &member.client,
            member.ballot(poll, hash, &[0, 1]),
            422,
            "bad_choice",
        ),
        (
            "unknown key",
            &member.client,
            stranger.ballot(poll, hash, &[0]),
            403,
            "unknown_key",
        ),
        (
            "pending key",
            &pending,
            pending_tablet.ballot(poll, hash, &[0]),
            403,
            "unknown_key",
        ),
        (
            "revoked key",
            &revoked.client,
            revoked.ballot(poll, hash, &[0]),
            403,
            "revoked_key",
        ),
        (
            "another member's key",
            &member.client,
            other.ballot_as(member.client.id(), poll, hash, &[0]),
            403,
            "unknown_key",
        ),
        (
            "names another member",
            &member.client,
            member.ballot_as(other.client.id(), poll, hash, &[0]),
            403,
            "ballot_other_member",
        ),
    ];
    for (what, who, body, status, code) in cases {
        let a = who.post(&ballots(poll), body).await?;
        assert_eq!((a.status, a.code()), (status, code), "{what}: {}", a.body);
    }
    let huge = json!({"ballot": "00".repeat(40_000), "signature": ""});
    let a = member.client.post(&ballots(poll), huge).await?;
    assert_eq!((a.status, a.code()), (413, "payload_too_large"));
    assert_eq!(
        view(&chair, poll).await?.summary.voted,
        0,
        "nothing was stored"
    );

    // Accepted once; the same bytes again are a replay; a new ballot is a second vote.
    let first = member.client.post(&ballots(poll), good.clone()).await?;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = member.client.post(&ballots(poll), good).await?;
    assert_eq!((again.status, again.code()), (409, "ballot_replayed"));
    let second = member
        .client
        .post(&ballots(poll), member.ballot(poll, hash, &[1]))
        .await?;
    assert_eq!((second.status, second.code()), (409, "already_voted"));

    // The invitee forwards bt01's ballot from their own session: refused.
    let guest = s.login("khach1").await?;
    let g = guest
        .post(&ballots(poll), member.ballot(poll, hash, &[0]))
        .await?;
    assert_eq!((g.status, g.code()), (403, "ballot_other_member"));
    let mut tx = s.state.db.read().await?;
    assert_eq!(
        tx.ballots(poll).await?.len(),
        1,
        "exactly one ballot stored"
    );
    Ok(())
}

#[tokio::test]
async fn members_who_are_not_entitled_are_refused() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    // bt05 takes part as an invitee: present, may speak, does not vote.
    let mut body = meeting_input("Họp có khách mời", &[demo_id("thutuong"), demo_id("bt01")]);
    body["participants"]
        .as_array_mut()
        .unwrap()
        .push(json!({"user_id": demo_id("bt05"), "role": "invitee"}));
    let id = clerk.ok_post("/api/meetings", body).await?.body["id"]
        .as_i64()
        .unwrap();
    let agenda = json!({"items": [{"title": "Nội dung 1", "presenter": "Bộ trưởng", "planned_minutes": 30}]});
    assert_eq!(
        clerk
            .put(&format!("/api/meetings/{id}/agenda"), agenda)
            .await?
            .status,
        204
    );
    clerk
        .ok_post(&format!("/api/meetings/{id}/publish"), json!({}))
        .await?;
    clerk
        .ok_post(&format!("/api/meetings/{id}/start"), json!({}))
        .await?;
    let guest = enrolled_tablet(&s, &clerk, "bt05").await?;
    let outsider = enrolled_tablet(&s, &clerk, "bt06").await?;
    let poll = clerk
        .ok_post(
            &format!("/api/meetings/{id}/polls"),
            json!({"question": "Thông qua?"}),
        )
        .await?
        .body["id"]
        .as_i64()
        .unwrap();
    clerk
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    let (def, hash) = poll_definition(&guest.client, poll).await?;
    assert_eq!(def.voters.len(), 2);
    let a = guest
        .client
        .post(
            &format!("/api/polls/{poll}/ballots"),
            guest.ballot(poll, hash, &[0]),
        )
        .await?;
    assert_eq!((a.status, a.code()), (403, "not_eligible"));
    // A member outside the meeting does not learn that the poll exists.
    let b = outsider
        .client
        .post(
            &format!("/api/polls/{poll}/ballots"),
            outsider.ballot(poll, hash, &[0]),
        )
        .await?;
    assert_eq!((b.status, b.code()), (404, "not_found"));
    assert_eq!(
        outsider
            .client
            .get(&format!("/api/polls/{poll}"))
            .await?
            .status,
        404
    );
    Ok(())
}

#[tokio::test]
async fn concurrent_ballots_count_exactly_once_per_member() -> anyhow::Result<()> {
    let (s, clerk, chair, _meeting, poll) =
        meeting_with_poll(json!({"preset": "government"})).await?;
    let names: Vec<String> = ["ptt1", "ptt2", "ptt3", "ptt4"]
        .iter()
        .map(|s| s.to_string())
        .chain((1..=22).map(|i| format!("bt{i:02}")))
        .collect();
    let mut tablets = Vec::new();
    for n in &names {
        tablets.push(enrolled_tablet(&s, &clerk, n).await?);
    }
    chair
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    let (_, hash) = poll_definition(&chair, poll).await?;
    // Every member sends three different ballots at once; only one may count.
    let mut tasks = Vec::new();
    for t in &tablets {
        for choice in [0u16, 1, 0] {
            let body = t.ballot(poll, hash, &[choice]);
            let c = t.client.clone();
            tasks.push(tokio::spawn(async move {
                c.post(&format!("/api/polls/{poll}/ballots"), body).await
            }));
        }
    }
    let mut accepted = 0;
    for task in tasks {
        let a = task.await??;
        match a.status {
            201 => accepted += 1,
            409 => assert_eq!(a.code(), "already_voted"),
            other => panic!("unexpected {other}: {}", a.body),
        }
    }
    assert_eq!(accepted, 26);
    chair
        .ok_post(&format!("/api/polls/{poll}/close"), json!({}))
        .await?;
    let v = view(&chair, poll).await?;
    let r = v.summary.result.unwrap();
    assert_eq!(r.voted, 26);
    assert_eq!(r.not_voted, 1, "the chair did not vote");
    let bundle = chair.get(&format!("/api/polls/{poll}/archive")).await?;
    let verdict = ecabinet_archive::verify(
        &ecabinet_archive::parse(bundle.body.to_string().as_bytes()).unwrap(),
    );
    assert!(verdict.ok(), "{}", ecabinet_archive::describe(&verdict));
    Ok(())
}

#[tokio::test]
async fn a_timed_vote_closes_by_itself_once() -> anyhow::Result<()> {
    let (s, clerk, chair, meeting, poll) =
        meeting_with_poll(json!({"duration_seconds": 10})).await?;
    let t = enrolled_tablet(&s, &clerk, "bt01").await?;
    chair
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    assert_eq!(t.vote(poll, &[0]).await?.status, 201);
    // Restart the server while the vote is open: the deadline is stored, not in memory.
    let s = s.restart().await?;
    let chair = s.login("thutuong").await?;
    let (_, mut watcher) = s.watch("bt02", Topic::Meeting(MeetingId(meeting))).await?;
    watcher
        .wait_for_within(
            Topic::Meeting(MeetingId(meeting)),
            std::time::Duration::from_secs(20),
            |st| matches!(st, SnapshotBody::Meeting(m) if m.polls.iter().any(|p| p.id == poll && p.result.is_some())),
        )
        .await?;
    let v = view(&chair, poll).await?;
    assert_eq!(v.summary.result.unwrap().counts, vec![1, 0, 0]);
    let again = chair
        .post(&format!("/api/polls/{poll}/close"), json!({}))
        .await?;
    assert_eq!((again.status, again.code()), (409, "invalid_transition"));
    Ok(())
}

#[tokio::test]
async fn only_the_chair_or_secretariat_run_votes() -> anyhow::Result<()> {
    let (s, _clerk, _chair, meeting, poll) = meeting_with_poll(json!({})).await?;
    let member = s.login("bt01").await?;
    let a = member
        .post(
            &format!("/api/meetings/{meeting}/polls"),
            json!({"question": "Q"}),
        )
        .await?;
    assert_eq!((a.status, a.code()), (403, "forbidden"));
    for path in ["open", "close"] {
        let a = member
            .post(&format!("/api/polls/{poll}/{path}"), json!({}))
            .await?;
        assert_eq!((a.status, a.code()), (403, "forbidden"), "{path}");
    }
    let a = member
        .put(&format!("/api/polls/{poll}"), json!({"question": "Q"}))
        .await?;
    assert_eq!(a.status, 403);
    // Bad definitions are refused with the field named.
    let clerk = s.login("vanthu2").await?;
    for (body, field) in [
        (json!({"question": " "}), "question"),
        (
            json!({"question": "Q", "form": {"kind": "single", "options": ["A"], "max_choices": 1}}),
            "options",
        ),
        (
            json!({"question": "Q", "rule": {"base": "all_members", "threshold": {"num": 3, "den": 2, "strict": false}, "quorum": {"num": 2, "den": 3}, "tie_break": "fails", "changes_allowed": false}}),
            "threshold",
        ),
        (
            json!({"question": "Q", "duration_seconds": 1}),
            "duration_seconds",
        ),
        (json!({"question": "Q", "item_id": 999_999}), "item_id"),
    ] {
        let a = clerk
            .post(&format!("/api/meetings/{meeting}/polls"), body)
            .await?;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (422, Some(field)),
            "{}",
            a.body
        );
    }
    // An anonymous caller is refused everywhere.
    let anon = s.anonymous();
    assert_eq!(anon.get(&format!("/api/polls/{poll}")).await?.status, 401);
    assert_eq!(
        anon.get(&format!("/api/meetings/{meeting}/archive"))
            .await?
            .status,
        401
    );
    Ok(())
}

#[tokio::test]
async fn a_meeting_with_an_open_vote_cannot_end_until_the_vote_is_closed() -> anyhow::Result<()> {
    let (_s, _clerk, chair, meeting, poll) = meeting_with_poll(json!({})).await?;
    let end = format!("/api/meetings/{meeting}/end");
    chair
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await?;
    let a = chair.post(&end, json!({})).await?;
    assert_eq!((a.status, a.code()), (409, "votes_open"));
    let m = chair.get(&format!("/api/meetings/{meeting}")).await?;
    assert_eq!(m.body["info"]["status"], "in_progress", "{}", m.body);
    chair
        .ok_post(&format!("/api/polls/{poll}/close"), json!({}))
        .await?;
    let a = chair.post(&end, json!({})).await?;
    assert_eq!(a.status, 204, "{}", a.body);
    Ok(())
}
