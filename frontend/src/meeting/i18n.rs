//! The meetings' words: the list, the editor, a meeting's page and the chair's console,
//! and the names of meeting statuses, kinds and participant roles.

use crate::platform::{Lang, Words, pick};
use ecabinet_domain::ParticipantRole;
use ecabinet_domain::meeting::{MeetingKind, MeetingStatus};

/// The meeting screens' messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum K {
    MyMeetings,
    AllMeetings,
    NewMeeting,
    NoMeetings,
    AdminNoMeetings,
    Open,
    Edit,
    Console,
    Kind,
    Start,
    Place,
    Participants,
    Quorum,
    Agenda,
    AddItem,
    Presenter,
    Min,
    Up,
    Down,
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
    MeetingNotFound,
    MyAttendance,
    NoAgendaYet,
    Details,
    PagesDistributed,
    DocumentsCount,
}

impl Words for K {
    fn text(self, lang: Lang) -> &'static str {
        let p = |vi, en| pick(lang, vi, en);
        match self {
            K::MyMeetings => p("Phiên họp của tôi", "My meetings"),
            K::AllMeetings => p("Tất cả phiên họp", "All meetings"),
            K::NewMeeting => p("Tạo phiên họp", "New meeting"),
            K::NoMeetings => p("Chưa có phiên họp nào.", "No meetings yet."),
            K::AdminNoMeetings => p(
                "Tài khoản quản trị không tham gia phiên họp.",
                "Administrator accounts take no part in meetings.",
            ),
            K::Open => p("Mở", "Open"),
            K::Edit => p("Chuẩn bị", "Prepare"),
            K::Console => p("Điều hành", "Chair console"),
            K::Kind => p("Loại phiên họp", "Kind"),
            K::Start => p("Thời gian bắt đầu", "Starts at"),
            K::Place => p("Địa điểm", "Place"),
            K::Participants => p("Thành phần dự họp", "Participants"),
            K::Quorum => p("Số thành viên tối thiểu", "Quorum"),
            K::Agenda => p("Chương trình họp", "Agenda"),
            K::AddItem => p("Thêm nội dung", "Add item"),
            K::Presenter => p("Người trình bày", "Presenter"),
            K::Min => p("phút", "min"),
            K::Up => p("Lên", "Up"),
            K::Down => p("Xuống", "Down"),
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
            K::MeetingNotFound => p(
                "Không tìm thấy phiên họp, hoặc bạn không có quyền xem.",
                "Meeting not found, or not visible to you.",
            ),
            K::MyAttendance => p("Điểm danh của tôi", "My attendance"),
            K::NoAgendaYet => p("Chưa có nội dung.", "No items yet."),
            K::Details => p("Thông tin chung", "Details"),
            K::PagesDistributed => p(
                "trang tài liệu đã phát hành điện tử thay cho bản in",
                "document pages distributed digitally instead of on paper",
            ),
            K::DocumentsCount => p("tài liệu", "documents"),
        }
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
