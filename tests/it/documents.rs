//! Meeting documents end to end: upload, rendering in the worker processes, pages, text,
//! search without diacritics, reader lists, watermarks of classified documents, versions,
//! read receipts, and every kind of bad file.

// The helpers below are test code too: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ecabinet_documents::fixtures;
use ecabinet_domain::document::Confidentiality;
use ecabinet_protocol::document::{DocumentSummary, DocumentView, SearchResult};
use ecabinet_tests::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn pdfium() -> std::path::PathBuf {
    ecabinet_server::platform::config::Config::default().pdfium_path()
}

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// A PDF with these pages of Vietnamese text.
fn pdf(pages: &[&[&str]]) -> Vec<u8> {
    let pages: Vec<Vec<String>> = pages
        .iter()
        .map(|p| p.iter().map(|l| (*l).to_owned()).collect())
        .collect();
    fixtures::text_pdf(&pdfium(), FONT.as_ref(), &pages).expect("fixture PDF")
}

fn submission() -> Vec<u8> {
    pdf(&[
        &[
            "TỜ TRÌNH",
            "Về dự thảo Nghị quyết phiên họp Chính phủ thường kỳ",
        ],
        &["Kế hoạch đầu tư công trung hạn", "Đường cao tốc Bắc – Nam"],
        &["Đề nghị Chính phủ xem xét, quyết định."],
    ])
}

fn meta(title: &str, level: &str, readers: Option<Vec<i64>>) -> Value {
    let mut m = json!({"title": title, "kind": "submission", "confidentiality": level});
    if let Some(r) = readers {
        m["readers"] = json!(r);
    }
    m
}

/// Uploads and waits until the worker is done; returns the document as the clerk sees it.
async fn upload_ready(clerk: &Client, meeting: i64, meta: Value, file: Vec<u8>) -> DocumentSummary {
    let a = clerk
        .upload(
            &format!("/api/meetings/{meeting}/documents"),
            Some(meta),
            "to-trinh.pdf",
            file,
        )
        .await
        .unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.body["id"].as_i64().unwrap();
    let d = settled(clerk, meeting, id).await;
    assert_eq!(d.status, "ready", "{d:?}");
    d
}

/// Waits until the newest upload of document `id` has rendered or failed.
async fn settled(clerk: &Client, meeting: i64, id: i64) -> DocumentSummary {
    let start = Instant::now();
    loop {
        let list: Vec<DocumentSummary> = serde_json::from_value(
            clerk
                .get(&format!("/api/meetings/{meeting}/documents"))
                .await
                .unwrap()
                .body,
        )
        .unwrap();
        let d = list.into_iter().find(|d| d.id == id).expect("listed");
        if d.status != "rendering" {
            return d;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "still rendering: {d:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    (
        u32::from_be_bytes(bytes[16..20].try_into().unwrap()),
        u32::from_be_bytes(bytes[20..24].try_into().unwrap()),
    )
}

/// A meeting's document search for `q` (already URL-encoded), as `who` sees it.
async fn search(who: &Client, meeting: i64, q: &str) -> anyhow::Result<SearchResult> {
    let a = who
        .get(&format!("/api/meetings/{meeting}/documents/search?q={q}"))
        .await?;
    Ok(serde_json::from_value(a.body)?)
}

/// Each hit's (document, page).
fn hits(found: &SearchResult) -> Vec<(i64, i64)> {
    found.hits.iter().map(|h| (h.document_id, h.page)).collect()
}

#[tokio::test]
async fn a_document_renders_and_its_readers_get_pages_text_and_search() -> anyhow::Result<()> {
    let (s, clerk, meeting, _) = server_with_meeting("Phiên họp tháng 12", 2).await?;
    let doc = upload_ready(
        &clerk,
        meeting,
        meta("Tờ trình dự thảo Nghị quyết", "normal", None),
        submission(),
    )
    .await;
    assert_eq!(
        (doc.pages, doc.pages_rendered, doc.current_version),
        (3, 3, 1)
    );

    let member = s.login("bt01").await?;
    let list: Vec<DocumentSummary> = serde_json::from_value(
        member
            .get(&format!("/api/meetings/{meeting}/documents"))
            .await?
            .body,
    )?;
    assert_eq!(list.len(), 1);
    let view: DocumentView = serde_json::from_value(
        member
            .get(&format!("/api/documents/{}", doc.id))
            .await?
            .body,
    )?;
    assert_eq!(view.pages.len(), 3);
    assert!(
        view.pages
            .iter()
            .all(|p| p.rendered && (p.width_pt - 595.0).abs() < 1.0)
    );
    assert!(view.original_allowed && !view.watermarked);

    // The page at the page view's width, cacheable for good; a thumbnail on request.
    let (status, headers, bytes) = member
        .get_bytes(&format!(
            "/api/documents/{}/versions/1/pages/1?w=1000",
            doc.id
        ))
        .await?;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers["cache-control"].to_str()?.contains("immutable"));
    let (w, h) = png_size(&bytes);
    assert_eq!(w, 1280);
    assert!(
        (1800..1830).contains(&h),
        "A4 at 1280 px is 1810 px high, got {h}"
    );
    let (_, _, thumb) = member
        .get_bytes(&format!(
            "/api/documents/{}/versions/1/pages/2?w=120",
            doc.id
        ))
        .await?;
    assert_eq!(png_size(&thumb).0, 240);
    let missing = member
        .get_bytes(&format!("/api/documents/{}/versions/1/pages/4", doc.id))
        .await?;
    assert_eq!(missing.0, 404);

    let text = member
        .get(&format!(
            "/api/documents/{}/versions/1/pages/2/text",
            doc.id
        ))
        .await?;
    assert!(
        text.body["text"]
            .as_str()
            .unwrap()
            .contains("Kế hoạch đầu tư công"),
        "{}",
        text.body
    );

    // Without diacritics, in capitals, đ as d: found, spelled as on the page.
    for (q, page, spelled) in [
        ("nghi quyet", 1, "Nghị quyết"),
        ("DAU TU CONG", 2, "đầu tư công"),
        ("duong cao toc", 2, "Đường cao tốc"),
    ] {
        let r: SearchResult = serde_json::from_value(
            member
                .get(&format!(
                    "/api/meetings/{meeting}/documents/search?q={}",
                    q.replace(' ', "%20")
                ))
                .await?
                .body,
        )?;
        assert_eq!(r.hits.len(), 1, "{q}: {r:?}");
        assert_eq!(
            (r.hits[0].page, r.hits[0].snippets[0][1].as_str()),
            (page, spelled),
            "{q}"
        );
    }
    let short = member
        .get(&format!("/api/meetings/{meeting}/documents/search?q=a"))
        .await?;
    assert_eq!((short.status, short.code()), (422, "invalid"));

    // Opening counts as a read receipt; the secretariat sees it, members may not.
    let reads = clerk
        .get(&format!("/api/documents/{}/reads", doc.id))
        .await?;
    assert_eq!(reads.body.as_array().unwrap().len(), 1, "{}", reads.body);
    assert_eq!(reads.body[0]["user_id"], member.id());
    assert_eq!(
        member
            .get(&format!("/api/documents/{}/reads", doc.id))
            .await?
            .status,
        403
    );

    let (status, headers, original) = member
        .get_bytes(&format!("/api/documents/{}/original", doc.id))
        .await?;
    assert_eq!((status, &original[..5]), (200, &b"%PDF-"[..]));
    assert_eq!(headers["content-type"], "application/pdf");
    Ok(())
}

#[tokio::test]
async fn only_readers_get_pages_text_and_search_hits() -> anyhow::Result<()> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let (a, b, outsider) = (demo_id("bt01"), demo_id("bt02"), demo_id("bt03"));
    let created = clerk
        .ok_post(
            "/api/meetings",
            meeting_input("Phiên họp chuyên đề", &[demo_id("thutuong"), a, b]),
        )
        .await?;
    let meeting = created.body["id"].as_i64().unwrap();
    clerk
        .put(&format!("/api/meetings/{meeting}/agenda"), json!({"items": [{"title": "Nội dung 1", "presenter": "Bộ trưởng", "planned_minutes": 30}]}))
        .await?;
    clerk
        .ok_post(&format!("/api/meetings/{meeting}/publish"), json!({}))
        .await?;
    let doc = upload_ready(
        &clerk,
        meeting,
        meta("Báo cáo riêng", "normal", Some(vec![a])),
        submission(),
    )
    .await;

    let reader = s.login("bt01").await?;
    let other = s.login("bt02").await?;
    let stranger = s.login("bt03").await?;
    assert_eq!(stranger.id(), outsider);
    let id = doc.id;
    for (path, ok) in [
        (format!("/api/documents/{id}"), 200),
        (format!("/api/documents/{id}/versions/1/pages/1"), 200),
        (format!("/api/documents/{id}/versions/1/pages/1?w=240"), 200),
        (format!("/api/documents/{id}/versions/1/pages/1/text"), 200),
        (format!("/api/documents/{id}/original"), 200),
    ] {
        assert_eq!(reader.get_bytes(&path).await?.0, ok, "reader {path}");
        assert_eq!(
            other.get_bytes(&path).await?.0,
            403,
            "participant not on the list {path}"
        );
        assert_eq!(stranger.get_bytes(&path).await?.0, 404, "outsider {path}");
    }
    let search = |c: Client| async move {
        let r: SearchResult = serde_json::from_value(
            c.get(&format!(
                "/api/meetings/{meeting}/documents/search?q=nghi%20quyet"
            ))
            .await
            .unwrap()
            .body,
        )
        .unwrap();
        r.hits.len()
    };
    assert_eq!(search(reader.clone()).await, 1);
    assert_eq!(search(other.clone()).await, 0);
    let listed = other
        .get(&format!("/api/meetings/{meeting}/documents"))
        .await?;
    assert_eq!(listed.body, json!([]));
    assert_eq!(
        stranger
            .get(&format!("/api/meetings/{meeting}/documents"))
            .await?
            .status,
        404
    );
    Ok(())
}

/// Share of pixels that differ between two page images of the same size.
fn differing(a: &[u8], b: &[u8]) -> f64 {
    let a = image::load_from_memory(a).unwrap().to_rgb8();
    let b = image::load_from_memory(b).unwrap().to_rgb8();
    assert_eq!(a.dimensions(), b.dimensions());
    let n = a.pixels().zip(b.pixels()).filter(|(x, y)| x != y).count();
    n as f64 / f64::from(a.width() * a.height())
}

#[tokio::test]
async fn classified_pages_carry_the_readers_name_and_are_logged() -> anyhow::Result<()> {
    let (s, clerk, meeting, _) = server_with_meeting("Phiên họp có tài liệu mật", 1).await?;
    let doc = upload_ready(
        &clerk,
        meeting,
        meta("Báo cáo Mật", "confidential", None),
        submission(),
    )
    .await;
    let page = format!("/api/documents/{}/versions/1/pages/1", doc.id);
    let a = s.login("bt01").await?;
    let b = s.login("bt02").await?;
    let view: DocumentView =
        serde_json::from_value(a.get(&format!("/api/documents/{}", doc.id)).await?.body)?;
    assert!(view.watermarked && !view.original_allowed);
    let (status, headers, for_a) = a.get_bytes(&page).await?;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "no-store");
    let (_, _, for_b) = b.get_bytes(&page).await?;
    let plain = std::fs::read(
        s.db.files
            .path()
            .join(format!("documents/{}/v1/p1-w1280.png", doc.id)),
    )?;
    // The mark covers the page in rows: a visible share of it, and each reader's differs.
    let marked = differing(&plain, &for_a);
    assert!(marked > 0.01, "watermark covers {marked}");
    assert!(differing(&for_a, &for_b) > 0.005);
    // No original for readers; the secretariat keeps it.
    assert_eq!(
        a.get_bytes(&format!("/api/documents/{}/original", doc.id))
            .await?
            .0,
        403
    );
    assert_eq!(
        clerk
            .get_bytes(&format!("/api/documents/{}/original", doc.id))
            .await?
            .0,
        200
    );
    // Mật keeps its text by default: served, and searched.
    assert!(view.text_available);
    let text = a
        .get(&format!(
            "/api/documents/{}/versions/1/pages/1/text",
            doc.id
        ))
        .await?;
    assert_eq!(text.status, 200, "{}", text.body);
    assert!(text.body["text"].as_str().unwrap().contains("TỜ TRÌNH"));
    let found = search(&b, meeting, "ke%20hoach").await?;
    assert_eq!(
        found.hits.iter().map(|h| h.page).collect::<Vec<_>>(),
        [2],
        "{found:?}"
    );
    assert!(found.not_searchable.is_empty());
    // Every open, page, text and snippet is in the access log, with its reader.
    let mut tx = s.state.db.read().await?;
    let opens = tx.document_accesses(doc.id).await?;
    drop(tx);
    let by = |user: i64, page: i64, kind: &str| {
        opens
            .iter()
            .filter(|(u, p, k)| *u == user && *p == Some(page) && k == kind)
            .count()
    };
    assert_eq!(by(a.id(), 1, "page"), 1, "{opens:?}");
    assert_eq!(by(b.id(), 1, "page"), 1, "{opens:?}");
    assert_eq!(by(a.id(), 1, "text"), 1, "{opens:?}");
    assert_eq!(by(b.id(), 2, "snippet"), 1, "{opens:?}");
    assert_eq!(by(clerk.id(), 0, "original"), 1, "{opens:?}");
    assert!(
        opens
            .iter()
            .any(|(u, p, k)| *u == a.id() && p.is_none() && k == "open")
    );
    Ok(())
}

/// The submission uploaded at `level` and rendered; its id.
async fn uploaded(clerk: &Client, meeting: i64, title: &str, level: &str) -> i64 {
    upload_ready(clerk, meeting, meta(title, level, None), submission())
        .await
        .id
}

#[tokio::test]
async fn secret_and_top_secret_documents_are_read_as_images_only() -> anyhow::Result<()> {
    let (s, clerk, meeting, _) = server_with_meeting("Phiên họp có tài liệu tối mật", 1).await?;
    let normal = uploaded(&clerk, meeting, "Tờ trình", "normal").await;
    let secret = uploaded(&clerk, meeting, "Báo cáo Tối mật", "secret").await;
    let top = uploaded(&clerk, meeting, "Báo cáo Tuyệt mật", "top_secret").await;
    let member = s.login("bt01").await?;

    // Nothing of their text was stored: not the text, not its folded form.
    let mut tx = s.state.db.read().await?;
    for id in [secret, top] {
        for page in 1..=3 {
            assert_eq!(tx.page_text(id, 1, page).await?.as_deref(), Some(""));
        }
        let keys = tx.page_keys(id, 1).await?;
        assert_eq!(keys.len(), 3);
        assert!(
            keys.iter()
                .all(|(folded, image)| folded.is_empty() && !image.is_empty()),
            "{keys:?}"
        );
    }
    drop(tx);

    for (id, vi) in [(secret, "Tối mật"), (top, "Tuyệt mật")] {
        let view: DocumentView =
            serde_json::from_value(member.get(&format!("/api/documents/{id}")).await?.body)?;
        assert!(!view.text_available && view.watermarked);
        // The pages are there, as watermarked images.
        let (status, headers, _) = member
            .get_bytes(&format!("/api/documents/{id}/versions/1/pages/2"))
            .await?;
        assert_eq!(status, 200);
        assert_eq!(headers["cache-control"], "no-store");
        // Their text is refused with the reason, to members and the secretariat alike.
        for who in [&member, &clerk] {
            let r = who
                .get(&format!("/api/documents/{id}/versions/1/pages/1/text"))
                .await?;
            assert_eq!((r.status, r.code()), (403, "text_withheld"), "{}", r.body);
            assert!(
                r.body["message"].as_str().unwrap().contains(vi),
                "{}",
                r.body
            );
        }
    }
    let normal_view: DocumentView =
        serde_json::from_value(member.get(&format!("/api/documents/{normal}")).await?.body)?;
    assert!(normal_view.text_available);

    // Text stored before the setting changed is not served or searched either.
    let pool = sqlx::AnyPool::connect(&s.db.url).await?;
    sqlx::query(
        "update document_page set body = 'Kế hoạch bí mật', folded = 'ke hoach bi mat' \
         where document_id = $1",
    )
    .bind(secret)
    .execute(&pool)
    .await?;
    pool.close().await;
    let r = member
        .get(&format!("/api/documents/{secret}/versions/1/pages/1/text"))
        .await?;
    assert_eq!((r.status, r.code()), (403, "text_withheld"));

    // Search finds the unclassified copy only, and names the documents it left out.
    for who in [&member, &clerk] {
        let found = search(who, meeting, "ke%20hoach").await?;
        assert_eq!(hits(&found), [(normal, 2)], "{found:?}");
        let mut left_out = found.not_searchable.clone();
        left_out.sort_unstable();
        assert_eq!(left_out, [secret, top]);
    }

    // Their log holds opens and pages, and no text or snippet.
    let mut tx = s.state.db.read().await?;
    for id in [secret, top] {
        let log = tx.document_accesses(id).await?;
        assert!(log.iter().any(|(_, p, k)| *p == Some(2) && k == "page"));
        assert!(
            log.iter().all(|(_, _, k)| k != "text" && k != "snippet"),
            "{log:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_level_configured_to_keep_its_text_serves_it_and_logs_each_read() -> anyhow::Result<()> {
    let s = TestServer::start_with(Options {
        config: Some(|c| {
            c.document_text_levels = vec![
                Confidentiality::Normal,
                Confidentiality::Confidential,
                Confidentiality::Secret,
            ];
        }),
        ..Options::default()
    })
    .await?;
    let clerk = s.login("vanthu1").await?;
    let meeting = published_meeting(&clerk, "Phiên họp có tài liệu tối mật", 1).await?;
    let secret = uploaded(&clerk, meeting, "Báo cáo Tối mật", "secret").await;
    let top = uploaded(&clerk, meeting, "Báo cáo Tuyệt mật", "top_secret").await;
    let member = s.login("bt01").await?;

    let view: DocumentView =
        serde_json::from_value(member.get(&format!("/api/documents/{secret}")).await?.body)?;
    assert!(view.text_available && view.watermarked);
    let text = member
        .get(&format!("/api/documents/{secret}/versions/1/pages/2/text"))
        .await?;
    assert_eq!(text.status, 200, "{}", text.body);
    assert!(
        text.body["text"]
            .as_str()
            .unwrap()
            .contains("Kế hoạch đầu tư công")
    );
    let found = search(&member, meeting, "cao%20toc").await?;
    assert_eq!(hits(&found), [(secret, 2)]);
    assert_eq!(found.not_searchable, [top], "Tuyệt mật is still withheld");

    let mut tx = s.state.db.read().await?;
    let log = tx.document_accesses(secret).await?;
    let mine = |kind: &str| {
        log.iter()
            .filter(|(u, p, k)| *u == member.id() && *p == Some(2) && k == kind)
            .count()
    };
    assert_eq!((mine("text"), mine("snippet")), (1, 1), "{log:?}");
    Ok(())
}

#[tokio::test]
async fn bad_files_are_refused_with_a_reason_and_nothing_else_is_affected() -> anyhow::Result<()> {
    let (s, clerk, meeting, _) = server_with_meeting("Phiên họp thử tệp hỏng", 1).await?;
    let path = format!("/api/meetings/{meeting}/documents");
    let good = submission();
    let dir = tempfile::tempdir()?;

    // Refused at once, nothing filed.
    let not_pdf = clerk
        .upload(
            &path,
            Some(meta("Ảnh", "normal", None)),
            "anh.png",
            b"\x89PNG not a pdf".to_vec(),
        )
        .await?;
    assert_eq!(
        (not_pdf.status, not_pdf.code()),
        (422, "invalid"),
        "{}",
        not_pdf.body
    );
    assert!(
        not_pdf.body["message"]
            .as_str()
            .unwrap()
            .contains("not a PDF")
    );
    let empty = clerk
        .upload(
            &path,
            Some(meta("Rỗng", "normal", None)),
            "rong.pdf",
            Vec::new(),
        )
        .await?;
    assert_eq!(empty.status, 422);
    let big = clerk
        .upload(
            &path,
            Some(meta("Lớn", "normal", None)),
            "lon.pdf",
            [b"%PDF-1.7\n".as_slice(), &vec![b' '; 9 << 20]].concat(),
        )
        .await?;
    assert_eq!(big.status, 413);
    let no_title = clerk
        .upload(
            &path,
            Some(meta(" ", "normal", None)),
            "a.pdf",
            good.clone(),
        )
        .await?;
    assert_eq!(
        (no_title.status, no_title.body["field"].as_str()),
        (422, Some("title"))
    );
    let bad_level = clerk
        .upload(&path, Some(meta("X", "mat", None)), "a.pdf", good.clone())
        .await?;
    assert_eq!(bad_level.body["field"], "confidentiality");
    let bad_reader = clerk
        .upload(
            &path,
            Some(meta("X", "normal", Some(vec![9999]))),
            "a.pdf",
            good.clone(),
        )
        .await?;
    assert_eq!(bad_reader.body["field"], "readers");
    let no_meta = clerk.upload(&path, None, "a.pdf", good.clone()).await?;
    assert_eq!(no_meta.body["field"], "meta");
    let member = s.login("bt01").await?;
    let by_member = member
        .upload(
            &path,
            Some(meta("X", "normal", None)),
            "a.pdf",
            good.clone(),
        )
        .await?;
    assert_eq!(by_member.status, 403);
    assert_eq!(clerk.get(&path).await?.body, json!([]), "nothing was filed");

    // Found by the worker: the document stays with the secretariat, with the reason.
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "encrypted",
            fixtures::encrypted(&good, dir.path())?,
            "password",
            "encrypted",
        ),
        (
            "truncated",
            fixtures::truncated(&good, 300),
            "damaged",
            "damaged",
        ),
        ("no pages", fixtures::zero_pages(), "no pages", "no_pages"),
        (
            "huge page",
            fixtures::page_of_size(20_000, 20_000),
            "200-inch",
            "page_too_large",
        ),
        (
            "2,000 pages",
            pdf(&vec![&[][..]; 2000]),
            "at most 1000",
            "too_many_pages",
        ),
        (
            "hangs the renderer",
            fixtures::slow_page(3_000_000),
            "too long",
            "timed_out",
        ),
    ];
    for (what, file, reason, code) in cases {
        let a = clerk
            .upload(&path, Some(meta(what, "normal", None)), "x.pdf", file)
            .await?;
        assert_eq!(a.status, 201, "{what}: {}", a.body);
        let d = settled(&clerk, meeting, a.body["id"].as_i64().unwrap()).await;
        assert_eq!(d.status, "failed", "{what}: {d:?}");
        let message = d.failure.clone().unwrap_or_default();
        assert!(message.contains(reason), "{what}: {message}");
        // The same reason as data, for the UI to put in its language.
        let detail = d.failure_detail.clone().unwrap_or_default();
        assert_eq!(detail.code, code, "{what}: {detail:?}");
        if code == "too_many_pages" {
            assert_eq!((detail.pages, detail.max), (Some(2000), Some(1000)));
        }
        // Members never see a document that has no readable version.
        assert_eq!(
            member
                .get(&format!("/api/documents/{}", d.id))
                .await?
                .status,
            404,
            "{what}"
        );
    }
    // The workers came back: a good file still renders.
    upload_ready(&clerk, meeting, meta("Sau cùng", "normal", None), good).await;
    let listed: Vec<DocumentSummary> = serde_json::from_value(member.get(&path).await?.body)?;
    assert_eq!(listed.len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_new_version_replaces_the_file_once_it_has_rendered() -> anyhow::Result<()> {
    let (s, clerk, meeting, _) = server_with_meeting("Phiên họp có tài liệu sửa", 1).await?;
    let doc = upload_ready(
        &clerk,
        meeting,
        meta("Dự thảo", "normal", None),
        submission(),
    )
    .await;
    let member = s.login("bt01").await?;
    let v2 = pdf(&[
        &["TỜ TRÌNH (bản sửa)"],
        &["Kế hoạch đầu tư công trung hạn", "Đường cao tốc Bắc – Nam"],
    ]);
    let a = clerk
        .upload(
            &format!("/api/documents/{}/versions", doc.id),
            None,
            "v2.pdf",
            v2,
        )
        .await?;
    assert_eq!(
        (a.status, a.body["version"].as_i64()),
        (201, Some(2)),
        "{}",
        a.body
    );
    let d = settled(&clerk, meeting, doc.id).await;
    assert_eq!(
        (d.status.as_str(), d.current_version, d.pages),
        ("ready", 2, 2)
    );
    let view: DocumentView = serde_json::from_value(
        member
            .get(&format!("/api/documents/{}", doc.id))
            .await?
            .body,
    )?;
    assert_eq!((view.version, view.pages.len()), (2, 2));
    // The old version's pages stay where they were: tablets that cached them are right.
    assert_eq!(
        member
            .get_bytes(&format!("/api/documents/{}/versions/1/pages/3", doc.id))
            .await?
            .0,
        200
    );
    assert_eq!(
        member
            .get_bytes(&format!("/api/documents/{}/versions/3/pages/1", doc.id))
            .await?
            .0,
        404
    );
    assert_eq!(
        member
            .upload(
                &format!("/api/documents/{}/versions", doc.id),
                None,
                "v3.pdf",
                submission()
            )
            .await?
            .status,
        403
    );
    Ok(())
}

#[tokio::test]
async fn annotations_are_private_synced_and_follow_their_text() -> anyhow::Result<()> {
    use ecabinet_protocol::document::Annotation;
    use ecabinet_protocol::{EventBody, Topic};
    use ecabinet_tests::PATIENCE;
    let (s, clerk, meeting, _) = server_with_meeting("Phiên họp có ghi chú", 1).await?;
    let doc = upload_ready(
        &clerk,
        meeting,
        meta("Tờ trình", "normal", None),
        submission(),
    )
    .await;
    let path = format!("/api/documents/{}/annotations", doc.id);
    let tablet = s.login("bt01").await?;
    // The same member's phone, watching their own topic.
    let (phone, mut phone_ws) = s
        .watch(
            "bt01",
            Topic::User(ecabinet_domain::UserId(demo_id("bt01"))),
        )
        .await?;
    let other = s.login("bt02").await?;
    tablet.get(&format!("/api/documents/{}", doc.id)).await?; // read version 1

    let region = json!({"x": 1000, "y": 2000, "w": 6000, "h": 400});
    let made = tablet
        .post(&path, json!({"version": 1, "page": 2, "kind": "highlight", "region": region, "color": "green"}))
        .await?;
    assert_eq!(made.status, 201, "{}", made.body);
    let highlight: Annotation = serde_json::from_value(made.body)?;
    let note = tablet
        .post(&path, json!({"version": 1, "page": 1, "kind": "note", "region": region, "note": "Hỏi lại Bộ Tài chính"}))
        .await?;
    assert_eq!(note.status, 201);
    // It reaches the member's other device, live.
    let deadline = Instant::now() + PATIENCE;
    let mut seen = false;
    while !seen && Instant::now() < deadline {
        if let Some(ecabinet_protocol::ServerFrame::Event { event }) =
            phone_ws.next_within(Duration::from_millis(200)).await?
        {
            seen = matches!(&event.body,
                EventBody::AnnotationChanged { annotation } if annotation.id == highlight.id);
        }
    }
    assert!(seen, "the phone did not get the highlight");
    let mine: Vec<Annotation> = serde_json::from_value(phone.get(&path).await?.body)?;
    assert_eq!(mine.len(), 2);

    // Nobody else sees or touches it.
    assert_eq!(other.get(&path).await?.body, json!([]));
    let theirs = format!("/api/annotations/{}", highlight.id);
    assert_eq!(other.put(&theirs, json!({"note": "x"})).await?.status, 404);
    assert_eq!(other.call("DELETE", &theirs, None).await?.status, 404);

    // Bad input names the field and stores nothing.
    for (body, field) in [
        (
            json!({"version": 1, "page": 2, "kind": "note", "region": {"x": 9000, "y": 0, "w": 2000, "h": 10}}),
            "region",
        ),
        (
            json!({"version": 1, "page": 9, "kind": "note", "region": region}),
            "page",
        ),
        (
            json!({"version": 1, "page": 1, "kind": "note", "region": region, "color": "black"}),
            "color",
        ),
        (
            json!({"version": 7, "page": 1, "kind": "note", "region": region}),
            "version",
        ),
    ] {
        let a = tablet.post(&path, body).await?;
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (422, Some(field)),
            "{}",
            a.body
        );
    }
    assert_eq!(tablet.post(&path, json!({"page": 1})).await?.status, 400);
    let edited = tablet.put(&theirs, json!({"note": "Đã xem"})).await?;
    assert_eq!(
        (edited.status, edited.body["note"].as_str()),
        (200, Some("Đã xem"))
    );

    // Version 2: a new first page, the old page 1 rewritten away, pages 2 and 3 unchanged.
    let v2 = pdf(&[
        &["TỜ TRÌNH (bản sửa đổi)"],
        &["Kế hoạch đầu tư công trung hạn", "Đường cao tốc Bắc – Nam"],
        &["Đề nghị Chính phủ xem xét, quyết định."],
    ]);
    clerk
        .upload(
            &format!("/api/documents/{}/versions", doc.id),
            None,
            "v2.pdf",
            v2,
        )
        .await?;
    assert_eq!(settled(&clerk, meeting, doc.id).await.current_version, 2);
    let v2_mine: Vec<Annotation> =
        serde_json::from_value(tablet.get(&format!("{path}?version=2")).await?.body)?;
    assert_eq!(
        v2_mine.len(),
        1,
        "only the highlight's text is still there: {v2_mine:?}"
    );
    assert_eq!(
        (v2_mine[0].page, v2_mine[0].carried_from),
        (2, Some(highlight.id))
    );
    assert_eq!(v2_mine[0].note, "Đã xem");
    let view: DocumentView = serde_json::from_value(
        tablet
            .get(&format!("/api/documents/{}", doc.id))
            .await?
            .body,
    )?;
    assert_eq!(
        (view.last_read_version, view.changed_since_read.clone()),
        (Some(1), vec![1])
    );
    // Someone who never read version 1 has nothing "changed since".
    let fresh: DocumentView =
        serde_json::from_value(other.get(&format!("/api/documents/{}", doc.id)).await?.body)?;
    assert!(fresh.changed_since_read.is_empty());
    assert_eq!(
        other.get(&format!("{path}?version=2")).await?.body,
        json!([])
    );
    Ok(())
}

#[tokio::test]
async fn with_an_object_store_nodes_share_documents_and_keep_no_local_copy() -> anyhow::Result<()> {
    let s3 = S3Server::start().await?;
    let bucket = s3.bucket("ecabinet", "docs").await?;
    let s = TestServer::on_bucket(bucket.clone()).await?;
    let clerk = s.login("vanthu1").await?;
    let meeting = published_meeting(&clerk, "Phiên họp tháng 12", 1).await?;
    let file = submission();
    let doc = upload_ready(
        &clerk,
        meeting,
        meta("Tờ trình dự thảo Nghị quyết", "normal", None),
        file.clone(),
    )
    .await;
    // The original and every page at both widths are in the bucket, under the prefix.
    let keys = s3.keys("ecabinet", "docs/").await?;
    let version = format!("docs/{}/v1/", doc.id);
    assert!(keys.contains(&format!("{version}original.pdf")), "{keys:?}");
    let pngs = keys
        .iter()
        .filter(|k| k.starts_with(&version) && k.ends_with(".png"))
        .count();
    assert_eq!(pngs, 3 * 2, "{keys:?}");
    assert_eq!(
        s3.get("ecabinet", &format!("{version}original.pdf"))
            .await?,
        file
    );
    // Nothing is left in the node's folder once the version is done.
    let local = s.db.files.path().join("documents").join(doc.id.to_string());
    assert!(!local.join("v1").exists(), "local copy kept");

    // Another node with an empty folder serves the same pages and original.
    let other = s.second_node().await?;
    let member = other.login("bt01").await?;
    let page = format!("/api/documents/{}/versions/1/pages/2?w=1280", doc.id);
    let (status, _, from_other) = member.get_bytes(&page).await?;
    assert_eq!(status, 200);
    assert_eq!(png_size(&from_other).0, 1280);
    let (_, _, from_first) = s.login("bt01").await?.get_bytes(&page).await?;
    assert_eq!(from_first, from_other);
    let (status, _, original) = other
        .login("vanthu1")
        .await?
        .get_bytes(&format!("/api/documents/{}/original", doc.id))
        .await?;
    assert_eq!((status, original == file), (200, true));
    // A page that was never rendered is a 404, not an error.
    let (status, _, _) = member
        .get_bytes(&format!(
            "/api/documents/{}/versions/1/pages/9?w=1280",
            doc.id
        ))
        .await?;
    assert_eq!(status, 404);

    // A new version uploaded through the second node renders there, and the first
    // node serves it.
    let a = other
        .login("vanthu1")
        .await?
        .upload(
            &format!("/api/documents/{}/versions", doc.id),
            None,
            "to-trinh-v2.pdf",
            pdf(&[&["TỜ TRÌNH (sửa đổi)"]]),
        )
        .await?;
    assert_eq!(a.status, 201, "{}", a.body);
    let d = settled(&clerk, meeting, doc.id).await;
    assert_eq!((d.status.as_str(), d.current_version), ("ready", 2));
    let (status, _, _) = s
        .login("bt01")
        .await?
        .get_bytes(&format!(
            "/api/documents/{}/versions/2/pages/1?w=240",
            doc.id
        ))
        .await?;
    assert_eq!(status, 200);
    Ok(())
}
