//! Device keys: members register public keys, the secretariat approves or revokes.

use ecabinet_domain::UserId;
use ecabinet_domain::device::DeviceStatus;
use ecabinet_protocol::frame::ServerFrame;
use ecabinet_protocol::{ErrorCode, SnapshotBody, Topic};
use ecabinet_tests::*;
use serde_json::json;

fn public_key(seed: u8) -> String {
    hex::encode(
        ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
            .verifying_key()
            .as_bytes(),
    )
}

#[tokio::test]
async fn a_member_registers_and_the_secretariat_approves() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let member = s.login("bt11").await?;
    let clerk = s.login("vanthu2").await?;
    let pk = public_key(1);
    let a = member
        .post(
            "/api/devices",
            json!({"label": " Máy tính bảng ", "public_key": pk.to_uppercase()}),
        )
        .await?;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    assert_eq!(a.body["status"], "pending");
    assert_eq!(a.body["label"], "Máy tính bảng");
    assert_eq!(a.body["public_key"], pk, "stored in canonical lowercase");
    let expected_id = hex::encode(ecabinet_crypto::sha256(&hex::decode(&pk)?));
    assert_eq!(a.body["key_id"], expected_id);

    // The member cannot approve their own key; another member cannot even see it.
    let own = member
        .post(&format!("/api/devices/{id}/approve"), json!({}))
        .await?;
    assert_eq!((own.status, own.code()), (403, "forbidden"));
    let other = s.login("bt12").await?;
    assert_eq!(
        other
            .post(&format!("/api/devices/{id}/approve"), json!({}))
            .await?
            .status,
        404
    );
    assert_eq!(
        other
            .post(&format!("/api/devices/{id}/revoke"), json!({}))
            .await?
            .status,
        404
    );
    assert_eq!(other.get("/api/devices").await?.body, json!([]));

    let ok = clerk
        .post(&format!("/api/devices/{id}/approve"), json!({}))
        .await?;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["status"], "approved");
    assert_eq!(ok.body["decided_by"], clerk.id());
    let again = clerk
        .post(&format!("/api/devices/{id}/approve"), json!({}))
        .await?;
    assert_eq!((again.status, again.code()), (409, "invalid_transition"));

    // The owner gives up a lost device; revoked stays revoked.
    let lost = member
        .post(&format!("/api/devices/{id}/revoke"), json!({}))
        .await?;
    assert_eq!(lost.body["status"], "revoked");
    let twice = clerk
        .post(&format!("/api/devices/{id}/revoke"), json!({}))
        .await?;
    assert_eq!((twice.status, twice.code()), (409, "invalid_transition"));
    let relist = clerk
        .post(&format!("/api/devices/{id}/approve"), json!({}))
        .await?;
    assert_eq!(relist.status, 409, "a revoked key is never approved again");

    // Lists: the member sees their own, the secretariat everyone's.
    assert_eq!(
        member
            .get("/api/devices")
            .await?
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    other
        .post(
            "/api/devices",
            json!({"label": "Điện thoại", "public_key": public_key(2)}),
        )
        .await?;
    assert_eq!(
        clerk
            .get("/api/devices")
            .await?
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    Ok(())
}

#[tokio::test]
async fn bad_keys_duplicates_and_wrong_roles_are_refused() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let member = s.login("ptt2").await?;
    let mut identity = [0u8; 32];
    identity[0] = 1;
    for (key, why) in [
        ("zz".repeat(32), "not hex"),
        ("ab".repeat(31), "31 bytes"),
        ("ab".repeat(33), "33 bytes"),
        (hex::encode(identity), "a small-order (weak) key"),
        (format!("02{}", "00".repeat(31)), "not on the curve"),
    ] {
        let a = member
            .post("/api/devices", json!({"label": "x", "public_key": key}))
            .await?;
        assert_eq!(
            (a.status, a.code(), a.body["field"].as_str()),
            (422, "invalid", Some("public_key")),
            "{why}"
        );
    }
    let a = member
        .post(
            "/api/devices",
            json!({"label": "  ", "public_key": public_key(5)}),
        )
        .await?;
    assert_eq!((a.status, a.body["field"].as_str()), (422, Some("label")));

    let first = member
        .post(
            "/api/devices",
            json!({"label": "iPad", "public_key": public_key(5)}),
        )
        .await?;
    assert_eq!(first.status, 201);
    for who in ["ptt2", "ptt3"] {
        let dup = s
            .login(who)
            .await?
            .post(
                "/api/devices",
                json!({"label": "copy", "public_key": public_key(5)}),
            )
            .await?;
        assert_eq!((dup.status, dup.code()), (409, "conflict"), "{who}");
    }
    // At most five keys may wait for approval.
    for seed in 10..14 {
        assert_eq!(
            member
                .post(
                    "/api/devices",
                    json!({"label": "spare", "public_key": public_key(seed)})
                )
                .await?
                .status,
            201
        );
    }
    let sixth = member
        .post(
            "/api/devices",
            json!({"label": "one too many", "public_key": public_key(20)}),
        )
        .await?;
    assert_eq!(
        (sixth.status, sixth.body["field"].as_str()),
        (422, Some("devices"))
    );

    for who in ["khach1", "vanthu1", "admin"] {
        let a = s
            .login(who)
            .await?
            .post(
                "/api/devices",
                json!({"label": "x", "public_key": public_key(30)}),
            )
            .await?;
        assert_eq!(
            (a.status, a.code()),
            (403, "forbidden"),
            "{who} does not vote"
        );
    }
    assert_eq!(s.anonymous().get("/api/devices").await?.status, 401);
    assert_eq!(
        s.login("khach1").await?.get("/api/devices").await?.status,
        403
    );
    // Nothing of the refused requests was stored.
    assert_eq!(
        member
            .get("/api/devices")
            .await?
            .body
            .as_array()
            .unwrap()
            .len(),
        5
    );
    Ok(())
}

/// The device state a topic shows, as (id, status) pairs.
fn statuses(body: &SnapshotBody) -> Vec<(i64, DeviceStatus)> {
    match body {
        SnapshotBody::Devices(l) => l.devices.iter().map(|d| (d.id, d.status)).collect(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn registrations_and_decisions_reach_the_secretariat_and_the_owner_live() -> anyhow::Result<()>
{
    let s = TestServer::start().await?;
    let (clerk, mut desk) = s.watch("vanthu1", Topic::Devices).await?;
    let member_id = UserId(demo_id("bt13"));
    let (member, mut own) = s.watch("bt13", Topic::DevicesOf(member_id)).await?;

    // Nobody else may watch: another member is refused both topics, a member the desk.
    let other = s.login("bt14").await?;
    let mut ws = other.ws().await?;
    ws.hello().await?;
    assert_eq!(
        ws.subscribe_refused(Topic::Devices).await?,
        ErrorCode::Forbidden
    );
    assert_eq!(
        ws.subscribe_refused(Topic::DevicesOf(member_id)).await?,
        ErrorCode::Forbidden
    );
    // The secretariat may watch one member's devices.
    let mut clerk_ws = clerk.ws().await?;
    clerk_ws.hello().await?;
    clerk_ws.subscribe(Topic::DevicesOf(member_id)).await?;

    let a = member
        .post(
            "/api/devices",
            json!({"label": "Máy tính bảng", "public_key": public_key(7)}),
        )
        .await?;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    let pending = vec![(id, DeviceStatus::Pending)];
    desk.wait_for(Topic::Devices, |b| statuses(b) == pending)
        .await?;
    own.wait_for(Topic::DevicesOf(member_id), |b| statuses(b) == pending)
        .await?;

    clerk
        .ok_post(&format!("/api/devices/{id}/approve"), json!({}))
        .await?;
    let approved = vec![(id, DeviceStatus::Approved)];
    desk.wait_for(Topic::Devices, |b| statuses(b) == approved)
        .await?;
    own.wait_for(Topic::DevicesOf(member_id), |b| statuses(b) == approved)
        .await?;
    clerk_ws
        .wait_for(Topic::DevicesOf(member_id), |b| statuses(b) == approved)
        .await?;

    // What the live list shows equals a fresh snapshot.
    let mut fresh = clerk.ws().await?;
    fresh.hello().await?;
    let frames = fresh.subscribe(Topic::Devices).await?;
    let snap = frames.iter().find_map(|f| match f {
        ServerFrame::Snapshot { state, .. } => Some(statuses(state)),
        _ => None,
    });
    assert_eq!(snap, Some(approved));
    // Other members' device changes never reach this member's topic.
    other
        .post(
            "/api/devices",
            json!({"label": "Khác", "public_key": public_key(8)}),
        )
        .await?;
    desk.wait_for(Topic::Devices, |b| statuses(b).len() == 2)
        .await?;
    assert_eq!(
        own.next_within(std::time::Duration::from_millis(300))
            .await?
            .map(|f| format!("{f:?}")),
        None
    );
    Ok(())
}
