//! The envelope of an official document (văn bản) and the status package a receiver sends
//! back, as QCVN 102:2016/BTTTT names their fields, and the checks a receiver makes before
//! it accepts one. Field names follow edXML; docs/exchange.md maps them.

use serde::{Deserialize, Serialize};

/// Longest subject (trích yếu), in characters (QCVN 102:2016).
pub const MAX_SUBJECT_CHARS: usize = 500;
/// Most recipients of one envelope.
pub const MAX_RECIPIENTS: usize = 500;
/// Most attachments of one envelope.
pub const MAX_ATTACHMENTS: usize = 50;
/// Longest short text field (names, notations, places), in characters.
pub const MAX_FIELD_CHARS: usize = 300;
/// Longest organ identifier (QĐ 20/2020 codes such as `000.00.00.G22` are 13).
pub const MAX_ORGAN_ID: usize = 64;

/// An agency (cơ quan, tổ chức) as an envelope names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Organ {
    /// Its identifier (mã định danh, QĐ 20/2020/QĐ-TTg), e.g. `000.00.00.G22`.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// How urgent a document is (độ khẩn), as edXML `OtherInfo/Priority` numbers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Thường (0).
    Normal,
    /// Khẩn (1).
    Urgent,
    /// Thượng khẩn (2).
    VeryUrgent,
    /// Hỏa tốc (3).
    Flash,
}

impl Priority {
    /// Every level, in order.
    pub const ALL: [Priority; 4] = [
        Priority::Normal,
        Priority::Urgent,
        Priority::VeryUrgent,
        Priority::Flash,
    ];

    /// The edXML number.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// From the edXML number.
    pub fn from_code(n: u8) -> Option<Priority> {
        Priority::ALL.get(usize::from(n)).copied()
    }

    /// The Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            Priority::Normal => "Thường",
            Priority::Urgent => "Khẩn",
            Priority::VeryUrgent => "Thượng khẩn",
            Priority::Flash => "Hỏa tốc",
        }
    }
}

/// What an envelope does to the document it names (edXML `Bussiness/BussinessDocType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Business {
    /// A new document (0).
    New,
    /// Withdraws a document already sent (1).
    Revoke,
    /// Corrects a document already sent, which stays in force (2).
    Update,
    /// Replaces a document already sent (3).
    Replace,
}

impl Business {
    /// The edXML number.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// From the edXML number.
    pub fn from_code(n: u8) -> Option<Business> {
        [
            Business::New,
            Business::Revoke,
            Business::Update,
            Business::Replace,
        ]
        .get(usize::from(n))
        .copied()
    }
}

/// Who signed the document (edXML `SignerInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// Competence (thẩm quyền), e.g. "TM. Chính phủ", "KT. Bộ trưởng".
    pub competence: String,
    /// Position (chức vụ).
    pub position: String,
    /// Full name.
    pub full_name: String,
}

/// A file sent with the document (a PDF), named in the body's manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The manifest's content id (`cid:1`, ...), unique in the envelope.
    pub content_id: String,
    /// The file's name.
    pub name: String,
    /// Its MIME type: `application/pdf`.
    pub content_type: String,
    /// SHA-256 of the file.
    #[serde(with = "hex::serde")]
    pub sha256: [u8; 32],
    /// Its size in bytes.
    pub size: u64,
}

/// The header of an official document's envelope (edXML `MessageHeader` and the business
/// part of `TraceHeaderList`), and its attachments' hashes: everything the signer signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique across deployments: the sending organ's id, a slash, its own id.
    pub document_id: String,
    /// The sending organ.
    pub from: Organ,
    /// The receiving organs, no two alike.
    pub to: Vec<Organ>,
    /// Number (số), e.g. "123".
    pub code_number: String,
    /// Notation (ký hiệu), e.g. "VPCP-KGVX".
    pub code_notation: String,
    /// Promulgation place.
    pub place: String,
    /// Promulgation date, `YYYY-MM-DD`.
    pub promulgation_date: String,
    /// Document type (loại văn bản), e.g. "Công văn", "Quyết định".
    pub document_type: String,
    /// Subject (trích yếu), at most 500 characters.
    pub subject: String,
    /// Signer.
    pub signer: Signer,
    /// When it must be handled by, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Urgency.
    pub priority: Priority,
    /// Pages, if stated.
    pub page_amount: Option<u32>,
    /// New, or what it does to `target`.
    pub business: Business,
    /// The document it revokes, updates or replaces (its `document_id`).
    pub target: Option<String>,
    /// Why (for a revocation, update or replacement).
    pub reason: String,
    /// The files.
    pub attachments: Vec<Attachment>,
}

/// Why an envelope or status package is refused: the field (edXML name) and the reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{field}: {reason}")]
pub struct Problem {
    /// The field, as edXML names it (`Subject`, `To`, ...).
    pub field: String,
    /// Why, in English words.
    pub reason: String,
}

impl Problem {
    /// A problem with `field`.
    pub fn new(field: &str, reason: impl Into<String>) -> Problem {
        Problem {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

/// Whether `s` is a `YYYY-MM-DD` calendar date.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1945 && (1..=days).contains(&d)
}

/// Whether `id` looks like an organ identifier: letters, digits, `.`, `-`, `_`.
pub fn is_organ_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ORGAN_ID
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'))
}

fn text(problems: &mut Vec<Problem>, field: &str, value: &str, required: bool, max: usize) {
    let n = value.chars().count();
    if required && value.trim().is_empty() {
        problems.push(Problem::new(field, "is required"));
    } else if n > max {
        problems.push(Problem::new(
            field,
            format!("has {n} characters, at most {max}"),
        ));
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        problems.push(Problem::new(field, "contains control characters"));
    }
}

fn organ(problems: &mut Vec<Problem>, field: &str, o: &Organ) {
    if !is_organ_id(&o.id) {
        problems.push(Problem::new(
            field,
            format!("“{}” is not an organ identifier", o.id),
        ));
    }
    text(problems, field, &o.name, true, MAX_FIELD_CHARS);
}

impl Envelope {
    /// Every problem a receiver would refuse the envelope for (empty: acceptable). Whether
    /// the organs are known, and whether the files are PDFs, is the receiver's to check.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        text(
            &mut p,
            "DocumentId",
            &self.document_id,
            true,
            MAX_FIELD_CHARS,
        );
        organ(&mut p, "From", &self.from);
        if self.to.is_empty() {
            p.push(Problem::new("To", "name at least one recipient"));
        } else if self.to.len() > MAX_RECIPIENTS {
            p.push(Problem::new(
                "To",
                format!("at most {MAX_RECIPIENTS} recipients"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for o in &self.to {
            organ(&mut p, "To", o);
            if !seen.insert(o.id.as_str()) {
                p.push(Problem::new("To", format!("{} appears twice", o.id)));
            }
            if o.id == self.from.id {
                p.push(Problem::new("To", "an organ does not send to itself"));
            }
        }
        text(&mut p, "CodeNumber", &self.code_number, true, 50);
        text(&mut p, "CodeNotation", &self.code_notation, false, 100);
        text(&mut p, "Place", &self.place, false, MAX_FIELD_CHARS);
        if !is_date(&self.promulgation_date) {
            p.push(Problem::new(
                "PromulgationDate",
                "must be a date YYYY-MM-DD",
            ));
        }
        text(&mut p, "DocumentType", &self.document_type, true, 100);
        text(&mut p, "Subject", &self.subject, true, MAX_SUBJECT_CHARS);
        text(
            &mut p,
            "Competence",
            &self.signer.competence,
            false,
            MAX_FIELD_CHARS,
        );
        text(
            &mut p,
            "Position",
            &self.signer.position,
            false,
            MAX_FIELD_CHARS,
        );
        text(
            &mut p,
            "FullName",
            &self.signer.full_name,
            true,
            MAX_FIELD_CHARS,
        );
        if let Some(d) = &self.due_date {
            if !is_date(d) {
                p.push(Problem::new("DueDate", "must be a date YYYY-MM-DD"));
            } else if is_date(&self.promulgation_date)
                && d.as_str() < self.promulgation_date.as_str()
            {
                p.push(Problem::new("DueDate", "is before the promulgation date"));
            }
        }
        match (self.business, &self.target) {
            (Business::New, Some(_)) => p.push(Problem::new(
                "BussinessDocType",
                "a new document names no document it changes",
            )),
            (Business::New, None) => {}
            (_, None) => p.push(Problem::new(
                "BussinessDocType",
                "a revocation, update or replacement names the document it changes",
            )),
            (_, Some(t)) => {
                text(&mut p, "BussinessDocReason", &self.reason, true, 2000);
                if t == &self.document_id {
                    p.push(Problem::new(
                        "BussinessDocType",
                        "a document does not change itself",
                    ));
                }
            }
        }
        if self.business == Business::Revoke {
            if !self.attachments.is_empty() {
                p.push(Problem::new("Attachment", "a revocation carries no files"));
            }
        } else if self.attachments.is_empty() {
            p.push(Problem::new("Attachment", "attach the document as a PDF"));
        }
        if self.attachments.len() > MAX_ATTACHMENTS {
            p.push(Problem::new(
                "Attachment",
                format!("at most {MAX_ATTACHMENTS} files"),
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        for a in &self.attachments {
            if !ids.insert(a.content_id.as_str()) {
                p.push(Problem::new(
                    "Attachment",
                    format!("{} appears twice", a.content_id),
                ));
            }
            text(&mut p, "Attachment", &a.name, true, MAX_FIELD_CHARS);
            if a.content_type != "application/pdf" {
                p.push(Problem::new(
                    "Attachment",
                    format!("{} is {}, not a PDF", a.name, a.content_type),
                ));
            }
        }
        p
    }
}

/// A status a receiver reports back (edXML status package `StatusCode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 01: arrived (đã đến).
    Arrived,
    /// 02: rejected (từ chối), with the reason.
    Rejected,
    /// 03: registered in the incoming register (đã tiếp nhận).
    Registered,
    /// 04: assigned to a handler (phân công).
    Assigned,
    /// 05: being processed (đang xử lý).
    Processing,
    /// 06: done (hoàn thành).
    Done,
    /// 13: withdrawn (lấy lại) after a revocation.
    Withdrawn,
    /// 15: the revocation was accepted.
    RevocationAccepted,
    /// 16: the revocation was refused.
    RevocationRefused,
}

impl Status {
    /// Every status, in code order.
    pub const ALL: [Status; 9] = [
        Status::Arrived,
        Status::Rejected,
        Status::Registered,
        Status::Assigned,
        Status::Processing,
        Status::Done,
        Status::Withdrawn,
        Status::RevocationAccepted,
        Status::RevocationRefused,
    ];

    /// The two-digit edXML code.
    pub fn code(self) -> &'static str {
        match self {
            Status::Arrived => "01",
            Status::Rejected => "02",
            Status::Registered => "03",
            Status::Assigned => "04",
            Status::Processing => "05",
            Status::Done => "06",
            Status::Withdrawn => "13",
            Status::RevocationAccepted => "15",
            Status::RevocationRefused => "16",
        }
    }

    /// From the edXML code (`"1"` is read as `"01"`).
    pub fn from_code(code: &str) -> Option<Status> {
        let code = code.trim();
        let padded = if code.len() == 1 {
            format!("0{code}")
        } else {
            code.to_owned()
        };
        Status::ALL.into_iter().find(|s| s.code() == padded)
    }

    /// The Vietnamese name.
    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Arrived => "Đã đến",
            Status::Rejected => "Từ chối",
            Status::Registered => "Đã tiếp nhận",
            Status::Assigned => "Đã phân công",
            Status::Processing => "Đang xử lý",
            Status::Done => "Hoàn thành",
            Status::Withdrawn => "Đã lấy lại",
            Status::RevocationAccepted => "Đồng ý thu hồi",
            Status::RevocationRefused => "Từ chối thu hồi",
        }
    }

    /// Whether the receiver has finished with the document in this status.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Rejected | Status::Done | Status::Withdrawn | Status::RevocationAccepted
        )
    }

    /// Whether a receiver's copy may move from `self` to `next` (statuses only go
    /// forward; a revocation's answer may come at any point before the end).
    pub fn may_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Arrived, Rejected | Registered)
                | (Registered, Assigned | Rejected)
                | (Assigned, Processing | Assigned)
                | (Processing, Done)
                | (
                    Arrived | Registered | Assigned | Processing | Done,
                    RevocationAccepted | RevocationRefused
                )
                | (RevocationAccepted, Withdrawn)
        )
    }
}

/// A status package: the receiving organ tells the sender what became of a document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusPackage {
    /// The document it answers for (`Envelope::document_id`).
    pub document_id: String,
    /// The document's number and notation, for the sender's register.
    pub code: String,
    /// The organ reporting.
    pub from: Organ,
    /// The organ told (the sender).
    pub to: Organ,
    /// What became of it.
    pub status: Status,
    /// Why (a rejection's reason), or who handles it.
    pub description: String,
    /// Who did it (StaffInfo), by name.
    pub staff: String,
    /// When, Unix ms.
    pub timestamp: i64,
}

impl StatusPackage {
    /// Every problem a sender would refuse the package for.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        text(
            &mut p,
            "DocumentId",
            &self.document_id,
            true,
            MAX_FIELD_CHARS,
        );
        organ(&mut p, "From", &self.from);
        organ(&mut p, "To", &self.to);
        text(&mut p, "Code", &self.code, false, 200);
        text(&mut p, "Description", &self.description, false, 2000);
        text(&mut p, "StaffInfo", &self.staff, false, MAX_FIELD_CHARS);
        if self.status == Status::Rejected && self.description.trim().is_empty() {
            p.push(Problem::new("Description", "a rejection states its reason"));
        }
        if self.timestamp <= 0 {
            p.push(Problem::new("Timestamp", "is required"));
        }
        p
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Envelope {
        Envelope {
            document_id: "000.00.00.G22/42".into(),
            from: Organ {
                id: "000.00.00.G22".into(),
                name: "Văn phòng Chính phủ".into(),
            },
            to: vec![
                Organ {
                    id: "000.00.00.G12".into(),
                    name: "Bộ Kế hoạch và Đầu tư".into(),
                },
                Organ {
                    id: "000.00.00.H26".into(),
                    name: "UBND thành phố Hà Nội".into(),
                },
            ],
            code_number: "1234".into(),
            code_notation: "VPCP-KTTH".into(),
            place: "Hà Nội".into(),
            promulgation_date: "2026-12-02".into(),
            document_type: "Công văn".into(),
            subject: "V/v triển khai Nghị quyết phiên họp Chính phủ thường kỳ tháng 11".into(),
            signer: Signer {
                competence: "KT. BỘ TRƯỞNG, CHỦ NHIỆM".into(),
                position: "Phó Chủ nhiệm".into(),
                full_name: "Nguyễn Văn A".into(),
            },
            due_date: Some("2026-12-15".into()),
            priority: Priority::Urgent,
            page_amount: Some(3),
            business: Business::New,
            target: None,
            reason: String::new(),
            attachments: vec![Attachment {
                content_id: "cid:1".into(),
                name: "1234-VPCP-KTTH.pdf".into(),
                content_type: "application/pdf".into(),
                sha256: [7; 32],
                size: 12345,
            }],
        }
    }

    fn fields(e: &Envelope) -> Vec<String> {
        e.problems().into_iter().map(|p| p.field).collect()
    }

    #[test]
    fn a_complete_envelope_has_no_problem() {
        assert_eq!(sample().problems(), vec![]);
    }

    #[test]
    fn each_rule_names_its_field() {
        let mut e = sample();
        e.subject = "x".repeat(MAX_SUBJECT_CHARS + 1);
        assert_eq!(fields(&e), ["Subject"]);
        e.subject = "x".repeat(MAX_SUBJECT_CHARS);
        assert!(e.problems().is_empty(), "500 characters are allowed");

        let mut e = sample();
        e.to.push(e.to[0].clone());
        assert_eq!(fields(&e), ["To"]);
        let mut e = sample();
        e.to.clear();
        assert_eq!(fields(&e), ["To"]);
        let mut e = sample();
        e.to[0].id = "G12 <script>".into();
        assert_eq!(fields(&e), ["To"]);

        let mut e = sample();
        e.promulgation_date = "2026-02-30".into();
        assert_eq!(fields(&e), ["PromulgationDate"]);
        let mut e = sample();
        e.due_date = Some("2026-12-01".into());
        assert_eq!(fields(&e), ["DueDate"]);
        let mut e = sample();
        e.signer.full_name = " ".into();
        assert_eq!(fields(&e), ["FullName"]);
        let mut e = sample();
        e.attachments[0].content_type = "text/plain".into();
        assert_eq!(fields(&e), ["Attachment"]);
        let mut e = sample();
        e.attachments.clear();
        assert_eq!(fields(&e), ["Attachment"]);
    }

    #[test]
    fn revocations_name_their_target_and_carry_no_file() {
        let mut e = sample();
        e.business = Business::Revoke;
        assert_eq!(fields(&e), ["BussinessDocType", "Attachment"]);
        e.target = Some("000.00.00.G22/41".into());
        e.reason = "Ban hành nhầm".into();
        e.attachments.clear();
        assert_eq!(e.problems(), vec![]);
        e.reason.clear();
        assert_eq!(fields(&e), ["BussinessDocReason"]);
    }

    #[test]
    fn dates_are_calendar_dates() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2026-13-01"));
        assert!(!is_date("2026-1-01"));
        assert!(!is_date("２０２６-01-01"));
    }

    #[test]
    fn statuses_round_trip_their_codes_and_only_go_forward() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
        }
        assert_eq!(Status::from_code("3"), Some(Status::Registered));
        assert_eq!(Status::from_code("07"), None);
        assert!(Status::Arrived.may_become(Status::Registered));
        assert!(Status::Registered.may_become(Status::Assigned));
        assert!(!Status::Done.may_become(Status::Processing));
        assert!(!Status::Rejected.may_become(Status::Registered));
        assert!(!Status::Arrived.may_become(Status::Done));
        for p in Priority::ALL {
            assert_eq!(Priority::from_code(p.code()), Some(p));
        }
    }
}
