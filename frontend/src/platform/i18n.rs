//! Translations, the core: the UI language, the lookup every feature's table goes
//! through, the words every screen uses, and the server's error codes and field names.
//! Each feature keeps its own table (`<feature>/i18n.rs`): one `match` arm per message
//! that takes both texts, so a missing translation does not compile. This replaces
//! leptos_i18n, whose ICU data and macros cost compile time and wasm size for ~100 strings.

use ecabinet_domain::Role;
use ecabinet_protocol::ErrorCode;
use serde::{Deserialize, Serialize};

/// A UI language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    /// Tiếng Việt.
    Vi,
    /// English.
    En,
}

impl Lang {
    /// The `lang` cookie's value: "en" is English, anything else Vietnamese.
    pub fn from_cookie_value(s: &str) -> Lang {
        if s.trim() == "en" { Lang::En } else { Lang::Vi }
    }

    /// ISO code, for `<html lang>` and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

/// A table of messages: each value has a text in each language.
pub trait Words: Copy {
    /// The text of `self` in `lang`.
    fn text(self, lang: Lang) -> &'static str;
}

/// `vi` or `en`, by `lang` (for screens that keep their words beside them).
pub(crate) fn pick(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The text of `k` in `lang`.
pub fn t(lang: Lang, k: impl Words) -> &'static str {
    k.text(lang)
}

/// The words every screen uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Common {
    Loading,
    Back,
    /// A meeting's title, as the forms label it (the document upload form too).
    Title,
    Remove,
    Save,
}

impl Words for Common {
    fn text(self, lang: Lang) -> &'static str {
        let p = |vi, en| pick(lang, vi, en);
        match self {
            Common::Loading => p("Đang tải…", "Loading…"),
            Common::Back => p("Quay lại", "Back"),
            Common::Title => p("Tên phiên họp", "Title"),
            Common::Remove => p("Xoá", "Remove"),
            Common::Save => p("Lưu", "Save"),
        }
    }
}

/// An account role.
pub fn role(lang: Lang, r: Role) -> &'static str {
    match r {
        Role::Admin => pick(lang, "Quản trị", "Administrator"),
        Role::Secretariat => pick(lang, "Văn phòng", "Secretariat"),
        Role::Chair => pick(lang, "Chủ tọa", "Chair"),
        Role::Member => pick(lang, "Thành viên", "Member"),
        Role::Invitee => pick(lang, "Khách mời", "Invitee"),
    }
}

/// A server error code, for people.
pub fn error(lang: Lang, code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Unauthenticated => pick(
            lang,
            "Phiên đăng nhập đã hết, hãy đăng nhập lại.",
            "Your session ended; log in again.",
        ),
        ErrorCode::BadCredentials => pick(
            lang,
            "Sai tên đăng nhập hoặc mật khẩu.",
            "Wrong username or password.",
        ),
        ErrorCode::RateLimited => pick(
            lang,
            "Quá nhiều lần thử. Hãy chờ một lát rồi thử lại.",
            "Too many attempts. Wait a moment and try again.",
        ),
        ErrorCode::Forbidden => pick(
            lang,
            "Bạn không có quyền thực hiện thao tác này.",
            "You may not do this.",
        ),
        ErrorCode::NotFound => pick(lang, "Không tìm thấy.", "Not found."),
        ErrorCode::Invalid => pick(lang, "Dữ liệu chưa hợp lệ.", "Some data is not valid."),
        ErrorCode::InvalidTransition => pick(
            lang,
            "Trạng thái phiên họp không cho phép thao tác này.",
            "The meeting's status does not allow this.",
        ),
        ErrorCode::Conflict => pick(lang, "Đã tồn tại.", "It exists already."),
        ErrorCode::SpeakerQueue => pick(
            lang,
            "Không thực hiện được với danh sách phát biểu hiện tại.",
            "Not possible with the current speaker list.",
        ),
        ErrorCode::NotParticipant => pick(
            lang,
            "Bạn không tham dự phiên họp này.",
            "You do not take part in this meeting.",
        ),
        ErrorCode::BadRequest => pick(
            lang,
            "Yêu cầu không đúng định dạng.",
            "The request is malformed.",
        ),
        ErrorCode::PayloadTooLarge => pick(lang, "Dữ liệu quá lớn.", "Too much data."),
        ErrorCode::UnsupportedProtocol => pick(
            lang,
            "Ứng dụng đã cũ, hãy tải lại trang.",
            "This app is outdated; reload the page.",
        ),
        ErrorCode::HelloRequired
        | ErrorCode::BadFrame
        | ErrorCode::UnknownTopic
        | ErrorCode::FrameTooLarge => pick(
            lang,
            "Lỗi giao tiếp với máy chủ.",
            "Communication error with the server.",
        ),
        ErrorCode::VotesOpen => pick(
            lang,
            "Còn biểu quyết đang mở: hãy kết thúc biểu quyết trước khi bế mạc.",
            "Votes are still open: close them before closing the meeting.",
        ),
        ErrorCode::PollNotOpen => pick(lang, "Biểu quyết chưa mở.", "The vote is not open."),
        ErrorCode::PollClosed => pick(
            lang,
            "Biểu quyết đã kết thúc; phiếu không được nhận.",
            "The vote has closed; the ballot was not accepted.",
        ),
        ErrorCode::NotEligible => pick(
            lang,
            "Bạn không có quyền biểu quyết nội dung này.",
            "You are not entitled to vote on this.",
        ),
        ErrorCode::AlreadyVoted => pick(
            lang,
            "Bạn đã biểu quyết; nội dung này không cho phép thay đổi.",
            "You have voted; this vote allows no change.",
        ),
        ErrorCode::UnknownKey => pick(
            lang,
            "Khoá của máy này chưa được duyệt cho biểu quyết này.",
            "This tablet's key is not approved for this vote.",
        ),
        ErrorCode::RevokedKey => pick(
            lang,
            "Khoá của máy này đã bị thu hồi.",
            "This tablet's key has been revoked.",
        ),
        ErrorCode::BallotStalePoll => pick(
            lang,
            "Nội dung biểu quyết đã thay đổi; hãy tải lại.",
            "The vote changed; reload.",
        ),
        ErrorCode::BadChoice => pick(lang, "Lựa chọn không hợp lệ.", "Not a valid choice."),
        ErrorCode::AnswerLate => pick(
            lang,
            "Đã quá thời hạn trả lời; ý kiến không được nhận.",
            "The deadline has passed; the answer was not accepted.",
        ),
        ErrorCode::TextRequired => pick(
            lang,
            "Ý kiến khác cần nêu nội dung.",
            "An other opinion needs its text.",
        ),
        ErrorCode::TextTooLong => pick(lang, "Nội dung ý kiến quá dài.", "The text is too long."),
        ErrorCode::TextMismatch => pick(
            lang,
            "Nội dung gửi không khớp nội dung đã ký.",
            "The text sent is not the text signed.",
        ),
        ErrorCode::BallotMalformed
        | ErrorCode::BallotOtherMember
        | ErrorCode::BadSignature
        | ErrorCode::BallotReplayed => pick(
            lang,
            "Phiếu không hợp lệ và không được nhận.",
            "The ballot is not valid and was not accepted.",
        ),
        ErrorCode::TextWithheld => pick(
            lang,
            "Nội dung chữ của tài liệu ở độ mật này không được cung cấp; hãy đọc các trang tài liệu.",
            "The text of a document at this classification is withheld; read its pages.",
        ),
        ErrorCode::Internal => pick(
            lang,
            "Máy chủ gặp lỗi, hãy thử lại.",
            "The server failed; try again.",
        ),
        _ => pick(lang, "Đã có lỗi xảy ra.", "Something went wrong."),
    }
}

/// A validated field's name, for error messages. The API names the field whatever screen
/// sent the request, so the names are here, worded as the forms label them.
pub fn field(lang: Lang, f: &str) -> &'static str {
    match f {
        "title" => t(lang, Common::Title),
        "place" => pick(lang, "Địa điểm", "Place"),
        "starts_at" => pick(lang, "Thời gian bắt đầu", "Starts at"),
        "participants" => pick(lang, "Thành phần dự họp", "Participants"),
        "quorum" => pick(lang, "Số thành viên tối thiểu", "Quorum"),
        "items" => pick(lang, "Chương trình họp", "Agenda"),
        "planned_minutes" => pick(lang, "Số phút", "Minutes"),
        "presenter" => pick(lang, "Người trình bày", "Presenter"),
        "reason" => pick(lang, "Lý do", "Reason"),
        "substitute" => pick(lang, "Người dự thay", "Substitute"),
        "question" => pick(lang, "Nội dung biểu quyết", "Question"),
        "label" => pick(lang, "Tên thiết bị", "Device name"),
        "duration_seconds" => pick(
            lang,
            "Tự kết thúc sau (giây, để trống nếu không)",
            "Closes by itself after (seconds, blank for never)",
        ),
        "file" => pick(lang, "tệp PDF", "PDF file"),
        "kind" => pick(lang, "Loại tài liệu", "Kind"),
        "confidentiality" => pick(lang, "Độ mật", "Classification"),
        "readers" => pick(lang, "Người đọc", "Readers"),
        "item_id" => pick(lang, "Nội dung", "Agenda item"),
        "note" => pick(lang, "Ghi chú", "Note"),
        "deadline" => pick(lang, "Thời hạn trả lời", "Deadline"),
        "text" => pick(lang, "Biên bản", "Minutes"),
        "addressees" => pick(lang, "Thành viên được xin ý kiến", "Members asked"),
        "draft_decision" => pick(lang, "Dự thảo quyết định", "Draft decision"),
        "reminders" => pick(lang, "Nhắc trả lời", "Reminder"),
        "message" => pick(lang, "Lời nhắc", "Message"),
        _ => "",
    }
}
