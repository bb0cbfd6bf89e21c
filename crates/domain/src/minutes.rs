//! Meeting minutes (biên bản): the draft written from the meeting's record (attendance,
//! agenda, who spoke, votes and their results), and the canonical bytes the chair signs on
//! the device with the same ed25519 key as ballots. The signature covers the SHA-256 of the
//! final text, so the archived PDF and any copy of the text can be checked against it.

use crate::vote::Outcome;
use crate::{DomainError, MeetingId, UserId};
use ecabinet_crypto::signed::{RecordTag, SignedRecord};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// The tag that opens v1 signed minutes, followed by one zero byte.
pub const MINUTES_TAG_V1: &[u8] = b"ecabinet/minutes/v1";
/// Longest minutes, in characters.
pub const MAX_MINUTES_CHARS: usize = 200_000;

/// One participant as the minutes list them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    /// Name.
    pub name: String,
    /// Office held.
    pub title: String,
    /// `None`: present; `Some(reason)`: absent, with the reason and any substitute.
    pub absent: Option<String>,
    /// Not reported either way.
    pub unreported: bool,
}

/// One agenda item with who spoke on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRecord {
    /// Its title.
    pub title: String,
    /// Who presented it.
    pub presenter: String,
    /// Names of those who had the floor on it, in order.
    pub speakers: Vec<String>,
}

/// One closed vote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteRecord {
    /// The question.
    pub question: String,
    /// Each option with its count.
    pub counts: Vec<(String, u32)>,
    /// How it ended.
    pub outcome: Outcome,
}

/// What the draft is written from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingRecord {
    /// Title.
    pub title: String,
    /// "09:00 ngày 02/12/2026".
    pub when: String,
    /// Place.
    pub place: String,
    /// The chair's name.
    pub chair: String,
    /// Members present out of all members.
    pub present: u32,
    /// All members.
    pub members: u32,
    /// Participants.
    pub attendees: Vec<Attendee>,
    /// The agenda.
    pub items: Vec<ItemRecord>,
    /// Closed votes, in order.
    pub votes: Vec<VoteRecord>,
}

fn outcome_vi(o: Outcome) -> &'static str {
    match o {
        Outcome::Passed => "được thông qua",
        Outcome::PassedByTieBreak => "được thông qua (số phiếu ngang nhau, theo bên Chủ tọa)",
        Outcome::Failed => "không được thông qua",
        Outcome::FailedByTieBreak => "không được thông qua (số phiếu ngang nhau)",
        Outcome::NoQuorum => "không đủ số thành viên để quyết định",
    }
}

/// The draft minutes in Vietnamese, for the secretariat to edit.
pub fn draft_text(r: &MeetingRecord) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line("BIÊN BẢN".into());
    line(r.title.to_uppercase());
    line(String::new());
    line(format!("Thời gian: {}", r.when));
    if !r.place.is_empty() {
        line(format!("Địa điểm: {}", r.place));
    }
    line(format!("Chủ trì: {}", r.chair));
    line(format!(
        "Thành viên có mặt: {}/{} thành viên.",
        r.present, r.members
    ));
    line(String::new());
    line("I. THÀNH PHẦN".into());
    for a in &r.attendees {
        let state = match (&a.absent, a.unreported) {
            (Some(reason), _) => format!("vắng mặt ({reason})"),
            (None, true) => "không báo cáo".into(),
            (None, false) => "có mặt".into(),
        };
        line(format!("- {}, {}: {state}", a.name, a.title));
    }
    line(String::new());
    line("II. NỘI DUNG".into());
    for (i, item) in r.items.iter().enumerate() {
        line(format!("{}. {}", i + 1, item.title));
        if !item.presenter.is_empty() {
            line(format!("   Trình bày: {}", item.presenter));
        }
        if !item.speakers.is_empty() {
            line(format!("   Ý kiến phát biểu: {}", item.speakers.join(", ")));
        }
    }
    if !r.votes.is_empty() {
        line(String::new());
        line("III. KẾT QUẢ BIỂU QUYẾT".into());
        for (i, v) in r.votes.iter().enumerate() {
            let counts: Vec<String> = v.counts.iter().map(|(o, n)| format!("{o}: {n}")).collect();
            line(format!(
                "{}. {} — {}; {}.",
                i + 1,
                v.question,
                counts.join(", "),
                outcome_vi(v.outcome)
            ));
        }
    }
    line(String::new());
    line("IV. KẾT LUẬN".into());
    line("(Thư ký ghi kết luận của Chủ tọa.)".into());
    out
}

/// Checks minutes text sent by the secretariat; returns it with line ends normalized.
pub fn check_text(text: &str) -> Result<String, DomainError> {
    let text = text.replace("\r\n", "\n");
    if text.trim().is_empty() || text.chars().count() > MAX_MINUTES_CHARS {
        return Err(DomainError::invalid(
            "text",
            format!("needs 1 to {MAX_MINUTES_CHARS} characters"),
        ));
    }
    Ok(text)
}

/// What the chair signs: the meeting, the SHA-256 of the final text, the signer, the key
/// and the device's time. Layout in docs/archive-format.md §8.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesSignature {
    /// The meeting.
    pub meeting_id: MeetingId,
    /// SHA-256 of the text (UTF-8).
    #[serde(with = "hex::serde")]
    pub text_sha256: [u8; 32],
    /// Who signs.
    pub signer: UserId,
    /// SHA-256 of the signing key.
    #[serde(with = "hex::serde")]
    pub key_id: [u8; 32],
    /// Device clock when signing, Unix ms.
    pub signed_at: i64,
}

/// Marks the minutes' signed record: [`MINUTES_TAG_V1`].
pub enum MinutesTag {}

impl RecordTag for MinutesTag {
    const TAG: &'static [u8] = MINUTES_TAG_V1;
}

impl MinutesSignature {
    /// The canonical bytes: tag, 0x00, meeting id (u64 BE), text hash, signer (u64 BE), key
    /// id, time (i64 BE). That is the signed record seals and report submissions share
    /// ([`SignedRecord`]), with the meeting id as its `about` bytes; the ids are unsigned
    /// here, a negative one written as 0.
    pub fn to_bytes(&self) -> Vec<u8> {
        let record = SignedRecord::<MinutesTag> {
            digest: self.text_sha256,
            signer: self.signer.0.max(0),
            key_id: self.key_id,
            signed_at: self.signed_at,
            tag: PhantomData,
        };
        record.to_bytes_about(&self.meeting_id.0.max(0).to_be_bytes())
    }

    /// Parses canonical bytes; refuses anything [`MinutesSignature::to_bytes`] would not make
    /// (an id past `i64::MAX` read as unsigned, too).
    pub fn from_bytes(b: &[u8]) -> Option<MinutesSignature> {
        let (meeting, r) = SignedRecord::<MinutesTag>::from_bytes_about::<8>(b)?;
        let meeting_id = i64::from_be_bytes(meeting);
        if meeting_id < 0 || r.signer < 0 {
            return None;
        }
        Some(MinutesSignature {
            meeting_id: MeetingId(meeting_id),
            text_sha256: r.digest,
            signer: UserId(r.signer),
            key_id: r.key_id,
            signed_at: r.signed_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> MeetingRecord {
        MeetingRecord {
            title: "Phiên họp Chính phủ thường kỳ tháng 11".into(),
            when: "09:00 ngày 02/12/2026".into(),
            place: "Trụ sở Chính phủ".into(),
            chair: "Thủ tướng".into(),
            present: 2,
            members: 3,
            attendees: vec![
                Attendee {
                    name: "A".into(),
                    title: "Bộ trưởng".into(),
                    absent: None,
                    unreported: false,
                },
                Attendee {
                    name: "B".into(),
                    title: "Bộ trưởng".into(),
                    absent: Some("đi công tác".into()),
                    unreported: false,
                },
            ],
            items: vec![ItemRecord {
                title: "Dự thảo Nghị định".into(),
                presenter: "Bộ trưởng Tư pháp".into(),
                speakers: vec!["A".into()],
            }],
            votes: vec![VoteRecord {
                question: "Thông qua?".into(),
                counts: vec![("Tán thành".into(), 2), ("Không tán thành".into(), 0)],
                outcome: Outcome::Passed,
            }],
        }
    }

    #[test]
    fn the_draft_says_who_came_who_spoke_and_how_votes_ended() {
        let t = draft_text(&record());
        for expected in [
            "PHIÊN HỌP CHÍNH PHỦ THƯỜNG KỲ THÁNG 11",
            "Thành viên có mặt: 2/3",
            "- B, Bộ trưởng: vắng mặt (đi công tác)",
            "Ý kiến phát biểu: A",
            "Thông qua? — Tán thành: 2, Không tán thành: 0; được thông qua.",
        ] {
            assert!(t.contains(expected), "{expected}\n{t}");
        }
    }

    #[test]
    fn signed_bytes_round_trip_and_refuse_other_shapes() {
        let s = MinutesSignature {
            meeting_id: MeetingId(7),
            text_sha256: [3; 32],
            signer: UserId(2),
            key_id: [4; 32],
            signed_at: 1_800_000_000_000,
        };
        let b = s.to_bytes();
        assert_eq!(MinutesSignature::from_bytes(&b), Some(s));
        assert_eq!(MinutesSignature::from_bytes(&b[..b.len() - 1]), None);
        let mut other = b.clone();
        other[0] = b'x';
        assert_eq!(MinutesSignature::from_bytes(&other), None);
    }

    #[test]
    fn signed_bytes_are_those_minutes_were_always_signed_over() {
        let s = MinutesSignature {
            meeting_id: MeetingId(7),
            text_sha256: [3; 32],
            signer: UserId(2),
            key_id: [4; 32],
            signed_at: 1_800_000_000_000,
        };
        assert_eq!(
            hex::encode(s.to_bytes()),
            concat!(
                "65636162696e65742f6d696e757465732f7631",
                "00",
                "0000000000000007",
                "0303030303030303030303030303030303030303030303030303030303030303",
                "0000000000000002",
                "0404040404040404040404040404040404040404040404040404040404040404",
                "000001a3185c5000",
            )
        );
        // Ids are unsigned: one past i64::MAX names no meeting.
        let mut past = s.to_bytes();
        past[MINUTES_TAG_V1.len() + 1] = 0x80;
        assert_eq!(MinutesSignature::from_bytes(&past), None);
    }

    #[test]
    fn empty_or_huge_text_is_refused() {
        assert!(check_text("  \n").is_err());
        assert!(check_text(&"x".repeat(MAX_MINUTES_CHARS + 1)).is_err());
        assert_eq!(check_text("a\r\nb").unwrap(), "a\nb");
    }
}
