//! Written opinion polls end to end: draft, four-eyes approval, signed answers with
//! receipts, refusals that store nothing, reminders in-app and by e-mail (a local SMTP
//! sink), deadline extension, closing by itself at the deadline on a manual clock (once,
//! across a restart and two nodes), the report as JSON, XLSX and PDF, and the archive.

// The helpers below are test code too: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ecabinet_crypto::log::{TreeHead, receipt_bytes, server_verify, verify_inclusion};
use ecabinet_domain::opinion::Answer;
use ecabinet_domain::poll::PollStatus;
use ecabinet_domain::vote::Outcome;
use ecabinet_protocol::opinion::{OpinionList, OpinionReport, OpinionView};
use ecabinet_protocol::{ErrorCode, EventBody, SnapshotBody, Topic};
use ecabinet_tests::*;
use serde_json::{Value, json};
use std::time::Duration;

const HOUR: i64 = 3_600_000;

fn arr<const N: usize>(h: &str) -> [u8; N] {
    hex::decode(h).unwrap().try_into().unwrap()
}

/// A server on a manual clock with a mail sink; the clock starts at the real now so that
/// sessions behave as usual.
async fn server() -> (TestServer, MailSink) {
    let sink = MailSink::start().await.unwrap();
    let s = TestServer::start_with(Options {
        clock: Some(Clock::manual(ecabinet_storage::now_ms())),
        smtp_url: Some(sink.url()),
        ..Options::default()
    })
    .await
    .unwrap();
    (s, sink)
}

fn ids(users: &[&str]) -> Vec<i64> {
    users.iter().map(|u| demo_id(u)).collect()
}

/// Files a draft as vanthu1 and has vanthu2 approve and send it; returns its id.
async fn sent_poll(s: &TestServer, to: &[&str], deadline: i64, extra: Value) -> i64 {
    let clerk = s.login("vanthu1").await.unwrap();
    let mut input = json!({
        "question": "Thông qua dự thảo Nghị định quy định chi tiết Luật Đất đai?",
        "draft_decision": "Điều 1. Phạm vi điều chỉnh ...",
        "addressees": ids(to),
        "deadline": deadline,
    });
    if let (Some(m), Some(e)) = (input.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    let id = clerk.ok_post("/api/opinions", input).await.unwrap().body["id"]
        .as_i64()
        .unwrap();
    let second = s.login("vanthu2").await.unwrap();
    second
        .ok_post(&format!("/api/opinions/{id}/send"), json!({}))
        .await
        .unwrap();
    id
}

async fn view(c: &Client, id: i64) -> OpinionView {
    let a = c.get(&format!("/api/opinions/{id}")).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_value(a.body).unwrap()
}

async fn report(c: &Client, id: i64) -> OpinionReport {
    let a = c.get(&format!("/api/opinions/{id}/report")).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_value(a.body).unwrap()
}

fn status_of(state: &SnapshotBody, id: i64) -> Option<PollStatus> {
    match state {
        SnapshotBody::Opinions(OpinionList { opinions }) => {
            opinions.iter().find(|o| o.id == id).map(|o| o.status)
        }
        _ => None,
    }
}

/// Reads frames until an applied event matches, or fails after the patience.
async fn wait_event(ws: &mut WsClient, pred: impl Fn(&EventBody) -> bool) -> EventBody {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(e) = ws.applied.iter().find(|e| pred(&e.body)) {
            return e.body.clone();
        }
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        assert!(
            ws.next_within(left).await.unwrap().is_some(),
            "no such event; got {:?}",
            ws.applied
        );
    }
}

#[tokio::test]
async fn a_written_poll_from_draft_to_verified_archive() {
    let (s, sink) = server().await;
    let t0 = s.clock.now();
    let clerk = s.login("vanthu1").await.unwrap();
    let input = json!({
        "question": "Thông qua dự thảo Nghị định?",
        "draft_decision": "Điều 1. ...",
        "addressees": ids(&["thutuong", "bt01", "bt02"]),
        "deadline": t0 + 48 * HOUR,
        "reminders": [24 * 60],
        "copy_staff": true,
    });
    let id = clerk.ok_post("/api/opinions", input).await.unwrap().body["id"]
        .as_i64()
        .unwrap();

    // A draft is the secretariat's: members do not see it, nobody answers it.
    let bt01 = enrolled_tablet(&s, &clerk, "bt01").await.unwrap();
    assert_eq!(
        bt01.client
            .get(&format!("/api/opinions/{id}"))
            .await
            .unwrap()
            .status,
        404
    );
    let own = bt01.client.get("/api/opinions").await.unwrap();
    assert_eq!(own.body.as_array().map(Vec::len), Some(0), "{}", own.body);
    // Four eyes: the clerk who drafted it cannot send it; a member cannot either.
    let a = clerk
        .post(&format!("/api/opinions/{id}/send"), json!({}))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (403, "forbidden"));
    let a = bt01
        .client
        .post(&format!("/api/opinions/{id}/send"), json!({}))
        .await
        .unwrap();
    assert_eq!(a.status, 404);

    let (_, mut inbox) = s
        .watch(
            "bt01",
            Topic::OpinionsOf(ecabinet_domain::UserId(demo_id("bt01"))),
        )
        .await
        .unwrap();
    let (_, mut desk) = s.watch("vanthu1", Topic::Opinions).await.unwrap();
    let chair = enrolled_tablet(&s, &clerk, "thutuong").await.unwrap();
    let bt02 = enrolled_tablet(&s, &clerk, "bt02").await.unwrap();
    s.login("vanthu2")
        .await
        .unwrap()
        .ok_post(&format!("/api/opinions/{id}/send"), json!({}))
        .await
        .unwrap();
    // The member's inbox shows it live, with no answer yet.
    inbox
        .wait_for(
            Topic::OpinionsOf(ecabinet_domain::UserId(demo_id("bt01"))),
            |st| status_of(st, id) == Some(PollStatus::Open),
        )
        .await
        .unwrap();

    // bt01 agrees; the receipt is signed by the server and includes the answer.
    let (_, hash) = opinion_definition(&bt01.client, id).await.unwrap();
    let body = bt01.answer_body(id, hash, 0, "", "");
    let a = bt01
        .client
        .post(&format!("/api/opinions/{id}/answers"), body.clone())
        .await
        .unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    let v = view(&bt01.client, id).await;
    let r = &v.my_answers[0].receipt;
    let mut leaf = hex::decode(body["ballot"].as_str().unwrap()).unwrap();
    leaf.extend(hex::decode(body["signature"].as_str().unwrap()).unwrap());
    let head = TreeHead {
        size: r.tree_size,
        root: arr(&r.tree_root),
    };
    let lh = ecabinet_crypto::log::leaf_hash(&leaf);
    server_verify(
        &arr(&v.server_key),
        &receipt_bytes(id as u64, r.index, &lh, &head),
        &arr(&r.signature),
    )
    .expect("receipt signature");
    let proof: Vec<[u8; 32]> = a.body["receipt"]["inclusion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| arr(h.as_str().unwrap()))
        .collect();
    assert!(verify_inclusion(&head, &leaf, r.index, &proof));
    // The same bytes again are a replay.
    let again = bt01
        .client
        .post(&format!("/api/opinions/{id}/answers"), body)
        .await
        .unwrap();
    assert_eq!((again.status, again.code()), (409, "ballot_replayed"));
    // The secretariat sees the count move, never the answer.
    desk.wait_for(Topic::Opinions, |st| match st {
        SnapshotBody::Opinions(l) => l.opinions.iter().any(|o| o.id == id && o.answered == 1),
        _ => false,
    })
    .await
    .unwrap();

    // Refusals store nothing.
    let (_, hash) = opinion_definition(&bt02.client, id).await.unwrap();
    let url = format!("/api/opinions/{id}/answers");
    let a = bt02
        .client
        .post(&url, bt02.answer_body(id, hash, 2, "", ""))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (422, "text_required"), "{}", a.body);
    let a = bt02
        .client
        .post(
            &url,
            bt02.answer_body(id, hash, 2, "Đề nghị sửa Điều 3", "Đề nghị bỏ Điều 3"),
        )
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (422, "text_mismatch"));
    let mut forged = bt02.answer_body(id, hash, 0, "", "");
    forged["signature"] = json!(hex::encode([7u8; 64]));
    let a = bt02.client.post(&url, forged).await.unwrap();
    assert_eq!((a.status, a.code()), (422, "bad_signature"));
    let a = bt02
        .client
        .post(&url, bt02.answer_body(id, [9; 32], 0, "", ""))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (409, "ballot_stale_poll"));
    let a = bt02
        .client
        .post(&url, bt02.answer_body(id, hash, 5, "", ""))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (422, "bad_choice"));
    let a = bt02
        .client
        .post(&url, json!({"ballot": "zz", "signature": ""}))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (422, "ballot_malformed"));
    // Not asked: the poll does not exist for them.
    let bt03 = enrolled_tablet(&s, &clerk, "bt03").await.unwrap();
    let a = bt03
        .client
        .post(&url, bt03.answer_body(id, hash, 0, "", ""))
        .await
        .unwrap();
    assert_eq!(a.status, 404);
    assert_eq!(report(&clerk, id).await.result.not_answered, 2);

    // bt02 gives an other opinion; bt01 changes to disagree (the last answer counts).
    let a = bt02.answer(id, 2, "Đề nghị sửa Điều 3").await.unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    let a = bt01.answer(id, 1, "Chưa đủ cơ sở").await.unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    wait_event(&mut inbox, |e| {
        matches!(e, EventBody::OpinionChanged { opinion } if opinion.my_answer == Some(Answer::Disagree))
    })
    .await;

    // A day before the deadline the one who has not answered (the PM) is reminded, in
    // the app and by mail copied to his office.
    let (_, mut pm_inbox) = s
        .watch(
            "thutuong",
            Topic::OpinionsOf(ecabinet_domain::UserId(demo_id("thutuong"))),
        )
        .await
        .unwrap();
    s.clock.set(t0 + 24 * HOUR + 1000);
    let mails = sink.wait_for(1).await.unwrap();
    assert_eq!(
        mails[0].recipients,
        vec![
            "thutuong@ecabinet.local",
            "vanphong.thutuong@ecabinet.local"
        ]
    );
    assert!(
        mails[0].data.contains(&format!("/opinions/{id}")),
        "{}",
        mails[0].data
    );
    assert!(
        mails[0].data.contains("Đề nghị đồng chí trả lời"),
        "{}",
        mails[0].data
    );
    wait_event(
        &mut pm_inbox,
        |e| matches!(e, EventBody::OpinionReminder { id: i, .. } if *i == id),
    )
    .await;
    // Once only, however often the clock looks.
    tokio::time::sleep(Duration::from_millis(600)).await;
    s.clock.advance(60_000);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(sink.mails().len(), 1);

    // At the deadline it closes by itself and is counted: nobody agreed.
    s.clock.set(t0 + 48 * HOUR);
    desk.wait_for(Topic::Opinions, |st| {
        status_of(st, id) == Some(PollStatus::Closed)
    })
    .await
    .unwrap();
    let a = chair.answer(id, 0, "").await.unwrap();
    assert_eq!((a.status, a.code()), (409, "poll_closed"), "{}", a.body);
    let r = report(&clerk, id).await;
    assert_eq!(
        (
            r.result.agree,
            r.result.disagree,
            r.result.other,
            r.result.not_answered
        ),
        (0, 1, 1, 1)
    );
    assert_eq!(r.result.outcome, Outcome::Failed);
    let pm = r
        .lines
        .iter()
        .find(|l| l.user_id.0 == demo_id("thutuong"))
        .unwrap();
    assert_eq!(pm.answer, None);
    let b2 = r
        .lines
        .iter()
        .find(|l| l.user_id.0 == demo_id("bt02"))
        .unwrap();
    assert_eq!(
        (b2.answer, b2.text.as_str()),
        (Some(Answer::Other), "Đề nghị sửa Điều 3")
    );
    // Members do not get the names and answers of others.
    assert_eq!(
        bt01.client
            .get(&format!("/api/opinions/{id}/report"))
            .await
            .unwrap()
            .status,
        403
    );

    // Nor in the archive, which names them as the report does: one rule for both.
    let a = bt01
        .client
        .get(&format!("/api/opinions/{id}/archive"))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (403, "forbidden"), "{}", a.body);
    // The archive verifies offline; a changed text is caught.
    let a = clerk
        .get(&format!("/api/opinions/{id}/archive"))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let bundle: ecabinet_archive::opinion::OpinionBundle = serde_json::from_value(a.body).unwrap();
    let verdict = ecabinet_archive::opinion::verify(&bundle);
    assert!(
        verdict.ok(),
        "{}",
        ecabinet_archive::opinion::describe(&verdict)
    );
    assert_eq!(verdict.opinions[0].recount.as_ref().unwrap().other, 1);
    let mut tampered = bundle.clone();
    tampered.opinions[0].answers[1].text = "Đồng ý toàn bộ".into();
    let text = ecabinet_archive::opinion::describe(&ecabinet_archive::opinion::verify(&tampered));
    assert!(text.contains("not the text the member signed"), "{text}");
    let mut tampered = bundle;
    tampered.opinions[0].result.result.agree = 3;
    assert!(!ecabinet_archive::opinion::verify(&tampered).ok());
}

#[tokio::test]
async fn the_report_downloads_as_xlsx_and_pdf_with_the_page_numbers() {
    let (s, _sink) = server().await;
    let t0 = s.clock.now();
    let clerk = s.login("vanthu1").await.unwrap();
    let who = [
        ("thutuong", 0, ""),
        ("bt01", 0, "Nhất trí"),
        ("bt02", 2, "Sửa Điều 5"),
    ];
    let mut tablets = Vec::new();
    for (name, _, _) in who {
        tablets.push(enrolled_tablet(&s, &clerk, name).await.unwrap());
    }
    let id = sent_poll(
        &s,
        &["thutuong", "bt01", "bt02", "bt03"],
        t0 + HOUR,
        json!({}),
    )
    .await;
    // A key enrolled after the poll was sent is not in what members signed against.
    let late = enroll(s.login("bt03").await.unwrap(), &clerk)
        .await
        .unwrap();
    let a = late.answer(id, 0, "").await.unwrap();
    assert_eq!((a.status, a.code()), (403, "unknown_key"), "{}", a.body);
    for (t, (_, choice, text)) in tablets.iter().zip(who) {
        let a = t.answer(id, choice, text).await.unwrap();
        assert_eq!(a.status, 201, "{}", a.body);
    }
    s.clock.set(t0 + HOUR);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while view(&clerk, id).await.summary.status != PollStatus::Closed {
        assert!(tokio::time::Instant::now() < deadline, "not closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = report(&clerk, id).await;
    assert_eq!(
        (
            page.result.agree,
            page.result.other,
            page.result.not_answered
        ),
        (2, 1, 1)
    );
    // 2 of 4 is not more than half of all members.
    assert_eq!(page.result.outcome, Outcome::Failed);

    let x = clerk
        .get_bytes(&format!("/api/opinions/{id}/report.xlsx"))
        .await
        .unwrap();
    assert_eq!(x.0, 200);
    use calamine::{DataType, Reader};
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(x.2)).unwrap();
    let sheet = book.worksheet_range("Tổng hợp").unwrap();
    let number = |label: &str| -> f64 {
        sheet
            .rows()
            .find(|r| r[0].get_string() == Some(label))
            .and_then(|r| r[1].get_float())
            .unwrap_or_else(|| panic!("{label} not in the workbook"))
    };
    assert_eq!(number("Đồng ý"), f64::from(page.result.agree));
    assert_eq!(number("Ý kiến khác"), f64::from(page.result.other));
    assert_eq!(number("Chưa trả lời"), f64::from(page.result.not_answered));
    let members = book.worksheet_range("Ý kiến").unwrap();
    let rows: Vec<Vec<String>> = members
        .rows()
        .skip(1)
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter()
            .any(|r| r[3] == "Ý kiến khác" && r[4] == "Sửa Điều 5"),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r[3] == "Chưa trả lời"), "{rows:?}");

    let p = clerk
        .get_bytes(&format!("/api/opinions/{id}/report.pdf"))
        .await
        .unwrap();
    assert_eq!(p.0, 200);
    assert!(p.2.starts_with(b"%PDF-"));
    let library = ecabinet_server::platform::config::Config::default().pdfium_path();
    let text = ecabinet_documents::fixtures::page_texts(&library, &p.2)
        .unwrap()
        .join("\n");
    for expected in [
        "TỔNG HỢP Ý KIẾN THÀNH VIÊN CHÍNH PHỦ",
        &format!("Đồng ý: {}", page.result.agree),
        &format!("Ý kiến khác: {}", page.result.other),
        &format!("Chưa trả lời: {}", page.result.not_answered),
        "Kết quả: Không thông qua",
        "Sửa Điều 5",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF:\n{text}"
        );
    }
}

#[tokio::test]
async fn the_deadline_is_extended_with_notice_and_late_answers_are_refused() {
    let (s, sink) = server().await;
    let t0 = s.clock.now();
    let clerk = s.login("vanthu1").await.unwrap();
    let bt01 = enrolled_tablet(&s, &clerk, "bt01").await.unwrap();
    let id = sent_poll(&s, &["bt01", "bt02"], t0 + HOUR, json!({"reminders": []})).await;
    let url = format!("/api/opinions/{id}/extend");
    // Only the secretariat extends, and only forward.
    let a = bt01
        .client
        .post(&url, json!({"deadline": t0 + 3 * HOUR}))
        .await
        .unwrap();
    assert_eq!(a.status, 403);
    let a = clerk
        .post(&url, json!({"deadline": t0 + HOUR / 2}))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (422, "invalid"));
    let a = clerk
        .post(
            &url,
            json!({"deadline": t0 + 3 * HOUR, "reason": "Chờ ý kiến Bộ Tư pháp"}),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 204, "{}", a.body);
    let v = view(&clerk, id).await;
    assert_eq!(v.summary.deadline, t0 + 3 * HOUR);
    assert_eq!(v.changes.len(), 1);
    assert_eq!(
        (v.changes[0].old_deadline, v.changes[0].reason.as_str()),
        (t0 + HOUR, "Chờ ý kiến Bộ Tư pháp")
    );
    // Every member is told, with the reason.
    let mails = sink.wait_for(2).await.unwrap();
    assert!(
        mails
            .iter()
            .all(|m| m.data.contains("Chờ ý kiến Bộ Tư pháp"))
    );
    // Past the old deadline, answers are still taken.
    s.clock.set(t0 + 2 * HOUR);
    let a = bt01.answer(id, 0, "").await.unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    // At the new deadline they are not, whether the closing has run yet or not.
    s.clock.set(t0 + 3 * HOUR);
    let a = bt01.answer(id, 1, "").await.unwrap();
    assert_eq!(a.status, 409, "{}", a.body);
    assert!(
        matches!(a.code(), "answer_late" | "poll_closed"),
        "{}",
        a.body
    );
    let a = clerk
        .post(&url, json!({"deadline": t0 + 9 * HOUR}))
        .await
        .unwrap();
    assert_eq!(
        a.status, 409,
        "a closed poll cannot be reopened by extending it"
    );
    let r = report(&clerk, id).await;
    assert_eq!(
        (r.result.agree, r.result.disagree),
        (1, 0),
        "the late answer was not stored"
    );
}

#[tokio::test]
async fn remind_now_reaches_only_members_who_have_not_answered() {
    let (s, sink) = server().await;
    let t0 = s.clock.now();
    let clerk = s.login("vanthu1").await.unwrap();
    let bt01 = enrolled_tablet(&s, &clerk, "bt01").await.unwrap();
    let id = sent_poll(
        &s,
        &["bt01", "bt02", "bt03"],
        t0 + 5 * HOUR,
        json!({"reminders": []}),
    )
    .await;
    assert_eq!(bt01.answer(id, 0, "").await.unwrap().status, 201);
    let (_, mut inbox) = s
        .watch(
            "bt02",
            Topic::OpinionsOf(ecabinet_domain::UserId(demo_id("bt02"))),
        )
        .await
        .unwrap();
    let url = format!("/api/opinions/{id}/remind");
    let a = bt01
        .client
        .post(&url, json!({"message": "x"}))
        .await
        .unwrap();
    assert_eq!(a.status, 403);
    let a = clerk
        .post(
            &url,
            json!({"message": "Kính đề nghị trả lời trước 17 giờ"}),
        )
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["recipients"].as_u64()),
        (200, Some(2)),
        "{}",
        a.body
    );
    let mails = sink.wait_for(2).await.unwrap();
    let mut to: Vec<&str> = mails.iter().map(|m| m.recipients[0].as_str()).collect();
    to.sort();
    assert_eq!(to, vec!["bt02@ecabinet.local", "bt03@ecabinet.local"]);
    // Not copied to their offices: this poll did not ask for it.
    assert!(mails.iter().all(|m| m.recipients.len() == 1));
    let e = wait_event(&mut inbox, |e| {
        matches!(e, EventBody::OpinionReminder { .. })
    })
    .await;
    assert!(
        matches!(e, EventBody::OpinionReminder { message, .. } if message == "Kính đề nghị trả lời trước 17 giờ")
    );
}

/// Events of `topic` in the log that announce the poll closed.
async fn close_events(s: &TestServer, id: i64) -> usize {
    let mut tx = s.state.db.read().await.unwrap();
    let events = tx.events_after(Topic::Opinions, 0, 10_000).await.unwrap();
    events
        .iter()
        .filter(|e| matches!(&e.body, EventBody::OpinionChanged { opinion } if opinion.id == id && opinion.status == PollStatus::Closed))
        .count()
}

#[tokio::test]
async fn the_deadline_closes_a_poll_once_across_restarts_and_nodes() {
    let (s, _sink) = server().await;
    let t0 = s.clock.now();
    let id = sent_poll(
        &s,
        &["bt01", "bt02"],
        t0 + 10 * 60_000,
        json!({"reminders": []}),
    )
    .await;
    // The node is down over the deadline minute; another node shares its database.
    let mut s = s;
    s.stop().await;
    let other = s.second_node().await.unwrap();
    s.clock.set(t0 + 10 * 60_000 + 30_000);
    let s = s.restart().await.unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let v = view(&s.login("vanthu1").await.unwrap(), id).await;
        if v.summary.status == PollStatus::Closed {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "not closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Both clocks keep looking; nothing closes twice.
    s.clock.advance(60_000);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(close_events(&s, id).await, 1);
    let before = view(&s.login("vanthu1").await.unwrap(), id).await;
    let s = s.restart().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = view(&s.login("vanthu1").await.unwrap(), id).await;
    assert_eq!(before.result_signature, after.result_signature);
    assert_eq!(close_events(&s, id).await, 1);
    drop(other);
}

#[tokio::test]
async fn bad_drafts_are_refused_and_topics_are_guarded() {
    let (s, _sink) = server().await;
    let t0 = s.clock.now();
    let clerk = s.login("vanthu1").await.unwrap();
    let base = json!({"question": "Q?", "deadline": t0 + HOUR});
    let cases = [
        (json!({"question": "", "deadline": t0 + HOUR}), "question"),
        (json!({"question": "Q?", "deadline": t0 - 1}), "deadline"),
        (
            json!({"question": "Q?", "deadline": t0 + HOUR, "addressees": [demo_id("bt01"), demo_id("bt01")]}),
            "addressees",
        ),
        (
            json!({"question": "Q?", "deadline": t0 + HOUR, "addressees": [999_999]}),
            "addressees",
        ),
        (
            json!({"question": "Q?", "deadline": t0 + HOUR, "addressees": [demo_id("khach1")]}),
            "addressees",
        ),
        (
            json!({"question": "Q?", "deadline": t0 + HOUR, "reminders": [0]}),
            "reminders",
        ),
        (
            json!({"question": "Q?", "deadline": t0 + HOUR, "draft_decision": "x".repeat(20_001)}),
            "draft_decision",
        ),
    ];
    for (input, field) in cases {
        let a = clerk.post("/api/opinions", input).await.unwrap();
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (422, Some(field)),
            "{}",
            a.body
        );
    }
    let a = clerk
        .post("/api/opinions", json!({"question": 5}))
        .await
        .unwrap();
    assert_eq!(a.status, 400);
    assert_eq!(
        clerk
            .get("/api/opinions")
            .await
            .unwrap()
            .body
            .as_array()
            .map(Vec::len),
        Some(0),
        "nothing was filed"
    );
    // Members do not draft; everyone but the secretariat and chair is kept off `opinions`.
    let bt01 = s.login("bt01").await.unwrap();
    assert_eq!(
        bt01.post("/api/opinions", base.clone())
            .await
            .unwrap()
            .status,
        403
    );
    let mut ws = bt01.ws().await.unwrap();
    ws.hello().await.unwrap();
    assert_eq!(
        ws.subscribe_refused(Topic::Opinions).await.unwrap(),
        ErrorCode::Forbidden
    );
    assert_eq!(
        ws.subscribe_refused(Topic::OpinionsOf(ecabinet_domain::UserId(demo_id("bt02"))))
            .await
            .unwrap(),
        ErrorCode::Forbidden
    );
    // Without a default list the poll goes to every member and the chair (27).
    let id = clerk.ok_post("/api/opinions", base).await.unwrap().body["id"]
        .as_i64()
        .unwrap();
    assert_eq!(view(&clerk, id).await.addressee_ids.len(), 27);
    // A sent poll cannot be edited.
    s.login("thutuong")
        .await
        .unwrap()
        .ok_post(&format!("/api/opinions/{id}/send"), json!({}))
        .await
        .unwrap();
    let a = clerk
        .put(
            &format!("/api/opinions/{id}"),
            json!({"question": "Q2?", "deadline": t0 + HOUR}),
        )
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (409, "invalid_transition"));
    // Not closed yet: no archive.
    assert_eq!(
        clerk
            .get(&format!("/api/opinions/{id}/archive"))
            .await
            .unwrap()
            .status,
        409
    );
}

/// A text PDF for a poll's documents.
fn poll_pdf(lines: &[&str]) -> Vec<u8> {
    let pages = vec![lines.iter().map(|l| (*l).to_owned()).collect()];
    ecabinet_documents::fixtures::text_pdf(
        &ecabinet_server::platform::config::Config::default().pdfium_path(),
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".as_ref(),
        &pages,
    )
    .expect("fixture PDF")
}

/// Waits until the poll's document `doc` has rendered or failed, as the clerk lists it.
async fn poll_doc_settled(
    clerk: &Client,
    id: i64,
    doc: i64,
) -> ecabinet_protocol::document::DocumentSummary {
    let start = std::time::Instant::now();
    loop {
        let a = clerk
            .get(&format!("/api/opinions/{id}/documents"))
            .await
            .unwrap();
        assert_eq!(a.status, 200, "{}", a.body);
        let list: Vec<ecabinet_protocol::document::DocumentSummary> =
            serde_json::from_value(a.body).unwrap();
        let d = list.into_iter().find(|d| d.id == doc).expect("listed");
        if d.status != "rendering" {
            return d;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{d:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_polls_documents_reach_its_addressees_fixed_by_the_signed_definition() {
    let (s, _sink) = server().await;
    let t0 = s.clock.now();
    let clerk = s.login("vanthu1").await.unwrap();
    let id = clerk
        .ok_post(
            "/api/opinions",
            json!({"question": "Thông qua Tờ trình về Luật Đất đai?",
                   "addressees": ids(&["ptt1", "bt01"]), "deadline": t0 + 24 * HOUR}),
        )
        .await
        .unwrap()
        .body["id"]
        .as_i64()
        .unwrap();
    let docs = format!("/api/opinions/{id}/documents");
    let meta = json!({"title": "Tờ trình Luật Đất đai", "kind": "submission",
                      "confidentiality": "normal"});
    let file = poll_pdf(&["TỜ TRÌNH", "Dự thảo Luật Đất đai sửa đổi"]);
    let ptt1 = s.login("ptt1").await.unwrap();
    let bt02 = s.login("bt02").await.unwrap();
    let chair = s.login("thutuong").await.unwrap();
    let tablet = enrolled_tablet(&s, &clerk, "bt01").await.unwrap();

    // Only the secretariat attaches, and only what a poll's document may be.
    for (who, want) in [(&ptt1, 404), (&chair, 403)] {
        let a = who
            .upload(&docs, Some(meta.clone()), "a.pdf", file.clone())
            .await
            .unwrap();
        assert_eq!(a.status, want, "{}", a.body);
    }
    for (extra, field) in [
        (json!({"item_id": 1}), "item_id"),
        (json!({"readers": [demo_id("ptt1")]}), "readers"),
    ] {
        let mut m = meta.clone();
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let a = clerk
            .upload(&docs, Some(m), "a.pdf", file.clone())
            .await
            .unwrap();
        assert_eq!((a.status, a.body["field"].as_str()), (422, Some(field)));
    }
    let a = clerk
        .upload(&docs, Some(meta.clone()), "a.pdf", b"not a pdf".to_vec())
        .await
        .unwrap();
    assert_eq!((a.status, a.body["field"].as_str()), (422, Some("file")));
    assert_eq!(
        clerk.get(&docs).await.unwrap().body,
        json!([]),
        "nothing filed"
    );

    let a = clerk
        .upload(&docs, Some(meta.clone()), "to-trinh.pdf", file.clone())
        .await
        .unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    let doc = a.body["id"].as_i64().unwrap();
    let d = poll_doc_settled(&clerk, id, doc).await;
    assert_eq!(
        (d.status.as_str(), d.pages, d.opinion_id),
        ("ready", 1, Some(id))
    );
    assert_eq!(d.meeting_id, None);
    // A damaged file renders as failed, and the poll cannot go out with it.
    let mut bad = meta.clone();
    bad["title"] = json!("Phụ lục hỏng");
    let a = clerk
        .upload(
            &docs,
            Some(bad),
            "hong.pdf",
            ecabinet_documents::fixtures::truncated(&file, 300),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    let broken = a.body["id"].as_i64().unwrap();
    assert_eq!(poll_doc_settled(&clerk, id, broken).await.status, "failed");
    let second = s.login("vanthu2").await.unwrap();
    let a = second
        .post(&format!("/api/opinions/{id}/send"), json!({}))
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("documents"))
    );
    assert!(
        a.body["message"].as_str().unwrap().contains("Phụ lục hỏng"),
        "{}",
        a.body
    );
    // Members see nothing of a draft; the chair, who may approve it, reads the ready one.
    assert_eq!(ptt1.get(&docs).await.unwrap().status, 404);
    assert_eq!(
        ptt1.get(&format!("/api/documents/{doc}"))
            .await
            .unwrap()
            .status,
        404
    );
    assert_eq!(
        chair
            .get(&format!("/api/documents/{doc}"))
            .await
            .unwrap()
            .status,
        200
    );
    let a = clerk
        .call("DELETE", &format!("/api/documents/{broken}"), None)
        .await
        .unwrap();
    assert_eq!(a.status, 204, "{}", a.body);
    assert_eq!(
        clerk
            .get(&format!("/api/documents/{broken}"))
            .await
            .unwrap()
            .status,
        404
    );

    second
        .ok_post(&format!("/api/opinions/{id}/send"), json!({}))
        .await
        .unwrap();
    let (def, _) = opinion_definition(&ptt1, id).await.unwrap();
    assert_eq!(
        def.documents,
        vec![ecabinet_domain::opinion::AttachedDocument {
            document_id: doc,
            version: 1,
            sha256: ecabinet_crypto::sha256(&file),
        }],
        "the signed definition names the file the members read"
    );
    // Sent: the documents are fixed.
    let a = clerk
        .upload(&docs, Some(meta.clone()), "b.pdf", file.clone())
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["code"].as_str()),
        (409, Some("invalid_transition")),
        "{}",
        a.body
    );
    let a = clerk
        .upload(
            &format!("/api/documents/{doc}/versions"),
            None,
            "b.pdf",
            file.clone(),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 409, "{}", a.body);
    let a = clerk
        .call("DELETE", &format!("/api/documents/{doc}"), None)
        .await
        .unwrap();
    assert_eq!(a.status, 409, "{}", a.body);

    // An addressee reads pages and text and searches; a member not asked gets nothing.
    let list = ptt1.get(&docs).await.unwrap();
    assert_eq!(list.body.as_array().map(Vec::len), Some(1), "{}", list.body);
    assert_eq!(
        ptt1.get(&format!("/api/documents/{doc}"))
            .await
            .unwrap()
            .status,
        200
    );
    let (status, _, png) = ptt1
        .get_bytes(&format!("/api/documents/{doc}/versions/1/pages/1?w=800"))
        .await
        .unwrap();
    assert_eq!((status, &png[..4]), (200, &b"\x89PNG"[..]));
    let hits = ptt1
        .get(&format!("/api/opinions/{id}/documents/search?q=dat%20dai"))
        .await
        .unwrap();
    assert_eq!(
        hits.body["hits"][0]["document_id"],
        json!(doc),
        "{}",
        hits.body
    );
    for path in [
        docs.clone(),
        format!("/api/documents/{doc}"),
        format!("/api/documents/{doc}/versions/1/pages/1?w=800"),
        format!("/api/opinions/{id}/documents/search?q=dat%20dai"),
    ] {
        assert_eq!(bt02.get(&path).await.unwrap().status, 404, "{path}");
    }
    assert_eq!(
        ptt1.get(&format!("/api/documents/{doc}/reads"))
            .await
            .unwrap()
            .status,
        403
    );
    let reads = clerk
        .get(&format!("/api/documents/{doc}/reads"))
        .await
        .unwrap();
    let readers: Vec<i64> = reads
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["user_id"].as_i64())
        .collect();
    assert_eq!(
        readers,
        ids(&["thutuong", "ptt1"]),
        "the chair read it to approve, then the addressee"
    );

    // The answer signs the definition that carries the document's hash.
    let a = tablet.answer(id, 0, "").await.unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
}

#[tokio::test]
async fn two_nodes_on_one_outbox_send_each_mail_once() {
    let (s, sink) = server().await;
    if s.db.engine() != "postgres" {
        // One SQLite file has one node (docs/deploy.md): a claim there is always granted.
        eprintln!(
            "skipped on {}: several nodes need PostgreSQL",
            s.db.engine()
        );
        return;
    }
    let other = s.second_node().await.unwrap();
    let t0 = s.clock.now();
    let members = ["bt01", "bt02", "bt03", "bt04", "bt05", "bt06"];
    let first = sent_poll(&s, &members, t0 + 5 * HOUR, json!({"reminders": []})).await;
    let second = sent_poll(&s, &members, t0 + 5 * HOUR, json!({"reminders": []})).await;
    // A reminder through each node at once: each node's mailer wakes and finds the
    // other's mail due as well.
    let (c1, c2) = (
        s.login("vanthu1").await.unwrap(),
        other.login("vanthu1").await.unwrap(),
    );
    let (p1, p2) = (
        format!("/api/opinions/{first}/remind"),
        format!("/api/opinions/{second}/remind"),
    );
    let (a, b) = tokio::join!(
        c1.post(&p1, json!({"message": "Nhắc 1"})),
        c2.post(&p2, json!({"message": "Nhắc 2"})),
    );
    for r in [a.unwrap(), b.unwrap()] {
        assert_eq!(
            (r.status, r.body["recipients"].as_u64()),
            (200, Some(6)),
            "{}",
            r.body
        );
    }
    let mails = sink.wait_for(12).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.mails().len(), 12, "each of 2 × 6 reminders once");
    let mut seen = std::collections::HashSet::new();
    for m in &mails {
        // The body, not the headers: a second sending would carry another Date.
        let body = m
            .data
            .split("\n\n")
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n\n");
        assert!(
            seen.insert((m.recipients.clone(), body)),
            "sent twice: {:?}",
            m.recipients
        );
    }
}
