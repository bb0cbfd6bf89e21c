//! Meeting minutes: the draft from the record (attendance, speakers, votes), editing, the
//! chair's signature made on the device, the archived PDF with hash and signature printed,
//! and the bundle `ecabinet verify` checks; every refusal stores nothing; with an object
//! store, the archived PDF is in the bucket and any node serves it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ecabinet_domain::minutes::MinutesSignature;
use ecabinet_domain::{MeetingId, UserId};
use ecabinet_protocol::api::MinutesView;
use ecabinet_tests::*;
use ed25519_dalek::Signer;
use serde_json::json;

async fn minutes(c: &Client, meeting: i64) -> MinutesView {
    let a = c
        .get(&format!("/api/meetings/{meeting}/minutes"))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_value(a.body).unwrap()
}

fn signed(t: &Tablet, meeting: i64, text_hash: [u8; 32], signer: i64) -> serde_json::Value {
    let s = MinutesSignature {
        meeting_id: MeetingId(meeting),
        text_sha256: text_hash,
        signer: UserId(signer),
        key_id: ecabinet_crypto::key_id(&t.key.verifying_key()),
        signed_at: 1_800_000_000_000,
    };
    let bytes = s.to_bytes();
    let sig = t.key.sign(&bytes).to_bytes();
    json!({"bytes": hex::encode(&bytes), "signature": hex::encode(sig)})
}

#[tokio::test]
async fn minutes_are_drafted_from_the_record_signed_by_the_chair_and_verify() {
    let (s, clerk, chair, meeting, poll) = meeting_with_poll(json!({})).await.unwrap();
    let path = |p: &str| format!("/api/meetings/{meeting}{p}");
    let bt01 = s.login("bt01").await.unwrap();
    let bt02 = s.login("bt02").await.unwrap();
    bt01.ok_post(
        &path("/attendance"),
        json!({"status": "present", "mode": "in_room"}),
    )
    .await
    .unwrap();
    bt02.ok_post(
        &path("/attendance"),
        json!({"status": "absent", "reason": "Công tác nước ngoài", "substitute": "Thứ trưởng"}),
    )
    .await
    .unwrap();
    bt01.ok_post(&path("/speakers/request"), json!({}))
        .await
        .unwrap();
    chair
        .ok_post(&path("/speakers/grant"), json!({}))
        .await
        .unwrap();
    chair
        .ok_post(&path("/speakers/end"), json!({}))
        .await
        .unwrap();
    chair
        .ok_post(&format!("/api/polls/{poll}/open"), json!({}))
        .await
        .unwrap();
    chair
        .ok_post(&format!("/api/polls/{poll}/close"), json!({}))
        .await
        .unwrap();

    // Nothing yet; members do not draft.
    assert_eq!(minutes(&bt01, meeting).await.status, "none");
    assert_eq!(
        bt01.post(&path("/minutes/draft"), json!({}))
            .await
            .unwrap()
            .status,
        403
    );
    clerk
        .ok_post(&path("/minutes/draft"), json!({}))
        .await
        .unwrap();
    let m = minutes(&bt01, meeting).await;
    assert_eq!(m.status, "draft");
    let bt01_name = s
        .state
        .db
        .read()
        .await
        .unwrap()
        .user(UserId(demo_id("bt01")))
        .await
        .unwrap()
        .unwrap()
        .display_name;
    for expected in [
        "BIÊN BẢN".to_owned(),
        "vắng mặt (Công tác nước ngoài; dự thay: Thứ trưởng)".to_owned(),
        format!("Ý kiến phát biểu: {bt01_name}"),
        "Thông qua dự thảo Nghị quyết phiên họp — Tán thành: 0".to_owned(),
    ] {
        assert!(
            m.text.contains(&expected),
            "{expected:?} not in\n{}",
            m.text
        );
    }
    assert!(!m.may_sign, "only the chair signs");

    // The secretariat edits; bad text is refused.
    let a = clerk
        .put(&path("/minutes"), json!({"text": "   "}))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (422, "invalid"));
    let text = format!("{}\nChính phủ thống nhất thông qua Nghị quyết.\n", m.text);
    assert_eq!(
        clerk
            .put(&path("/minutes"), json!({"text": text}))
            .await
            .unwrap()
            .status,
        204
    );
    assert_eq!(
        bt01.put(&path("/minutes"), json!({"text": "x"}))
            .await
            .unwrap()
            .status,
        403
    );
    let m = minutes(&chair, meeting).await;
    assert!(m.may_sign);
    let hash: [u8; 32] = hex::decode(&m.text_sha256).unwrap().try_into().unwrap();
    assert_eq!(hash, ecabinet_crypto::sha256(text.as_bytes()));

    // Signing: only the chair, over the current text, with an approved key, verifiably.
    let pm = enrolled_tablet(&s, &clerk, "thutuong").await.unwrap();
    let other = enrolled_tablet(&s, &clerk, "bt01").await.unwrap();
    let sign = path("/minutes/sign");
    let a = other
        .client
        .post(&sign, signed(&other, meeting, hash, demo_id("bt01")))
        .await
        .unwrap();
    assert_eq!(a.status, 403, "{}", a.body);
    let a = pm
        .client
        .post(&sign, signed(&pm, meeting, [1; 32], demo_id("thutuong")))
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.code()),
        (409, "ballot_stale_poll"),
        "{}",
        a.body
    );
    let mut forged = signed(&pm, meeting, hash, demo_id("thutuong"));
    forged["signature"] = json!(hex::encode([3u8; 64]));
    let a = pm.client.post(&sign, forged).await.unwrap();
    assert_eq!((a.status, a.code()), (422, "bad_signature"));
    let a = pm
        .client
        .post(&sign, signed(&other, meeting, hash, demo_id("thutuong")))
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.code()),
        (403, "unknown_key"),
        "another member's key"
    );
    assert_eq!(
        minutes(&chair, meeting).await.status,
        "draft",
        "nothing was stored"
    );
    let a = pm
        .client
        .post(&sign, signed(&pm, meeting, hash, demo_id("thutuong")))
        .await
        .unwrap();
    assert_eq!(a.status, 204, "{}", a.body);
    let m = minutes(&bt01, meeting).await;
    assert_eq!(m.status, "signed");
    let info = m.signed.clone().unwrap();
    // Signed minutes never change.
    let a = clerk
        .put(&path("/minutes"), json!({"text": "khác"}))
        .await
        .unwrap();
    assert_eq!(a.status, 409);
    assert_eq!(
        clerk
            .post(&path("/minutes/draft"), json!({}))
            .await
            .unwrap()
            .status,
        409
    );
    let again = pm
        .client
        .post(&sign, signed(&pm, meeting, hash, demo_id("thutuong")))
        .await
        .unwrap();
    assert_eq!(again.status, 409);

    // The archived PDF prints the text, its hash and the signature, and is the one hashed.
    let (status, _, pdf) = bt01.get_bytes(&path("/minutes.pdf")).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(hex::encode(ecabinet_crypto::sha256(&pdf)), info.pdf_sha256);
    let library = ecabinet_server::platform::config::Config::default().pdfium_path();
    let printed = ecabinet_documents::fixtures::page_texts(&library, &pdf)
        .unwrap()
        .join("\n");
    for expected in [
        "BIÊN BẢN",
        "Chính phủ thống nhất thông qua Nghị quyết.",
        &m.text_sha256,
        &info.signature[..64],
    ] {
        assert!(
            printed.contains(expected),
            "{expected:?} not in the PDF:\n{printed}"
        );
    }

    // Anyone who sees the meeting can check the signature offline.
    let a = bt01.get(&path("/minutes/archive")).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let bundle: ecabinet_archive::minutes::MinutesBundle = serde_json::from_value(a.body).unwrap();
    assert!(ecabinet_archive::minutes::verify(&bundle).is_empty());
    let mut tampered = bundle.clone();
    tampered.text.push('!');
    let problems = ecabinet_archive::minutes::verify(&tampered);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("not the text the chair signed")),
        "{problems:?}"
    );
    let mut tampered = bundle;
    tampered.signature[5] ^= 1;
    assert!(!ecabinet_archive::minutes::verify(&tampered).is_empty());
}

#[tokio::test]
async fn minutes_wait_for_the_meeting_to_start() {
    let (_s, clerk, meeting, _) = server_with_meeting("Phiên họp chưa bắt đầu", 1)
        .await
        .unwrap();
    let a = clerk
        .post(&format!("/api/meetings/{meeting}/minutes/draft"), json!({}))
        .await
        .unwrap();
    assert_eq!((a.status, a.code()), (409, "invalid_transition"));
    let a = clerk
        .put(
            &format!("/api/meetings/{meeting}/minutes"),
            json!({"text": "x"}),
        )
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.code()),
        (409, "invalid_transition"),
        "nothing to edit before a draft"
    );
    let a = clerk
        .get(&format!("/api/meetings/{meeting}/minutes/archive"))
        .await
        .unwrap();
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn with_an_object_store_signed_minutes_are_kept_in_the_bucket_and_any_node_serves_them() {
    let s3 = S3Server::start().await.unwrap();
    let bucket = s3.bucket("ecabinet", "docs").await.unwrap();
    let s = TestServer::on_bucket(bucket).await.unwrap();
    let clerk = s.login("vanthu1").await.unwrap();
    let meeting = published_meeting(&clerk, "Phiên họp tháng 12", 1)
        .await
        .unwrap();
    let path = |p: &str| format!("/api/meetings/{meeting}{p}");
    clerk.ok_post(&path("/start"), json!({})).await.unwrap();
    clerk
        .ok_post(&path("/minutes/draft"), json!({}))
        .await
        .unwrap();
    let m = minutes(&clerk, meeting).await;
    let hash: [u8; 32] = hex::decode(&m.text_sha256).unwrap().try_into().unwrap();
    let pm = enrolled_tablet(&s, &clerk, "thutuong").await.unwrap();
    let a = pm
        .client
        .post(
            &path("/minutes/sign"),
            signed(&pm, meeting, hash, demo_id("thutuong")),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 204, "{}", a.body);
    let info = minutes(&clerk, meeting).await.signed.unwrap();

    // The archived PDF is in the bucket, the one whose hash was recorded.
    let stored = s3
        .get(
            "ecabinet",
            &format!("docs/minutes/meeting-{meeting}-signed.pdf"),
        )
        .await
        .unwrap();
    assert_eq!(
        hex::encode(ecabinet_crypto::sha256(&stored)),
        info.pdf_sha256
    );
    assert!(
        !s.db.files.path().join("documents").join("minutes").exists(),
        "a local copy"
    );
    // Another node, whose folder is empty, serves the same bytes.
    let other = s.second_node().await.unwrap();
    let (status, _, pdf) = other
        .login("bt01")
        .await
        .unwrap()
        .get_bytes(&path("/minutes.pdf"))
        .await
        .unwrap();
    assert_eq!((status, pdf == stored), (200, true));
}
