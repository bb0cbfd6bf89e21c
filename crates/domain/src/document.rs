//! Documents (tài liệu) of meetings, written polls and exchanged official documents: their
//! owner, kinds,
//! confidentiality levels (độ mật) and who may read them. The pipeline and storage live
//! elsewhere; this is the rule.

use serde::{Deserialize, Serialize};

/// What a document is filed under: its readers and rights come from there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentOwner {
    /// A meeting: its participants read it, its secretariat files it.
    Meeting(crate::MeetingId),
    /// A written opinion poll (by id): its addressees read it once sent; it is fixed then,
    /// since each signed answer covers the documents' hashes.
    Opinion(i64),
    /// An entry of an organ's outgoing register (by id): the organ's people read it, and
    /// it is fixed, since the signer's seal covers each file's hash.
    Outgoing(i64),
    /// An entry of an organ's incoming register (by id): the receiving organ's people read
    /// it, as the sender sealed it.
    Incoming(i64),
}

impl DocumentOwner {
    /// The meeting, if the document is a meeting's.
    pub fn meeting(self) -> Option<crate::MeetingId> {
        match self {
            Self::Meeting(m) => Some(m),
            _ => None,
        }
    }

    /// The written poll, if the document is a poll's.
    pub fn opinion(self) -> Option<i64> {
        match self {
            Self::Opinion(o) => Some(o),
            _ => None,
        }
    }

    /// The outgoing register entry, if the document is one's file.
    pub fn outgoing(self) -> Option<i64> {
        match self {
            Self::Outgoing(o) => Some(o),
            _ => None,
        }
    }

    /// The incoming register entry, if the document is one's file.
    pub fn incoming(self) -> Option<i64> {
        match self {
            Self::Incoming(i) => Some(i),
            _ => None,
        }
    }

    /// Whether the document is an exchanged file: fixed by its seal, never replaced.
    pub fn exchanged(self) -> bool {
        matches!(self, Self::Outgoing(_) | Self::Incoming(_))
    }
}

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

    /// Every level, from the lowest.
    pub const ALL: [Confidentiality; 4] = [
        Self::Normal,
        Self::Confidential,
        Self::Secret,
        Self::TopSecret,
    ];

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
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

// Who reads documents is the access policy's (one place per context); kept reachable
// here under the names used so far.
pub use crate::access::documents::{may_download_original, may_read};

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

    /// The region between two corners given as fractions of the page (in any order, as a
    /// finger drags), clipped to the page. `None` if it is thinner than `min` (a fraction)
    /// either way: a tap is not a highlight.
    pub fn from_corners(a: (f64, f64), b: (f64, f64), min: f64) -> Option<Region> {
        let scale = f64::from(REGION_SCALE);
        let clip = |v: f64| (v.clamp(0.0, 1.0) * scale).round() as u32;
        let (x0, x1) = (clip(a.0.min(b.0)), clip(a.0.max(b.0)));
        let (y0, y1) = (clip(a.1.min(b.1)), clip(a.1.max(b.1)));
        let least = (min.max(0.0) * scale).round().max(1.0) as u32;
        (x1 - x0 >= least && y1 - y0 >= least).then_some(Region {
            x: x0,
            y: y0,
            w: x1 - x0,
            h: y1 - y0,
        })
    }

    /// A `w` × `h` region (fractions) centred on a point, moved inside the page: where a
    /// tap pins a note.
    pub fn around(p: (f64, f64), w: f64, h: f64) -> Region {
        let scale = f64::from(REGION_SCALE);
        let w = (w.clamp(0.0001, 1.0) * scale).round() as u32;
        let h = (h.clamp(0.0001, 1.0) * scale).round() as u32;
        let place = |c: f64, size: u32| {
            let start = (c.clamp(0.0, 1.0) * scale).round() as i64 - i64::from(size / 2);
            start.clamp(0, i64::from(REGION_SCALE - size)) as u32
        };
        Region {
            x: place(p.0, w),
            y: place(p.1, h),
            w,
            h,
        }
    }

    /// Whether the point (fractions of the page) falls inside.
    pub fn contains(&self, p: (f64, f64)) -> bool {
        let scale = f64::from(REGION_SCALE);
        let (x, y) = (p.0 * scale, p.1 * scale);
        x >= f64::from(self.x)
            && x <= f64::from(self.x + self.w)
            && y >= f64::from(self.y)
            && y <= f64::from(self.y + self.h)
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
    fn a_drag_becomes_a_region_on_the_page() {
        // Dragged up and to the left, partly off the page: ordered and clipped.
        let r = Region::from_corners((0.5, 0.4), (-0.2, 0.1), 0.01).unwrap();
        assert_eq!(
            r,
            Region {
                x: 0,
                y: 1000,
                w: 5000,
                h: 3000
            }
        );
        assert!(r.is_valid());
        assert!(r.contains((0.25, 0.2)));
        assert!(!r.contains((0.6, 0.2)));
        assert!(!r.contains((0.25, 0.45)));
        // A tap, or a line thinner than the minimum, is no highlight.
        assert_eq!(Region::from_corners((0.3, 0.3), (0.3, 0.3), 0.01), None);
        assert_eq!(Region::from_corners((0.3, 0.3), (0.6, 0.305), 0.01), None);
        // A note pinned at the corner stays whole on the page.
        let n = Region::around((0.99, 0.0), 0.1, 0.04);
        assert_eq!((n.x, n.y, n.w, n.h), (9000, 0, 1000, 400));
        assert!(n.is_valid());
        assert!(Region::around((0.5, 0.5), 0.1, 0.04).contains((0.5, 0.5)));
    }

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
