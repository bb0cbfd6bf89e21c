//! The written polls' words: the list, the draft form, a poll's page and its report, and
//! answers, statuses and the time left in words.

use crate::platform::{Lang, Words, pick, t};
use ecabinet_domain::opinion::Answer;
use ecabinet_domain::poll::PollStatus;

/// The written poll screens' messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum K {
    Opinions,
    NewOpinion,
    NoOpinions,
    AwaitingMyAnswer,
    Answered,
    Closed,
    OpinionQuestion,
    DraftDecision,
    Deadline,
    NonResponseRule,
    NotAgreeing,
    DeemedToAgree,
    CopyStaff,
    Addressees,
    CreateDraft,
    ApproveSend,
    NeedsSecondApprover,
    AnswerAgree,
    AnswerDisagree,
    AnswerOther,
    OpinionText,
    OpinionTextRequired,
    AnswerRecorded,
    ChangeAnswer,
    MyAnswer,
    TimeLeft,
    Overdue,
    AnsweredOf,
    Extend,
    NewDeadline,
    ExtendReason,
    RemindNow,
    ReminderMessage,
    Reminded,
    ReminderFor,
    Report,
    DownloadPdf,
    DownloadXlsx,
    NotAnswered,
    InFavour,
    Provisional,
    Member,
    DeadlineChanged,
    Hours,
    MinutesShort,
    OpinionDraft,
    OpinionOpen,
}

impl Words for K {
    fn text(self, lang: Lang) -> &'static str {
        let p = |vi, en| pick(lang, vi, en);
        match self {
            K::Opinions => p("Phiếu lấy ý kiến", "Written polls"),
            K::NewOpinion => p("Tạo phiếu lấy ý kiến", "New written poll"),
            K::NoOpinions => p("Chưa có phiếu lấy ý kiến.", "No written polls yet."),
            K::AwaitingMyAnswer => p("Chờ ý kiến của tôi", "Awaiting my answer"),
            K::Answered => p("Đã trả lời", "Answered"),
            K::Closed => p("Đã kết thúc", "Closed"),
            K::OpinionQuestion => p("Nội dung xin ý kiến", "Question"),
            K::DraftDecision => p("Dự thảo quyết định", "Draft decision"),
            K::Deadline => p("Thời hạn trả lời", "Deadline"),
            K::NonResponseRule => p("Không trả lời", "No answer"),
            K::NotAgreeing => p("tính là không đồng ý", "counts as not agreeing"),
            K::DeemedToAgree => p("coi như đồng ý", "deemed to agree"),
            K::CopyStaff => p(
                "Gửi bản sao nhắc việc cho văn phòng",
                "Copy reminders to their offices",
            ),
            K::Addressees => p("Thành viên được xin ý kiến", "Members asked"),
            K::CreateDraft => p("Lưu dự thảo phiếu", "Save draft"),
            K::ApproveSend => p("Duyệt và gửi phiếu", "Approve and send"),
            K::NeedsSecondApprover => p(
                "Phiếu cần một tài khoản văn thư khác hoặc Thủ tướng duyệt trước khi gửi.",
                "A second secretariat account or the chair must approve it before it is sent.",
            ),
            K::AnswerAgree => p("Đồng ý", "Agree"),
            K::AnswerDisagree => p("Không đồng ý", "Disagree"),
            K::AnswerOther => p("Ý kiến khác", "Other opinion"),
            K::OpinionText => p("Ý kiến / góp ý", "Opinion / comment"),
            K::OpinionTextRequired => p(
                "Ý kiến khác cần nêu nội dung.",
                "An other opinion needs its text.",
            ),
            K::AnswerRecorded => p("Đã ghi nhận ý kiến", "Answer recorded"),
            K::ChangeAnswer => p("Thay đổi ý kiến", "Change my answer"),
            K::MyAnswer => p("Ý kiến của tôi", "My answer"),
            K::TimeLeft => p("Còn lại", "Time left"),
            K::Overdue => p("Quá hạn", "Past the deadline"),
            K::AnsweredOf => p("Đã trả lời", "Answered"),
            K::Extend => p("Gia hạn", "Extend"),
            K::NewDeadline => p("Thời hạn mới", "New deadline"),
            K::ExtendReason => p("Lý do", "Reason"),
            K::RemindNow => p("Nhắc ngay", "Remind now"),
            K::ReminderMessage => p("Lời nhắc", "Message"),
            K::Reminded => p("Đã nhắc", "Reminded"),
            K::ReminderFor => p("Nhắc trả lời", "Reminder"),
            K::Report => p("Tổng hợp ý kiến", "Aggregated report"),
            K::DownloadPdf => p("Tải PDF", "Download PDF"),
            K::DownloadXlsx => p("Tải Excel", "Download XLSX"),
            K::NotAnswered => p("Chưa trả lời", "Not answered"),
            K::InFavour => p("Tính là đồng ý", "Counted in favour"),
            K::Provisional => p("Số liệu tạm thời", "Provisional figures"),
            K::Member => p("Thành viên", "Member"),
            K::DeadlineChanged => p("Gia hạn", "Deadline changed"),
            K::Hours => p("giờ", "h"),
            K::MinutesShort => p("phút", "min"),
            K::OpinionDraft => p("Dự thảo", "Draft"),
            K::OpinionOpen => p("Đang lấy ý kiến", "Open"),
        }
    }
}

pub(super) fn answer_label(lang: Lang, a: Answer) -> &'static str {
    t(
        lang,
        match a {
            Answer::Agree => K::AnswerAgree,
            Answer::Disagree => K::AnswerDisagree,
            Answer::Other => K::AnswerOther,
        },
    )
}

pub(super) fn status_label(lang: Lang, s: PollStatus) -> &'static str {
    t(
        lang,
        match s {
            PollStatus::Draft => K::OpinionDraft,
            PollStatus::Open => K::OpinionOpen,
            PollStatus::Closed => K::Closed,
        },
    )
}

/// "2 giờ 5 phút" until `deadline`, or "Quá hạn".
pub(crate) fn time_left(lang: Lang, deadline: i64, now: i64) -> String {
    let left = deadline - now;
    if left <= 0 {
        return t(lang, K::Overdue).to_owned();
    }
    let minutes = (left + 59_999) / 60_000;
    let (h, m) = (minutes / 60, minutes % 60);
    if h > 0 {
        format!("{h} {} {m} {}", t(lang, K::Hours), t(lang, K::MinutesShort))
    } else {
        format!("{m} {}", t(lang, K::MinutesShort))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_rounds_up_to_the_minute_and_says_overdue() {
        assert_eq!(time_left(Lang::Vi, 90 * 60_000, 0), "1 giờ 30 phút");
        assert_eq!(time_left(Lang::En, 61_000, 0), "2 min");
        assert_eq!(time_left(Lang::Vi, 5, 5), "Quá hạn");
    }
}
