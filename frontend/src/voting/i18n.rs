//! The votes' words: the votes block, the console's form, ballots and results, and the
//! rule, outcomes and options in words.

use crate::platform::{Lang, Words, pick, t};
use ecabinet_domain::poll::{BallotForm, FormKind, PollStatus};
use ecabinet_domain::vote::{Base, DecisionRule, Outcome, TieBreak};

/// The vote screens' messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum K {
    Votes,
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
    BallotRecorded,
    ChangeBallot,
    Passed,
    Failed,
    PassedByTieBreak,
    FailedByTieBreak,
    NoQuorum,
    Base,
    CountedChecked,
    ResultChecked,
    DownloadArchive,
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
}

impl Words for K {
    fn text(self, lang: Lang) -> &'static str {
        let p = |vi, en| pick(lang, vi, en);
        match self {
            K::Votes => p("Biểu quyết", "Votes"),
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
            K::BallotRecorded => p(
                "Phiếu đã được ghi nhận; biên nhận đã kiểm tra, vị trí",
                "Ballot recorded; receipt checked, position",
            ),
            K::ChangeBallot => p("Biểu quyết lại", "Vote again"),
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
        }
    }
}

/// An outcome in words.
pub(crate) fn outcome(lang: Lang, o: Outcome) -> &'static str {
    t(
        lang,
        match o {
            Outcome::Passed => K::Passed,
            Outcome::Failed => K::Failed,
            Outcome::PassedByTieBreak => K::PassedByTieBreak,
            Outcome::FailedByTieBreak => K::FailedByTieBreak,
            Outcome::NoQuorum => K::NoQuorum,
        },
    )
}

/// Option `i` as shown: the fixed yes/no labels are translated, custom ones are data.
pub(crate) fn option_label(lang: Lang, form: &BallotForm, i: usize) -> String {
    if form.kind == FormKind::YesNo {
        let k = [K::OptFor, K::OptAgainst, K::OptAbstain];
        if let Some(k) = k.get(i) {
            return t(lang, *k).to_owned();
        }
    }
    form.options.get(i).cloned().unwrap_or_default()
}

pub(super) fn poll_status(lang: Lang, s: PollStatus) -> &'static str {
    t(
        lang,
        match s {
            PollStatus::Draft => K::PollDraft,
            PollStatus::Open => K::PollOpen,
            PollStatus::Closed => K::PollClosed,
        },
    )
}

/// The rule in one line, as members see it when the vote opens.
pub(crate) fn rule_line(lang: Lang, r: &DecisionRule) -> String {
    let threshold = match (r.threshold.num, r.threshold.den, r.threshold.strict) {
        (1, 2, true) => t(lang, K::ThresholdHalf).to_owned(),
        (2, 3, false) => t(lang, K::ThresholdTwoThirds).to_owned(),
        (3, 4, false) => t(lang, K::ThresholdThreeQuarters).to_owned(),
        (n, d, strict) => format!("{}{n}/{d}", if strict { "> " } else { "≥ " }),
    };
    let base = t(lang, base_key(r.base));
    let tie = t(
        lang,
        match r.tie_break {
            TieBreak::ChairSide => K::TieChair,
            TieBreak::Fails => K::TieFails,
        },
    );
    format!(
        "{}: {threshold} {base} · {} {}/{} · {}: {tie}",
        t(lang, K::RuleLine),
        t(lang, K::QuorumLabel),
        r.quorum.num,
        r.quorum.den,
        t(lang, K::TieLabel),
    )
}

pub(super) fn base_key(b: Base) -> K {
    match b {
        Base::AllMembers => K::BaseAll,
        Base::PresentMembers => K::BasePresent,
        Base::VotesCast => K::BaseCast,
        Base::VotesCastWithAbstentions => K::BaseCastAbstain,
    }
}
