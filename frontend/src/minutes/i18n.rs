//! The minutes' words.

use crate::platform::{Lang, Words, pick};

/// The minutes block's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum K {
    MinutesTitle,
    GenerateMinutes,
    SaveMinutes,
    SignMinutes,
    MinutesSigned,
    MinutesDraftState,
    SignedBy,
    TextHash,
    DownloadMinutes,
    MinutesArchive,
}

impl Words for K {
    fn text(self, lang: Lang) -> &'static str {
        let p = |vi, en| pick(lang, vi, en);
        match self {
            K::MinutesTitle => p("Biên bản", "Minutes"),
            K::GenerateMinutes => p(
                "Tạo dự thảo biên bản từ diễn biến phiên họp",
                "Draft the minutes from the meeting's record",
            ),
            K::SaveMinutes => p("Lưu biên bản", "Save the minutes"),
            K::SignMinutes => p("Ký biên bản", "Sign the minutes"),
            K::MinutesSigned => p("Biên bản đã được ký", "The minutes are signed"),
            K::MinutesDraftState => p("Dự thảo, chưa ký", "Draft, not signed"),
            K::SignedBy => p("Ký bởi", "Signed by"),
            K::TextHash => p("SHA-256 của văn bản", "SHA-256 of the text"),
            K::DownloadMinutes => p("Tải biên bản (PDF)", "Download the minutes (PDF)"),
            K::MinutesArchive => p("Tải gói kiểm chứng", "Download the verification bundle"),
        }
    }
}
