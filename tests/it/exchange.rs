//! Document exchange between two agencies of one deployment: the organ directory, a draft
//! refused field by field, the signer's seal from the device, sending, the receiving
//! organ's steps (registered, assigned, processing, done) each reported back to the sender
//! live, the message log, edXML export and import (idempotent; a tampered or malformed
//! envelope is refused with 02 and every reason, nothing stored), who may do what, and
//! with an object store the files kept once in the bucket and served by any node.

// The helpers below are test code too: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ecabinet_documents::fixtures;
use ecabinet_exchange::canonical::{Attestation, Seal, SealRecord, envelope_digest};
use ecabinet_exchange::{Status, edxml};
use ecabinet_protocol::document::DocumentSummary;
use ecabinet_protocol::exchange::{IncomingView, OutgoingView};
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_tests::*;
use serde_json::{Value, json};

const VPCP: &str = "000.00.00.G22";
const BKHDT: &str = "000.00.00.G12";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";

/// Two organs: the Government Office (vanthu1 clerk, bt22 — its minister — leader) and the Ministry of
/// Planning and Investment (bt01 clerk, ptt1 leader, bt02 handler).
async fn two_organs(s: &TestServer) {
    let admin = s.login("admin").await.unwrap();
    for (id, name) in [
        (VPCP, "Văn phòng Chính phủ"),
        (BKHDT, "Bộ Kế hoạch và Đầu tư"),
    ] {
        let a = admin
            .post("/api/exchange/organs", json!({"id": id, "name": name}))
            .await
            .unwrap();
        assert_eq!(a.status, 201, "{}", a.body);
    }
    for (organ, user, role) in [
        (VPCP, "vanthu1", "clerk"),
        (VPCP, "bt22", "leader"),
        (BKHDT, "bt01", "clerk"),
        (BKHDT, "ptt1", "leader"),
        (BKHDT, "bt02", "handler"),
    ] {
        admin
            .ok_post(
                &format!("/api/exchange/organs/{organ}/members"),
                json!({"user_id": demo_id(user), "role": role}),
            )
            .await
            .unwrap();
    }
}

fn meta(extra: Value) -> Value {
    let mut m = json!({
        "to": [BKHDT],
        "code_number": "1234",
        "code_notation": "VPCP-KTTH",
        "place": "Hà Nội",
        "promulgation_date": "2026-12-02",
        "document_type": "Công văn",
        "subject": "V/v triển khai Nghị quyết phiên họp Chính phủ thường kỳ tháng 11",
        "signer": {"competence": "KT. BỘ TRƯỞNG, CHỦ NHIỆM", "position": "Phó Chủ nhiệm", "full_name": "Nguyễn Văn A"},
        "signer_id": demo_id("bt22"),
        "due_date": "2026-12-15",
        "priority": "urgent",
    });
    if let (Some(m), Some(e)) = (m.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    m
}

async fn draft(clerk: &Client, meta: Value, file: &[u8]) -> Answer {
    clerk
        .upload(
            &format!("/api/exchange/organs/{VPCP}/outgoing"),
            Some(meta),
            "1234-VPCP-KTTH.pdf",
            file.to_vec(),
        )
        .await
        .unwrap()
}

fn seal_body(tablet: &Tablet, digest: &str, signer: i64) -> Value {
    let record = SealRecord::new(
        hex::decode(digest).unwrap().try_into().unwrap(),
        signer,
        ecabinet_crypto::key_id(&tablet.key.verifying_key()),
        1_796_000_000_000,
    );
    let bytes = record.to_bytes();
    json!({
        "bytes": hex::encode(&bytes),
        "signature": hex::encode(ecabinet_crypto::sign(&tablet.key, &bytes)),
    })
}

/// bt22 seals a draft on the device and the clerk sends it.
async fn seal_and_send(signer: &Tablet, clerk: &Client, v: &OutgoingView) {
    signer
        .client
        .ok_post(
            &format!("/api/exchange/outgoing/{}/seal", v.id),
            seal_body(signer, &v.digest, demo_id("bt22")),
        )
        .await
        .unwrap();
    clerk
        .ok_post(&format!("/api/exchange/outgoing/{}/send", v.id), json!({}))
        .await
        .unwrap();
}

async fn outgoing(c: &Client, id: i64) -> OutgoingView {
    let a = c
        .get(&format!("/api/exchange/outgoing/{id}"))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_value(a.body).unwrap()
}

async fn incoming_list(c: &Client) -> Vec<IncomingView> {
    let a = c
        .get(&format!("/api/exchange/organs/{BKHDT}/incoming"))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_value(a.body).unwrap()
}

fn recipient_status(v: &OutgoingView) -> Option<Status> {
    v.recipients
        .iter()
        .find(|r| r.organ_id == BKHDT)
        .and_then(|r| r.status)
}

#[tokio::test]
async fn a_document_goes_from_draft_to_done_with_every_status_back_to_the_sender() {
    let s = TestServer::start().await.unwrap();
    two_organs(&s).await;
    let clerk = s.login("vanthu1").await.unwrap();
    let signer = enrolled_tablet(&s, &clerk, "bt22").await.unwrap();

    // A draft is refused whole, naming the field, and nothing is filed.
    let cases = [
        (meta(json!({"subject": "x".repeat(501)})), "subject"),
        (meta(json!({"to": [BKHDT, BKHDT]})), "to"),
        (meta(json!({"to": ["000.00.00.X99"]})), "to"),
        (
            meta(json!({"promulgation_date": "2026-02-30"})),
            "promulgation_date",
        ),
        (meta(json!({"signer_id": demo_id("bt01")})), "signer_id"),
    ];
    for (m, field) in cases {
        let a = draft(&clerk, m, PDF).await;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (422, Some(field)),
            "{}",
            a.body
        );
    }
    let a = draft(&clerk, meta(json!({})), b"not a pdf").await;
    assert_eq!((a.status, a.body["field"].as_str()), (422, Some("file")));
    let outsider = s.login("bt03").await.unwrap();
    assert_eq!(draft(&outsider, meta(json!({})), PDF).await.status, 403);
    let listed = clerk
        .get(&format!("/api/exchange/organs/{VPCP}/outgoing"))
        .await
        .unwrap();
    assert_eq!(listed.body, json!([]), "nothing was filed");

    let a = draft(&clerk, meta(json!({})), PDF).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let view: OutgoingView = serde_json::from_value(a.body).unwrap();
    let id = view.id;
    assert_eq!(view.status, "draft");
    assert_eq!(
        view.envelope.attachments[0].sha256,
        ecabinet_crypto::sha256(PDF)
    );
    let send = format!("/api/exchange/outgoing/{id}/send");
    assert_eq!(
        clerk.post(&send, json!({})).await.unwrap().status,
        409,
        "not sealed yet"
    );

    // The seal: only the named signer, over this very envelope, with an approved key.
    let seal = format!("/api/exchange/outgoing/{id}/seal");
    let stale = seal_body(&signer, &"00".repeat(32), demo_id("bt22"));
    let a = signer.client.post(&seal, stale).await.unwrap();
    assert_eq!(a.status, 422, "{}", a.body);
    let mut forged = seal_body(&signer, &view.digest, demo_id("bt22"));
    forged["signature"] = json!("00".repeat(64));
    assert_eq!(signer.client.post(&seal, forged).await.unwrap().status, 422);
    let a = clerk
        .post(&seal, seal_body(&signer, &view.digest, demo_id("vanthu1")))
        .await
        .unwrap();
    assert_eq!(a.status, 403, "the clerk is not the signer");
    let a = signer
        .client
        .post(&seal, seal_body(&signer, &view.digest, demo_id("bt22")))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);

    // Sent: the other organ has it as arrived, and the sender sees 01 at once.
    let (_, mut ws) = s
        .watch(
            "vanthu1",
            Topic::User(ecabinet_domain::UserId(demo_id("vanthu1"))),
        )
        .await
        .unwrap();
    let sent: OutgoingView =
        serde_json::from_value(clerk.ok_post(&send, json!({})).await.unwrap().body).unwrap();
    assert_eq!(sent.status, "sent");
    assert_eq!(recipient_status(&sent), Some(Status::Arrived));
    assert_eq!(
        clerk.post(&send, json!({})).await.unwrap().status,
        409,
        "sent once"
    );
    let receiving = s.login("bt01").await.unwrap();
    let inbox = incoming_list(&receiving).await;
    assert_eq!(inbox.len(), 1);
    let doc = &inbox[0];
    assert_eq!(
        (doc.status, doc.envelope.subject.as_str()),
        (Status::Arrived, sent.envelope.subject.as_str())
    );
    assert!(doc.seal.verify(&doc.envelope).is_ok());
    let (status, _, file) = receiving
        .get_bytes(&format!("/api/exchange/incoming/{}/files/1", doc.id))
        .await
        .unwrap();
    assert_eq!((status, file.as_slice()), (200, PDF));

    // The receiving organ's steps, each by its role, each reported back.
    let step = format!("/api/exchange/incoming/{}/status", doc.id);
    let leader = s.login("ptt1").await.unwrap();
    let handler = s.login("bt02").await.unwrap();
    let a = receiving
        .post(&step, json!({"status": "rejected"}))
        .await
        .unwrap();
    assert_eq!((a.status, a.body["field"].as_str()), (422, Some("note")));
    assert_eq!(
        handler
            .post(&step, json!({"status": "registered"}))
            .await
            .unwrap()
            .status,
        403
    );
    assert_eq!(
        receiving
            .post(&step, json!({"status": "done"}))
            .await
            .unwrap()
            .status,
        403
    );
    let a = receiving
        .ok_post(&step, json!({"status": "registered"}))
        .await
        .unwrap();
    assert_eq!(a.body["register_number"], json!(1));
    assert_eq!(
        receiving
            .post(&step, json!({"status": "registered"}))
            .await
            .unwrap()
            .status,
        409
    );
    let a = leader
        .post(
            &step,
            json!({"status": "assigned", "handler_id": demo_id("bt05")}),
        )
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("handler_id"))
    );
    leader
        .ok_post(&step, json!({"status": "assigned", "handler_id": demo_id("bt02"), "note": "Chủ trì tham mưu"}))
        .await
        .unwrap();
    handler
        .ok_post(&step, json!({"status": "processing"}))
        .await
        .unwrap();
    handler
        .ok_post(&step, json!({"status": "done"}))
        .await
        .unwrap();

    ws.wait_event(|e| {
        matches!(e, EventBody::ExchangeChanged { status, register, .. }
            if status == "06" && register == "outgoing")
    })
    .await
    .unwrap();
    let after = outgoing(&clerk, id).await;
    assert_eq!(recipient_status(&after), Some(Status::Done));
    let statuses: Vec<&str> = after
        .messages
        .iter()
        .filter(|m| m.kind == "status" && m.direction == "received")
        .map(|m| m.to_organ.as_str())
        .collect();
    assert_eq!(
        statuses.len(),
        5,
        "01, 03, 04, 05 and 06 arrived: {:?}",
        after.messages
    );
    let assigned = leader
        .get(&format!("/api/exchange/incoming/{}", doc.id))
        .await
        .unwrap();
    assert_eq!(assigned.body["handler_id"], json!(demo_id("bt02")));
    // The sender's organ does not read the receiver's register, nor the reverse.
    assert_eq!(
        clerk
            .get(&format!("/api/exchange/incoming/{}", doc.id))
            .await
            .unwrap()
            .status,
        404
    );
    assert_eq!(
        receiving
            .get(&format!("/api/exchange/outgoing/{id}"))
            .await
            .unwrap()
            .status,
        404
    );

    // edXML out and in: the same envelope again is stored once; a changed one is refused.
    let (status, _, xml) = clerk
        .get_bytes(&format!("/api/exchange/outgoing/{id}/edxml"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let xml = String::from_utf8(xml).unwrap();
    let read = edxml::read_envelope(&xml).unwrap();
    assert!(
        read.seal.as_ref().unwrap().verify(&read.envelope).is_ok(),
        "anyone can check the seal"
    );
    let import = format!("/api/exchange/organs/{BKHDT}/import");
    let again = receiving
        .call_raw("POST", &import, xml.clone())
        .await
        .unwrap();
    assert_eq!(
        (again.status, again.body["id"].as_i64()),
        (201, Some(doc.id)),
        "{}",
        again.body
    );
    let tampered = xml.replace("tháng 11", "tháng 12");
    let a = receiving.call_raw("POST", &import, tampered).await.unwrap();
    assert_eq!(
        (a.status, a.body["status"].as_str()),
        (422, Some("02")),
        "{}",
        a.body
    );
    assert!(
        a.body["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["field"] == "Signature"),
        "{}",
        a.body
    );
    let a = receiving
        .call_raw("POST", &import, xml[..xml.len() / 2].to_owned())
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["problems"][0]["field"].as_str()),
        (422, Some("edXML")),
        "{}",
        a.body
    );
    assert_eq!(
        incoming_list(&receiving).await.len(),
        1,
        "nothing more was registered"
    );
    assert_eq!(
        s.login("bt03")
            .await
            .unwrap()
            .call_raw("POST", &import, xml)
            .await
            .unwrap()
            .status,
        403
    );
}

/// A two-page official letter with Vietnamese text, as a real PDF (rendered by PDFium).
fn letter() -> Vec<u8> {
    let pages = vec![
        vec![
            "CÔNG VĂN".to_owned(),
            "V/v triển khai Nghị quyết phiên họp Chính phủ".to_owned(),
        ],
        vec!["Đề nghị Bộ Kế hoạch và Đầu tư báo cáo trước ngày 15/12.".to_owned()],
    ];
    fixtures::text_pdf(
        &ecabinet_server::platform::config::Config::default().pdfium_path(),
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf".as_ref(),
        &pages,
    )
    .expect("fixture PDF")
}

/// The two organs, and the Government Office's clerk drafting [`letter`] for bt22 (whose
/// enrolled tablet is returned) to seal: (clerk, signer, the file, the draft).
async fn letter_drafted(s: &TestServer) -> (Client, Tablet, Vec<u8>, OutgoingView) {
    two_organs(s).await;
    let clerk = s.login("vanthu1").await.unwrap();
    let signer = enrolled_tablet(s, &clerk, "bt22").await.unwrap();
    let file = letter();
    let a = draft(&clerk, meta(json!({})), &file).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let v: OutgoingView = serde_json::from_value(a.body).unwrap();
    (clerk, signer, file, v)
}

/// Waits until every file of a register entry has rendered; returns them.
async fn rendered(c: &Client, path: &str) -> Vec<DocumentSummary> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let a = c.get(path).await.unwrap();
        assert_eq!(a.status, 200, "{}", a.body);
        let docs: Vec<DocumentSummary> = serde_json::from_value(a.body).unwrap();
        if !docs.is_empty() && docs.iter().all(|d| d.status != "rendering") {
            return docs;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never rendered: {docs:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_exchanged_file_is_read_page_by_page_by_both_organs_and_no_one_else() {
    let s = TestServer::start().await.unwrap();
    let (clerk, signer, file, v) = letter_drafted(&s).await;
    assert_eq!(v.documents.len(), 1, "the file is filed as a document");
    assert_eq!(v.documents[0].title, "1234-VPCP-KTTH.pdf");
    assert_eq!(v.documents[0].outgoing_id, Some(v.id));

    // The signer reads the draft's pages before sealing it.
    let docs = rendered(
        &signer.client,
        &format!("/api/exchange/outgoing/{}/documents", v.id),
    )
    .await;
    let doc = docs[0].id;
    assert_eq!((docs[0].status.as_str(), docs[0].pages), ("ready", 2));
    let shown = signer
        .client
        .get(&format!("/api/documents/{doc}"))
        .await
        .unwrap();
    assert_eq!(shown.status, 200, "{}", shown.body);
    let (status, headers, png) = signer
        .client
        .get_bytes(&format!("/api/documents/{doc}/versions/1/pages/2"))
        .await
        .unwrap();
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (200, "image/png")
    );
    assert!(png.starts_with(b"\x89PNG"));
    let found = signer
        .client
        .get(&format!(
            "/api/exchange/outgoing/{}/documents/search?q=bao%20cao",
            v.id
        ))
        .await
        .unwrap();
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["hits"][0]["page"], 2, "{}", found.body);
    let (status, _, original) = signer
        .client
        .get_bytes(&format!("/api/documents/{doc}/original"))
        .await
        .unwrap();
    assert_eq!(
        (status, original == file),
        (200, true),
        "the very file sealed"
    );

    // It is what the seal covers: no new version, no removal.
    let a = clerk
        .upload(
            &format!("/api/documents/{doc}/versions"),
            None,
            "khac.pdf",
            letter(),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 409, "{}", a.body);
    let a = clerk
        .call("DELETE", &format!("/api/documents/{doc}"), None)
        .await
        .unwrap();
    assert_eq!(a.status, 409, "{}", a.body);

    // Outside the organ it does not exist.
    let outsider = s.login("bt03").await.unwrap();
    for path in [
        format!("/api/documents/{doc}"),
        format!("/api/documents/{doc}/versions/1/pages/1"),
        format!("/api/exchange/outgoing/{}/documents", v.id),
    ] {
        assert_eq!(outsider.get(&path).await.unwrap().status, 404, "{path}");
    }

    // Sent: the receiving organ gets its own copy through the same pipeline.
    seal_and_send(&signer, &clerk, &v).await;
    let handler = s.login("bt02").await.unwrap();
    let inbox = incoming_list(&handler).await;
    assert_eq!(inbox[0].documents.len(), 1);
    let docs = rendered(
        &handler,
        &format!("/api/exchange/incoming/{}/documents", inbox[0].id),
    )
    .await;
    let theirs = docs[0].id;
    assert_ne!(theirs, doc, "each organ reads its own register's copy");
    assert_eq!(docs[0].pages, 2);
    let a = handler
        .get(&format!("/api/documents/{theirs}"))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        clerk
            .get(&format!("/api/documents/{theirs}"))
            .await
            .unwrap()
            .status,
        404,
        "the sender's clerk does not read the receiver's register"
    );
    assert_eq!(
        handler
            .get(&format!("/api/documents/{doc}"))
            .await
            .unwrap()
            .status,
        404
    );
    // Its readers are the organ's people: the read is on record for them.
    let reads = clerk
        .get(&format!("/api/documents/{doc}/reads"))
        .await
        .unwrap();
    assert_eq!(reads.status, 200, "{}", reads.body);
    assert!(
        reads
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["user_id"] == demo_id("bt22")),
        "{}",
        reads.body
    );
}

#[tokio::test]
async fn with_an_object_store_an_exchanged_file_is_kept_once_in_the_bucket_and_any_node_serves_it()
{
    let s3 = S3Server::start().await.unwrap();
    let bucket = s3.bucket("ecabinet", "docs").await.unwrap();
    let s = TestServer::on_bucket(bucket).await.unwrap();
    let (clerk, signer, file, v) = letter_drafted(&s).await;
    let sha = hex::encode(ecabinet_crypto::sha256(&file));
    let exchanged = format!("docs/exchange/{sha}.pdf");
    assert_eq!(s3.get("ecabinet", &exchanged).await.unwrap(), file);

    // Another node, whose folder is empty, exports the draft with the file from the bucket.
    let other = s.second_node().await.unwrap();
    let (status, _, xml) = other
        .login("vanthu1")
        .await
        .unwrap()
        .get_bytes(&format!("/api/exchange/outgoing/{}/edxml", v.id))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let read = edxml::read_envelope(&String::from_utf8(xml).unwrap()).unwrap();
    assert_eq!(read.files, vec![file.clone()]);

    seal_and_send(&signer, &clerk, &v).await;

    // The receiving organ reads, downloads and pages through it on the other node.
    let handler = other.login("bt02").await.unwrap();
    let inbox = incoming_list(&handler).await;
    let (status, _, got) = handler
        .get_bytes(&format!("/api/exchange/incoming/{}/files/1", inbox[0].id))
        .await
        .unwrap();
    assert_eq!((status, got == file), (200, true));
    let docs = rendered(
        &handler,
        &format!("/api/exchange/incoming/{}/documents", inbox[0].id),
    )
    .await;
    assert_eq!((docs[0].status.as_str(), docs[0].pages), ("ready", 2));
    let theirs = docs[0].id;
    let (status, _, png) = handler
        .get_bytes(&format!("/api/documents/{theirs}/versions/1/pages/2"))
        .await
        .unwrap();
    assert_eq!((status, png.starts_with(b"\x89PNG")), (200, true));
    let (status, _, original) = handler
        .get_bytes(&format!("/api/documents/{theirs}/original"))
        .await
        .unwrap();
    assert_eq!((status, original == file), (200, true));

    // One copy by hash however many registers hold it; each register's document has
    // its original in the bucket; neither node keeps a file of its own.
    let keys = s3.keys("ecabinet", "docs/").await.unwrap();
    let by_hash: Vec<&String> = keys
        .iter()
        .filter(|k| k.starts_with("docs/exchange/"))
        .collect();
    assert_eq!(by_hash, vec![&exchanged], "{keys:?}");
    for doc in [v.documents[0].id, theirs] {
        let key = format!("docs/{doc}/v1/original.pdf");
        assert_eq!(s3.get("ecabinet", &key).await.unwrap(), file, "{key}");
    }
    for node in [&s, &other] {
        let folder = node.db.files.path().join("documents");
        assert!(!folder.join("exchange").exists(), "a local exchange folder");
        assert!(!folder.join(theirs.to_string()).join("v1").exists());
    }
}

#[tokio::test]
async fn a_revocation_accepted_withdraws_the_document_it_names() {
    let s = TestServer::start().await.unwrap();
    two_organs(&s).await;
    let clerk = s.login("vanthu1").await.unwrap();
    let signer = enrolled_tablet(&s, &clerk, "bt22").await.unwrap();
    let first = send_from(VPCP, &clerk, &signer, BKHDT, "Công văn ban hành nhầm").await;
    let receiving = s.login("bt01").await.unwrap();
    let original = incoming_list(&receiving).await[0].id;
    receiving
        .ok_post(
            &format!("/api/exchange/incoming/{original}/status"),
            json!({"status": "registered"}),
        )
        .await
        .unwrap();

    let path = format!("/api/exchange/organs/{VPCP}/outgoing");
    let revoke = meta(
        json!({"business": "revoke", "target": first.envelope.document_id,
        "reason": "Ban hành nhầm đối tượng", "subject": "Thu hồi Công văn 1234/VPCP-KTTH"}),
    );
    // A revocation carries no file and names what it revokes.
    let a = clerk
        .upload_files(&path, revoke.clone(), vec![("x.pdf", PDF.to_vec())])
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("file")),
        "{}",
        a.body
    );
    let mut unknown = revoke.clone();
    unknown["target"] = json!("000.00.00.G22/khong-co");
    let a = clerk.upload_files(&path, unknown, vec![]).await.unwrap();
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("business")),
        "{}",
        a.body
    );
    let a = clerk.upload_files(&path, revoke, vec![]).await.unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    let v: OutgoingView = serde_json::from_value(a.body).unwrap();
    signer
        .client
        .ok_post(
            &format!("/api/exchange/outgoing/{}/seal", v.id),
            seal_body(&signer, &v.digest, signer.client.id()),
        )
        .await
        .unwrap();
    clerk
        .ok_post(&format!("/api/exchange/outgoing/{}/send", v.id), json!({}))
        .await
        .unwrap();

    let inbox = incoming_list(&receiving).await;
    let revocation = inbox.iter().find(|d| d.envelope.target.is_some()).unwrap();
    let step = format!("/api/exchange/incoming/{}/status", revocation.id);
    assert_eq!(
        receiving
            .post(&step, json!({"status": "revocation_accepted"}))
            .await
            .unwrap()
            .status,
        403,
        "a leader decides"
    );
    s.login("ptt1")
        .await
        .unwrap()
        .ok_post(&step, json!({"status": "revocation_accepted"}))
        .await
        .unwrap();
    let withdrawn = incoming_list(&receiving)
        .await
        .into_iter()
        .find(|d| d.id == original)
        .unwrap();
    assert_eq!(withdrawn.status, Status::Withdrawn);
    assert_eq!(
        status_at(&clerk, first.id, BKHDT).await,
        Some(Status::Withdrawn)
    );
    assert_eq!(
        status_at(&clerk, v.id, BKHDT).await,
        Some(Status::RevocationAccepted)
    );
}

#[tokio::test]
async fn only_the_admin_hosts_organs_and_gives_roles() {
    let s = TestServer::start().await.unwrap();
    let clerk = s.login("vanthu1").await.unwrap();
    let a = clerk
        .post(
            "/api/exchange/organs",
            json!({"id": VPCP, "name": "Văn phòng Chính phủ"}),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 403);
    let admin = s.login("admin").await.unwrap();
    for (body, field) in [
        (json!({"id": "có dấu", "name": "X"}), "id"),
        (json!({"id": VPCP, "name": " "}), "name"),
    ] {
        let a = admin.post("/api/exchange/organs", body).await.unwrap();
        assert_eq!((a.status, a.body["field"].as_str()), (422, Some(field)));
    }
    admin
        .ok_post(
            "/api/exchange/organs",
            json!({"id": VPCP, "name": "Văn phòng Chính phủ"}),
        )
        .await
        .unwrap();
    let a = admin
        .post("/api/exchange/organs", json!({"id": VPCP, "name": "Trùng"}))
        .await
        .unwrap();
    assert_eq!(a.status, 409);
    let a = admin
        .post(
            &format!("/api/exchange/organs/{VPCP}/members"),
            json!({"user_id": demo_id("vanthu1"), "role": "king"}),
        )
        .await
        .unwrap();
    assert_eq!((a.status, a.body["field"].as_str()), (422, Some("role")));
    assert_eq!(clerk.get("/api/exchange/me").await.unwrap().body, json!([]));
    admin
        .ok_post(
            &format!("/api/exchange/organs/{VPCP}/members"),
            json!({"user_id": demo_id("vanthu1"), "role": "clerk"}),
        )
        .await
        .unwrap();
    let me = clerk.get("/api/exchange/me").await.unwrap().body;
    assert_eq!(me[0]["roles"], json!(["clerk"]));
    assert_eq!(
        clerk
            .get(&format!("/api/exchange/organs/{VPCP}/incoming"))
            .await
            .unwrap()
            .status,
        200
    );
    assert_eq!(
        s.login("bt01")
            .await
            .unwrap()
            .get(&format!("/api/exchange/organs/{VPCP}/incoming"))
            .await
            .unwrap()
            .status,
        403
    );
    assert_eq!(
        s.anonymous()
            .get("/api/exchange/organs")
            .await
            .unwrap()
            .status,
        401
    );
}

async fn host(base: &str, organ: &str, name: &str, members: &[(&str, &str)]) {
    let admin = Client::logged_in(base, "admin").await.unwrap();
    admin
        .ok_post("/api/exchange/organs", json!({"id": organ, "name": name}))
        .await
        .unwrap();
    for (user, role) in members {
        admin
            .ok_post(
                &format!("/api/exchange/organs/{organ}/members"),
                json!({"user_id": demo_id(user), "role": role}),
            )
            .await
            .unwrap();
    }
}

/// Tells the deployment at `base` of the one at `peer`, which hosts `organ`.
async fn know_peer(base: &str, peer: &str, organ: &str, name: &str) {
    let identity = Client::at(peer)
        .get("/api/exchange/identity")
        .await
        .unwrap()
        .body;
    let a = Client::logged_in(base, "admin")
        .await
        .unwrap()
        .post(
            "/api/exchange/peers",
            json!({"name": name, "base_url": peer, "server_key": identity["server_key"],
                   "organs": [{"id": organ, "name": name}]}),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
}

/// Drafts at `organ` to `to`, has the signer seal it and sends it.
async fn send_from(
    organ: &str,
    clerk: &Client,
    signer: &Tablet,
    to: &str,
    subject: &str,
) -> OutgoingView {
    send_file_from(organ, clerk, signer, to, subject, PDF).await
}

/// [`send_from`] with `file` attached.
async fn send_file_from(
    organ: &str,
    clerk: &Client,
    signer: &Tablet,
    to: &str,
    subject: &str,
    file: &[u8],
) -> OutgoingView {
    let a = clerk
        .upload(
            &format!("/api/exchange/organs/{organ}/outgoing"),
            Some(meta(
                json!({"to": [to], "subject": subject, "signer_id": signer.client.id()}),
            )),
            "van-ban.pdf",
            file.to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    let v: OutgoingView = serde_json::from_value(a.body).unwrap();
    signer
        .client
        .ok_post(
            &format!("/api/exchange/outgoing/{}/seal", v.id),
            seal_body(signer, &v.digest, signer.client.id()),
        )
        .await
        .unwrap();
    serde_json::from_value(
        clerk
            .ok_post(&format!("/api/exchange/outgoing/{}/send", v.id), json!({}))
            .await
            .unwrap()
            .body,
    )
    .unwrap()
}

/// Waits until `check` holds (deliveries are asynchronous between deployments).
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn status_at(c: &Client, id: i64, organ: &str) -> Option<Status> {
    let v = outgoing(c, id).await;
    v.recipients
        .iter()
        .find(|r| r.organ_id == organ)
        .and_then(|r| r.status)
}

async fn inbox_of(c: &Client, organ: &str) -> Vec<IncomingView> {
    serde_json::from_value(
        c.get(&format!("/api/exchange/organs/{organ}/incoming"))
            .await
            .unwrap()
            .body,
    )
    .unwrap()
}

#[tokio::test]
async fn two_deployments_exchange_both_ways_and_a_stopped_peer_loses_nothing() {
    // The Government Office on one deployment, the Ministry on another.
    let (a, b, a_clerk, a_signer, b_clerk) = two_deployments().await;

    // A → B: delivered over HTTP; B answers 01, then 03 when its clerk registers it.
    let first = send_from(
        VPCP,
        &a_clerk,
        &a_signer,
        BKHDT,
        "V/v báo cáo tình hình giải ngân vốn đầu tư công",
    )
    .await;
    eventually("B's 01 reaches A", || async {
        status_at(&a_clerk, first.id, BKHDT).await == Some(Status::Arrived)
    })
    .await;
    let got = inbox_of(&b_clerk, BKHDT).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].envelope.document_id, first.envelope.document_id);
    assert!(got[0].seal.verify(&got[0].envelope).is_ok());
    b_clerk
        .ok_post(
            &format!("/api/exchange/incoming/{}/status", got[0].id),
            json!({"status": "registered"}),
        )
        .await
        .unwrap();
    eventually("B's 03 reaches A", || async {
        status_at(&a_clerk, first.id, BKHDT).await == Some(Status::Registered)
    })
    .await;

    // B is down: A's second document waits in the outbox, retried, and arrives once B is
    // back, exactly once, after the first.
    let mut b = b;
    b.stop().await;
    let second = send_from(
        VPCP,
        &a_clerk,
        &a_signer,
        BKHDT,
        "V/v chuẩn bị phiên họp Chính phủ tháng 12",
    )
    .await;
    let pending = || async {
        let mut tx = a.state.db.read().await.unwrap();
        tx.outbox_pending().await.unwrap()
    };
    eventually("A has tried and failed at least twice", || async {
        pending()
            .await
            .iter()
            .any(|(_, _, attempts, _)| *attempts >= 2)
    })
    .await;
    assert_eq!(
        status_at(&a_clerk, second.id, BKHDT).await,
        None,
        "not delivered yet"
    );
    let b = b.restart().await.unwrap();
    eventually("the second document arrives once B is back", || async {
        status_at(&a_clerk, second.id, BKHDT).await == Some(Status::Arrived)
    })
    .await;
    let b_clerk = b.login("bt01").await.unwrap();
    let got = inbox_of(&b_clerk, BKHDT).await;
    assert_eq!(got.len(), 2, "each document once");
    assert_eq!(
        got[0].envelope.document_id, second.envelope.document_id,
        "newest first"
    );
    assert!(got[0].id > got[1].id, "in the order sent");
    eventually("A's outbox is empty", || async {
        pending().await.is_empty()
    })
    .await;

    // B → A, the other way, signed by B's leader.
    let b_signer = enrolled_tablet(&b, &b.login("vanthu1").await.unwrap(), "ptt1")
        .await
        .unwrap();
    let reply = send_from(
        BKHDT,
        &b_clerk,
        &b_signer,
        VPCP,
        "Báo cáo giải ngân vốn đầu tư công 11 tháng",
    )
    .await;
    eventually("A registers B's document as arrived", || async {
        inbox_of(&a_clerk, VPCP).await.len() == 1
    })
    .await;
    let at_a = inbox_of(&a_clerk, VPCP).await;
    a_clerk
        .ok_post(
            &format!("/api/exchange/incoming/{}/status", at_a[0].id),
            json!({"status": "rejected", "note": "Sai thẩm quyền"}),
        )
        .await
        .unwrap();
    eventually("B sees A's rejection with its reason", || async {
        let v = outgoing(&b_clerk, reply.id).await;
        v.recipients
            .iter()
            .any(|r| r.status == Some(Status::Rejected) && r.description == "Sai thẩm quyền")
    })
    .await;

    // The inbox takes nothing from an unknown or forged sender.
    let forged = json!({"kind": "envelope", "to_organ": BKHDT, "xml": "<x/>", "sent_at": 1,
        "peer_key": hex::encode([9u8; 32]), "signature": "00".repeat(64)});
    assert_eq!(
        b.anonymous()
            .post("/api/exchange/inbox", forged)
            .await
            .unwrap()
            .status,
        401
    );
    let identity_a = a
        .anonymous()
        .get("/api/exchange/identity")
        .await
        .unwrap()
        .body;
    let wrong_sig = json!({"kind": "envelope", "to_organ": BKHDT, "xml": "<x/>", "sent_at": 1,
        "peer_key": identity_a["server_key"], "signature": "00".repeat(64)});
    // ... and checks the signature without waiting for the write lock, held here by
    // another writer meanwhile.
    let writer = b.state.db.write().await.unwrap();
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        b.anonymous().post("/api/exchange/inbox", wrong_sig),
    )
    .await;
    drop(writer);
    assert_eq!(
        answer
            .expect("answered while another transaction writes")
            .unwrap()
            .status,
        401
    );
    assert_eq!(inbox_of(&b_clerk, BKHDT).await.len(), 2, "nothing stored");

    // A real document: eight scanned pages, about 6 MB, arrives whole and is paged through.
    let scan = fixtures::bulky_pdf(8, 866);
    assert!(scan.len() > 6_000_000, "{} bytes", scan.len());
    let bulky = send_file_from(
        VPCP,
        &a_clerk,
        &a_signer,
        BKHDT,
        "Hồ sơ dự án đầu tư công (bản quét)",
        &scan,
    )
    .await;
    eventually("the scanned document reaches B", || async {
        status_at(&a_clerk, bulky.id, BKHDT).await == Some(Status::Arrived)
    })
    .await;
    let got = inbox_of(&b_clerk, BKHDT).await;
    assert_eq!(got.len(), 3, "each document once");
    assert_eq!(got[0].envelope.document_id, bulky.envelope.document_id);
    let (status, _, bytes) = b_clerk
        .get_bytes(&format!("/api/exchange/incoming/{}/files/1", got[0].id))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        ecabinet_crypto::sha256(&bytes),
        ecabinet_crypto::sha256(&scan),
        "the same bytes"
    );
    let docs = rendered(
        &b_clerk,
        &format!("/api/exchange/incoming/{}/documents", got[0].id),
    )
    .await;
    assert_eq!(
        (docs[0].status.as_str(), docs[0].pages),
        ("ready", 8),
        "{docs:?}"
    );
}

/// An edXML file sealed with `key` for `signer` over `e`, carrying `attestation`.
fn sealed_xml(
    e: &ecabinet_exchange::Envelope,
    key: &ecabinet_crypto::SigningKey,
    signer: i64,
    attestation: Option<&Attestation>,
    files: &[Vec<u8>],
) -> (String, Seal) {
    let record = SealRecord::new(
        envelope_digest(e),
        signer,
        ecabinet_crypto::key_id(&key.verifying_key()),
        1_796_000_000_000,
    );
    let seal = Seal {
        signature: ecabinet_crypto::sign(key, &record.to_bytes()),
        public_key: key.verifying_key().to_bytes(),
        record,
    };
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let xml = edxml::write_envelope(e, Some(&seal), attestation, &refs, &[]).unwrap();
    (xml, seal)
}

fn refused_for(a: &Answer, field: &str, reason: &str) -> bool {
    a.status == 422
        && a.body["status"] == "02"
        && a.body["problems"].as_array().is_some_and(|ps| {
            ps.iter().any(|p| {
                p["field"] == field && p["reason"].as_str().is_some_and(|r| r.contains(reason))
            })
        })
}

#[tokio::test]
async fn an_imported_envelope_must_be_sealed_by_a_key_of_the_organ_it_names() {
    let s = TestServer::start().await.unwrap();
    let (clerk, signer, _file, v) = letter_drafted(&s).await;
    seal_and_send(&signer, &clerk, &v).await;
    let receiving = s.login("bt01").await.unwrap();
    let first = incoming_list(&receiving).await;
    assert_eq!(first.len(), 1);
    let (_, _, xml) = clerk
        .get_bytes(&format!("/api/exchange/outgoing/{}/edxml", v.id))
        .await
        .unwrap();
    let xml = String::from_utf8(xml).unwrap();
    let genuine = edxml::read_envelope(&xml).unwrap();
    let attestation = genuine.attestation.clone().expect("the export is attested");
    let import = format!("/api/exchange/organs/{BKHDT}/import");

    // The Ministry's own leader, with an approved tablet, seals a letter "from" the
    // Government Office: the seal verifies under the key the file carries, and names
    // nobody of the Government Office.
    let minister = enrolled_tablet(&s, &clerk, "ptt1").await.unwrap();
    let mut forged = genuine.envelope.clone();
    forged.document_id = format!("{VPCP}/gia-mao");
    forged.subject = "V/v tạm dừng giải ngân toàn bộ vốn đầu tư công".into();
    for (attested, why) in [
        (None, "no attestation"),
        (Some(&attestation), "the genuine letter's attestation"),
    ] {
        let (xml, seal) = sealed_xml(
            &forged,
            &minister.key,
            demo_id("ptt1"),
            attested,
            &genuine.files,
        );
        assert!(seal.verify(&forged).is_ok(), "the seal itself verifies");
        let a = receiving.call_raw("POST", &import, xml).await.unwrap();
        assert!(
            refused_for(
                &a,
                "Signature",
                &format!("the seal is not by a key of {VPCP}")
            ) && a.body["message"]
                .as_str()
                .unwrap()
                .contains("không phải bằng khóa của"),
            "{why}: {}",
            a.body
        );
    }
    // A key that is no device here at all, and one claiming the Government Office's leader.
    let stranger = ecabinet_crypto::SigningKey::from_bytes(&[42u8; 32]);
    let (xml, _) = sealed_xml(&forged, &stranger, demo_id("bt22"), None, &genuine.files);
    let a = receiving.call_raw("POST", &import, xml).await.unwrap();
    assert!(
        refused_for(&a, "Signature", "the seal is not by a key of"),
        "{}",
        a.body
    );
    assert_eq!(
        incoming_list(&receiving).await.len(),
        1,
        "nothing forged was registered"
    );

    // The genuine letter still imports (stored once), attested or, sealed by the Office's
    // leader's approved tablet, without the attestation.
    let again = receiving
        .call_raw("POST", &import, xml_of(&genuine, true))
        .await
        .unwrap();
    assert_eq!(
        (again.status, again.body["id"].as_i64()),
        (201, Some(first[0].id)),
        "{}",
        again.body
    );
    let bare = receiving
        .call_raw("POST", &import, xml_of(&genuine, false))
        .await
        .unwrap();
    assert_eq!(
        (bare.status, bare.body["id"].as_i64()),
        (201, Some(first[0].id)),
        "{}",
        bare.body
    );
}

/// `p` written again, with or without its attestation.
fn xml_of(p: &edxml::Package, attested: bool) -> String {
    let refs: Vec<&[u8]> = p.files.iter().map(Vec::as_slice).collect();
    let attestation = p.attestation.as_ref().filter(|_| attested);
    edxml::write_envelope(&p.envelope, p.seal.as_ref(), attestation, &refs, &p.trace).unwrap()
}

/// The Government Office on deployment A, the Ministry on B, each knowing the other:
/// (A, B, A's clerk, A's signer, B's clerk).
async fn two_deployments() -> (TestServer, TestServer, Client, Tablet, Client) {
    two_deployments_with(8).await
}

/// [`two_deployments`] with B's `document_max_upload_mb`.
async fn two_deployments_with(
    b_upload_mb: u64,
) -> (TestServer, TestServer, Client, Tablet, Client) {
    let a = TestServer::start().await.unwrap();
    let b = TestServer::start_with(Options {
        max_upload_mb: Some(b_upload_mb),
        ..Options::default()
    })
    .await
    .unwrap();
    host(
        &a.url(""),
        VPCP,
        "Văn phòng Chính phủ",
        &[("vanthu1", "clerk"), ("bt22", "leader")],
    )
    .await;
    host(
        &b.url(""),
        BKHDT,
        "Bộ Kế hoạch và Đầu tư",
        &[("bt01", "clerk"), ("ptt1", "leader"), ("bt02", "handler")],
    )
    .await;
    know_peer(&a.url(""), &b.url(""), BKHDT, "Bộ Kế hoạch và Đầu tư").await;
    know_peer(&b.url(""), &a.url(""), VPCP, "Văn phòng Chính phủ").await;
    let a_clerk = a.login("vanthu1").await.unwrap();
    let a_signer = enrolled_tablet(&a, &a_clerk, "bt22").await.unwrap();
    let b_clerk = b.login("bt01").await.unwrap();
    (a, b, a_clerk, a_signer, b_clerk)
}

#[tokio::test]
async fn an_envelope_from_a_peer_organ_imports_only_with_that_peer_attestation() {
    let (a, b, a_clerk, a_signer, b_clerk) = two_deployments().await;
    let sent = send_from(VPCP, &a_clerk, &a_signer, BKHDT, "V/v báo cáo quý IV").await;
    eventually("A's letter reaches B", || async {
        inbox_of(&b_clerk, BKHDT).await.len() == 1
    })
    .await;
    let at_b = inbox_of(&b_clerk, BKHDT).await;
    // The file as B received it, as its clerk would pass it on.
    let (_, _, xml) = b_clerk
        .get_bytes(&format!("/api/exchange/incoming/{}/edxml", at_b[0].id))
        .await
        .unwrap();
    let genuine = edxml::read_envelope(&String::from_utf8(xml).unwrap()).unwrap();
    assert_eq!(genuine.envelope.document_id, sent.envelope.document_id);
    let import = format!("/api/exchange/organs/{BKHDT}/import");

    // A's attestation, checked under the key B has on record for A: imports (once).
    let a_key = a
        .anonymous()
        .get("/api/exchange/identity")
        .await
        .unwrap()
        .body;
    assert_eq!(
        hex::encode(genuine.attestation.as_ref().unwrap().server_key),
        a_key["server_key"].as_str().unwrap()
    );
    let ok = b_clerk
        .call_raw("POST", &import, xml_of(&genuine, true))
        .await
        .unwrap();
    assert_eq!(
        (ok.status, ok.body["id"].as_i64()),
        (201, Some(at_b[0].id)),
        "{}",
        ok.body
    );

    // Without it, or attested by another server (B's own key, a stranger's), it names
    // nobody of the Government Office.
    let b_key = ecabinet_crypto::SigningKey::from_bytes(&b.state.server_key.to_bytes());
    let stranger = ecabinet_crypto::SigningKey::from_bytes(&[42u8; 32]);
    let seal = genuine.seal.clone().unwrap();
    let mut cases = vec![("none".to_owned(), xml_of(&genuine, false))];
    for (who, key) in [("B", &b_key), ("a stranger", &stranger)] {
        let mut p = genuine.clone();
        p.attestation = Some(Attestation::sign(key, VPCP, &seal.record));
        cases.push((format!("attested by {who}"), xml_of(&p, true)));
    }
    // A's genuine attestation over another organ's name does not carry over either.
    let mut p = genuine.clone();
    let a_server = ecabinet_crypto::SigningKey::from_bytes(&a.state.server_key.to_bytes());
    p.attestation = Some(Attestation::sign(&a_server, BKHDT, &seal.record));
    cases.push(("attested for another organ".into(), xml_of(&p, true)));
    for (why, xml) in cases {
        let answer = b_clerk.call_raw("POST", &import, xml).await.unwrap();
        assert!(
            refused_for(
                &answer,
                "Signature",
                &format!("the seal is not by a key of {VPCP}")
            ),
            "{why}: {}",
            answer.body
        );
    }
    assert_eq!(
        inbox_of(&b_clerk, BKHDT).await.len(),
        1,
        "nothing more registered"
    );
}

#[tokio::test]
async fn a_delivery_the_peer_refuses_for_good_is_set_aside_and_sent_again_by_hand() {
    // B takes files of at most 1 MB, so its inbox refuses a 3 MB scan with 413.
    let (a, b, a_clerk, a_signer, b_clerk) = two_deployments_with(1).await;
    let scan = fixtures::bulky_pdf(4, 866);
    let big = send_file_from(VPCP, &a_clerk, &a_signer, BKHDT, "Hồ sơ quét", &scan).await;
    eventually("A sets the refused delivery aside", || async {
        outgoing(&a_clerk, big.id).await.recipients[0]
            .undeliverable
            .is_some()
    })
    .await;
    let view = outgoing(&a_clerk, big.id).await;
    let stuck = view.recipients[0].undeliverable.clone().unwrap();
    assert!(
        stuck.reason.contains("HTTP 413")
            && stuck.reason.contains("quá lớn")
            && stuck.reason.contains("too large"),
        "{}",
        stuck.reason
    );
    assert_eq!(
        view.recipients[0].status, None,
        "not refused by B's clerk: not delivered"
    );
    let admin = a.login("admin").await.unwrap();
    let list = admin.get("/api/exchange/dead-letters").await.unwrap();
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body.as_array().unwrap().len(), 1, "{}", list.body);
    assert_eq!(
        (
            list.body[0]["id"].as_i64(),
            list.body[0]["to_organ"].as_str(),
            list.body[0]["kind"].as_str()
        ),
        (Some(stuck.dead_letter_id), Some(BKHDT), Some("envelope"))
    );
    assert_eq!(
        a_clerk
            .get("/api/exchange/dead-letters")
            .await
            .unwrap()
            .status,
        403
    );

    // It does not hold back what A sends B next.
    let small = send_from(VPCP, &a_clerk, &a_signer, BKHDT, "V/v lịch họp").await;
    eventually("the next letter reaches B", || async {
        status_at(&a_clerk, small.id, BKHDT).await == Some(Status::Arrived)
    })
    .await;
    eventually("A's metrics count the dead letter", || async {
        let (_, _, m) = a.anonymous().get_bytes("/metrics").await.unwrap();
        String::from_utf8(m)
            .unwrap()
            .contains("ecabinet_exchange_dead_letters 1")
    })
    .await;
    let pending = a
        .state
        .db
        .read()
        .await
        .unwrap()
        .outbox_pending()
        .await
        .unwrap();
    assert!(
        pending.is_empty(),
        "nothing is being retried in vain: {pending:?}"
    );
    assert_eq!(inbox_of(&b_clerk, BKHDT).await.len(), 1);

    // B's operator raises its limit; A's clerk sends it again: it arrives, once.
    let retry = format!("/api/exchange/dead-letters/{}/retry", stuck.dead_letter_id);
    assert_eq!(
        a.login("bt22")
            .await
            .unwrap()
            .post(&retry, json!({}))
            .await
            .unwrap()
            .status,
        403,
        "the signer is no clerk"
    );
    let b = b.restart_with_upload_mb(8).await.unwrap();
    let again = a_clerk.post(&retry, json!({})).await.unwrap();
    assert_eq!(again.status, 204, "{}", again.body);
    eventually("the scan reaches B", || async {
        status_at(&a_clerk, big.id, BKHDT).await == Some(Status::Arrived)
    })
    .await;
    let b_clerk = b.login("bt01").await.unwrap();
    let got = inbox_of(&b_clerk, BKHDT).await;
    assert_eq!(got.len(), 2, "each document once");
    assert_eq!(got[0].envelope.document_id, big.envelope.document_id);
    let (_, _, bytes) = b_clerk
        .get_bytes(&format!("/api/exchange/incoming/{}/files/1", got[0].id))
        .await
        .unwrap();
    assert_eq!(
        ecabinet_crypto::sha256(&bytes),
        ecabinet_crypto::sha256(&scan)
    );
    assert_eq!(
        outgoing(&a_clerk, big.id).await.recipients[0].undeliverable,
        None
    );
    let list = admin.get("/api/exchange/dead-letters").await.unwrap();
    assert_eq!(list.body, json!([]));
    assert_eq!(
        a_clerk.post(&retry, json!({})).await.unwrap().status,
        404,
        "delivered"
    );
}

/// A fresh database with the demo government (without its exchange organs: each test
/// hosts its own), for a deployment run as a process.
async fn seeded_db() -> TestDb {
    let db = TestDb::new().await.unwrap();
    let store = ecabinet_storage::Db::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    ecabinet_server::seed::demo(
        &store,
        &ecabinet_server::accounts::PasswordHasher::fast_for_tests(),
    )
    .await
    .unwrap();
    store.close().await;
    db
}

#[tokio::test]
async fn deliveries_survive_sigkill_of_the_sender_and_of_the_receiver() {
    // Two deployments as real processes, each on its own database.
    let (db_a, db_b) = (seeded_db().await, seeded_db().await);
    let quick_retries = [
        ("ECABINET_EXCHANGE_RETRY_MS", "100"),
        ("ECABINET_EXCHANGE_RETRY_MAX_MS", "500"),
    ];
    let mut a = ServerProcess::start(&db_a.url, &quick_retries)
        .await
        .unwrap();
    let mut b = ServerProcess::start(&db_b.url, &quick_retries)
        .await
        .unwrap();
    host(
        &a.base,
        VPCP,
        "Văn phòng Chính phủ",
        &[("vanthu1", "clerk"), ("bt22", "leader")],
    )
    .await;
    host(
        &b.base,
        BKHDT,
        "Bộ Kế hoạch và Đầu tư",
        &[("bt01", "clerk")],
    )
    .await;
    know_peer(&a.base, &b.base, BKHDT, "Bộ Kế hoạch và Đầu tư").await;
    know_peer(&b.base, &a.base, VPCP, "Văn phòng Chính phủ").await;
    let clerk = Client::logged_in(&a.base, "vanthu1").await.unwrap();
    let signer = enroll(Client::logged_in(&a.base, "bt22").await.unwrap(), &clerk)
        .await
        .unwrap();

    // Five documents sent at once; the sender dies as soon as the last is acknowledged
    // as queued, with deliveries in flight.
    let mut sent = Vec::new();
    for k in 0..5 {
        sent.push(send_from(VPCP, &clerk, &signer, BKHDT, &format!("V/v số {k}")).await);
    }
    a.kill().await.unwrap();
    a.restart().await.unwrap();
    // Five more; the receiver dies once the first of them has arrived.
    let clerk = Client::logged_in(&a.base, "vanthu1").await.unwrap();
    let signer = signer.through(&a.base).await.unwrap();
    for k in 5..10 {
        sent.push(send_from(VPCP, &clerk, &signer, BKHDT, &format!("V/v số {k}")).await);
    }
    let b_clerk = Client::logged_in(&b.base, "bt01").await.unwrap();
    eventually("the sixth arrives", || async {
        inbox_of(&b_clerk, BKHDT).await.len() >= 6
    })
    .await;
    b.kill().await.unwrap();
    b.restart().await.unwrap();

    // Everything acknowledged arrives, once, in the order sent; every status comes back.
    let b_clerk = Client::logged_in(&b.base, "bt01").await.unwrap();
    eventually("all ten arrive", || async {
        inbox_of(&b_clerk, BKHDT).await.len() >= 10
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let mut got = inbox_of(&b_clerk, BKHDT).await;
    assert_eq!(
        got.len(),
        10,
        "each once:\n{}\n{}",
        a.log_text(),
        b.log_text()
    );
    got.sort_by_key(|g| g.id);
    let arrived: Vec<_> = got.iter().map(|g| g.envelope.document_id.clone()).collect();
    let expected: Vec<_> = sent
        .iter()
        .map(|s| s.envelope.document_id.clone())
        .collect();
    assert_eq!(arrived, expected, "in the order sent");
    assert!(got.iter().all(|g| g.seal.verify(&g.envelope).is_ok()));
    for s in &sent {
        eventually("the sender sees it arrived", || async {
            status_at(&clerk, s.id, BKHDT).await == Some(Status::Arrived)
        })
        .await;
    }
}
