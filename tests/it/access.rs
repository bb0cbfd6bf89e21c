//! Authorization, as a table: every route and topic against every kind of user. A route
//! a user may not use answers 401 (no session), 404 (a meeting they cannot see) or 403
//! (they see it but may not do this); one they may use never answers those.

use ecabinet_domain::{MeetingId, UserId};
use ecabinet_protocol::{ErrorCode, Topic};
use ecabinet_tests::*;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    Ok,
    Unauth,
    Forbidden,
    NotFound,
}

/// The users of the table: anonymous, admin, secretariat, the meeting's chair, a member
/// of it, an invitee of it, and a member who is not invited.
const ACTORS: [&str; 7] = [
    "anonymous",
    "admin",
    "vanthu1",
    "thutuong",
    "ptt1",
    "khach1",
    "bt05",
];

#[derive(Clone, Copy)]
enum Setup {
    None,
    Draft,
    Published,
    InProgress,
    /// A meeting in progress with a draft poll (`{poll}` in the path).
    PollDraft,
    /// ... with an open poll.
    PollOpen,
    /// ... with a closed poll.
    PollClosed,
    /// A published meeting with a rendered document (`{doc}` in the path), shared by
    /// the rows: its routes only read.
    Document,
    /// A fresh exchange dead letter (`{id}` in the path) sent by the Government Office
    /// (vanthu1 its clerk, thutuong its leader) to an organ of a peer.
    DeadLetter,
}

struct Row {
    method: &'static str,
    path: &'static str,
    body: fn() -> Value,
    setup: Setup,
    // Expected outcome per actor, in ACTORS order.
    want: [Want; 7],
}

fn empty() -> Value {
    json!({})
}
fn meeting_body() -> Value {
    meeting_input(
        "Họp kiểm tra quyền",
        &[demo_id("thutuong"), demo_id("ptt1"), demo_id("khach1")],
    )
}
fn agenda_body() -> Value {
    json!({"items": [{"title": "Nội dung A", "planned_minutes": 10}]})
}
fn device_body() -> Value {
    // One valid key: every allowed call after the first is a duplicate (409), which still
    // shows that authorization let it through.
    json!({"label": "Máy tính bảng", "public_key": "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"})
}
fn poll_body() -> Value {
    json!({"question": "Thông qua?"})
}
fn ballot_body() -> Value {
    // Well-formed hex, not a ballot: whoever may see the poll gets 422, others 404.
    json!({"ballot": "00", "signature": "00"})
}
fn annotation_body() -> Value {
    json!({"version": 1, "page": 1, "kind": "highlight", "region": {"x": 0, "y": 0, "w": 100, "h": 100}})
}
fn unit_body() -> Value {
    json!({"code": "KT", "name": "Đơn vị kiểm tra"})
}
fn indicator_body() -> Value {
    json!({"code": "KT", "name": "Chỉ tiêu kiểm tra", "unit": "", "value_type": "decimal",
        "aggregation": "sum", "min": null, "max": null, "required": true})
}
fn present() -> Value {
    json!({"status": "present", "mode": "in_room"})
}
fn next() -> Value {
    json!({"to": "next"})
}
fn forged_delivery() -> Value {
    // A session is no peer: the inbox believes only a known peer's server key.
    json!({"kind": "envelope", "to_organ": "000.00.00.G22", "xml": "<x/>", "sent_at": 1,
        "peer_key": "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c",
        "signature": "00".repeat(64)})
}

use Want::{Forbidden as F, NotFound as N, Ok as O, Unauth as U};

fn table() -> Vec<Row> {
    //                    anon admin clerk chair member invitee outsider
    let view = [U, N, O, O, O, O, N];
    let prepare = [U, N, O, F, F, F, N];
    let conduct = [U, N, O, O, F, F, N];
    let attend = [U, N, F, O, O, O, N];
    vec![
        // Accounts: a session for /api/me; the list of accounts decided by
        // domain::access::meetings::lists_accounts.
        Row {
            method: "GET",
            path: "/api/me",
            body: empty,
            setup: Setup::None,
            want: [U, O, O, O, O, O, O],
        },
        Row {
            method: "GET",
            path: "/api/users",
            body: empty,
            setup: Setup::None,
            want: [U, O, O, F, F, F, F],
        },
        // Device keys: decided by domain::access::devices::listing and ::enroll (over
        // devices::signs).
        Row {
            method: "GET",
            path: "/api/devices",
            body: empty,
            setup: Setup::None,
            want: [U, F, O, O, O, F, O],
        },
        Row {
            method: "POST",
            path: "/api/devices",
            body: device_body,
            setup: Setup::None,
            want: [U, F, F, O, O, F, O],
        },
        // Meetings: the list and creating one decided by
        // domain::access::meetings::can_prepare_meetings; every route of one meeting by
        // meetings::meeting_decision (View, Prepare, Conduct, Attend, RequestFloor).
        Row {
            method: "GET",
            path: "/api/meetings",
            body: empty,
            setup: Setup::None,
            want: [U, O, O, O, O, O, O],
        },
        Row {
            method: "POST",
            path: "/api/meetings",
            body: meeting_body,
            setup: Setup::None,
            want: [U, F, O, F, F, F, F],
        },
        Row {
            method: "GET",
            path: "/api/meetings/{id}",
            body: empty,
            setup: Setup::Published,
            want: view,
        },
        Row {
            method: "GET",
            path: "/api/meetings/{id}",
            body: empty,
            setup: Setup::Draft,
            want: [U, N, O, N, N, N, N],
        },
        Row {
            method: "PUT",
            path: "/api/meetings/{id}",
            body: meeting_body,
            setup: Setup::Published,
            want: prepare,
        },
        Row {
            method: "PUT",
            path: "/api/meetings/{id}/agenda",
            body: agenda_body,
            setup: Setup::Published,
            want: prepare,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/publish",
            body: empty,
            setup: Setup::Draft,
            want: [U, N, O, N, N, N, N],
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/start",
            body: empty,
            setup: Setup::Published,
            want: conduct,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/end",
            body: empty,
            setup: Setup::InProgress,
            want: conduct,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/current",
            body: next,
            setup: Setup::InProgress,
            want: conduct,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/speakers/grant",
            body: empty,
            setup: Setup::InProgress,
            want: conduct,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/speakers/end",
            body: empty,
            setup: Setup::InProgress,
            want: conduct,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/attendance",
            body: present,
            setup: Setup::Published,
            want: attend,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/speakers/request",
            body: empty,
            setup: Setup::InProgress,
            want: attend,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/speakers/withdraw",
            body: empty,
            setup: Setup::InProgress,
            want: attend,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/polls",
            body: poll_body,
            setup: Setup::InProgress,
            want: conduct,
        },
        Row {
            method: "GET",
            path: "/api/meetings/{id}/archive",
            body: empty,
            setup: Setup::PollClosed,
            want: view,
        },
        // Votes: decided by domain::access::meetings::meeting_decision on the poll's meeting
        // (View, Conduct).
        Row {
            method: "GET",
            path: "/api/polls/{poll}",
            body: empty,
            setup: Setup::PollDraft,
            want: view,
        },
        Row {
            method: "PUT",
            path: "/api/polls/{poll}",
            body: poll_body,
            setup: Setup::PollDraft,
            want: conduct,
        },
        Row {
            method: "POST",
            path: "/api/polls/{poll}/open",
            body: empty,
            setup: Setup::PollDraft,
            want: conduct,
        },
        Row {
            method: "POST",
            path: "/api/polls/{poll}/close",
            body: empty,
            setup: Setup::PollOpen,
            want: conduct,
        },
        Row {
            method: "GET",
            path: "/api/polls/{poll}/pending",
            body: empty,
            setup: Setup::PollOpen,
            want: conduct,
        },
        Row {
            method: "POST",
            path: "/api/polls/{poll}/ballots",
            body: ballot_body,
            setup: Setup::PollOpen,
            want: view,
        },
        Row {
            method: "GET",
            path: "/api/polls/{poll}/archive",
            body: empty,
            setup: Setup::PollClosed,
            want: view,
        },
        // Documents: decided by domain::access::documents::owner_check (See, File, Oversee:
        // here meetings::meeting_decision), then documents::lists, ::searches,
        // ::read_decision, ::version_decision, ::original_decision; statistics by
        // documents::reads_statistics.
        Row {
            method: "GET",
            path: "/api/meetings/{id}/documents",
            body: empty,
            setup: Setup::Document,
            want: view,
        },
        Row {
            method: "POST",
            path: "/api/meetings/{id}/documents",
            // JSON, not multipart: whoever may file gets 400, after authorization.
            body: empty,
            setup: Setup::Published,
            want: prepare,
        },
        Row {
            method: "GET",
            path: "/api/meetings/{id}/documents/search?q=nghi%20quyet",
            body: empty,
            setup: Setup::Document,
            want: view,
        },
        Row {
            method: "GET",
            path: "/api/documents/{doc}",
            body: empty,
            setup: Setup::Document,
            want: view,
        },
        Row {
            method: "GET",
            path: "/api/documents/{doc}/versions/1/pages/1",
            body: empty,
            setup: Setup::Document,
            want: view,
        },
        Row {
            method: "GET",
            path: "/api/documents/{doc}/versions/1/pages/1?w=240",
            body: empty,
            setup: Setup::Document,
            want: view,
        },
        Row {
            method: "GET",
            path: "/api/documents/{doc}/versions/1/pages/1/text",
            body: empty,
            setup: Setup::Document,
            want: view,
        },
        Row {
            method: "GET",
            path: "/api/documents/{doc}/original",
            body: empty,
            setup: Setup::Document,
            want: view,
        },
        Row {
            method: "GET",
            path: "/api/documents/{doc}/reads",
            body: empty,
            setup: Setup::Document,
            want: prepare,
        },
        Row {
            method: "GET",
            path: "/api/documents/{doc}/annotations",
            body: empty,
            setup: Setup::Document,
            want: view,
        },
        Row {
            method: "POST",
            path: "/api/documents/{doc}/annotations",
            body: annotation_body,
            setup: Setup::Document,
            want: view,
        },
        Row {
            method: "GET",
            path: "/api/statistics/documents",
            body: empty,
            setup: Setup::None,
            want: [U, O, O, F, F, F, F],
        },
        Row {
            method: "POST",
            path: "/api/documents/{doc}/versions",
            body: empty,
            setup: Setup::Document,
            want: prepare,
        },
        // Reporting: everyone logged in sees what they work with; the admin sets up;
        // leaders and the office read ecabinet's figures.
        // decided by domain::access::reporting::lists_regime, ::administers and
        // ::reads_dashboard.
        Row {
            method: "GET",
            path: "/api/reporting",
            body: empty,
            setup: Setup::None,
            want: [U, O, O, O, O, O, O],
        },
        Row {
            method: "POST",
            path: "/api/reporting/units",
            body: unit_body,
            setup: Setup::None,
            want: [U, O, F, F, F, F, F],
        },
        Row {
            method: "POST",
            path: "/api/reporting/indicators",
            body: indicator_body,
            setup: Setup::None,
            want: [U, O, F, F, F, F, F],
        },
        Row {
            method: "GET",
            path: "/api/reporting/statistics",
            body: empty,
            setup: Setup::None,
            want: [U, F, O, O, O, F, O],
        },
        // Exchange between deployments: the inbox is for peers only, whatever the session;
        // dead letters are listed for the admin and sent again by the admin or a clerk of
        // the sending organ (its leader sees them but may not; others do not see them).
        // decided by domain::access::exchange::administers and ::retry_dead_letter (the
        // inbox by a peer's signature, no session).
        Row {
            method: "POST",
            path: "/api/exchange/inbox",
            body: forged_delivery,
            setup: Setup::None,
            want: [U, U, U, U, U, U, U],
        },
        Row {
            method: "GET",
            path: "/api/exchange/dead-letters",
            body: empty,
            setup: Setup::None,
            want: [U, O, F, F, F, F, F],
        },
        Row {
            method: "POST",
            path: "/api/exchange/dead-letters/{id}/retry",
            body: empty,
            setup: Setup::DeadLetter,
            want: [U, O, O, F, N, N, N],
        },
    ]
}

/// A fresh dead letter from the Government Office to an organ of a peer that refused it
/// for good (the organ, its clerk and leader, and the peer made on the first call).
async fn with_dead_letter(s: &TestServer, ready: &mut bool) -> anyhow::Result<i64> {
    if !*ready {
        let admin = s.login("admin").await?;
        admin
            .ok_post(
                "/api/exchange/organs",
                json!({"id": "000.00.00.G22", "name": "Văn phòng Chính phủ"}),
            )
            .await?;
        for (user, role) in [("vanthu1", "clerk"), ("thutuong", "leader")] {
            admin
                .ok_post(
                    "/api/exchange/organs/000.00.00.G22/members",
                    json!({"user_id": demo_id(user), "role": role}),
                )
                .await?;
        }
        admin
            .ok_post(
                "/api/exchange/peers",
                json!({"name": "Bộ Kế hoạch và Đầu tư", "base_url": "http://127.0.0.1:9",
                    "server_key": "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c",
                    "organs": [{"id": "000.00.00.G12", "name": "Bộ Kế hoạch và Đầu tư"}]}),
            )
            .await?;
        *ready = true;
    }
    let mut tx = s.state.db.write().await?;
    let peer = tx.peers().await?[0].id;
    let message = tx
        .log_message(ecabinet_storage::NewMessage {
            direction: "sent",
            kind: "envelope",
            document_id: "000.00.00.G22/kiem-tra-quyen",
            from_organ: "000.00.00.G22",
            to_organ: "000.00.00.G12",
            sha256: "00",
            body: "<x/>",
        })
        .await?;
    tx.enqueue(peer, message).await?;
    let id = tx
        .outbox_pending()
        .await?
        .last()
        .map(|(id, ..)| *id)
        .unwrap_or_default();
    tx.outbox_dead(id, "HTTP 413").await?;
    tx.commit().await?;
    Ok(id)
}

/// Prepares the meeting (and poll) a row needs; returns the meeting id and the poll id.
async fn prepare_row(clerk: &Client, setup: Setup) -> anyhow::Result<(i64, i64)> {
    let poll_state = match setup {
        Setup::PollDraft => 0,
        Setup::PollOpen => 1,
        Setup::PollClosed => 2,
        _ => return Ok((prepare(clerk, setup).await?, 0)),
    };
    let id = prepare(clerk, Setup::InProgress).await?;
    let poll = clerk
        .ok_post(&format!("/api/meetings/{id}/polls"), poll_body())
        .await?
        .body["id"]
        .as_i64()
        .unwrap_or_default();
    for (step, action) in [(1, "open"), (2, "close")] {
        if poll_state >= step {
            clerk
                .ok_post(&format!("/api/polls/{poll}/{action}"), json!({}))
                .await?;
        }
    }
    Ok((id, poll))
}

/// A published meeting with one rendered document: (meeting, document).
async fn with_document(clerk: &Client) -> anyhow::Result<(i64, i64)> {
    let id = prepare(clerk, Setup::Published).await?;
    let pdf = ecabinet_documents::fixtures::text_pdf(
        &ecabinet_server::platform::config::Config::default().pdfium_path(),
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".as_ref(),
        &[vec!["Dự thảo Nghị quyết".to_owned()]],
    )?;
    let meta = json!({"title": "Tờ trình", "kind": "submission", "confidentiality": "normal"});
    let a = clerk
        .upload(
            &format!("/api/meetings/{id}/documents"),
            Some(meta),
            "t.pdf",
            pdf,
        )
        .await?;
    let doc = a.body["id"].as_i64().unwrap_or_default();
    for _ in 0..300 {
        let list = clerk.get(&format!("/api/meetings/{id}/documents")).await?;
        match list.body[0]["status"].as_str() {
            Some("ready") => return Ok((id, doc)),
            Some("failed") => anyhow::bail!("the access table's document failed: {}", list.body),
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    anyhow::bail!("the access table's document did not render")
}

async fn prepare(clerk: &Client, setup: Setup) -> anyhow::Result<i64> {
    let created = clerk.ok_post("/api/meetings", meeting_body()).await?;
    let id = created.body["id"].as_i64().unwrap_or_default();
    if matches!(setup, Setup::Draft | Setup::None) {
        return Ok(id);
    }
    let a = clerk
        .put(
            &format!("/api/meetings/{id}/agenda"),
            json!({"items": [
                {"title": "Một", "planned_minutes": 10}, {"title": "Hai", "planned_minutes": 10}
            ]}),
        )
        .await?;
    assert_eq!(a.status, 204);
    clerk
        .ok_post(&format!("/api/meetings/{id}/publish"), json!({}))
        .await?;
    if matches!(setup, Setup::InProgress) {
        clerk
            .ok_post(&format!("/api/meetings/{id}/start"), json!({}))
            .await?;
    }
    Ok(id)
}

fn outcome(status: u16) -> Want {
    match status {
        401 => Want::Unauth,
        403 => Want::Forbidden,
        404 => Want::NotFound,
        _ => Want::Ok,
    }
}

#[tokio::test]
async fn every_route_refuses_every_role_that_must_not_use_it() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let mut clients = Vec::new();
    for a in ACTORS {
        clients.push(if a == "anonymous" {
            s.anonymous()
        } else {
            s.login(a).await?
        });
    }
    let mut failures = Vec::new();
    let mut document = None;
    let mut exchange_ready = false;
    for row in table() {
        for (i, actor) in ACTORS.iter().enumerate() {
            // A fresh meeting per call: an allowed call (start, end, ...) must not change
            // what the next actor meets. Document rows only read, and share one.
            let (id, poll) = match (row.setup, document) {
                (Setup::Document, Some(d)) => d,
                (Setup::Document, None) => *document.insert(with_document(&clerk).await?),
                (Setup::DeadLetter, _) => (with_dead_letter(&s, &mut exchange_ready).await?, 0),
                _ => prepare_row(&clerk, row.setup).await?,
            };
            let path = row
                .path
                .replace("{id}", &id.to_string())
                .replace("{doc}", &poll.to_string())
                .replace("{poll}", &poll.to_string());
            let body = (row.method != "GET").then(row.body);
            let a = clients[i].call(row.method, &path, body).await?;
            assert!(
                a.status < 500,
                "{} {path} as {actor}: {} {}",
                row.method,
                a.status,
                a.body
            );
            let got = outcome(a.status);
            if got != row.want[i] {
                failures.push(format!(
                    "{} {} ({:?}) as {actor}: want {:?}, got {} {}",
                    row.method, row.path, row.setup as u8, row.want[i], a.status, a.body
                ));
            }
            if got != Want::Ok {
                // Refusals use the error format with the matching code.
                let code = a.code();
                let expected = match got {
                    Want::Unauth => "unauthenticated",
                    Want::Forbidden => "forbidden",
                    Want::NotFound => "not_found",
                    Want::Ok => unreachable!(),
                };
                if code != expected {
                    failures.push(format!(
                        "{} {path} as {actor}: code {code}, want {expected}",
                        row.method
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    Ok(())
}

#[tokio::test]
async fn every_topic_refuses_every_role_that_must_not_read_it() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let published = MeetingId(prepare(&clerk, Setup::Published).await?);
    let draft = MeetingId(prepare(&clerk, Setup::Draft).await?);
    let ok = None;
    let forbidden = Some(ErrorCode::Forbidden);
    let missing = Some(ErrorCode::NotFound);
    // (actor, topic, expected refusal)
    // decided by domain::access::topics::subscribe.
    let cases = vec![
        ("vanthu1", Topic::Meetings, ok),
        ("admin", Topic::Meetings, forbidden),
        ("thutuong", Topic::Meetings, forbidden),
        ("ptt1", Topic::Meetings, forbidden),
        ("khach1", Topic::Meetings, forbidden),
        ("vanthu1", Topic::Meeting(published), ok),
        ("thutuong", Topic::Meeting(published), ok),
        ("ptt1", Topic::Meeting(published), ok),
        ("khach1", Topic::Meeting(published), ok),
        ("admin", Topic::Meeting(published), missing),
        ("bt05", Topic::Meeting(published), missing),
        ("vanthu1", Topic::Meeting(draft), ok),
        ("thutuong", Topic::Meeting(draft), missing),
        ("ptt1", Topic::Meeting(draft), missing),
        ("bt05", Topic::Meeting(MeetingId(999_999)), missing),
        ("ptt1", Topic::User(UserId(demo_id("ptt1"))), ok),
        ("ptt1", Topic::User(UserId(demo_id("ptt2"))), forbidden),
        ("vanthu1", Topic::User(UserId(demo_id("ptt2"))), forbidden),
        ("admin", Topic::User(UserId(demo_id("admin"))), ok),
        // The dashboard's topic: leaders and the office, not an invitee or the admin.
        ("thutuong", Topic::Reporting, ok),
        ("bt05", Topic::Reporting, ok),
        ("vanthu1", Topic::Reporting, ok),
        ("khach1", Topic::Reporting, forbidden),
        ("admin", Topic::Reporting, forbidden),
    ];
    let mut failures = Vec::new();
    for (actor, topic, want) in cases {
        let c = s.login(actor).await?;
        let mut ws = c.ws().await?;
        ws.hello().await?;
        match want {
            None => {
                if let Err(e) = ws.subscribe(topic).await {
                    failures.push(format!("{actor} {topic}: refused: {e}"));
                }
            }
            Some(code) => match ws.subscribe_refused(topic).await {
                Ok(got) if got == code => {}
                Ok(got) => failures.push(format!("{actor} {topic}: {got:?}, want {code:?}")),
                Err(e) => failures.push(format!("{actor} {topic}: {e}")),
            },
        }
        ws.close().await;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}

#[tokio::test]
async fn websocket_needs_a_session_and_our_origin() -> anyhow::Result<()> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let s = TestServer::start().await?;
    let anon = s.anonymous().ws().await;
    let err = anon.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("401"), "anonymous upgrade: {err}");

    let c = s.login("ptt1").await?;
    let url = format!("ws://{}/api/ws", s.addr);
    let mut req = url.as_str().into_client_request()?;
    let cookie = reqwest::cookie::CookieStore::cookies(&*c.jar, &s.url("/").parse()?).unwrap();
    req.headers_mut().insert("cookie", cookie);
    req.headers_mut()
        .insert("origin", "http://evil.example".parse()?);
    let r = tokio_tungstenite::connect_async(req).await;
    let err = r.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("403"), "foreign origin: {err}");
    Ok(())
}
