//! Translations: Vietnamese (default) and English. Each message is one `match` arm that
//! takes both texts, so a missing translation does not compile. This replaces
//! leptos_i18n, whose ICU data and macros cost compile time and wasm size for ~100 strings.

use ecabinet_domain::meeting::{MeetingKind, MeetingStatus};
use ecabinet_domain::{ParticipantRole, Role};
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

/// Every message of the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum K {
    AppName,
    Username,
    Password,
    LogIn,
    LogOut,
    LoginFailed,
    LoginHint,
    MyMeetings,
    AllMeetings,
    NewMeeting,
    NoMeetings,
    AdminNoMeetings,
    Loading,
    Open,
    Edit,
    Console,
    Back,
    Title,
    Kind,
    Start,
    Place,
    Participants,
    Quorum,
    Agenda,
    AddItem,
    Presenter,
    Minutes,
    Min,
    Remove,
    Up,
    Down,
    Save,
    SaveAgenda,
    Saved,
    Publish,
    Published,
    CurrentItem,
    Attendance,
    Present,
    InRoom,
    Remote,
    Absent,
    NotYet,
    Reason,
    Substitute,
    ReportAbsence,
    CheckInRoom,
    CheckInRemote,
    Speakers,
    Speaking,
    Waiting,
    Nobody,
    RequestFloor,
    Withdraw,
    GiveFloor,
    GiveFloorTo,
    EndTurn,
    StartMeeting,
    EndMeeting,
    Previous,
    Next,
    GoTo,
    QuorumMet,
    QuorumNotMet,
    PresentOf,
    Needed,
    Connecting,
    Live,
    Resynced,
    Reconnecting,
    Offline,
    MeetingNotFound,
    MyAttendance,
    Role,
    NoAgendaYet,
    Details,
}

fn pick(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}

/// The text of `k` in `lang`.
pub fn t(lang: Lang, k: K) -> &'static str {
    let p = |vi, en| pick(lang, vi, en);
    match k {
        K::AppName => p("Phòng họp không giấy", "Paperless cabinet"),
        K::Username => p("Tên đăng nhập", "Username"),
        K::Password => p("Mật khẩu", "Password"),
        K::LogIn => p("Đăng nhập", "Log in"),
        K::LogOut => p("Đăng xuất", "Log out"),
        K::LoginFailed => p(
            "Sai tên đăng nhập hoặc mật khẩu.",
            "Wrong username or password.",
        ),
        K::LoginHint => p(
            "Dành cho thành viên Chính phủ và Văn phòng Chính phủ.",
            "For members of the Government and its Office.",
        ),
        K::MyMeetings => p("Phiên họp của tôi", "My meetings"),
        K::AllMeetings => p("Tất cả phiên họp", "All meetings"),
        K::NewMeeting => p("Tạo phiên họp", "New meeting"),
        K::NoMeetings => p("Chưa có phiên họp nào.", "No meetings yet."),
        K::AdminNoMeetings => p(
            "Tài khoản quản trị không tham gia phiên họp.",
            "Administrator accounts take no part in meetings.",
        ),
        K::Loading => p("Đang tải…", "Loading…"),
        K::Open => p("Mở", "Open"),
        K::Edit => p("Chuẩn bị", "Prepare"),
        K::Console => p("Điều hành", "Chair console"),
        K::Back => p("Quay lại", "Back"),
        K::Title => p("Tên phiên họp", "Title"),
        K::Kind => p("Loại phiên họp", "Kind"),
        K::Start => p("Thời gian bắt đầu", "Starts at"),
        K::Place => p("Địa điểm", "Place"),
        K::Participants => p("Thành phần dự họp", "Participants"),
        K::Quorum => p("Số thành viên tối thiểu", "Quorum"),
        K::Agenda => p("Chương trình họp", "Agenda"),
        K::AddItem => p("Thêm nội dung", "Add item"),
        K::Presenter => p("Người trình bày", "Presenter"),
        K::Minutes => p("Số phút", "Minutes"),
        K::Min => p("phút", "min"),
        K::Remove => p("Xoá", "Remove"),
        K::Up => p("Lên", "Up"),
        K::Down => p("Xuống", "Down"),
        K::Save => p("Lưu", "Save"),
        K::SaveAgenda => p("Lưu chương trình", "Save agenda"),
        K::Saved => p("Đã lưu.", "Saved."),
        K::Publish => p("Gửi giấy mời", "Publish"),
        K::Published => p("Đã gửi giấy mời.", "Invitations sent."),
        K::CurrentItem => p("Đang thảo luận", "Under discussion"),
        K::Attendance => p("Điểm danh", "Attendance"),
        K::Present => p("Có mặt", "Present"),
        K::InRoom => p("tại phòng họp", "in the room"),
        K::Remote => p("trực tuyến", "remote"),
        K::Absent => p("Vắng mặt", "Absent"),
        K::NotYet => p("Chưa điểm danh", "Not checked in"),
        K::Reason => p("Lý do", "Reason"),
        K::Substitute => p("Người dự thay", "Substitute"),
        K::ReportAbsence => p("Báo vắng", "Report absence"),
        K::CheckInRoom => p("Có mặt tại phòng họp", "Present in the room"),
        K::CheckInRemote => p("Dự họp trực tuyến", "Attend remotely"),
        K::Speakers => p("Phát biểu", "Speakers"),
        K::Speaking => p("Đang phát biểu", "Speaking"),
        K::Waiting => p("Đăng ký phát biểu", "Waiting"),
        K::Nobody => p("Không có ai", "Nobody"),
        K::RequestFloor => p("Đăng ký phát biểu", "Request the floor"),
        K::Withdraw => p("Rút đăng ký", "Withdraw"),
        K::GiveFloor => p("Mời người tiếp theo", "Give the floor to the next"),
        K::GiveFloorTo => p("Mời phát biểu", "Give the floor"),
        K::EndTurn => p("Kết thúc lượt phát biểu", "End the turn"),
        K::StartMeeting => p("Khai mạc phiên họp", "Open the meeting"),
        K::EndMeeting => p("Bế mạc phiên họp", "Close the meeting"),
        K::Previous => p("Nội dung trước", "Previous item"),
        K::Next => p("Nội dung tiếp theo", "Next item"),
        K::GoTo => p("Chuyển đến", "Go to"),
        K::QuorumMet => p("đủ số lượng", "quorum met"),
        K::QuorumNotMet => p("chưa đủ số lượng", "no quorum"),
        K::PresentOf => p("Có mặt", "Present"),
        K::Needed => p("cần", "needed"),
        K::Connecting => p("Đang kết nối…", "Connecting…"),
        K::Live => p("Trực tuyến", "Live"),
        K::Resynced => p("Đã đồng bộ lại", "Back in sync"),
        K::Reconnecting => p("Đang kết nối lại…", "Reconnecting…"),
        K::Offline => p("Mất kết nối mạng", "Offline"),
        K::MeetingNotFound => p(
            "Không tìm thấy phiên họp, hoặc bạn không có quyền xem.",
            "Meeting not found, or not visible to you.",
        ),
        K::MyAttendance => p("Điểm danh của tôi", "My attendance"),
        K::Role => p("Vai trò", "Role"),
        K::NoAgendaYet => p("Chưa có nội dung.", "No items yet."),
        K::Details => p("Thông tin chung", "Details"),
    }
}

/// A meeting status as shown on its badge.
pub fn status(lang: Lang, s: MeetingStatus) -> &'static str {
    match s {
        MeetingStatus::Draft => pick(lang, "Dự thảo", "Draft"),
        MeetingStatus::Published => pick(lang, "Đã gửi giấy mời", "Published"),
        MeetingStatus::InProgress => pick(lang, "Đang họp", "In progress"),
        MeetingStatus::Ended => pick(lang, "Đã bế mạc", "Ended"),
    }
}

/// A meeting kind.
pub fn kind(lang: Lang, k: MeetingKind) -> &'static str {
    match k {
        MeetingKind::Regular => pick(lang, "Thường kỳ", "Regular"),
        MeetingKind::Thematic => pick(lang, "Chuyên đề", "Thematic"),
        MeetingKind::Extraordinary => pick(lang, "Bất thường", "Extraordinary"),
    }
}

/// A role in a meeting.
pub fn participant_role(lang: Lang, r: ParticipantRole) -> &'static str {
    match r {
        ParticipantRole::Chair => pick(lang, "Chủ trì", "Chair"),
        ParticipantRole::Member => pick(lang, "Thành viên", "Member"),
        ParticipantRole::Invitee => pick(lang, "Khách mời", "Invitee"),
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
        ErrorCode::Internal => pick(
            lang,
            "Máy chủ gặp lỗi, hãy thử lại.",
            "The server failed; try again.",
        ),
        _ => pick(lang, "Đã có lỗi xảy ra.", "Something went wrong."),
    }
}

/// A validated field's name, for error messages.
pub fn field(lang: Lang, f: &str) -> &'static str {
    match f {
        "title" => t(lang, K::Title),
        "place" => t(lang, K::Place),
        "starts_at" => t(lang, K::Start),
        "participants" => t(lang, K::Participants),
        "quorum" => t(lang, K::Quorum),
        "items" => t(lang, K::Agenda),
        "planned_minutes" => t(lang, K::Minutes),
        "presenter" => t(lang, K::Presenter),
        "reason" => t(lang, K::Reason),
        "substitute" => t(lang, K::Substitute),
        _ => "",
    }
}
