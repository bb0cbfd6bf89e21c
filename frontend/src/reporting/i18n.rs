//! Reporting's words: a cell's or a file's problems, a report's status, and numbers with
//! a decimal comma. The screens keep their other words beside them (`pick`).

use crate::platform::{Lang, pick};
use ecabinet_reporting::validate::{CellProblem, FileProblem, Problem};

/// A cell's problem in the reader's language.
pub fn problem_text(l: Lang, p: &CellProblem) -> String {
    match &p.problem {
        Problem::NotANumber { given } => {
            format!(
                "{} \"{given}\"",
                pick(l, "Không phải là số:", "Not a number:")
            )
        }
        Problem::NotWhole => pick(l, "Phải là số nguyên", "Must be a whole number").into(),
        Problem::BelowMin { min } => format!("{} {min}", pick(l, "Không được nhỏ hơn", "At least")),
        Problem::AboveMax { max } => format!("{} {max}", pick(l, "Không được lớn hơn", "At most")),
        Problem::Missing => pick(l, "Bắt buộc nhập", "Required").into(),
        Problem::Unknown => pick(
            l,
            "Không có chỉ tiêu này trong biểu",
            "Not an indicator of this form",
        )
        .into(),
        Problem::WrongPeriod { given, expected } => format!(
            "{} {given}, {} {expected}",
            pick(l, "Dòng ghi kỳ", "The row is for"),
            pick(l, "báo cáo là kỳ", "the report for")
        ),
        Problem::Duplicate => pick(l, "Chỉ tiêu bị lặp", "Appears twice").into(),
        Problem::Total => pick(
            l,
            "Là tổng của các phân tổ: nhập từng phần",
            "The total of its breakdown: enter the parts",
        )
        .into(),
        Problem::Broken {
            op,
            other,
            left,
            right,
        } => format!(
            "{left} {} {} {other} ({right})",
            pick(l, "phải", "must be"),
            op.sign()
        ),
        Problem::Changed {
            percent, previous, ..
        } => format!(
            "{} {percent:+.1}% {} ({previous})",
            pick(l, "Thay đổi", "Changed by"),
            pick(l, "so với kỳ trước", "against the previous period")
        ),
        Problem::File(f) => file_problem_text(l, f),
    }
}

/// Why an uploaded file was refused as a whole, in the reader's language, naming the
/// limit it passed.
pub fn file_problem_text(l: Lang, p: &FileProblem) -> String {
    let vi = matches!(l, Lang::Vi);
    match p {
        FileProblem::NotXlsxOrCsv => pick(
            l,
            "Tệp không phải bảng tính XLSX, cũng không phải CSV mã UTF-8.",
            "The file is neither an XLSX workbook nor UTF-8 CSV.",
        )
        .into(),
        FileProblem::UnreadableWorkbook { detail } => format!(
            "{} ({detail})",
            pick(
                l,
                "Không đọc được bảng tính XLSX",
                "The XLSX workbook cannot be read"
            )
        ),
        FileProblem::UnreadableCsv { detail } => format!(
            "{} ({detail})",
            pick(l, "Không đọc được tệp CSV", "The CSV file cannot be read")
        ),
        FileProblem::Encrypted => pick(
            l,
            "Bảng tính có mật khẩu; hãy tải lên bản không khoá.",
            "The workbook is protected by a password; upload it without protection.",
        )
        .into(),
        FileProblem::TooManyParts { max } if vi => {
            format!("Bảng tính gồm quá {max} thành phần; đây không phải biểu báo cáo.")
        }
        FileProblem::TooManyParts { max } => {
            format!("The workbook holds more than {max} parts; it is not a report form.")
        }
        FileProblem::PartTooLarge { part, max_mib } if vi => {
            format!("Thành phần {part} của bảng tính khi giải nén lớn hơn {max_mib} MiB.")
        }
        FileProblem::PartTooLarge { part, max_mib } => {
            format!("The workbook's part {part} unpacks to more than {max_mib} MiB.")
        }
        FileProblem::UnpacksTooLarge { max_mib } if vi => {
            format!("Bảng tính khi giải nén lớn hơn {max_mib} MiB.")
        }
        FileProblem::UnpacksTooLarge { max_mib } => {
            format!("The workbook unpacks to more than {max_mib} MiB.")
        }
        FileProblem::TooManyStrings { max } if vi => {
            format!("Bảng tính khai báo hoặc chứa quá {max} chuỗi văn bản.")
        }
        FileProblem::TooManyStrings { max } => {
            format!("The workbook declares or holds more than {max} texts.")
        }
        FileProblem::NoSheet => pick(
            l,
            "Bảng tính không có trang tính nào.",
            "The workbook has no sheet.",
        )
        .into(),
        FileProblem::TooManyRows { max } if vi => {
            format!("Tệp có ô dữ liệu sau dòng {max}; mỗi chỉ tiêu một dòng.")
        }
        FileProblem::TooManyRows { max } => {
            format!("The file has cells beyond row {max}; a report has one row per indicator.")
        }
        FileProblem::TooManyColumns { row, max } if vi => {
            format!("Dòng {row} có ô dữ liệu sau cột {max}.")
        }
        FileProblem::TooManyColumns { row, max } => {
            format!("Row {row} has cells beyond column {max}.")
        }
        FileProblem::CellTooLong { row, max } if vi => {
            format!("Một ô ở dòng {row} dài quá {max} ký tự.")
        }
        FileProblem::CellTooLong { row, max } => {
            format!("A cell of row {row} holds more than {max} characters.")
        }
        FileProblem::TooMuchText { max_mib } if vi => {
            format!("Các ô của tệp chứa quá {max_mib} MiB văn bản.")
        }
        FileProblem::TooMuchText { max_mib } => {
            format!("The cells hold more than {max_mib} MiB of text.")
        }
        FileProblem::NoHeader => pick(
            l,
            "Không có dòng tiêu đề ghi tên các cột (Kỳ, Mã chỉ tiêu, Giá trị).",
            "No header row naming the columns (Kỳ, Mã chỉ tiêu, Giá trị).",
        )
        .into(),
        FileProblem::NoCodeColumn => pick(
            l,
            "Thiếu cột Mã chỉ tiêu.",
            "The column Mã chỉ tiêu (code) is missing.",
        )
        .into(),
        FileProblem::NoValueColumn => pick(
            l,
            "Thiếu cột Giá trị.",
            "The column Giá trị (value) is missing.",
        )
        .into(),
        FileProblem::NoRows => pick(
            l,
            "Tệp không có dòng chỉ tiêu nào.",
            "The file has no indicator rows.",
        )
        .into(),
    }
}

pub(super) fn status_label(l: Lang, s: &str) -> &'static str {
    match s {
        "missing" => pick(l, "Chưa nhập", "Not begun"),
        "draft" => pick(l, "Đang nhập", "Draft"),
        "submitted" => pick(l, "Đã gửi, chờ duyệt", "Submitted"),
        "approved" => pick(l, "Đã duyệt", "Approved"),
        _ => pick(l, "Bị trả lại", "Returned"),
    }
}

/// A number as people here write it: a decimal comma.
pub(super) fn number(v: f64) -> String {
    let s = format!("{v}");
    s.replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecabinet_reporting::Op;
    use ecabinet_reporting::validate::Severity;

    #[test]
    fn every_problem_has_words_in_both_languages() {
        let problems = [
            Problem::NotANumber { given: "x".into() },
            Problem::NotWhole,
            Problem::BelowMin { min: 0.0 },
            Problem::AboveMax { max: 1.0 },
            Problem::Missing,
            Problem::Unknown,
            Problem::WrongPeriod {
                given: "2026-09".into(),
                expected: "2026-10".into(),
            },
            Problem::Duplicate,
            Problem::Total,
            Problem::Broken {
                op: Op::Le,
                other: "A".into(),
                left: 2.0,
                right: 1.0,
            },
            Problem::Changed {
                percent: 60.0,
                previous: 10.0,
                max_percent: 50.0,
            },
        ];
        let detail = || "x".to_owned();
        let files = [
            FileProblem::NotXlsxOrCsv,
            FileProblem::UnreadableWorkbook { detail: detail() },
            FileProblem::UnreadableCsv { detail: detail() },
            FileProblem::Encrypted,
            FileProblem::TooManyParts { max: 1000 },
            FileProblem::PartTooLarge {
                part: "xl/sharedStrings.xml".into(),
                max_mib: 8,
            },
            FileProblem::UnpacksTooLarge { max_mib: 16 },
            FileProblem::TooManyStrings { max: 200_000 },
            FileProblem::NoSheet,
            FileProblem::TooManyRows { max: 20_000 },
            FileProblem::TooManyColumns { row: 2, max: 64 },
            FileProblem::CellTooLong {
                row: 2,
                max: 32_767,
            },
            FileProblem::TooMuchText { max_mib: 16 },
            FileProblem::NoHeader,
            FileProblem::NoCodeColumn,
            FileProblem::NoValueColumn,
            FileProblem::NoRows,
        ];
        for f in &files {
            // The limit passed is named in both languages.
            let words = [Lang::Vi, Lang::En].map(|l| file_problem_text(l, f));
            for w in &words {
                for n in ["1000", "8 MiB", "16 MiB", "200000", "20000", "64", "32767"] {
                    if f.to_string().contains(n) {
                        assert!(w.contains(n), "{w} names {n}");
                    }
                }
            }
        }
        let files = files.map(Problem::File);
        for p in problems.into_iter().chain(files) {
            let cell = CellProblem {
                code: "A".into(),
                severity: Severity::Error,
                problem: p,
            };
            assert_ne!(
                problem_text(Lang::Vi, &cell),
                problem_text(Lang::En, &cell),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn numbers_show_with_a_decimal_comma() {
        assert_eq!(number(1250.5), "1250,5");
        assert_eq!(number(3.0), "3");
    }
}
