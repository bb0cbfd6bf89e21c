//! Reporting: a province's officer fills a monthly form (refused whole, cell by cell, when
//! a cell is wrong), submits it signed on the device, the province's approver approves,
//! the Government Office returns it with a comment, it is corrected and approved again;
//! every revision is kept; the dashboard draws approved numbers only and moves live;
//! uploads from the XLSX template or CSV are refused whole with their bad rows; overdue
//! units are reminded once, in-app and by e-mail; and who may do what.

// The helpers below are test code too: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ecabinet_protocol::reporting::{Overview, ReportForm, Revision, Series};
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_reporting::Period;
use ecabinet_reporting::canonical::{SubmissionRecord, report_digest};
use ecabinet_tests::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Units: the Government Office receives (vanthu1 approves there); Hà Nội (khach1 its
/// officer, bt06 its approver) and Đà Nẵng (vanthu2 its officer) report. Indicators:
/// revenue, of which from land (part ≤ whole), new enterprises (whole, change flagged
/// over 50 %), CPI growth (a rate, −20..20 %).
async fn setup(s: &TestServer) -> (i64, i64, i64, i64) {
    let admin = s.login("admin").await.unwrap();
    let unit = |code: &str, name: &str| json!({"code": code, "name": name});
    let mut ids = Vec::new();
    for (code, name) in [
        ("VPCP", "Văn phòng Chính phủ"),
        ("HN", "Hà Nội"),
        ("DN", "Đà Nẵng"),
    ] {
        let a = admin
            .post("/api/reporting/units", unit(code, name))
            .await
            .unwrap();
        assert_eq!(a.status, 201, "{}", a.body);
        ids.push(a.body["id"].as_i64().unwrap());
    }
    let (vpcp, hn, dn) = (ids[0], ids[1], ids[2]);
    for (unit, user, role) in [
        (vpcp, "vanthu1", "approver"),
        (hn, "khach1", "officer"),
        (hn, "bt06", "approver"),
        (dn, "vanthu2", "officer"),
    ] {
        let a = admin
            .post(
                &format!("/api/reporting/units/{unit}/members"),
                json!({"user_id": demo_id(user), "role": role}),
            )
            .await
            .unwrap();
        assert_eq!(a.status, 204, "{}", a.body);
    }
    for (code, name, unit, vt, agg, min, max) in [
        (
            "THU_NS",
            "Thu ngân sách",
            "tỷ đồng",
            "decimal",
            "sum",
            Some(0.0),
            None,
        ),
        (
            "THU_DAT",
            "Trong đó: thu tiền sử dụng đất",
            "tỷ đồng",
            "decimal",
            "sum",
            Some(0.0),
            None,
        ),
        (
            "DN_MOI",
            "Doanh nghiệp thành lập mới",
            "doanh nghiệp",
            "integer",
            "sum",
            Some(0.0),
            None,
        ),
        (
            "CPI",
            "Chỉ số giá tiêu dùng tăng",
            "%",
            "percent",
            "average",
            Some(-20.0),
            Some(20.0),
        ),
    ] {
        let a = admin
            .post(
                "/api/reporting/indicators",
                json!({"code": code, "name": name, "unit": unit, "value_type": vt,
                       "aggregation": agg, "min": min, "max": max, "required": true}),
            )
            .await
            .unwrap();
        assert_eq!(a.status, 204, "{}", a.body);
    }
    let a = admin
        .post(
            "/api/reporting/regimes",
            json!({
                "regime": {
                    "code": "KTXH-THANG", "name": "Báo cáo kinh tế - xã hội tháng",
                    "period_type": "month", "deadline_days": 5,
                    "indicators": ["THU_NS", "THU_DAT", "DN_MOI", "CPI"],
                    "rules": [
                        {"kind": "compare", "left": "THU_DAT", "op": "le", "right": "THU_NS"},
                        {"kind": "change", "code": "DN_MOI", "max_percent": 50.0}
                    ]
                },
                "receiving_unit_id": vpcp,
                "unit_ids": [hn, dn]
            }),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 201, "{}", a.body);
    (a.body["id"].as_i64().unwrap(), vpcp, hn, dn)
}

fn form_path(regime: i64, unit: i64, period: &str) -> String {
    format!("/api/reporting/regimes/{regime}/units/{unit}/periods/{period}")
}

async fn form(c: &Client, path: &str) -> ReportForm {
    let a = c.get(path).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    serde_json::from_value(a.body).unwrap()
}

fn cells(pairs: &[(&str, &str)]) -> Value {
    let m: BTreeMap<&str, &str> = pairs.iter().copied().collect();
    json!({ "values": m })
}

/// What the officer's device signs: the digest it computes itself from the values shown.
fn signed(tablet: &Tablet, f: &ReportForm) -> Value {
    let digest = report_digest(
        &f.regime_code,
        &f.unit_code,
        Period::parse(&f.period).unwrap(),
        &f.values,
    );
    assert_eq!(
        hex::encode(digest),
        f.digest,
        "the server shows what the device computes"
    );
    let record = SubmissionRecord::new(
        digest,
        tablet.client.id(),
        ecabinet_crypto::key_id(&tablet.key.verifying_key()),
        1_796_000_000_000,
    );
    let bytes = record.to_bytes();
    json!({
        "bytes": hex::encode(&bytes),
        "signature": hex::encode(ecabinet_crypto::sign(&tablet.key, &bytes)),
    })
}

fn problem_codes(body: &Value) -> Vec<(String, String)> {
    body["problems"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|p| {
            (
                p["problem"]["code"].as_str().unwrap_or("").to_owned(),
                p["problem"]["problem"]["kind"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_report_goes_from_draft_to_approved_with_every_revision_kept_and_the_dashboard_moves() {
    let s = TestServer::start().await.unwrap();
    let (regime, _vpcp, hn, dn) = setup(&s).await;
    let clerk = s.login("vanthu1").await.unwrap();
    let officer = enrolled_tablet(&s, &clerk, "khach1").await.unwrap();
    let approver = s.login("bt06").await.unwrap();
    let path = form_path(regime, hn, "2026-11");

    // The officer sees the regime and the task.
    let me: Overview =
        serde_json::from_value(officer.client.get("/api/reporting").await.unwrap().body).unwrap();
    assert_eq!(me.regimes.len(), 1);
    assert_eq!(me.regimes[0].indicators.len(), 4);
    assert!(
        me.tasks
            .iter()
            .any(|t| t.unit_id == hn && t.action == "fill")
    );

    // A draft with wrong cells is refused whole, each cell named; nothing is stored.
    let a = officer
        .client
        .put(
            &path,
            cells(&[
                ("THU_NS", "1.250,5"),
                ("DN_MOI", "12,5"),
                ("CPI", "abc"),
                ("XYZ", "1"),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 422, "{}", a.body);
    let mut got = problem_codes(&a.body);
    got.sort();
    assert_eq!(
        got,
        [
            ("CPI".to_owned(), "not_a_number".to_owned()),
            ("DN_MOI".to_owned(), "not_whole".to_owned()),
            ("XYZ".to_owned(), "unknown".to_owned()),
        ]
    );
    let f = form(&officer.client, &path).await;
    assert_eq!(
        (f.status.as_str(), f.values.len()),
        ("missing", 0),
        "nothing half-stored"
    );
    let a = officer
        .client
        .put(&path, cells(&[("CPI", "25")]))
        .await
        .unwrap();
    assert_eq!(
        problem_codes(&a.body),
        [("CPI".to_owned(), "above_max".to_owned())]
    );

    // A partial draft is kept; submitting it is refused for the empty cells.
    let a = officer
        .client
        .put(&path, cells(&[("THU_NS", "1.250,5"), ("THU_DAT", "1300")]))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let f: ReportForm = serde_json::from_value(a.body).unwrap();
    assert_eq!(f.status, "draft");
    assert_eq!(f.values["THU_NS"], 1250.5);
    let a = officer
        .client
        .post(&format!("{path}/submit"), signed(&officer, &f))
        .await
        .unwrap();
    assert_eq!(a.status, 422, "{}", a.body);
    let mut got = problem_codes(&a.body);
    got.sort();
    assert_eq!(
        got,
        [
            ("CPI".to_owned(), "missing".to_owned()),
            ("DN_MOI".to_owned(), "missing".to_owned()),
            ("THU_DAT".to_owned(), "broken".to_owned()),
        ],
        "part ≤ whole, and required cells"
    );

    // Completed and fixed, then signed: a signature over other values is refused.
    let a = officer
        .client
        .put(
            &path,
            cells(&[("THU_DAT", "300"), ("DN_MOI", "120"), ("CPI", "3,2")]),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let f: ReportForm = serde_json::from_value(a.body).unwrap();
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let mut stale = f.clone();
    stale.values.insert("THU_NS".into(), 1.0);
    stale.digest = hex::encode(report_digest(
        &f.regime_code,
        &f.unit_code,
        Period::parse("2026-11").unwrap(),
        &stale.values,
    ));
    let a = officer
        .client
        .post(&format!("{path}/submit"), signed(&officer, &stale))
        .await
        .unwrap();
    assert_eq!(a.status, 422, "{}", a.body);
    assert_eq!(
        approver
            .post(&format!("{path}/submit"), signed(&officer, &f))
            .await
            .unwrap()
            .status,
        403,
        "only the unit's officer submits"
    );

    // The dashboard follows the steps live.
    let (_, mut ws) = s.watch("thutuong", Topic::Reporting).await.unwrap();
    let a = officer
        .client
        .post(&format!("{path}/submit"), signed(&officer, &f))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "submitted");
    let a = officer
        .client
        .put(&path, cells(&[("CPI", "3")]))
        .await
        .unwrap();
    assert_eq!(
        a.status, 409,
        "a submitted report is not edited: {}",
        a.body
    );
    assert_eq!(
        officer
            .client
            .post(&format!("{path}/approve"), json!({}))
            .await
            .unwrap()
            .status,
        403,
        "the officer does not approve"
    );
    // Four eyes: an officer who also approves for the unit does not approve their own.
    let admin = s.login("admin").await.unwrap();
    let a = admin
        .post(
            &format!("/api/reporting/units/{hn}/members"),
            json!({"user_id": demo_id("khach1"), "role": "approver"}),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 204);
    assert_eq!(
        officer
            .client
            .post(&format!("{path}/approve"), json!({}))
            .await
            .unwrap()
            .status,
        403,
        "whoever signed does not approve"
    );
    let series =
        format!("/api/reporting/regimes/{regime}/series?indicator=THU_NS&from=2026-09&to=2026-11");
    let before: Series = serde_json::from_value(approver.get(&series).await.unwrap().body).unwrap();
    assert_eq!(
        before.points[2].value, None,
        "a submitted report is not on the dashboard yet"
    );

    let a = approver
        .post(&format!("{path}/approve"), json!({}))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    ws.wait_event( |e| {
        matches!(e, EventBody::ReportChanged { status, unit_id, .. } if status == "approved" && *unit_id == hn)
    })
    .await
    .unwrap();
    assert_eq!(
        approver
            .post(&format!("{path}/approve"), json!({}))
            .await
            .unwrap()
            .status,
        409
    );
    assert_eq!(
        officer
            .client
            .post(&format!("{path}/submit"), signed(&officer, &f))
            .await
            .unwrap()
            .status,
        409,
        "a submission after approval"
    );

    // Đà Nẵng reports too; the country's revenue is the sum, CPI the mean.
    let dn_officer = enrolled_tablet(&s, &clerk, "vanthu2").await.unwrap();
    let dn_path = form_path(regime, dn, "2026-11");
    let a = dn_officer
        .client
        .put(
            &dn_path,
            cells(&[
                ("THU_NS", "749,5"),
                ("THU_DAT", "100"),
                ("DN_MOI", "30"),
                ("CPI", "2,8"),
            ]),
        )
        .await
        .unwrap();
    let g: ReportForm = serde_json::from_value(a.body).unwrap();
    dn_officer
        .client
        .ok_post(&format!("{dn_path}/submit"), signed(&dn_officer, &g))
        .await
        .unwrap();
    assert_eq!(
        approver
            .post(&format!("{dn_path}/approve"), json!({}))
            .await
            .unwrap()
            .status,
        403,
        "Hà Nội's approver (a minister, who reads every form) does not approve Đà Nẵng's"
    );
    assert_eq!(officer.client.get(&dn_path).await.unwrap().status, 404);
    // Đà Nẵng has no approver of its own here: the report waits.
    let now: Series = serde_json::from_value(clerk.get(&series).await.unwrap().body).unwrap();
    assert_eq!(
        (now.points[2].value, now.points[2].units),
        (Some(1250.5), 1)
    );

    // The Government Office returns Hà Nội's report with a comment; it is corrected.
    let a = clerk
        .post(&format!("{path}/return"), json!({"comment": ""}))
        .await
        .unwrap();
    assert_eq!(a.status, 422, "a return says why");
    let a = clerk
        .post(
            &format!("{path}/return"),
            json!({"comment": "Kiểm tra lại số thu tiền sử dụng đất"}),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["status"], "returned");
    assert_eq!(a.body["comment"], "Kiểm tra lại số thu tiền sử dụng đất");
    let a = officer
        .client
        .put(&path, cells(&[("THU_DAT", "350")]))
        .await
        .unwrap();
    let f: ReportForm = serde_json::from_value(a.body).unwrap();
    officer
        .client
        .ok_post(&format!("{path}/submit"), signed(&officer, &f))
        .await
        .unwrap();
    approver
        .ok_post(&format!("{path}/approve"), json!({}))
        .await
        .unwrap();

    // Every value's history: who changed it, when, from what to what, and the steps.
    let a = clerk
        .get(&format!("{path}/history?code=THU_DAT"))
        .await
        .unwrap();
    let h: Vec<Revision> = serde_json::from_value(a.body).unwrap();
    let edits: Vec<(Option<f64>, Option<f64>)> = h
        .iter()
        .filter(|r| r.code.is_some())
        .map(|r| (r.old_value, r.new_value))
        .collect();
    assert_eq!(
        edits,
        [
            (None, Some(1300.0)),
            (Some(1300.0), Some(300.0)),
            (Some(300.0), Some(350.0))
        ]
    );
    let steps: Vec<&str> = h
        .iter()
        .filter(|r| r.code.is_none())
        .map(|r| r.action.as_str())
        .collect();
    assert_eq!(steps, ["submit", "approve", "return", "submit", "approve"]);
    assert!(h.iter().all(|r| !r.user_name.is_empty()));
    assert_eq!(
        h.iter().find(|r| r.action == "return").unwrap().note,
        "Kiểm tra lại số thu tiền sử dụng đất"
    );

    // The dashboard: a series, a comparison, completeness, each also as SVG, CSV, XLSX.
    let a = clerk.get(&format!("{series}&format=svg")).await.unwrap();
    assert_eq!(a.status, 200);
    let (status, headers, svg) = clerk
        .get_bytes(&format!("{series}&format=svg"))
        .await
        .unwrap();
    assert_eq!(
        (status, headers["content-type"].to_str().unwrap()),
        (200, "image/svg+xml")
    );
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.contains("Thu ngân sách") && svg.contains("1250.50"),
        "{svg}"
    );
    let (_, _, csv) = clerk
        .get_bytes(&format!("{series}&format=csv"))
        .await
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("2026-11,1250.5,1"), "{csv}");
    let compare = clerk
        .get(&format!(
            "/api/reporting/regimes/{regime}/compare?indicator=DN_MOI&period=2026-11"
        ))
        .await
        .unwrap();
    assert_eq!(compare.body["units"][0]["name"], "Hà Nội");
    assert_eq!(compare.body["units"][0]["value"], 120.0);
    assert_eq!(
        compare.body["units"][1]["value"],
        Value::Null,
        "Đà Nẵng is not approved"
    );
    let (status, _, xlsx) = clerk
        .get_bytes(&format!(
            "/api/reporting/regimes/{regime}/completeness?from=2026-10&to=2026-11&format=xlsx"
        ))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let rows = xlsx_rows(&xlsx);
    assert_eq!(rows[0], ["Kỳ", "Phải báo cáo", "Đã gửi", "Đã duyệt", "Hạn"]);
    assert_eq!(rows[2][..4], ["2026-11", "2", "2", "1"]);

    // Outside: the admin has no unit and reads no dashboard.
    assert_eq!(admin.get(&path).await.unwrap().status, 404);
    assert_eq!(admin.get(&series).await.unwrap().status, 404);
    assert_eq!(
        officer.client.get(&series).await.unwrap().status,
        404,
        "a unit reads its own"
    );
    assert_eq!(
        officer
            .client
            .get(&format!("{series}&unit={hn}"))
            .await
            .unwrap()
            .status,
        200
    );
}

fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn an_upload_with_bad_rows_is_refused_whole_and_the_template_round_trips() {
    let s = TestServer::start().await.unwrap();
    let (regime, _, hn, _) = setup(&s).await;
    let officer = s.login("khach1").await.unwrap();
    let path = form_path(regime, hn, "2026-10");

    let bad = "Kỳ,Mã chỉ tiêu,Giá trị\n2026-10,THU_NS,900\n2026-09,THU_DAT,100\n2026-10,KHONG_CO,1\n2026-10,DN_MOI,mười\n2026-10,THU_NS,901\n";
    let a = officer
        .upload(
            &format!("{path}/upload"),
            None,
            "bao-cao.csv",
            bad.as_bytes().to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 422, "{}", a.body);
    let mut rows: Vec<(u64, String)> = a.body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["problem"]["problem"]["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            (3, "wrong_period".to_owned()),
            (4, "unknown".to_owned()),
            (5, "not_a_number".to_owned()),
            (6, "duplicate".to_owned()),
        ]
    );
    assert!(
        a.body["message"].as_str().unwrap().contains("row 3"),
        "{}",
        a.body
    );
    assert_eq!(
        form(&officer, &path).await.values.len(),
        0,
        "nothing stored"
    );

    let good = "Kỳ;Mã chỉ tiêu;Giá trị\n2026-10;THU_NS;900,5\n2026-10;THU_DAT;100\n2026-10;DN_MOI;80\n2026-10;CPI;-0,4\n";
    let a = officer
        .upload(
            &format!("{path}/upload"),
            None,
            "bao-cao.csv",
            good.as_bytes().to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["values"]["THU_NS"], 900.5);
    assert_eq!(a.body["values"]["CPI"], -0.4);

    // The template carries the saved values; filled in and sent back, it saves as is.
    let (status, _, template) = officer
        .get_bytes(&format!("{path}/template.xlsx"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let rows = xlsx_rows(&template);
    assert_eq!(
        rows[4],
        [
            "Kỳ",
            "Mã chỉ tiêu",
            "Tên chỉ tiêu",
            "Đơn vị tính",
            "Giá trị"
        ]
    );
    assert_eq!(rows[5][..2], ["2026-10", "THU_NS"]);
    assert_eq!(rows[5][4], "900.5");
    let a = officer
        .upload(&format!("{path}/upload"), None, "mau.xlsx", template)
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let h: Vec<Revision> =
        serde_json::from_value(officer.get(&format!("{path}/history")).await.unwrap().body)
            .unwrap();
    assert_eq!(h.len(), 4, "the same values again change nothing: {h:?}");
    assert!(h.iter().all(|r| r.action == "upload"));

    let a = officer
        .upload(
            &format!("{path}/upload"),
            None,
            "x.xlsx",
            b"PK\x03\x04 not really".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("file")),
        "{}",
        a.body
    );
    let a = officer
        .upload(
            &format!("{path}/upload"),
            None,
            "x.csv",
            b"a,b\n1,2\n".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("file")),
        "{}",
        a.body
    );
    let other = s.login("vanthu2").await.unwrap();
    let a = other
        .upload(
            &format!("{path}/upload"),
            None,
            "x.csv",
            good.as_bytes().to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 403, "Đà Nẵng's officer does not fill Hà Nội's");
    let a = officer
        .put(&form_path(regime, hn, "2026-Q4"), cells(&[("THU_NS", "1")]))
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("period")),
        "{}",
        a.body
    );
}

/// `xlsx` packed again with its shared strings' `uniqueCount` set to `count`, and `extra`
/// parts added (deflated).
fn hostile(xlsx: &[u8], count: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut data = String::new();
        f.read_to_string(&mut data).unwrap();
        if name.ends_with("sharedStrings.xml") {
            let at = data.find("uniqueCount=\"").unwrap() + 13;
            let end = at + data[at..].find('"').unwrap();
            data.replace_range(at..end, count);
        }
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(data.as_bytes()).unwrap();
    }
    for (name, data) in extra {
        out.start_file(*name, options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_hostile_file_is_refused_with_its_reason_and_the_server_keeps_serving() {
    // The incident: a 2 KB workbook declaring 100 billion strings aborted the whole
    // process. Now each such file is a 422 naming its limit, the draft is as it was, and
    // the same server goes on answering.
    let s = TestServer::start().await.unwrap();
    let (regime, _, hn, _) = setup(&s).await;
    let officer = s.login("khach1").await.unwrap();
    let path = form_path(regime, hn, "2026-10");
    let upload = format!("{path}/upload");
    let a = officer
        .put(&path, cells(&[("THU_NS", "900"), ("DN_MOI", "80")]))
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let before = form(&officer, &path).await.values;
    let history = format!("{path}/history");
    let revisions = officer.get(&history).await.unwrap().body;

    let (status, _, template) = officer
        .get_bytes(&format!("{path}/template.xlsx"))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let strings = hostile(&template, "100000000000", &[]);
    assert!(strings.len() < 8 * 1024, "{}", strings.len());
    let zeros = vec![0u8; 50 * 1024 * 1024];
    let bomb = hostile(&template, "20", &[("xl/media/image1.png", &zeros)]);
    assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
    let field = format!(
        "Kỳ,Mã chỉ tiêu,Giá trị\n2026-10,THU_NS,\"{}\"\n",
        "9".repeat(4 * 1024 * 1024)
    );
    let wide = format!("Kỳ,Mã chỉ tiêu,Giá trị{}\n", ",x".repeat(100));

    for (name, file, problem, words) in [
        (
            "mau.xlsx",
            strings,
            json!({"kind": "file", "reason": "too_many_strings", "max": 200000}),
            "more than 200000 texts",
        ),
        (
            "mau.xlsx",
            bomb,
            json!({"kind": "file", "reason": "part_too_large", "part": "xl/media/image1.png", "max_mib": 8}),
            "unpacks to more than 8 MiB",
        ),
        (
            "bao-cao.csv",
            field.into_bytes(),
            json!({"kind": "file", "reason": "cell_too_long", "row": 2, "max": 32767}),
            "a cell of row 2 holds more than 32767 characters",
        ),
        (
            "bao-cao.csv",
            wide.into_bytes(),
            json!({"kind": "file", "reason": "too_many_columns", "row": 1, "max": 64}),
            "row 1 has cells beyond column 64",
        ),
    ] {
        let a = officer.upload(&upload, None, name, file).await.unwrap();
        assert_eq!(
            (a.status, a.body["field"].as_str()),
            (422, Some("file")),
            "{}",
            a.body
        );
        let problems = a.body["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{}", a.body);
        assert_eq!(problems[0]["problem"]["code"], "", "{}", a.body);
        assert_eq!(problems[0]["problem"]["problem"], problem, "{}", a.body);
        assert!(
            a.body["message"].as_str().unwrap().contains(words),
            "{}",
            a.body
        );
        assert_eq!(form(&officer, &path).await.values, before, "nothing stored");
    }
    assert_eq!(
        officer.get(&history).await.unwrap().body,
        revisions,
        "no revision either"
    );

    // The same server, still up, takes the next good file.
    let good = "Kỳ;Mã chỉ tiêu;Giá trị\n2026-10;THU_NS;901\n";
    let a = officer
        .upload(&upload, None, "bao-cao.csv", good.as_bytes().to_vec())
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["values"]["THU_NS"], 901.0);
}

#[tokio::test]
async fn overdue_units_are_reminded_once_in_app_and_by_mail() {
    let sink = MailSink::start().await.unwrap();
    // 2 December 2026, 10:00 in Hà Nội: November's reports are due on the 5th.
    let t0 = 1_796_180_400_000;
    let s = TestServer::start_with(Options {
        clock: Some(Clock::manual(t0)),
        smtp_url: Some(sink.url()),
        ..Options::default()
    })
    .await
    .unwrap();
    let (regime, _, hn, dn) = setup(&s).await;
    let officer = s.login("khach1").await.unwrap();
    let f = form(&officer, &form_path(regime, hn, "2026-11")).await;
    assert_eq!((f.due.as_str(), f.overdue), ("2026-12-05", false));
    let (_, ws) = s
        .watch(
            "vanthu2",
            Topic::User(ecabinet_domain::UserId(demo_id("vanthu2"))),
        )
        .await
        .unwrap();
    let (_, mut late) = s
        .watch(
            "khach1",
            Topic::User(ecabinet_domain::UserId(demo_id("khach1"))),
        )
        .await
        .unwrap();

    // Đà Nẵng submits in time (a draft is not enough); Hà Nội does not.
    let clerk = s.login("vanthu1").await.unwrap();
    let dn_officer = enrolled_tablet(&s, &clerk, "vanthu2").await.unwrap();
    let dn_path = form_path(regime, dn, "2026-11");
    let a = dn_officer
        .client
        .put(
            &dn_path,
            cells(&[
                ("THU_NS", "10"),
                ("THU_DAT", "1"),
                ("DN_MOI", "3"),
                ("CPI", "1"),
            ]),
        )
        .await
        .unwrap();
    let g: ReportForm = serde_json::from_value(a.body).unwrap();
    dn_officer
        .client
        .ok_post(&format!("{dn_path}/submit"), signed(&dn_officer, &g))
        .await
        .unwrap();

    s.clock.set(t0 + 4 * 24 * 3_600_000);
    let mails = sink.wait_for(1).await.unwrap();
    assert_eq!(mails[0].recipients, ["khach1@ecabinet.local"]);
    assert!(mails[0].data.contains("2026-11"), "{}", mails[0].data);
    late.wait_event(|e| {
        matches!(e, EventBody::ReportReminder { unit_id, period, due, .. }
            if *unit_id == hn && period == "2026-11" && due == "2026-12-05")
    })
    .await
    .unwrap();
    let f = form(&officer, &form_path(regime, hn, "2026-11")).await;
    assert!(f.overdue);
    s.clock.advance(3_600_000);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(sink.mails().len(), 1, "reminded once");
    assert!(
        !ws.applied
            .iter()
            .any(|e| matches!(e.body, EventBody::ReportReminder { .. })),
        "Đà Nẵng submitted: no reminder"
    );

    // The office may remind again by hand.
    let a = clerk
        .post(
            &format!("/api/reporting/regimes/{regime}/remind?period=2026-11"),
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(
        (a.status, a.body["reminded"].as_i64()),
        (200, Some(1)),
        "{}",
        a.body
    );
    sink.wait_for(2).await.unwrap();
    assert_eq!(
        officer
            .post(
                &format!("/api/reporting/regimes/{regime}/remind"),
                json!({})
            )
            .await
            .unwrap()
            .status,
        403
    );
}

#[tokio::test]
async fn a_broken_down_indicator_is_filled_by_parts_and_drawn_as_a_total_or_a_part() {
    let s = TestServer::start().await.unwrap();
    let (_, vpcp, hn, _) = setup(&s).await;
    let admin = s.login("admin").await.unwrap();
    let one = json!({"code": "X", "name": "X", "unit": "người", "value_type": "integer",
        "aggregation": "sum", "min": 0.0, "max": null, "required": true,
        "disaggregation": [{"code": "NAM", "name": "Nam"}]});
    let a = admin.post("/api/reporting/indicators", one).await.unwrap();
    assert_eq!(
        (a.status, a.body["field"].as_str()),
        (422, Some("disaggregation"))
    );
    let a = admin
        .post(
            "/api/reporting/indicators",
            json!({"code": "LAO_DONG", "name": "Lao động có việc làm", "unit": "người",
                "value_type": "integer", "aggregation": "sum", "min": 0.0, "max": null,
                "required": true,
                "disaggregation": [{"code": "NAM", "name": "Nam"}, {"code": "NU", "name": "Nữ"}]}),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 204, "{}", a.body);
    let a = admin
        .post(
            "/api/reporting/regimes",
            json!({"regime": {"code": "LD-QUY", "name": "Lao động quý", "period_type": "quarter",
                "deadline_days": 15, "indicators": ["LAO_DONG"], "rules": []},
                "receiving_unit_id": vpcp, "unit_ids": [hn]}),
        )
        .await
        .unwrap();
    let regime = a.body["id"].as_i64().unwrap();
    let clerk = s.login("vanthu1").await.unwrap();
    let officer = enrolled_tablet(&s, &clerk, "khach1").await.unwrap();
    let path = form_path(regime, hn, "2026-Q3");

    let a = officer
        .client
        .put(&path, cells(&[("LAO_DONG", "2000")]))
        .await
        .unwrap();
    assert_eq!(
        problem_codes(&a.body),
        [("LAO_DONG".to_owned(), "total".to_owned())]
    );
    let a = officer
        .client
        .put(
            &path,
            cells(&[("LAO_DONG:NAM", "1200"), ("LAO_DONG:NU", "950")]),
        )
        .await
        .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let f: ReportForm = serde_json::from_value(a.body).unwrap();
    assert_eq!(f.values["LAO_DONG"], 2150.0, "the total is the parts' sum");
    let (_, _, template) = officer
        .client
        .get_bytes(&format!("{path}/template.xlsx"))
        .await
        .unwrap();
    let rows = xlsx_rows(&template);
    assert_eq!(
        (rows[5][1].as_str(), rows[6][1].as_str()),
        ("LAO_DONG:NAM", "LAO_DONG:NU")
    );
    assert_eq!(rows[6][2], "Lao động có việc làm — Nữ");
    officer
        .client
        .ok_post(&format!("{path}/submit"), signed(&officer, &f))
        .await
        .unwrap();
    s.login("bt06")
        .await
        .unwrap()
        .ok_post(&format!("{path}/approve"), json!({}))
        .await
        .unwrap();
    let series = |code: &str| {
        format!("/api/reporting/regimes/{regime}/series?indicator={code}&from=2026-Q3&to=2026-Q3")
    };
    let total: Series =
        serde_json::from_value(clerk.get(&series("LAO_DONG")).await.unwrap().body).unwrap();
    assert_eq!(total.points[0].value, Some(2150.0));
    let women: Series =
        serde_json::from_value(clerk.get(&series("LAO_DONG:NU")).await.unwrap().body).unwrap();
    assert_eq!(women.points[0].value, Some(950.0));
    assert_eq!(women.indicator.name, "Lao động có việc làm — Nữ");
    assert_eq!(
        clerk.get(&series("LAO_DONG:KHAC")).await.unwrap().status,
        422
    );
}
