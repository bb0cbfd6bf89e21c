//! Meeting documents (tài liệu phiên họp): their kinds, confidentiality levels (độ mật)
//! and who may read them. The pipeline and storage live elsewhere; this is the rule.

use serde::{Deserialize, Serialize};

/// How secret a document is (Luật Bảo vệ bí mật nhà nước 2018: Mật, Tối mật, Tuyệt mật).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidentiality {
    /// Thường: ordinary.
    Normal,
    /// Mật.
    Confidential,
    /// Tối mật.
    Secret,
    /// Tuyệt mật.
    TopSecret,
}

impl Confidentiality {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Confidential => "confidential",
            Self::Secret => "secret",
            Self::TopSecret => "top_secret",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Normal,
            Self::Confidential,
            Self::Secret,
            Self::TopSecret,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }

    /// Classified documents: pages carry the reader's name and the time, readers never
    /// get the original file.
    pub fn is_classified(self) -> bool {
        self != Self::Normal
    }
}

/// What a document is, as the secretariat files it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// Tờ trình: the submission asking for a decision.
    Submission,
    /// Dự thảo nghị quyết: draft resolution.
    DraftResolution,
    /// Dự thảo văn bản quy phạm (luật, nghị định, quyết định): draft legal instrument.
    DraftInstrument,
    /// Báo cáo: report.
    Report,
    /// Tài liệu khác: anything else.
    Other,
}

impl DocumentKind {
    /// Every kind, in the order the editor offers them.
    pub const ALL: [DocumentKind; 5] = [
        Self::Submission,
        Self::DraftResolution,
        Self::DraftInstrument,
        Self::Report,
        Self::Other,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submission => "submission",
            Self::DraftResolution => "draft_resolution",
            Self::DraftInstrument => "draft_instrument",
            Self::Report => "report",
            Self::Other => "other",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who reads a document: every participant of the meeting (the default) or a list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "users", rename_all = "snake_case")]
pub enum Readers {
    /// Whoever takes part in the meeting, as the participant list changes.
    Participants,
    /// Only these accounts (among those who can see the meeting).
    Only(Vec<crate::UserId>),
}

/// Whether someone who can see the meeting (`sees_meeting`, from
/// [`crate::access::meeting_allows`]) may read a document with `readers`. The secretariat
/// (`prepares`) reads everything it files; anyone else must be a reader.
pub fn may_read(
    sees_meeting: bool,
    prepares: bool,
    readers: &Readers,
    user: crate::UserId,
) -> bool {
    if !sees_meeting {
        return false;
    }
    prepares
        || match readers {
            Readers::Participants => true,
            Readers::Only(list) => list.contains(&user),
        }
}

/// Whether the original PDF may be downloaded: the secretariat always, a reader only for
/// unclassified documents.
pub fn may_download_original(prepares: bool, level: Confidentiality) -> bool {
    prepares || !level.is_classified()
}

/// A region of a page, in ten-thousandths of its width and height from the top left
/// (so it holds at every zoom and on every screen).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Region {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

/// The whole page is 10,000 × 10,000.
pub const REGION_SCALE: u32 = 10_000;

impl Region {
    /// Whether the region lies on the page and is not empty.
    pub fn is_valid(&self) -> bool {
        self.w > 0
            && self.h > 0
            && self
                .x
                .checked_add(self.w)
                .is_some_and(|r| r <= REGION_SCALE)
            && self
                .y
                .checked_add(self.h)
                .is_some_and(|b| b <= REGION_SCALE)
    }
}

/// What a private annotation (ghi chú riêng) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationKind {
    /// A highlighted region.
    Highlight,
    /// A note pinned to a region.
    Note,
}

/// Colours a member can mark with.
pub const ANNOTATION_COLORS: [&str; 5] = ["yellow", "green", "blue", "pink", "red"];

/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 5_000;

/// Checks an annotation's region, colour and note; the error names the field.
pub fn check_annotation(
    region: &Region,
    color: &str,
    note: &str,
) -> Result<(), (&'static str, &'static str)> {
    if !region.is_valid() {
        return Err(("region", "the region must be on the page and not empty"));
    }
    if !ANNOTATION_COLORS.contains(&color) {
        return Err(("color", "one of yellow, green, blue, pink, red"));
    }
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(("note", "at most 5,000 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;

    #[test]
    fn readers_are_the_participants_unless_listed() {
        let (a, b) = (UserId(1), UserId(2));
        assert!(may_read(true, false, &Readers::Participants, a));
        assert!(!may_read(false, false, &Readers::Participants, a));
        let only_b = Readers::Only(vec![b]);
        assert!(!may_read(true, false, &only_b, a));
        assert!(may_read(true, false, &only_b, b));
        // The secretariat reads what it files, list or not, but never a meeting it cannot see.
        assert!(may_read(true, true, &only_b, a));
        assert!(!may_read(false, true, &only_b, a));
    }

    #[test]
    fn regions_stay_on_the_page() {
        let r = |x, y, w, h| Region { x, y, w, h };
        assert!(r(0, 0, 10_000, 10_000).is_valid());
        assert!(r(9_999, 0, 1, 1).is_valid());
        assert!(!r(9_999, 0, 2, 1).is_valid());
        assert!(!r(0, 0, 0, 5).is_valid());
        assert!(!r(u32::MAX, 0, 1, 1).is_valid());
        assert!(check_annotation(&r(1, 1, 1, 1), "yellow", "").is_ok());
        assert_eq!(
            check_annotation(&r(1, 1, 1, 1), "black", "").unwrap_err().0,
            "color"
        );
        let long = "ạ".repeat(MAX_NOTE_CHARS + 1);
        assert_eq!(
            check_annotation(&r(1, 1, 1, 1), "red", &long)
                .unwrap_err()
                .0,
            "note"
        );
        assert_eq!(
            check_annotation(&r(0, 0, 0, 0), "red", "").unwrap_err().0,
            "region"
        );
    }

    #[test]
    fn classified_originals_stay_with_the_secretariat() {
        assert!(may_download_original(false, Confidentiality::Normal));
        for level in [
            Confidentiality::Confidential,
            Confidentiality::Secret,
            Confidentiality::TopSecret,
        ] {
            assert!(!may_download_original(false, level));
            assert!(may_download_original(true, level));
            assert_eq!(Confidentiality::parse(level.as_str()), Some(level));
        }
        assert_eq!(Confidentiality::parse("mat"), None);
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(k.as_str()), Some(k));
        }
    }
}
