//! The aggregated report of a written poll (tổng hợp ý kiến) as files: XLSX through
//! rust_xlsxwriter, PDF through krilla with a TrueType font that has Vietnamese letters.
//! Both show the same numbers as the report page, from the same [`OpinionReport`].

use crate::opinions::vn_time;
use ecabinet_domain::opinion::{Answer, NonResponse};
use ecabinet_domain::poll::PollStatus;
use ecabinet_domain::vote::Outcome;
use ecabinet_protocol::opinion::OpinionReport;
use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
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

/// Greedy word wrap by character count (the report's one font is close to monospaced
/// enough at this size for a margin of a few characters).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let len = line.chars().count();
            if len > 0 && len + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;

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

/// Minutes as an A4 PDF: the text, then (once signed) the signature block with the text's
/// SHA-256, the signer, the key and the signature, so that a printed copy can be checked.
pub fn minutes_pdf(
    text: &str,
    text_sha256: &str,
    signed: Option<&ecabinet_protocol::api::MinutesSigned>,
    font: &Arc<Vec<u8>>,
) -> Result<Vec<u8>, String> {
    let mut lines: Vec<(f32, f32, String)> = Vec::new();
    if signed.is_none() {
        lines.push((12.0, 0.0, "DỰ THẢO — CHƯA KÝ".into()));
    }
    for l in wrap(text, 88) {
        lines.push((10.0, 0.0, l));
    }
    lines.push((10.0, 0.0, String::new()));
    lines.push((9.0, 0.0, format!("SHA-256 của văn bản: {text_sha256}")));
    if let Some(s) = signed {
        lines.push((
            10.0,
            0.0,
            format!("Ký bởi: {} lúc {}", s.signer_name, vn_time(s.signed_at)),
        ));
        lines.push((9.0, 0.0, format!("Khóa thiết bị: {}", s.key_id)));
        lines.push((9.0, 0.0, "Chữ ký (ed25519):".into()));
        for chunk in s.signature.as_bytes().chunks(64) {
            lines.push((9.0, 18.0, String::from_utf8_lossy(chunk).into_owned()));
        }
    }
    typeset(&lines, font)
}

/// Lays out (size, indent, text) lines on A4 pages.
fn typeset(lines: &[(f32, f32, String)], font: &Arc<Vec<u8>>) -> Result<Vec<u8>, String> {
    let font = Font::new(font.clone().into(), 0).ok_or("the report font cannot be read")?;
    let mut doc = Document::new();
    let mut rest = lines;
    while !rest.is_empty() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("page size")?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let mut y = MARGIN;
        let mut used = 0;
        for (size, indent, text) in rest {
            let step = size * 1.45;
            if y + step > PAGE_H - MARGIN && used > 0 {
                break;
            }
            y += step;
            surface.draw_text(
                Point::from_xy(MARGIN + indent, y),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
            used += 1;
        }
        surface.finish();
        page.finish();
        rest = &rest[used..];
    }
    doc.finish().map_err(|e| format!("{e:?}"))
}

/// A report form as a workbook to fill in: the regime and unit on top, then one row per
/// indicator with the period, the code, the name, the unit of measure and the value (the
/// saved one, or empty). [`ecabinet_reporting::import::read_report_rows`] reads it back.
pub fn report_template(
    regime: &ecabinet_reporting::Regime,
    indicators: &[ecabinet_reporting::Indicator],
    unit_name: &str,
    period: &str,
    values: &std::collections::BTreeMap<String, f64>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Báo cáo")?;
    ws.write_string_with_format(0, 0, &regime.name, &bold)?;
    ws.write_string(1, 0, "Đơn vị báo cáo")?;
    ws.write_string(1, 1, unit_name)?;
    ws.write_string(2, 0, "Kỳ báo cáo")?;
    ws.write_string(2, 1, period)?;
    for (c, h) in [
        "Kỳ",
        "Mã chỉ tiêu",
        "Tên chỉ tiêu",
        "Đơn vị tính",
        "Giá trị",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(4, c as u16, *h, &bold)?;
    }
    // One row per cell: an indicator broken down gets a row per option.
    let cells = indicators.iter().flat_map(|ind| {
        let parts: Vec<ecabinet_reporting::Indicator> = ind
            .disaggregation
            .iter()
            .filter_map(|c| ind.part(&c.code))
            .collect();
        if parts.is_empty() {
            vec![ind.clone()]
        } else {
            parts
        }
    });
    for (i, ind) in cells.enumerate() {
        let row = 5 + i as u32;
        ws.write_string(row, 0, period)?;
        ws.write_string(row, 1, &ind.code)?;
        ws.write_string(row, 2, &ind.name)?;
        ws.write_string(row, 3, &ind.unit)?;
        if let Some(v) = values.get(&ind.code) {
            ws.write_number(row, 4, *v)?;
        }
    }
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 14)?;
    ws.set_column_width(2, 48)?;
    ws.set_column_width(3, 14)?;
    ws.set_column_width(4, 16)?;
    wb.save_to_buffer()
}

/// A table as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the
/// Vietnamese letters).
pub fn csv(head: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(b"\xef\xbb\xbf".to_vec());
    w.write_record(head).map_err(|e| e.to_string())?;
    for r in rows {
        w.write_record(r).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// A table as an XLSX workbook; numbers are written as numbers.
pub fn table_xlsx(name: &str, head: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    let sheet: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    ws.set_name(&sheet)?;
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
        ws.set_column_width(c as u16, 18)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            let (row, col) = (1 + i as u32, c as u16);
            match v.parse::<f64>() {
                Ok(n) if !v.is_empty() => ws.write_number(row, col, n)?,
                _ => ws.write_string(row, col, v)?,
            };
        }
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_keeps_words_whole_and_paragraphs_apart() {
        assert_eq!(
            wrap("Đề nghị sửa Điều 3 của dự thảo", 12),
            vec!["Đề nghị sửa", "Điều 3 của", "dự thảo"]
        );
        assert_eq!(wrap("a\nb", 80), vec!["a", "b"]);
    }
}
