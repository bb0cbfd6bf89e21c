//! Written opinion polls (phiếu lấy ý kiến thành viên Chính phủ): between meetings the
//! Government decides by asking its members in writing. Here: the three answers, the
//! non-response rule, the definition members sign against (with its canonical bytes), why
//! an answer is refused, the count under the rule, and the signed result record.
//!
//! An answer is a v1 ballot (`ecabinet_crypto::Ballot`) whose poll hash is the hash of an
//! [`OpinionDefinition`]: the same keys, bytes and checks as a vote in a meeting. Its one
//! choice is the answer's index; its text hash covers the member's written opinion.

use crate::poll::{BallotRefusal, KeyId, PollStatus};
use crate::vote::{self, Base, Choice, DecisionRule, Electorate, Outcome, TieBreak};
use crate::{DomainError, UserId};
use serde::{Deserialize, Serialize};

/// The tag that opens a v1 opinion poll definition, followed by one zero byte.
pub const OPINION_TAG_V1: &[u8] = b"ecabinet/opinion/v1";
/// The tag that opens a v1 opinion poll result record, followed by one zero byte.
pub const OPINION_RESULT_TAG_V1: &[u8] = b"ecabinet/opinion-result/v1";

/// Longest draft decision (dự thảo), in characters.
pub const MAX_DRAFT_CHARS: usize = 20_000;
/// Longest written opinion or comment, in characters.
pub const MAX_TEXT_CHARS: usize = 5_000;
/// Most documents attached to one poll.
pub const MAX_DOCUMENTS: usize = 50;

/// A member's answer, in the order of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Đồng ý.
    Agree,
    /// Không đồng ý.
    Disagree,
    /// Ý kiến khác: needs a written opinion.
    Other,
}

impl Answer {
    /// Every answer, in form order.
    pub const ALL: [Answer; 3] = [Answer::Agree, Answer::Disagree, Answer::Other];

    /// The index signed as the ballot's one choice.
    pub fn index(self) -> u16 {
        match self {
            Answer::Agree => 0,
            Answer::Disagree => 1,
            Answer::Other => 2,
        }
    }

    /// The answer a ballot's choices stand for: exactly one known index.
    pub fn from_choices(choices: &[u16]) -> Option<Answer> {
        match choices {
            [i] => Answer::ALL.get(usize::from(*i)).copied(),
            _ => None,
        }
    }

    /// The Vietnamese label, as printed in the report.
    pub fn label_vi(self) -> &'static str {
        match self {
            Answer::Agree => "Đồng ý",
            Answer::Disagree => "Không đồng ý",
            Answer::Other => "Ý kiến khác",
        }
    }
}

/// How a member who has not answered by the deadline counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NonResponse {
    /// Counts as not agreeing (the default).
    #[default]
    NotAgreeing,
    /// Deemed to agree (coi như đồng ý).
    DeemedToAgree,
}

impl NonResponse {
    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            NonResponse::NotAgreeing => "not_agreeing",
            NonResponse::DeemedToAgree => "deemed_to_agree",
        }
    }

    /// Inverse of [`NonResponse::as_str`].
    pub fn parse(s: &str) -> Option<NonResponse> {
        [NonResponse::NotAgreeing, NonResponse::DeemedToAgree]
            .into_iter()
            .find(|n| n.as_str() == s)
    }
}

/// The Government's written-poll rule: more than half of all members agreeing; on a tie
/// the Prime Minister's side. A member may change the answer until the deadline.
pub const GOVERNMENT_RULE: DecisionRule = DecisionRule {
    changes_allowed: true,
    ..DecisionRule::GOVERNMENT
};

/// A document sent with the poll, as the member was shown it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedDocument {
    /// Document id.
    pub document_id: i64,
    /// The version sent.
    pub version: i64,
    /// SHA-256 of that version's original file.
    #[serde(with = "hex::serde")]
    pub sha256: [u8; 32],
}

/// One member asked, with the approved device keys they held when the poll was sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressee {
    /// The member.
    pub member: UserId,
    /// Key ids that may sign their answer, ascending.
    pub keys: Vec<KeyId>,
}

/// Everything a member's signed answer covers: fixed when the poll is sent. The deadline
/// is not in it: the secretariat may extend it, and answers already signed stay valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionDefinition {
    /// Poll id.
    pub poll_id: i64,
    /// The question.
    pub question: String,
    /// The draft decision (dự thảo) the question is about.
    pub draft_decision: String,
    /// Documents sent with it.
    pub documents: Vec<AttachedDocument>,
    /// The decision rule (quorum does not apply: every addressee takes part by being asked).
    pub rule: DecisionRule,
    /// How a missing answer counts.
    pub non_response: NonResponse,
    /// The Prime Minister (chair), whose side breaks a tie.
    pub chair: Option<UserId>,
    /// Who is asked, ascending by member id.
    pub addressees: Vec<Addressee>,
    /// Who approved sending it.
    pub approved_by: UserId,
    /// When it was sent, Unix ms.
    pub sent_at: i64,
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_id(out: &mut Vec<u8>, id: Option<i64>) {
    // Ids are positive; 0 stands for "none".
    out.extend_from_slice(&u64::try_from(id.unwrap_or(0)).unwrap_or(0).to_be_bytes());
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes());
}

fn base_code(b: Base) -> u8 {
    match b {
        Base::AllMembers => 0,
        Base::PresentMembers => 1,
        Base::VotesCast => 2,
        Base::VotesCastWithAbstentions => 3,
    }
}

impl OpinionDefinition {
    /// The canonical bytes (layout in docs/archive-format.md §7). Members sign their
    /// SHA-256 as the ballot's poll hash, so an answer counts only in the poll it was
    /// given in, under the rule, documents and addressees it was shown; and since the tag
    /// differs from a meeting poll's, never as a vote in a meeting.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.draft_decision.len());
        out.extend_from_slice(OPINION_TAG_V1);
        out.push(0);
        put_id(&mut out, Some(self.poll_id));
        put_str(&mut out, &self.question);
        put_str(&mut out, &self.draft_decision);
        put_u32(&mut out, self.documents.len());
        for d in &self.documents {
            put_id(&mut out, Some(d.document_id));
            put_id(&mut out, Some(d.version));
            out.extend_from_slice(&d.sha256);
        }
        let r = &self.rule;
        out.push(base_code(r.base));
        out.extend_from_slice(&r.threshold.num.to_be_bytes());
        out.extend_from_slice(&r.threshold.den.to_be_bytes());
        out.push(u8::from(r.threshold.strict));
        out.push(match r.tie_break {
            TieBreak::ChairSide => 0,
            TieBreak::Fails => 1,
        });
        out.push(match self.non_response {
            NonResponse::NotAgreeing => 0,
            NonResponse::DeemedToAgree => 1,
        });
        put_id(&mut out, self.chair.map(|c| c.0));
        put_u32(&mut out, self.addressees.len());
        for a in &self.addressees {
            put_id(&mut out, Some(a.member.0));
            out.extend_from_slice(&u16::try_from(a.keys.len()).unwrap_or(0).to_be_bytes());
            for k in &a.keys {
                out.extend_from_slice(&k.0);
            }
        }
        put_id(&mut out, Some(self.approved_by.0));
        out.extend_from_slice(&self.sent_at.to_be_bytes());
        out
    }

    /// The entry of `member`.
    pub fn addressee(&self, member: UserId) -> Option<&Addressee> {
        self.addressees.iter().find(|a| a.member == member)
    }

    /// Puts addressees, keys and documents in canonical order and drops duplicates.
    pub fn normalize(&mut self) {
        self.addressees.sort_by_key(|a| a.member);
        self.addressees.dedup_by_key(|a| a.member);
        for a in &mut self.addressees {
            a.keys.sort();
            a.keys.dedup();
        }
        self.documents.sort_by_key(|d| d.document_id);
        self.documents.dedup_by_key(|d| d.document_id);
    }
}

/// Checks a written opinion or comment; returns it trimmed.
pub fn check_text(answer: Answer, text: &str) -> Result<String, BallotRefusal> {
    let text = text.trim();
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(BallotRefusal::TextTooLong);
    }
    if answer == Answer::Other && text.is_empty() {
        return Err(BallotRefusal::TextRequired);
    }
    Ok(text.to_owned())
}

/// Checks a draft decision; returns it trimmed.
pub fn check_draft(s: &str) -> Result<String, DomainError> {
    let s = s.trim();
    if s.chars().count() > MAX_DRAFT_CHARS {
        return Err(DomainError::invalid(
            "draft_decision",
            format!("at most {MAX_DRAFT_CHARS} characters"),
        ));
    }
    Ok(s.to_owned())
}

/// What the server knows when an answer arrives.
#[derive(Clone, Debug)]
pub struct AnswerContext<'a> {
    /// The poll's status (draft until sent).
    pub status: PollStatus,
    /// The definition, once sent.
    pub definition: Option<&'a OpinionDefinition>,
    /// SHA-256 of its canonical bytes.
    pub definition_hash: [u8; 32],
    /// The deadline, Unix ms.
    pub deadline: i64,
    /// Now, Unix ms (the server's clock, not the device's).
    pub now: i64,
    /// The logged-in member.
    pub sender: UserId,
    /// Whether the signing key is revoked.
    pub key_revoked: bool,
    /// Whether these exact bytes were stored before.
    pub duplicate: bool,
}

/// The fields of an answer the rules look at.
#[derive(Clone, Debug)]
pub struct AnswerFacts<'a> {
    /// Poll hash signed.
    pub poll_hash: [u8; 32],
    /// Member signed for.
    pub member: UserId,
    /// Signing key.
    pub key_id: KeyId,
    /// The ballot's choices.
    pub choices: &'a [u16],
    /// The text hash signed.
    pub text_hash: [u8; 32],
    /// The text sent beside the ballot.
    pub text: &'a str,
    /// SHA-256 of that text (zeros when empty), computed by the caller.
    pub sent_text_hash: [u8; 32],
}

/// Decides whether an answer may be stored (the signature is checked by the caller). A
/// member may answer again until the deadline; the last answer counts.
pub fn admit(ctx: &AnswerContext<'_>, a: &AnswerFacts<'_>) -> Result<Answer, BallotRefusal> {
    if ctx.duplicate {
        return Err(BallotRefusal::Replayed);
    }
    let def = match (ctx.status, ctx.definition) {
        (PollStatus::Draft, _) | (_, None) => return Err(BallotRefusal::NotOpen),
        (PollStatus::Closed, _) => return Err(BallotRefusal::Closed),
        (PollStatus::Open, Some(d)) => d,
    };
    // The deadline is the server's: an answer after it is late even if the closing task
    // has not run yet.
    if ctx.now >= ctx.deadline {
        return Err(BallotRefusal::Late);
    }
    if a.member != ctx.sender {
        return Err(BallotRefusal::OtherMember);
    }
    let addressee = def.addressee(a.member).ok_or(BallotRefusal::NotEligible)?;
    if a.poll_hash != ctx.definition_hash {
        return Err(BallotRefusal::StalePoll);
    }
    if !addressee.keys.contains(&a.key_id) {
        return Err(BallotRefusal::UnknownKey);
    }
    if ctx.key_revoked {
        return Err(BallotRefusal::RevokedKey);
    }
    let answer = Answer::from_choices(a.choices).ok_or(BallotRefusal::BadChoice)?;
    let text = check_text(answer, a.text)?;
    if text != a.text || a.sent_text_hash != a.text_hash {
        return Err(BallotRefusal::TextMismatch);
    }
    Ok(answer)
}

/// The count of a written poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionResult {
    /// Đồng ý.
    pub agree: u32,
    /// Không đồng ý.
    pub disagree: u32,
    /// Ý kiến khác.
    pub other: u32,
    /// Addressees without an answer at the deadline.
    pub not_answered: u32,
    /// Counted in favour: agreeing, plus the non-responders when deemed to agree.
    pub in_favour: u32,
    /// Counted against: disagreeing, plus the non-responders when not agreeing.
    pub against: u32,
    /// What the threshold was measured against.
    pub base: u32,
    /// The result.
    pub outcome: Outcome,
}

/// Counts the answers that count (the last per member) under the poll's rule. Pure: the
/// server at the deadline, `ecabinet verify` and any outside recount agree.
///
/// "Ý kiến khác" is neither for nor against. A member who did not answer counts against,
/// or in favour when the poll says "deemed to agree"; the chair's missing answer counts
/// the same way when a tie is broken.
pub fn tally(
    def: &OpinionDefinition,
    answers: &[(UserId, Answer)],
) -> Result<OpinionResult, DomainError> {
    let mut ballots: Vec<(UserId, Choice)> = Vec::with_capacity(def.addressees.len());
    let (mut agree, mut disagree, mut other) = (0u32, 0u32, 0u32);
    for (who, a) in answers {
        if def.addressee(*who).is_none() {
            return Err(DomainError::invalid(
                "answers",
                format!("member {who} was not asked"),
            ));
        }
        let choice = match a {
            Answer::Agree => {
                agree += 1;
                Choice::Yes
            }
            Answer::Disagree => {
                disagree += 1;
                Choice::No
            }
            Answer::Other => {
                other += 1;
                Choice::Abstain
            }
        };
        ballots.push((*who, choice));
    }
    let silent = match def.non_response {
        NonResponse::NotAgreeing => Choice::No,
        NonResponse::DeemedToAgree => Choice::Yes,
    };
    let mut not_answered = 0u32;
    for a in &def.addressees {
        if !answers.iter().any(|(w, _)| *w == a.member) {
            not_answered += 1;
            ballots.push((a.member, silent));
        }
    }
    let all: Vec<UserId> = def.addressees.iter().map(|a| a.member).collect();
    let electorate = Electorate {
        eligible: all.clone(),
        present: all,
        chair: def.chair,
    };
    let t = vote::tally(&def.rule, &electorate, &ballots)?;
    Ok(OpinionResult {
        agree,
        disagree,
        other,
        not_answered,
        in_favour: t.yes,
        against: t.no,
        base: t.base,
        outcome: t.outcome,
    })
}

fn outcome_code(o: Outcome) -> u8 {
    match o {
        Outcome::Passed => 0,
        Outcome::Failed => 1,
        Outcome::PassedByTieBreak => 2,
        Outcome::FailedByTieBreak => 3,
        Outcome::NoQuorum => 4,
    }
}

/// The result as the server signs it at the deadline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpinionResultRecord {
    /// Poll id.
    pub poll_id: i64,
    /// SHA-256 of the definition's canonical bytes.
    #[serde(with = "hex::serde")]
    pub definition_hash: [u8; 32],
    /// Leaves (answers) in the log when counted.
    pub tree_size: u64,
    /// The log's root at that size.
    #[serde(with = "hex::serde")]
    pub tree_root: [u8; 32],
    /// The deadline it closed at (after any extension), Unix ms.
    pub deadline: i64,
    /// When it was counted, Unix ms.
    pub closed_at: i64,
    /// The count.
    pub result: OpinionResult,
}

impl OpinionResultRecord {
    /// The canonical bytes the server signs (docs/archive-format.md §7).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let r = &self.result;
        let mut out = Vec::with_capacity(160);
        out.extend_from_slice(OPINION_RESULT_TAG_V1);
        out.push(0);
        put_id(&mut out, Some(self.poll_id));
        out.extend_from_slice(&self.definition_hash);
        out.extend_from_slice(&self.tree_size.to_be_bytes());
        out.extend_from_slice(&self.tree_root);
        out.extend_from_slice(&self.deadline.to_be_bytes());
        out.extend_from_slice(&self.closed_at.to_be_bytes());
        for n in [
            r.agree,
            r.disagree,
            r.other,
            r.not_answered,
            r.in_favour,
            r.against,
            r.base,
        ] {
            out.extend_from_slice(&n.to_be_bytes());
        }
        out.push(outcome_code(r.outcome));
        out
    }
}

/// When the reminders of a poll fall: `minutes_before` the deadline, skipping those that
/// would fall before `sent_at` (a reminder about a poll nobody has seen yet is noise).
/// Ascending, without duplicates.
pub fn reminder_times(deadline: i64, sent_at: i64, minutes_before: &[u32]) -> Vec<i64> {
    let mut times: Vec<i64> = minutes_before
        .iter()
        .map(|m| deadline - i64::from(*m) * 60_000)
        .filter(|t| *t > sent_at && *t < deadline)
        .collect();
    times.sort_unstable();
    times.dedup();
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(n: i64, non_response: NonResponse) -> OpinionDefinition {
        OpinionDefinition {
            poll_id: 3,
            question: "Thông qua dự thảo Nghị định?".into(),
            draft_decision: "Điều 1. ...".into(),
            documents: vec![],
            rule: GOVERNMENT_RULE,
            non_response,
            chair: Some(UserId(1)),
            addressees: (1..=n)
                .map(|i| Addressee {
                    member: UserId(i),
                    keys: vec![KeyId([1; 32])],
                })
                .collect(),
            approved_by: UserId(100),
            sent_at: 1_000,
        }
    }

    fn answers(agree: i64, disagree: i64, other: i64) -> Vec<(UserId, Answer)> {
        (1..=agree + disagree + other)
            .map(|i| {
                let a = if i <= agree {
                    Answer::Agree
                } else if i <= agree + disagree {
                    Answer::Disagree
                } else {
                    Answer::Other
                };
                (UserId(i), a)
            })
            .collect()
    }

    #[test]
    fn more_than_half_of_all_members_must_agree() {
        let d = def(27, NonResponse::NotAgreeing);
        let r = tally(&d, &answers(14, 0, 0)).unwrap();
        assert_eq!(r.outcome, Outcome::Passed);
        assert_eq!((r.in_favour, r.against, r.not_answered), (14, 13, 13));
        // 13 agree, 10 disagree, 4 silent: not more than half of 27.
        assert_eq!(
            tally(&d, &answers(13, 10, 0)).unwrap().outcome,
            Outcome::Failed
        );
        // Other opinions are not agreement.
        assert_eq!(
            tally(&d, &answers(13, 0, 14)).unwrap().outcome,
            Outcome::Failed
        );
    }

    #[test]
    fn deemed_to_agree_counts_the_silent_in_favour() {
        let d = def(27, NonResponse::DeemedToAgree);
        let r = tally(&d, &answers(10, 3, 0)).unwrap();
        assert_eq!((r.agree, r.in_favour, r.against), (10, 24, 3));
        assert_eq!(r.outcome, Outcome::Passed);
    }

    #[test]
    fn a_tie_follows_the_prime_ministers_side_even_when_silent() {
        // 26 members: 13 for, 13 against.
        let d = def(26, NonResponse::NotAgreeing);
        assert_eq!(
            tally(&d, &answers(13, 13, 0)).unwrap().outcome,
            Outcome::PassedByTieBreak
        );
        // The PM (member 1) disagrees: members 2..=14 agree, 1 and 15..=26 disagree.
        let mut a: Vec<(UserId, Answer)> = (2..=14).map(|i| (UserId(i), Answer::Agree)).collect();
        a.push((UserId(1), Answer::Disagree));
        a.extend((15..=26).map(|i| (UserId(i), Answer::Disagree)));
        assert_eq!(tally(&d, &a).unwrap().outcome, Outcome::FailedByTieBreak);
        // The PM did not answer and silence is deemed agreement: his side is "for".
        let d = def(26, NonResponse::DeemedToAgree);
        let a: Vec<(UserId, Answer)> = (2..=13)
            .map(|i| (UserId(i), Answer::Agree))
            .chain((14..=26).map(|i| (UserId(i), Answer::Disagree)))
            .collect();
        assert_eq!(tally(&d, &a).unwrap().outcome, Outcome::PassedByTieBreak);
    }

    #[test]
    fn answers_of_members_not_asked_are_refused_by_the_count() {
        let d = def(3, NonResponse::NotAgreeing);
        assert!(tally(&d, &[(UserId(9), Answer::Agree)]).is_err());
    }

    fn ctx(d: &OpinionDefinition) -> AnswerContext<'_> {
        AnswerContext {
            status: PollStatus::Open,
            definition: Some(d),
            definition_hash: [7; 32],
            deadline: 10_000,
            now: 5_000,
            sender: UserId(2),
            key_revoked: false,
            duplicate: false,
        }
    }

    fn facts<'a>(choices: &'a [u16], text: &'a str, hash: [u8; 32]) -> AnswerFacts<'a> {
        AnswerFacts {
            poll_hash: [7; 32],
            member: UserId(2),
            key_id: KeyId([1; 32]),
            choices,
            text_hash: hash,
            text,
            sent_text_hash: hash,
        }
    }

    #[test]
    fn answers_are_checked_in_a_useful_order() {
        let d = def(3, NonResponse::NotAgreeing);
        assert_eq!(
            admit(&ctx(&d), &facts(&[0], "", [0; 32])),
            Ok(Answer::Agree)
        );
        assert_eq!(
            admit(&ctx(&d), &facts(&[2], "", [0; 32])),
            Err(BallotRefusal::TextRequired)
        );
        assert_eq!(
            admit(&ctx(&d), &facts(&[2], "Đề nghị sửa Điều 3", [5; 32])),
            Ok(Answer::Other)
        );
        assert_eq!(
            admit(&ctx(&d), &facts(&[3], "", [0; 32])),
            Err(BallotRefusal::BadChoice)
        );
        assert_eq!(
            admit(&ctx(&d), &facts(&[0, 1], "", [0; 32])),
            Err(BallotRefusal::BadChoice)
        );
        let mut f = facts(&[0], "x", [5; 32]);
        f.sent_text_hash = [6; 32];
        assert_eq!(admit(&ctx(&d), &f), Err(BallotRefusal::TextMismatch));
        let late = AnswerContext {
            now: 10_000,
            ..ctx(&d)
        };
        assert_eq!(
            admit(&late, &facts(&[0], "", [0; 32])),
            Err(BallotRefusal::Late)
        );
        let stranger = AnswerContext {
            sender: UserId(9),
            ..ctx(&d)
        };
        let mut f = facts(&[0], "", [0; 32]);
        f.member = UserId(9);
        assert_eq!(admit(&stranger, &f), Err(BallotRefusal::NotEligible));
        let closed = AnswerContext {
            status: PollStatus::Closed,
            ..ctx(&d)
        };
        assert_eq!(
            admit(&closed, &facts(&[0], "", [0; 32])),
            Err(BallotRefusal::Closed)
        );
    }

    #[test]
    fn the_definition_bytes_cover_what_the_member_was_shown() {
        let d = def(3, NonResponse::NotAgreeing);
        let base = d.canonical_bytes();
        assert!(base.starts_with(OPINION_TAG_V1));
        let mut changed = d.clone();
        changed.non_response = NonResponse::DeemedToAgree;
        assert_ne!(changed.canonical_bytes(), base);
        let mut changed = d.clone();
        changed.documents.push(AttachedDocument {
            document_id: 1,
            version: 1,
            sha256: [0; 32],
        });
        assert_ne!(changed.canonical_bytes(), base);
        let mut changed = d.clone();
        changed.draft_decision.push('.');
        assert_ne!(changed.canonical_bytes(), base);
    }

    #[test]
    fn reminders_fall_between_sending_and_the_deadline() {
        let h = 3_600_000;
        assert_eq!(
            reminder_times(48 * h, 0, &[24 * 60, 60, 60, 0]),
            vec![24 * h, 47 * h]
        );
        // Sent an hour before the deadline: the one-day reminder is skipped.
        assert_eq!(
            reminder_times(48 * h, 47 * h - 1, &[24 * 60, 60]),
            vec![47 * h]
        );
    }
}
