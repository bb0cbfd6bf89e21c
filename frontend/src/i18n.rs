//! Translations: Vietnamese (default) and English. Each message is one `match` arm that
//! takes both texts, so a missing translation does not compile. This replaces
//! leptos_i18n, whose ICU data and macros cost compile time and wasm size for ~100 strings.

use ecabinet_domain::document::{Confidentiality, DocumentKind};
use ecabinet_domain::meeting::{MeetingKind, MeetingStatus};
use ecabinet_domain::{ParticipantRole, Role};
use ecabinet_protocol::ErrorCode;
use ecabinet_protocol::document::FailureDetail;
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
    Devices,
    ThisTablet,
    NoKeyHere,
    DeviceLabel,
    DefaultDeviceLabel,
    Pin,
    PinAgain,
    CreateKey,
    CreatingKey,
    RegisterAgain,
    KeyPending,
    KeyApproved,
    KeyRevoked,
    KeyNotRegistered,
    KeyFingerprint,
    MyDevices,
    AllDevices,
    NoDevices,
    Approve,
    Revoke,
    Owner,
    Votes,
    NewVote,
    Question,
    DurationSeconds,
    CreateVote,
    OpenVote,
    CloseVote,
    PollDraft,
    PollOpen,
    PollClosed,
    VotedOf,
    NotVotedYet,
    NoKeyForVote,
    Confirm,
    Cancel,
    YourChoice,
    EnterPin,
    SignAndSend,
    Signing,
    BallotRecorded,
    ChangeBallot,
    Result,
    Passed,
    Failed,
    PassedByTieBreak,
    FailedByTieBreak,
    NoQuorum,
    Base,
    CountedChecked,
    ResultChecked,
    DownloadArchive,
    WeakPin,
    PinMismatch,
    WrongPin,
    NoKey,
    KeyNotInPoll,
    DefinitionMismatch,
    BadReceipt,
    ServerKeyChanged,
    StorageError,
    DevicesNotForYou,
    OptFor,
    OptAgainst,
    OptAbstain,
    PresetGovernment,
    PresetNationalAssembly,
    PresetPeoplesCouncil,
    PresetCompanyBoard,
    Rule,
    FormKindLabel,
    FormYesNo,
    FormSingle,
    FormMultiple,
    FormCandidates,
    OptionsPerLine,
    MaxChoices,
    BaseLabel,
    BaseAll,
    BasePresent,
    BaseCast,
    BaseCastAbstain,
    ThresholdLabel,
    ThresholdHalf,
    ThresholdTwoThirds,
    ThresholdThreeQuarters,
    QuorumLabel,
    QuorumTwoThirds,
    QuorumHalf,
    TieLabel,
    TieChair,
    TieFails,
    ChangesAllowed,
    RuleLine,
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
    PagesDistributed,
    DocumentsCount,
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
        K::Devices => p("Thiết bị ký", "Signing devices"),
        K::ThisTablet => p("Máy tính bảng này", "This tablet"),
        K::NoKeyHere => p(
            "Máy này chưa có khoá ký. Hãy chọn mã PIN (ít nhất 6 chữ số) để tạo khoá; khoá bí mật chỉ nằm trên máy này.",
            "This tablet has no signing key yet. Choose a PIN (at least 6 digits) to create one; the private key never leaves this tablet.",
        ),
        K::DeviceLabel => p("Tên thiết bị", "Device name"),
        K::DefaultDeviceLabel => p("Máy tính bảng", "Tablet"),
        K::Pin => p("Mã PIN", "PIN"),
        K::PinAgain => p("Nhập lại mã PIN", "PIN again"),
        K::CreateKey => p("Tạo khoá và đăng ký", "Create key and register"),
        K::CreatingKey => p("Đang tạo khoá…", "Creating the key…"),
        K::RegisterAgain => p(
            "Đăng ký lại khoá của máy này",
            "Register this tablet's key again",
        ),
        K::KeyPending => p(
            "Đang chờ Văn phòng duyệt",
            "Waiting for the secretariat's approval",
        ),
        K::KeyApproved => p("Đã được duyệt", "Approved"),
        K::KeyRevoked => p("Đã thu hồi", "Revoked"),
        K::KeyNotRegistered => p("Chưa đăng ký", "Not registered"),
        K::KeyFingerprint => p("Mã khoá", "Key id"),
        K::MyDevices => p("Thiết bị của tôi", "My devices"),
        K::AllDevices => p("Thiết bị của các thành viên", "Members' devices"),
        K::NoDevices => p("Chưa có thiết bị nào.", "No devices yet."),
        K::Approve => p("Duyệt", "Approve"),
        K::Revoke => p("Thu hồi", "Revoke"),
        K::Owner => p("Người dùng", "Owner"),
        K::Votes => p("Biểu quyết", "Votes"),
        K::NewVote => p("Tạo biểu quyết", "New vote"),
        K::Question => p("Nội dung biểu quyết", "Question"),
        K::DurationSeconds => p(
            "Tự kết thúc sau (giây, để trống nếu không)",
            "Closes by itself after (seconds, blank for never)",
        ),
        K::CreateVote => p("Tạo phiếu", "Create"),
        K::OpenVote => p("Mở biểu quyết", "Open the vote"),
        K::CloseVote => p("Kết thúc biểu quyết", "Close the vote"),
        K::PollDraft => p("Chưa mở", "Not open yet"),
        K::PollOpen => p("Đang biểu quyết", "Voting"),
        K::PollClosed => p("Đã kết thúc", "Closed"),
        K::VotedOf => p("Đã biểu quyết", "Voted"),
        K::NotVotedYet => p("Chưa biểu quyết", "Not voted yet"),
        K::NoKeyForVote => p("chưa có khoá", "no key"),
        K::Confirm => p("Xác nhận", "Confirm"),
        K::Cancel => p("Huỷ", "Cancel"),
        K::YourChoice => p("Lựa chọn của bạn", "Your choice"),
        K::EnterPin => p("Nhập mã PIN để ký phiếu", "Enter your PIN to sign"),
        K::SignAndSend => p("Ký và gửi phiếu", "Sign and send"),
        K::Signing => p("Đang ký…", "Signing…"),
        K::BallotRecorded => p(
            "Phiếu đã được ghi nhận; biên nhận đã kiểm tra, vị trí",
            "Ballot recorded; receipt checked, position",
        ),
        K::ChangeBallot => p("Biểu quyết lại", "Vote again"),
        K::Result => p("Kết quả", "Result"),
        K::Passed => p("Thông qua", "Adopted"),
        K::Failed => p("Không thông qua", "Not adopted"),
        K::PassedByTieBreak => p(
            "Thông qua (ngang phiếu, theo bên Chủ tọa)",
            "Adopted (tie, chair's side)",
        ),
        K::FailedByTieBreak => p("Không thông qua (ngang phiếu)", "Not adopted (tie)"),
        K::NoQuorum => p("Không đủ số lượng", "No quorum"),
        K::Base => p("trên tổng số", "out of"),
        K::CountedChecked => p(
            "Đã kiểm tra: phiếu của bạn nằm trong sổ phiếu đã dùng để kiểm phiếu; kết quả có chữ ký của máy chủ.",
            "Checked: your ballot is in the log the result was counted from, and the result is signed by the server.",
        ),
        K::ResultChecked => p(
            "Đã kiểm tra chữ ký của kết quả.",
            "The result's signature is checked.",
        ),
        K::DownloadArchive => p("Tải hồ sơ kiểm phiếu", "Download the verifiable archive"),
        K::WeakPin => p(
            "Mã PIN cần ít nhất 6 chữ số.",
            "The PIN needs at least 6 digits.",
        ),
        K::PinMismatch => p("Hai mã PIN không khớp.", "The two PINs differ."),
        K::WrongPin => p("Sai mã PIN.", "Wrong PIN."),
        K::NoKey => p(
            "Máy này chưa có khoá ký: vào mục Thiết bị ký để tạo.",
            "This tablet has no signing key: create one under Signing devices.",
        ),
        K::KeyNotInPoll => p(
            "Khoá của máy này chưa được duyệt khi mở biểu quyết.",
            "This tablet's key was not approved when the vote opened.",
        ),
        K::DefinitionMismatch => p(
            "Nội dung biểu quyết không khớp với mã băm máy chủ công bố; phiếu không được ký.",
            "The vote's content does not match the hash the server states; nothing was signed.",
        ),
        K::BadReceipt => p(
            "Biên nhận hoặc kết quả không hợp lệ: hãy báo Văn phòng.",
            "The receipt or result does not check out: tell the secretariat.",
        ),
        K::ServerKeyChanged => p(
            "Khoá của máy chủ đã thay đổi so với lần trước: hãy báo Văn phòng.",
            "The server's key differs from the one seen before: tell the secretariat.",
        ),
        K::OptFor => p("Tán thành", "For"),
        K::OptAgainst => p("Không tán thành", "Against"),
        K::OptAbstain => p("Không biểu quyết", "Abstain"),
        K::PresetGovernment => p("Chính phủ", "Government"),
        K::PresetNationalAssembly => p("Quốc hội", "National Assembly"),
        K::PresetPeoplesCouncil => p("Hội đồng nhân dân", "People's Council"),
        K::PresetCompanyBoard => p("Hội đồng quản trị", "Company board"),
        K::Rule => p("Quy tắc biểu quyết", "Decision rule"),
        K::FormKindLabel => p("Hình thức phiếu", "Ballot form"),
        K::FormYesNo => p(
            "Tán thành / Không tán thành / Không biểu quyết",
            "For / Against / Abstain",
        ),
        K::FormSingle => p("Chọn một phương án", "One of several options"),
        K::FormMultiple => p("Chọn nhiều phương án", "Several options"),
        K::FormCandidates => p("Bầu (ứng cử viên)", "Election (candidates)"),
        K::OptionsPerLine => p(
            "Các phương án, mỗi dòng một phương án",
            "Options, one per line",
        ),
        K::MaxChoices => p("Chọn tối đa (số ghế)", "At most (seats)"),
        K::BaseLabel => p("Tính trên", "Counted against"),
        K::BaseAll => p("tổng số thành viên", "all members"),
        K::BasePresent => p("số thành viên có mặt", "members present"),
        K::BaseCast => p(
            "số phiếu tán thành và không tán thành",
            "votes for and against",
        ),
        K::BaseCastAbstain => p(
            "số phiếu đã biểu quyết (kể cả không biểu quyết)",
            "votes cast, abstentions included",
        ),
        K::ThresholdLabel => p("Tỷ lệ thông qua", "Threshold"),
        K::ThresholdHalf => p("quá nửa", "more than half"),
        K::ThresholdTwoThirds => p("ít nhất hai phần ba", "at least two thirds"),
        K::ThresholdThreeQuarters => p("ít nhất ba phần tư", "at least three quarters"),
        K::QuorumLabel => p("Số có mặt tối thiểu", "Quorum"),
        K::QuorumTwoThirds => p("hai phần ba tổng số", "two thirds of all"),
        K::QuorumHalf => p("một nửa tổng số", "half of all"),
        K::TieLabel => p("Khi ngang phiếu", "On a tie"),
        K::TieChair => p(
            "theo bên Chủ tọa đã biểu quyết",
            "the chair's side prevails",
        ),
        K::TieFails => p("không thông qua", "the proposal fails"),
        K::ChangesAllowed => p(
            "Cho phép biểu quyết lại trước khi kết thúc",
            "Ballots may be changed until the close",
        ),
        K::RuleLine => p("Quy tắc", "Rule"),
        K::DevicesNotForYou => p(
            "Tài khoản này không dùng khoá ký.",
            "This account does not use signing keys.",
        ),
        K::StorageError => p(
            "Trình duyệt không lưu được khoá",
            "The browser could not store the key",
        ),
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
        K::PagesDistributed => p(
            "trang tài liệu đã phát hành điện tử thay cho bản in",
            "document pages distributed digitally instead of on paper",
        ),
        K::DocumentsCount => p("tài liệu", "documents"),
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
        ErrorCode::BallotMalformed
        | ErrorCode::BallotOtherMember
        | ErrorCode::BadSignature
        | ErrorCode::BallotReplayed => pick(
            lang,
            "Phiếu không hợp lệ và không được nhận.",
            "The ballot is not valid and was not accepted.",
        ),
        ErrorCode::Internal => pick(
            lang,
            "Máy chủ gặp lỗi, hãy thử lại.",
            "The server failed; try again.",
        ),
        _ => pick(lang, "Đã có lỗi xảy ra.", "Something went wrong."),
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
        _ => pick(
            lang,
            "Máy chủ không lưu được các trang.",
            "The server could not store the pages.",
        )
        .into(),
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
        "question" => t(lang, K::Question),
        "label" => t(lang, K::DeviceLabel),
        "duration_seconds" => t(lang, K::DurationSeconds),
        "file" => pick(lang, "tệp PDF", "PDF file"),
        "kind" => t(lang, K::DocumentKindLabel),
        "confidentiality" => t(lang, K::ConfidentialityLabel),
        "readers" => t(lang, K::Readers),
        "item_id" => t(lang, K::AgendaItemLabel),
        "note" => t(lang, K::ToolNote),
        _ => "",
    }
}
