//! Meetings over HTTP: preparation, the live meeting, and bad input.

use ecabinet_tests::*;
use serde_json::json;

#[tokio::test]
async fn secretariat_prepares_and_members_see_only_their_published_meetings() -> anyhow::Result<()>
{
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let input = meeting_input(
        "Phiên họp chuyên đề xây dựng pháp luật",
        &[demo_id("thutuong"), demo_id("ptt1")],
    );
    let id = clerk.ok_post("/api/meetings", input).await?.body["id"]
        .as_i64()
        .unwrap();

    let member = s.login("ptt1").await?;
    let outsider = s.login("bt07").await?;
    let titles = |a: &Answer| -> Vec<String> {
        a.body
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["title"].as_str().unwrap().to_owned())
            .collect()
    };
    // A draft is invisible to members, even invited ones.
    assert!(
        !titles(&member.get("/api/meetings").await?)
            .contains(&"Phiên họp chuyên đề xây dựng pháp luật".to_owned())
    );
    assert_eq!(
        member.get(&format!("/api/meetings/{id}")).await?.status,
        404
    );

    // Publishing needs an agenda.
    let p = clerk
        .post(&format!("/api/meetings/{id}/publish"), json!({}))
        .await?;
    assert_eq!((p.status, p.code()), (422, "invalid"));
    assert_eq!(p.body["field"], "items");

    let agenda = json!({"items": [
        {"title": "Dự án Luật A", "presenter": "Bộ trưởng Bộ Tư pháp", "planned_minutes": 45},
        {"title": "Dự án Luật B", "presenter": "Bộ trưởng Bộ Tài chính", "planned_minutes": 30},
    ]});
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

    let mine = member.get("/api/meetings").await?;
    let m = mine
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .expect("listed");
    assert_eq!(m["status"], "published");
    assert_eq!(m["my_role"], "member");
    assert!(
        !titles(&outsider.get("/api/meetings").await?)
            .contains(&"Phiên họp chuyên đề xây dựng pháp luật".to_owned())
    );

    // Reorder keeps identities; a removed item disappears.
    let snap = member.get(&format!("/api/meetings/{id}")).await?.body;
    let a_id = snap["agenda"][0]["id"].as_i64().unwrap();
    let b_id = snap["agenda"][1]["id"].as_i64().unwrap();
    let reordered = json!({"items": [
        {"id": b_id, "title": "Dự án Luật B", "planned_minutes": 30},
        {"title": "Nội dung mới", "planned_minutes": 15},
        {"id": a_id, "title": "Dự án Luật A (sửa)", "planned_minutes": 40},
    ]});
    assert_eq!(
        clerk
            .put(&format!("/api/meetings/{id}/agenda"), reordered)
            .await?
            .status,
        204
    );
    let snap = member.get(&format!("/api/meetings/{id}")).await?.body;
    let got: Vec<(i64, String)> = snap["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["position"].as_i64().unwrap(),
                i["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "Dự án Luật B".into()),
            (2, "Nội dung mới".into()),
            (3, "Dự án Luật A (sửa)".into())
        ]
    );
    assert_eq!(snap["agenda"][0]["id"], b_id);
    assert_eq!(snap["agenda"][2]["id"], a_id);
    Ok(())
}

#[tokio::test]
async fn a_live_meeting_from_start_to_end() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let id = published_meeting(&clerk, "Phiên họp thường kỳ", 3).await?;
    let path = |p: &str| format!("/api/meetings/{id}{p}");
    let chair = s.login("thutuong").await?;
    let ptt1 = s.login("ptt1").await?;
    let bt01 = s.login("bt01").await?;
    let guest = s.login("khach1").await?;

    // Check in before the start is allowed; the quorum counts members only.
    ptt1.ok_post(
        &path("/attendance"),
        json!({"status": "present", "mode": "in_room"}),
    )
    .await?;
    bt01.ok_post(
        &path("/attendance"),
        json!({"status": "present", "mode": "remote"}),
    )
    .await?;
    guest
        .ok_post(
            &path("/attendance"),
            json!({"status": "present", "mode": "in_room"}),
        )
        .await?;
    let absent = s.login("bt02").await?;
    absent.ok_post(&path("/attendance"), json!({"status": "absent", "reason": "Công tác nước ngoài", "substitute": "Thứ trưởng"})).await?;
    let snap = chair.get(&path("")).await?.body;
    assert_eq!(snap["attendance"].as_array().unwrap().len(), 4);
    let entry = snap["attendance"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user_id"] == demo_id("bt02"))
        .unwrap();
    assert_eq!(
        entry["attendance"],
        json!({"status": "absent", "reason": "Công tác nước ngoài", "substitute": "Thứ trưởng"})
    );

    // Requests to speak wait for the start.
    let early = ptt1.post(&path("/speakers/request"), json!({})).await?;
    assert_eq!((early.status, early.code()), (409, "invalid_transition"));

    chair.ok_post(&path("/start"), json!({})).await?;
    let snap = chair.get(&path("")).await?.body;
    assert_eq!(snap["info"]["status"], "in_progress");
    let items: Vec<i64> = snap["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        snap["current_item"], items[0],
        "discussion starts at the first item"
    );

    // Speaker queue: first come, first served; the chair may pick; a new item clears it.
    ptt1.ok_post(&path("/speakers/request"), json!({})).await?;
    bt01.ok_post(&path("/speakers/request"), json!({})).await?;
    let twice = ptt1.post(&path("/speakers/request"), json!({})).await?;
    assert_eq!((twice.status, twice.code()), (409, "speaker_queue"));
    chair.ok_post(&path("/speakers/grant"), json!({})).await?;
    let q = chair.get(&path("")).await?.body["speakers"].clone();
    assert_eq!(q["speaking"]["user_id"], demo_id("ptt1"));
    assert_eq!(q["waiting"][0]["user_id"], demo_id("bt01"));
    bt01.ok_post(&path("/speakers/withdraw"), json!({})).await?;
    chair.ok_post(&path("/speakers/end"), json!({})).await?;
    let q = chair.get(&path("")).await?.body["speakers"].clone();
    assert_eq!(q, json!({"speaking": null, "waiting": []}));
    let none = chair.post(&path("/speakers/grant"), json!({})).await?;
    assert_eq!((none.status, none.code()), (409, "speaker_queue"));

    bt01.ok_post(&path("/speakers/request"), json!({})).await?;
    chair
        .ok_post(&path("/current"), json!({"to": "next"}))
        .await?;
    let snap = chair.get(&path("")).await?.body;
    assert_eq!(snap["current_item"], items[1]);
    assert_eq!(
        snap["speakers"]["waiting"],
        json!([]),
        "a new item starts with an empty queue"
    );
    chair
        .ok_post(
            &path("/current"),
            json!({"to": "item", "item_id": items[2]}),
        )
        .await?;
    let past_end = chair.post(&path("/current"), json!({"to": "next"})).await?;
    assert_eq!((past_end.status, past_end.code()), (422, "invalid"));
    chair
        .ok_post(&path("/current"), json!({"to": "previous"}))
        .await?;
    assert_eq!(chair.get(&path("")).await?.body["current_item"], items[1]);

    // The current item cannot be removed from the agenda while it is discussed.
    let drop_current = clerk
        .put(
            &path("/agenda"),
            json!({"items": [{"id": items[0], "title": "x", "planned_minutes": 5}]}),
        )
        .await?;
    assert_eq!((drop_current.status, drop_current.code()), (422, "invalid"));

    chair.ok_post(&path("/end"), json!({})).await?;
    for (who, p, body) in [
        (&chair, "/start", json!({})),
        (&chair, "/end", json!({})),
        (
            &ptt1,
            "/attendance",
            json!({"status": "present", "mode": "in_room"}),
        ),
        (&ptt1, "/speakers/request", json!({})),
        (&chair, "/current", json!({"to": "next"})),
    ] {
        let a = who.post(&path(p), body).await?;
        assert_eq!(
            (a.status, a.code()),
            (409, "invalid_transition"),
            "{p} after the end"
        );
    }
    let e = clerk.put(&path("/agenda"), json!({"items": []})).await?;
    assert_eq!(
        (e.status, e.code()),
        (409, "invalid_transition"),
        "an ended meeting is read-only"
    );
    Ok(())
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_stores_nothing() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let before = clerk
        .get("/api/meetings")
        .await?
        .body
        .as_array()
        .unwrap()
        .len();
    let cases = vec![
        (meeting_input("", &[demo_id("ptt1")]), 422, "invalid", Some("title")),
        ({ let mut m = meeting_input("x", &[]); m["title"] = json!("x".repeat(301)); m }, 422, "invalid", Some("title")),
        (meeting_input("ok", &[demo_id("ptt1"), demo_id("ptt1")]), 422, "invalid", Some("participants")),
        (meeting_input("ok", &[demo_id("vanthu2")]), 422, "invalid", Some("participants")),
        (meeting_input("ok", &[424242]), 422, "invalid", Some("participants")),
        (meeting_input("ok", &[demo_id("thutuong"), demo_id("ptt1")]).as_object().map(|o| { let mut o = o.clone(); o.insert("participants".into(), json!([{"user_id": demo_id("thutuong"), "role": "chair"}, {"user_id": demo_id("ptt1"), "role": "chair"}])); json!(o) }).unwrap(), 422, "invalid", Some("participants")),
        ({ let mut m = meeting_input("ok", &[]); m["quorum"] = json!({"num": 4, "den": 3}); m }, 422, "invalid", Some("quorum")),
        ({ let mut m = meeting_input("ok", &[]); m["kind"] = json!("secret"); m }, 400, "bad_request", None),
        ({ let mut m = meeting_input("ok", &[]); m["starts_at"] = json!("tomorrow"); m }, 400, "bad_request", None),
        (json!([1, 2, 3]), 400, "bad_request", None),
    ];
    for (body, status, code, field) in cases {
        let a = clerk.post("/api/meetings", body.clone()).await?;
        assert_eq!((a.status, a.code()), (status, code), "{body}: {}", a.body);
        if let Some(f) = field {
            assert_eq!(a.body["field"], f, "{body}");
        }
    }
    // Not JSON at all.
    let r = clerk
        .http
        .post(format!("{}/api/meetings", clerk.base))
        .header("content-type", "application/json")
        .body("{\"title\":")
        .send()
        .await?;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<serde_json::Value>().await?["code"], "bad_request");
    // Oversized body.
    let huge = json!({"title": "x".repeat(200_000)});
    let a = clerk.post("/api/meetings", huge).await?;
    assert_eq!((a.status, a.code()), (413, "payload_too_large"));
    // A path that is not an id.
    let a = clerk.get("/api/meetings/abc").await?;
    assert_eq!((a.status, a.code()), (400, "bad_request"));
    // Nothing was stored by any of these.
    assert_eq!(
        clerk
            .get("/api/meetings")
            .await?
            .body
            .as_array()
            .unwrap()
            .len(),
        before
    );

    // Attendance and agenda validation.
    let id = published_meeting(&clerk, "Kiểm tra dữ liệu", 2).await?;
    let member = s.login("ptt2").await?;
    let a = member
        .post(
            &format!("/api/meetings/{id}/attendance"),
            json!({"status": "absent", "reason": "  "}),
        )
        .await?;
    assert_eq!(
        (a.status, a.code(), a.body["field"].as_str()),
        (422, "invalid", Some("reason"))
    );
    let a = member
        .post(
            &format!("/api/meetings/{id}/attendance"),
            json!({"status": "sleeping"}),
        )
        .await?;
    assert_eq!((a.status, a.code()), (400, "bad_request"));
    let a = clerk
        .put(
            &format!("/api/meetings/{id}/agenda"),
            json!({"items": [{"title": "x", "planned_minutes": 0}]}),
        )
        .await?;
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("planned_minutes"))
    );
    let a = clerk
        .put(
            &format!("/api/meetings/{id}/agenda"),
            json!({"items": [{"id": 987654, "title": "x", "planned_minutes": 5}]}),
        )
        .await?;
    assert_eq!((a.status, a.code()), (422, "invalid"));
    let snap = member.get(&format!("/api/meetings/{id}")).await?.body;
    assert_eq!(
        snap["agenda"].as_array().unwrap().len(),
        2,
        "the agenda is untouched"
    );
    assert_eq!(snap["attendance"], json!([]));
    Ok(())
}
