//! The aggregated report of a written poll (tổng hợp ý kiến) as files: XLSX through
//! rust_xlsxwriter, PDF set by `platform::pdf`.
//! Both show the same numbers as the report page, from the same [`OpinionReport`].

use crate::platform::clock::vn_time;
use crate::platform::pdf::{typeset, wrap};
use ecabinet_domain::opinion::{Answer, NonResponse};
use ecabinet_domain::poll::PollStatus;
use ecabinet_domain::vote::Outcome;
use ecabinet_protocol::opinion::OpinionReport;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::sync::Arc;

/// The outcome in the report's words.
pub fn outcome_vi(status: PollStatus, o: Outcome) -> &'static str {
    if status != PollStatus::Closed {
        return "Chưa kết thúc (số liệu tạm thời)";
    }
    match o {
        Outcome::Passed => "Thông qua",
        Outcome::PassedByTieBreak => "Thông qua (số phiếu ngang nhau, theo ý kiến Thủ tướng)",
        Outcome::FailedByTieBreak => "Không thông qua (số phiếu ngang nhau, theo ý kiến Thủ tướng)",
        Outcome::Failed | Outcome::NoQuorum => "Không thông qua",
    }
}

fn non_response_vi(n: NonResponse) -> &'static str {
    match n {
        NonResponse::NotAgreeing => "Không trả lời được tính là không đồng ý",
        NonResponse::DeemedToAgree => "Không trả lời được coi là đồng ý",
    }
}

fn answer_vi(a: Option<Answer>) -> &'static str {
    a.map_or("Chưa trả lời", Answer::label_vi)
}

/// The summary rows shared by both files: label and number.
fn counts(r: &OpinionReport) -> [(&'static str, u32); 6] {
    [
        ("Số thành viên được xin ý kiến", r.summary.addressees),
        ("Đồng ý", r.result.agree),
        ("Không đồng ý", r.result.disagree),
        ("Ý kiến khác", r.result.other),
        ("Chưa trả lời", r.result.not_answered),
        ("Tính là đồng ý", r.result.in_favour),
    ]
}

/// The report as an XLSX workbook: a summary sheet and one row per member.
pub fn xlsx(r: &OpinionReport) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let ws = wb.add_worksheet();
    ws.set_name("Tổng hợp")?;
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 60)?;
    ws.write_string_with_format(0, 0, "TỔNG HỢP Ý KIẾN THÀNH VIÊN CHÍNH PHỦ", &bold)?;
    ws.write_string(1, 0, "Phiếu lấy ý kiến số")?;
    ws.write_number(1, 1, r.summary.id as f64)?;
    ws.write_string(2, 0, "Nội dung")?;
    ws.write_string_with_format(2, 1, &r.summary.question, &wrap)?;
    ws.write_string(3, 0, "Thời hạn")?;
    ws.write_string(3, 1, vn_time(r.summary.deadline))?;
    ws.write_string(4, 0, "Quy tắc")?;
    ws.write_string(4, 1, non_response_vi(r.summary.non_response))?;
    let mut row = 5;
    for (label, n) in counts(r) {
        ws.write_string(row, 0, label)?;
        ws.write_number(row, 1, f64::from(n))?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "Kết quả", &bold)?;
    ws.write_string_with_format(
        row,
        1,
        outcome_vi(r.summary.status, r.result.outcome),
        &bold,
    )?;

    let ws = wb.add_worksheet();
    ws.set_name("Ý kiến")?;
    for (c, w) in [
        (0u16, 6.0),
        (1, 28.0),
        (2, 30.0),
        (3, 16.0),
        (4, 60.0),
        (5, 20.0),
    ] {
        ws.set_column_width(c, w)?;
    }
    for (c, h) in [
        "STT",
        "Họ và tên",
        "Chức vụ",
        "Ý kiến",
        "Nội dung",
        "Thời điểm",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, u16::try_from(c).unwrap_or(0), *h, &bold)?;
    }
    for (i, l) in r.lines.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_number(row, 0, (i + 1) as f64)?;
        ws.write_string(row, 1, &l.display_name)?;
        ws.write_string(row, 2, &l.title)?;
        ws.write_string(row, 3, answer_vi(l.answer))?;
        ws.write_string_with_format(row, 4, &l.text, &wrap)?;
        ws.write_string(row, 5, l.answered_at.map(vn_time).unwrap_or_default())?;
    }
    wb.save_to_buffer()
}

/// The lines of the PDF, each with its size and indent; laid out into pages by [`pdf`].
fn pdf_lines(r: &OpinionReport) -> Vec<(f32, f32, String)> {
    let mut out: Vec<(f32, f32, String)> = Vec::new();
    let mut para = |size: f32, indent: f32, text: &str, width: usize| {
        for l in wrap(text, width) {
            out.push((size, indent, l));
        }
    };
    para(14.0, 0.0, "TỔNG HỢP Ý KIẾN THÀNH VIÊN CHÍNH PHỦ", 60);
    para(
        11.0,
        0.0,
        &format!(
            "Phiếu lấy ý kiến số {}: {}",
            r.summary.id, r.summary.question
        ),
        80,
    );
    para(
        10.0,
        0.0,
        &format!("Thời hạn trả lời: {}", vn_time(r.summary.deadline)),
        90,
    );
    para(10.0, 0.0, non_response_vi(r.summary.non_response), 90);
    para(10.0, 0.0, "", 90);
    for (label, n) in counts(r) {
        para(10.0, 0.0, &format!("{label}: {n}"), 90);
    }
    para(
        11.0,
        0.0,
        &format!(
            "Kết quả: {}",
            outcome_vi(r.summary.status, r.result.outcome)
        ),
        80,
    );
    para(10.0, 0.0, "", 90);
    para(11.0, 0.0, "Ý kiến của từng thành viên", 80);
    for (i, l) in r.lines.iter().enumerate() {
        para(
            10.0,
            0.0,
            &format!(
                "{}. {} ({}): {}",
                i + 1,
                l.display_name,
                l.title,
                answer_vi(l.answer)
            ),
            90,
        );
        if !l.text.is_empty() {
            para(9.0, 18.0, &l.text, 92);
        }
    }
    out
}

/// The report as an A4 PDF set in `font` (TrueType bytes).
pub fn pdf(r: &OpinionReport, font: &Arc<Vec<u8>>) -> Result<Vec<u8>, String> {
    typeset(&pdf_lines(r), font)
}
