//! The documents' words: the documents card, the upload queue, search and the viewer, and
//! the names of document kinds, classification levels and rendering failures.

use crate::platform::{Lang, Words, pick};
use ecabinet_domain::document::{Confidentiality, DocumentKind};
use ecabinet_protocol::document::FailureDetail;

/// The document screens' messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum K {
    Documents,
    GeneralDocuments,
    NoDocuments,
    NewDocument,
    NewVersion,
    Dismiss,
    Pages,
    Page,
    Ready,
    Rendering,
    Sending,
    UploadNewVersion,
    WhoRead,
    NobodyRead,
    Reader,
    Readers,
    Version,
    FirstOpened,
    LastOpened,
    Opens,
    SearchDocuments,
    SearchDocument,
    Search,
    NoHits,
    TextWithheldNote,
    NotSearchable,
    DropFiles,
    ChooseFiles,
    UploadAll,
    DocumentKindLabel,
    ConfidentialityLabel,
    AgendaItemLabel,
    WholeMeeting,
    AllParticipantsRead,
    PreviousPage,
    NextPage,
    JumpToPage,
    ZoomIn,
    ZoomOut,
    ToolRead,
    ToolHighlight,
    ToolNote,
    PageRendering,
    MyNotes,
    NotesArePrivate,
    NoNotesHere,
    NotePlaceholder,
    CarriedOver,
    DownloadOriginal,
    WatermarkNote,
    ChangedSinceRead,
    NewVersionAvailable,
    OpenNewVersion,
    WholePage,
}

impl Words for K {
    fn text(self, lang: Lang) -> &'static str {
        let p = |vi, en| pick(lang, vi, en);
        match self {
            K::Documents => p("Tài liệu", "Documents"),
            K::GeneralDocuments => p(
                "Tài liệu chung của phiên họp",
                "Documents for the whole meeting",
            ),
            K::NoDocuments => p("Chưa có tài liệu.", "No documents yet."),
            K::NewDocument => p("Tài liệu mới", "New document"),
            K::NewVersion => p("Phiên bản mới", "New version"),
            K::Dismiss => p("Đã xem", "Dismiss"),
            K::Pages => p("trang", "pages"),
            K::Page => p("Trang", "Page"),
            K::Ready => p("Sẵn sàng", "Ready"),
            K::Rendering => p("Đang xử lý", "Rendering"),
            K::Sending => p("Đang tải lên", "Uploading"),
            K::UploadNewVersion => p("Tải lên phiên bản mới", "Upload a new version"),
            K::WhoRead => p("Ai đã mở", "Who opened it"),
            K::NobodyRead => p("Chưa ai mở tài liệu này.", "Nobody has opened it yet."),
            K::Reader => p("Người đọc", "Reader"),
            K::Readers => p("Người đọc", "Readers"),
            K::Version => p("Phiên bản", "Version"),
            K::FirstOpened => p("Mở lần đầu", "First opened"),
            K::LastOpened => p("Mở gần nhất", "Last opened"),
            K::Opens => p("Số lần mở", "Opens"),
            K::SearchDocuments => p(
                "Tìm trong tài liệu của phiên họp",
                "Search the meeting's documents",
            ),
            K::SearchDocument => p("Tìm trong tài liệu này", "Search this document"),
            K::Search => p("Tìm", "Search"),
            K::NoHits => p("Không tìm thấy.", "Nothing found."),
            K::TextWithheldNote => p(
                "Tài liệu ở độ mật này chỉ được đọc dưới dạng ảnh trang: không tìm kiếm, không lấy nội dung chữ.",
                "At this classification the pages are images only: no search, no text.",
            ),
            K::NotSearchable => p(
                "Số tài liệu không được tìm theo nội dung vì độ mật (chỉ đọc dưới dạng ảnh trang):",
                "Documents not searched, as their classification withholds their text (pages as images only):",
            ),
            K::DropFiles => p("Kéo thả các tệp PDF vào đây", "Drop PDF files here"),
            K::ChooseFiles => p("Chọn tệp", "Choose files"),
            K::UploadAll => p("Tải lên", "Upload"),
            K::DocumentKindLabel => p("Loại tài liệu", "Kind"),
            K::ConfidentialityLabel => p("Độ mật", "Classification"),
            K::AgendaItemLabel => p("Nội dung", "Agenda item"),
            K::WholeMeeting => p("Cả phiên họp", "Whole meeting"),
            K::AllParticipantsRead => p("Mọi thành viên dự họp", "Every participant"),
            K::PreviousPage => p("Trang trước", "Previous page"),
            K::NextPage => p("Trang sau", "Next page"),
            K::JumpToPage => p("Đến trang", "Go to page"),
            K::ZoomIn => p("Phóng to", "Zoom in"),
            K::ZoomOut => p("Thu nhỏ", "Zoom out"),
            K::ToolRead => p("Đọc", "Read"),
            K::ToolHighlight => p("Tô sáng", "Highlight"),
            K::ToolNote => p("Ghi chú", "Note"),
            K::PageRendering => p(
                "Trang đang được xử lý…",
                "This page is still being prepared…",
            ),
            K::MyNotes => p("Ghi chú riêng", "My notes"),
            K::NotesArePrivate => p(
                "Chỉ bạn thấy, trên mọi máy của bạn.",
                "Only you see them, on each of your devices.",
            ),
            K::NoNotesHere => p("Chưa có ghi chú trên trang này.", "No notes on this page."),
            K::NotePlaceholder => p("Nội dung ghi chú", "Your note"),
            K::CarriedOver => p(
                "Chuyển từ phiên bản trước",
                "Carried over from the previous version",
            ),
            K::DownloadOriginal => p("Tải bản gốc", "Download the original"),
            K::WatermarkNote => p(
                "Tài liệu mật: mỗi trang mang tên bạn và thời điểm mở; không tải được bản gốc.",
                "Classified: every page carries your name and the time; the original cannot be downloaded.",
            ),
            K::ChangedSinceRead => p(
                "Đã thay đổi so với phiên bản bạn đã đọc",
                "Changed since the version you read",
            ),
            K::NewVersionAvailable => p(
                "Tài liệu đã có phiên bản mới",
                "A new version of this document is out",
            ),
            K::OpenNewVersion => p("Mở phiên bản mới", "Open the new version"),
            K::WholePage => p("Cả trang", "Whole page"),
        }
    }
}

/// A document kind.
pub fn document_kind(lang: Lang, k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::Submission => pick(lang, "Tờ trình", "Submission"),
        DocumentKind::DraftResolution => pick(lang, "Dự thảo nghị quyết", "Draft resolution"),
        DocumentKind::DraftInstrument => pick(lang, "Dự thảo văn bản", "Draft instrument"),
        DocumentKind::Report => pick(lang, "Báo cáo", "Report"),
        DocumentKind::Other => pick(lang, "Tài liệu khác", "Other"),
    }
}

/// A confidentiality level (độ mật).
pub fn confidentiality(lang: Lang, c: Confidentiality) -> &'static str {
    match c {
        Confidentiality::Normal => pick(lang, "Thường", "Unclassified"),
        Confidentiality::Confidential => pick(lang, "Mật", "Confidential"),
        Confidentiality::Secret => pick(lang, "Tối mật", "Secret"),
        Confidentiality::TopSecret => pick(lang, "Tuyệt mật", "Top secret"),
    }
}

/// Why a file could not be rendered, in words.
pub fn failure(lang: Lang, f: &FailureDetail) -> String {
    let n = |v: Option<u32>| v.unwrap_or(0);
    match f.code.as_str() {
        "not_pdf" => pick(lang, "Tệp không phải PDF.", "The file is not a PDF.").into(),
        "encrypted" => pick(
            lang,
            "Tệp PDF có mật khẩu; hãy tải lên bản không khoá.",
            "The PDF is protected by a password; upload it without protection.",
        )
        .into(),
        "damaged" => pick(
            lang,
            "Tệp PDF bị hỏng, không đọc được.",
            "The PDF is damaged and cannot be read.",
        )
        .into(),
        "no_pages" => pick(lang, "Tệp PDF không có trang nào.", "The PDF has no pages.").into(),
        "too_many_pages" => match lang {
            Lang::Vi => format!(
                "Tệp có {} trang; chỉ nhận tối đa {} trang.",
                n(f.pages),
                n(f.max)
            ),
            Lang::En => format!(
                "The PDF has {} pages; at most {} are accepted.",
                n(f.pages),
                n(f.max)
            ),
        },
        "page_too_large" => match lang {
            Lang::Vi => format!(
                "Trang {} có khổ {}×{} điểm, vượt giới hạn 200 inch của PDF.",
                n(f.page),
                n(f.width_pt),
                n(f.height_pt)
            ),
            Lang::En => format!(
                "Page {} is {}×{} points, larger than PDF's 200-inch limit.",
                n(f.page),
                n(f.width_pt),
                n(f.height_pt)
            ),
        },
        "page_failed" => match lang {
            Lang::Vi => format!("Không dựng được trang {}.", n(f.page)),
            Lang::En => format!("Page {} cannot be rendered.", n(f.page)),
        },
        "crashed" => pick(
            lang,
            "Bộ xử lý PDF dừng khi đọc tệp này.",
            "The renderer stopped while reading this file.",
        )
        .into(),
        "timed_out" => pick(
            lang,
            "Đọc tệp quá lâu nên đã dừng.",
            "Reading the file took too long.",
        )
        .into(),
        "unconfined" => pick(
            lang,
            "Máy chủ từ chối đọc tệp PDF vì bộ xử lý PDF không thể được cô lập trên máy này; hãy báo quản trị viên.",
            "The server refuses to read PDFs: its renderer cannot be confined on this machine; tell the administrator.",
        )
        .into(),
        _ => pick(
            lang,
            "Máy chủ không lưu được các trang.",
            "The server could not store the pages.",
        )
        .into(),
    }
}
