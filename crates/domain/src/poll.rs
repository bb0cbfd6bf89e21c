//! Polls (cuộc biểu quyết): what is asked, the ballot form, who may vote with which key
//! (snapshotted when it opens), which ballots are accepted, and the count under the rule.
//! Also the canonical bytes of a poll's definition and of its result: members sign the
//! hash of the first, the server signs the second, and any recount rebuilds both.

use crate::quorum::{self, QuorumStatus};
use crate::vote::{self, Base, Choice, DecisionRule, Electorate, Outcome, TieBreak};
use crate::{AgendaItemId, DomainError, MeetingId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// The tag that opens a v1 poll definition, followed by one zero byte.
pub const DEFINITION_TAG_V1: &[u8] = b"ecabinet/poll/v1";
/// The tag that opens a v1 result record, followed by one zero byte.
pub const RESULT_TAG_V1: &[u8] = b"ecabinet/result/v1";

/// Longest question, in characters.
pub const MAX_QUESTION_CHARS: usize = 1000;
/// Longest option label, in characters.
pub const MAX_OPTION_CHARS: usize = 200;
/// Most options of one poll.
pub const MAX_OPTIONS: usize = 100;

/// The labels of a yes/no vote, in ballot order: index 0 for, 1 against, 2 abstains.
pub const YES_NO_OPTIONS: [&str; 3] = ["Tán thành", "Không tán thành", "Không biểu quyết"];

/// A device key id: SHA-256 of the public key, written in hex on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(#[serde(with = "hex::serde")] pub [u8; 32]);

/// How a ballot is filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// Tán thành / Không tán thành / Không biểu quyết: exactly one.
    YesNo,
    /// One of the custom options, or a blank ballot.
    Single,
    /// Up to `max_choices` of the options; each option is adopted on its own.
    Multiple,
    /// Elect up to `max_choices` (the seats) of the candidates.
    Candidates,
}

impl FormKind {
    fn code(self) -> u8 {
        match self {
            FormKind::YesNo => 0,
            FormKind::Single => 1,
            FormKind::Multiple => 2,
            FormKind::Candidates => 3,
        }
    }
}

/// The ballot form: kind, options and how many may be chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotForm {
    /// Kind of form.
    pub kind: FormKind,
    /// Option labels in ballot order (fixed for yes/no).
    pub options: Vec<String>,
    /// Most options one ballot may choose (1 for yes/no and single; the seats for candidates).
    pub max_choices: u16,
}

impl BallotForm {
    /// The default form: Tán thành / Không tán thành / Không biểu quyết.
    pub fn yes_no() -> BallotForm {
        BallotForm {
            kind: FormKind::YesNo,
            options: YES_NO_OPTIONS.iter().map(|s| (*s).to_owned()).collect(),
            max_choices: 1,
        }
    }

    /// Checks a form that arrived as data; trims the labels.
    pub fn validated(self) -> Result<BallotForm, DomainError> {
        if self.kind == FormKind::YesNo {
            return Ok(BallotForm::yes_no());
        }
        let options: Vec<String> = self.options.iter().map(|o| o.trim().to_owned()).collect();
        if options.len() < 2 || options.len() > MAX_OPTIONS {
            return Err(DomainError::invalid(
                "options",
                format!("give between 2 and {MAX_OPTIONS} options"),
            ));
        }
        if options
            .iter()
            .any(|o| o.is_empty() || o.chars().count() > MAX_OPTION_CHARS)
        {
            return Err(DomainError::invalid(
                "options",
                format!("each option needs 1 to {MAX_OPTION_CHARS} characters"),
            ));
        }
        let distinct: HashSet<&str> = options.iter().map(String::as_str).collect();
        if distinct.len() != options.len() {
            return Err(DomainError::invalid("options", "options must differ"));
        }
        let max = match self.kind {
            FormKind::Single => 1,
            _ => self.max_choices,
        };
        if max == 0 || usize::from(max) > options.len() {
            return Err(DomainError::invalid(
                "max_choices",
                "must be between 1 and the number of options",
            ));
        }
        Ok(BallotForm {
            kind: self.kind,
            options,
            max_choices: max,
        })
    }

    /// Whether `choices` (strictly increasing option indices) fill this form correctly.
    /// A yes/no ballot names exactly one option (abstaining is an option); the other forms
    /// accept a blank ballot.
    pub fn check(&self, choices: &[u16]) -> Result<(), BallotRefusal> {
        let in_range = choices.iter().all(|&c| usize::from(c) < self.options.len());
        let increasing = choices.windows(2).all(|w| w[0] < w[1]);
        let count_ok = match self.kind {
            FormKind::YesNo => choices.len() == 1,
            _ => choices.len() <= usize::from(self.max_choices),
        };
        if in_range && increasing && count_ok {
            Ok(())
        } else {
            Err(BallotRefusal::BadChoice)
        }
    }
}

/// One member entitled to vote, with the approved device keys they held when the poll opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voter {
    /// The member.
    pub member: UserId,
    /// Key ids that may sign for them in this poll, ascending.
    pub keys: Vec<KeyId>,
    /// Checked in when the poll opened.
    pub present: bool,
}

/// Everything a member's signature covers about the poll: fixed when it opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollDefinition {
    /// Poll id.
    pub poll_id: i64,
    /// The meeting it belongs to.
    pub meeting_id: MeetingId,
    /// The agenda item it decides, if any.
    pub item_id: Option<AgendaItemId>,
    /// The question as shown.
    pub question: String,
    /// The ballot form.
    pub form: BallotForm,
    /// The decision rule.
    pub rule: DecisionRule,
    /// The chair, whose side breaks a tie.
    pub chair: Option<UserId>,
    /// Who may vote, ascending by member id.
    pub voters: Vec<Voter>,
    /// When it opened, Unix ms.
    pub opened_at: i64,
}

/// Checks a question that arrived as data; returns it trimmed.
pub fn check_question(q: &str) -> Result<String, DomainError> {
    let q = q.trim();
    if q.is_empty() || q.chars().count() > MAX_QUESTION_CHARS {
        return Err(DomainError::invalid(
            "question",
            format!("needs 1 to {MAX_QUESTION_CHARS} characters"),
        ));
    }
    Ok(q.to_owned())
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_id(out: &mut Vec<u8>, id: Option<i64>) {
    // Ids are positive; 0 stands for "none".
    out.extend_from_slice(&u64::try_from(id.unwrap_or(0)).unwrap_or(0).to_be_bytes());
}

fn base_code(b: Base) -> u8 {
    match b {
        Base::AllMembers => 0,
        Base::PresentMembers => 1,
        Base::VotesCast => 2,
        Base::VotesCastWithAbstentions => 3,
    }
}

impl PollDefinition {
    /// The canonical bytes (layout in docs/archive-format.md §2). Members sign their SHA-256
    /// (the "poll hash" in each ballot), so a ballot can only count in the poll it was cast
    /// in, under the rule and electorate it was shown.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.voters.len() * 48);
        out.extend_from_slice(DEFINITION_TAG_V1);
        out.push(0);
        put_id(&mut out, Some(self.poll_id));
        put_id(&mut out, Some(self.meeting_id.0));
        put_id(&mut out, self.item_id.map(|i| i.0));
        put_str(&mut out, &self.question);
        out.push(self.form.kind.code());
        out.extend_from_slice(&self.form.max_choices.to_be_bytes());
        out.extend_from_slice(
            &u16::try_from(self.form.options.len())
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        for o in &self.form.options {
            put_str(&mut out, o);
        }
        let r = &self.rule;
        out.push(base_code(r.base));
        out.extend_from_slice(&r.threshold.num.to_be_bytes());
        out.extend_from_slice(&r.threshold.den.to_be_bytes());
        out.push(u8::from(r.threshold.strict));
        out.extend_from_slice(&r.quorum.num.to_be_bytes());
        out.extend_from_slice(&r.quorum.den.to_be_bytes());
        out.push(match r.tie_break {
            TieBreak::ChairSide => 0,
            TieBreak::Fails => 1,
        });
        out.push(u8::from(r.changes_allowed));
        put_id(&mut out, self.chair.map(|c| c.0));
        out.extend_from_slice(
            &u32::try_from(self.voters.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes(),
        );
        for v in &self.voters {
            put_id(&mut out, Some(v.member.0));
            out.extend_from_slice(&u16::try_from(v.keys.len()).unwrap_or(0).to_be_bytes());
            for k in &v.keys {
                out.extend_from_slice(&k.0);
            }
            out.push(u8::from(v.present));
        }
        out.extend_from_slice(&self.opened_at.to_be_bytes());
        out
    }

    /// The voter entry of `member`.
    pub fn voter(&self, member: UserId) -> Option<&Voter> {
        self.voters.iter().find(|v| v.member == member)
    }

    /// Puts voters and their keys in canonical (ascending) order and drops duplicates.
    pub fn normalize(&mut self) {
        self.voters.sort_by_key(|v| v.member);
        self.voters.dedup_by_key(|v| v.member);
        for v in &mut self.voters {
            v.keys.sort();
            v.keys.dedup();
        }
    }

    fn electorate(&self) -> Electorate {
        Electorate {
            eligible: self.voters.iter().map(|v| v.member).collect(),
            present: self
                .voters
                .iter()
                .filter(|v| v.present)
                .map(|v| v.member)
                .collect(),
            chair: self.chair,
        }
    }
}

/// Where a poll is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PollStatus {
    /// Prepared; not yet open for ballots.
    Draft,
    /// Taking ballots.
    Open,
    /// Counted; the result is final.
    Closed,
}

impl PollStatus {
    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PollStatus::Draft => "draft",
            PollStatus::Open => "open",
            PollStatus::Closed => "closed",
        }
    }

    /// Inverse of [`PollStatus::as_str`].
    pub fn parse(s: &str) -> Option<PollStatus> {
        [PollStatus::Draft, PollStatus::Open, PollStatus::Closed]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    /// Opening: only a draft.
    pub fn open(self) -> Result<PollStatus, DomainError> {
        self.step(PollStatus::Draft, PollStatus::Open, "open")
    }

    /// Closing: only an open poll.
    pub fn close(self) -> Result<PollStatus, DomainError> {
        self.step(PollStatus::Open, PollStatus::Closed, "close")
    }

    fn step(
        self,
        from: PollStatus,
        to: PollStatus,
        action: &'static str,
    ) -> Result<PollStatus, DomainError> {
        if self == from {
            Ok(to)
        } else {
            Err(DomainError::InvalidTransition {
                subject: "vote",
                from: self.as_str(),
                action,
            })
        }
    }
}

/// Why a ballot was refused. Each has its own wire code; nothing is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum BallotRefusal {
    /// The bytes are not a v1 ballot, or name another poll.
    #[error("the ballot is malformed or names another poll")]
    Malformed,
    /// The poll's definition changed since the tablet read it (or the hash is wrong).
    #[error("the ballot was signed for another version of this poll")]
    StalePoll,
    /// The poll is not open yet.
    #[error("the vote is not open yet")]
    NotOpen,
    /// The poll is closed.
    #[error("the vote is closed")]
    Closed,
    /// The signer is not in the electorate snapshotted at opening.
    #[error("you are not entitled to vote in this poll")]
    NotEligible,
    /// The ballot names a member other than the one logged in.
    #[error("the ballot names another member")]
    OtherMember,
    /// The key is not registered, or was not approved for this member when the poll opened.
    #[error("this device key may not vote in this poll")]
    UnknownKey,
    /// The key was revoked.
    #[error("this device key was revoked")]
    RevokedKey,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// Options out of range, or too many or too few.
    #[error("the choice does not fit this ballot form")]
    BadChoice,
    /// These exact bytes were accepted before.
    #[error("this ballot was received already")]
    Replayed,
    /// The member voted already and the rule does not allow changes.
    #[error("you have voted already and this vote does not allow changes")]
    AlreadyVoted,
    /// A written poll's deadline has passed.
    #[error("the deadline for answers has passed")]
    Late,
    /// "Ý kiến khác" without a written opinion.
    #[error("an other opinion needs its text")]
    TextRequired,
    /// The written opinion is too long.
    #[error("the written opinion is too long")]
    TextTooLong,
    /// The text sent is not the text signed.
    #[error("the text does not match the text that was signed")]
    TextMismatch,
}

impl BallotRefusal {
    /// Stable machine-readable code, part of the protocol.
    pub fn code(self) -> &'static str {
        match self {
            BallotRefusal::Malformed => "ballot_malformed",
            BallotRefusal::StalePoll => "ballot_stale_poll",
            BallotRefusal::NotOpen => "poll_not_open",
            BallotRefusal::Closed => "poll_closed",
            BallotRefusal::NotEligible => "not_eligible",
            BallotRefusal::OtherMember => "ballot_other_member",
            BallotRefusal::UnknownKey => "unknown_key",
            BallotRefusal::RevokedKey => "revoked_key",
            BallotRefusal::BadSignature => "bad_signature",
            BallotRefusal::BadChoice => "bad_choice",
            BallotRefusal::Replayed => "ballot_replayed",
            BallotRefusal::AlreadyVoted => "already_voted",
            BallotRefusal::Late => "answer_late",
            BallotRefusal::TextRequired => "text_required",
            BallotRefusal::TextTooLong => "text_too_long",
            BallotRefusal::TextMismatch => "text_mismatch",
        }
    }
}

/// What the server knows when a ballot arrives, gathered before deciding.
#[derive(Clone, Debug)]
pub struct BallotContext<'a> {
    /// The poll's status.
    pub status: PollStatus,
    /// Its definition (present once opened).
    pub definition: Option<&'a PollDefinition>,
    /// SHA-256 of the definition's canonical bytes.
    pub definition_hash: [u8; 32],
    /// The logged-in member sending it.
    pub sender: UserId,
    /// Whether the signing key is currently revoked.
    pub key_revoked: bool,
    /// Whether the member has a ballot in this poll already.
    pub has_voted: bool,
    /// Whether these exact bytes were stored before.
    pub duplicate: bool,
}

/// The fields of a ballot that the rules look at (the rest is for the signature).
#[derive(Clone, Debug)]
pub struct BallotFacts<'a> {
    /// Poll hash signed.
    pub poll_hash: [u8; 32],
    /// Member signed for.
    pub member: UserId,
    /// Signing key.
    pub key_id: KeyId,
    /// Chosen options.
    pub choices: &'a [u16],
}

/// Decides whether a ballot may be stored (the signature is checked by the caller, after
/// these cheaper checks). The order makes the answer the most useful one: a replay is named
/// as such even after the close.
pub fn admit(ctx: &BallotContext<'_>, b: &BallotFacts<'_>) -> Result<(), BallotRefusal> {
    if ctx.duplicate {
        return Err(BallotRefusal::Replayed);
    }
    let def = match (ctx.status, ctx.definition) {
        (PollStatus::Draft, _) | (_, None) => return Err(BallotRefusal::NotOpen),
        (PollStatus::Closed, _) => return Err(BallotRefusal::Closed),
        (PollStatus::Open, Some(d)) => d,
    };
    if b.member != ctx.sender {
        return Err(BallotRefusal::OtherMember);
    }
    let voter = def.voter(b.member).ok_or(BallotRefusal::NotEligible)?;
    if b.poll_hash != ctx.definition_hash {
        return Err(BallotRefusal::StalePoll);
    }
    if !voter.keys.contains(&b.key_id) {
        return Err(BallotRefusal::UnknownKey);
    }
    if ctx.key_revoked {
        return Err(BallotRefusal::RevokedKey);
    }
    def.form.check(b.choices)?;
    if ctx.has_voted && !def.rule.changes_allowed {
        return Err(BallotRefusal::AlreadyVoted);
    }
    Ok(())
}

/// The count of a poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollResult {
    /// Ballots per option, in option order.
    pub counts: Vec<u32>,
    /// Members whose ballot counted.
    pub voted: u32,
    /// Of those, blank ballots (no option chosen; on yes/no, none: abstaining is an option).
    pub blank: u32,
    /// Eligible members without a ballot.
    pub not_voted: u32,
    /// What the threshold was measured against.
    pub base: u32,
    /// Presence against the quorum (voting counts as presence).
    pub quorum: QuorumStatus,
    /// The result.
    pub outcome: Outcome,
    /// Options adopted or candidates elected (yes/no: `[0]` when passed).
    pub adopted: Vec<u16>,
}

/// Picks the ballot that counts for each member from the accepted ballots in log order:
/// the last one when changes are allowed, otherwise the only one.
pub fn counted<'a>(
    rule: &DecisionRule,
    in_log_order: impl IntoIterator<Item = (UserId, &'a [u16])>,
) -> Vec<(UserId, &'a [u16])> {
    let mut by_member: BTreeMap<UserId, &'a [u16]> = BTreeMap::new();
    for (who, choices) in in_log_order {
        if rule.changes_allowed {
            by_member.insert(who, choices);
        } else {
            by_member.entry(who).or_insert(choices);
        }
    }
    by_member.into_iter().collect()
}

/// Counts the ballots that count (at most one per member) under the poll's rule. Pure: the
/// server at close, `ecabinet verify` and any outside recount get the same answer.
pub fn tally(
    def: &PollDefinition,
    ballots: &[(UserId, &[u16])],
) -> Result<PollResult, DomainError> {
    for (_, c) in ballots {
        def.form
            .check(c)
            .map_err(|_| DomainError::invalid("ballots", "a ballot does not fit the form"))?;
    }
    let electorate = def.electorate();
    if def.form.kind == FormKind::YesNo {
        let choices: Vec<(UserId, Choice)> = ballots
            .iter()
            .map(|(who, c)| {
                let choice = match c.first() {
                    Some(0) => Choice::Yes,
                    Some(1) => Choice::No,
                    _ => Choice::Abstain,
                };
                (*who, choice)
            })
            .collect();
        let t = vote::tally(&def.rule, &electorate, &choices)?;
        return Ok(PollResult {
            counts: vec![t.yes, t.no, t.abstain],
            voted: t.yes + t.no + t.abstain,
            blank: 0,
            not_voted: t.not_voted,
            base: t.base,
            quorum: t.quorum,
            outcome: t.outcome,
            adopted: if t.outcome.adopted() { vec![0] } else { vec![] },
        });
    }
    let eligible: HashSet<UserId> = electorate.eligible.iter().copied().collect();
    let mut seen = HashSet::new();
    let mut counts = vec![0u32; def.form.options.len()];
    let mut blank = 0u32;
    let mut chair_choices: &[u16] = &[];
    for (who, c) in ballots {
        if !eligible.contains(who) || !seen.insert(*who) {
            return Err(DomainError::invalid(
                "ballots",
                format!("member {who} may not vote, or voted twice"),
            ));
        }
        if c.is_empty() {
            blank += 1;
        }
        for &i in c.iter() {
            counts[usize::from(i)] += 1;
        }
        if Some(*who) == def.chair {
            chair_choices = c;
        }
    }
    let all = u32::try_from(eligible.len()).unwrap_or(u32::MAX);
    let voted = u32::try_from(seen.len()).unwrap_or(u32::MAX);
    let present = u32::try_from(
        electorate
            .present
            .iter()
            .filter(|u| eligible.contains(u))
            .chain(seen.iter())
            .collect::<HashSet<_>>()
            .len(),
    )
    .unwrap_or(u32::MAX);
    let quorum = quorum::evaluate(def.rule.quorum, present, all);
    let base = match def.rule.base {
        Base::AllMembers => all,
        Base::PresentMembers => present,
        Base::VotesCast => voted - blank,
        Base::VotesCastWithAbstentions => voted,
    };
    let reaching: Vec<u16> = (0..counts.len())
        .filter(|&i| def.rule.threshold.reached(counts[i], base))
        .filter_map(|i| u16::try_from(i).ok())
        .collect();
    let count_of = |i: u16| counts[usize::from(i)];
    let (outcome, adopted) = if !quorum.met {
        (Outcome::NoQuorum, vec![])
    } else {
        match def.form.kind {
            FormKind::Multiple => {
                if reaching.is_empty() {
                    (Outcome::Failed, vec![])
                } else {
                    (Outcome::Passed, reaching)
                }
            }
            FormKind::Single => {
                let top = reaching.iter().map(|&i| count_of(i)).max().unwrap_or(0);
                let leaders: Vec<u16> = reaching
                    .iter()
                    .copied()
                    .filter(|&i| count_of(i) == top)
                    .collect();
                match leaders.as_slice() {
                    [] => (Outcome::Failed, vec![]),
                    [one] => (Outcome::Passed, vec![*one]),
                    tied => match (def.rule.tie_break, chair_choices.first()) {
                        (TieBreak::ChairSide, Some(c)) if tied.contains(c) => {
                            (Outcome::PassedByTieBreak, vec![*c])
                        }
                        _ => (Outcome::FailedByTieBreak, vec![]),
                    },
                }
            }
            FormKind::Candidates | FormKind::YesNo => {
                let seats = usize::from(def.form.max_choices);
                let mut ranked = reaching.clone();
                ranked.sort_by_key(|&i| (std::cmp::Reverse(count_of(i)), i));
                let elected: Vec<u16> = if ranked.len() <= seats {
                    ranked
                } else {
                    // Candidates tied on the last seat are all left out: the seat stays open
                    // for another round rather than being decided by ballot order.
                    let cut = count_of(ranked[seats]);
                    ranked.into_iter().filter(|&i| count_of(i) > cut).collect()
                };
                let mut elected = elected;
                elected.sort_unstable();
                if !elected.is_empty() {
                    (Outcome::Passed, elected)
                } else if reaching.is_empty() {
                    (Outcome::Failed, vec![])
                } else {
                    (Outcome::FailedByTieBreak, vec![])
                }
            }
        }
    };
    Ok(PollResult {
        counts,
        voted,
        blank,
        not_voted: all - voted,
        base,
        quorum,
        outcome,
        adopted,
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

/// The result as the server signs it, and as a recount compares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRecord {
    /// Poll id.
    pub poll_id: i64,
    /// SHA-256 of the definition's canonical bytes.
    #[serde(with = "hex::serde")]
    pub definition_hash: [u8; 32],
    /// Leaves in the log when counted.
    pub tree_size: u64,
    /// The log's root at that size.
    #[serde(with = "hex::serde")]
    pub tree_root: [u8; 32],
    /// When it closed, Unix ms.
    pub closed_at: i64,
    /// The count.
    pub result: PollResult,
}

impl ResultRecord {
    /// The canonical bytes the server signs (docs/archive-format.md §4).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let r = &self.result;
        let mut out = Vec::with_capacity(160 + 4 * r.counts.len());
        out.extend_from_slice(RESULT_TAG_V1);
        out.push(0);
        put_id(&mut out, Some(self.poll_id));
        out.extend_from_slice(&self.definition_hash);
        out.extend_from_slice(&self.tree_size.to_be_bytes());
        out.extend_from_slice(&self.tree_root);
        out.extend_from_slice(&self.closed_at.to_be_bytes());
        out.extend_from_slice(&u16::try_from(r.counts.len()).unwrap_or(0).to_be_bytes());
        for c in &r.counts {
            out.extend_from_slice(&c.to_be_bytes());
        }
        for n in [
            r.voted,
            r.blank,
            r.not_voted,
            r.base,
            r.quorum.present,
            r.quorum.total,
            r.quorum.required,
        ] {
            out.extend_from_slice(&n.to_be_bytes());
        }
        out.push(u8::from(r.quorum.met));
        out.push(outcome_code(r.outcome));
        out.extend_from_slice(&u16::try_from(r.adopted.len()).unwrap_or(0).to_be_bytes());
        for a in &r.adopted {
            out.extend_from_slice(&a.to_be_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quorum::Fraction;
    use crate::vote::Threshold;
    use proptest::prelude::*;

    fn def(form: BallotForm, rule: DecisionRule, n: i64, present: i64) -> PollDefinition {
        PollDefinition {
            poll_id: 1,
            meeting_id: MeetingId(1),
            item_id: None,
            question: "Q".into(),
            form,
            rule,
            chair: Some(UserId(1)),
            voters: (1..=n)
                .map(|i| Voter {
                    member: UserId(i),
                    keys: vec![KeyId([u8::try_from(i % 250).unwrap_or(0); 32])],
                    present: i <= present,
                })
                .collect(),
            opened_at: 0,
        }
    }

    fn custom(kind: FormKind, n: usize, max: u16) -> BallotForm {
        BallotForm {
            kind,
            options: (0..n).map(|i| format!("Phương án {i}")).collect(),
            max_choices: max,
        }
        .validated()
        .unwrap()
    }

    const BOARD: DecisionRule = DecisionRule::COMPANY_BOARD;

    #[test]
    fn forms_are_validated() {
        assert!(custom(FormKind::Multiple, 3, 2).check(&[0, 2]).is_ok());
        assert_eq!(
            custom(FormKind::Multiple, 3, 2).check(&[0, 1, 2]),
            Err(BallotRefusal::BadChoice)
        );
        assert_eq!(
            custom(FormKind::Single, 3, 1).check(&[3]),
            Err(BallotRefusal::BadChoice)
        );
        assert!(custom(FormKind::Single, 3, 1).check(&[]).is_ok());
        assert_eq!(
            BallotForm::yes_no().check(&[]),
            Err(BallotRefusal::BadChoice)
        );
        assert_eq!(
            BallotForm::yes_no().check(&[0, 1]),
            Err(BallotRefusal::BadChoice)
        );
        let dup = BallotForm {
            kind: FormKind::Single,
            options: vec!["A".into(), " A ".into()],
            max_choices: 1,
        };
        assert!(dup.validated().is_err());
        let too_many = BallotForm {
            kind: FormKind::Candidates,
            options: vec!["A".into(), "B".into()],
            max_choices: 3,
        };
        assert!(too_many.validated().is_err());
    }

    #[test]
    fn yes_no_polls_count_like_votes() {
        let d = def(BallotForm::yes_no(), DecisionRule::GOVERNMENT, 27, 27);
        let yes: &[u16] = &[0];
        let no: &[u16] = &[1];
        let ballots: Vec<(UserId, &[u16])> = (1..=27)
            .map(|i| (UserId(i), if i <= 14 { yes } else { no }))
            .collect();
        let r = tally(&d, &ballots).unwrap();
        assert_eq!(r.counts, vec![14, 13, 0]);
        assert_eq!(r.outcome, Outcome::Passed);
        assert_eq!(r.adopted, vec![0]);
    }

    #[test]
    fn single_choice_tie_goes_to_the_chair_or_fails() {
        let rule = DecisionRule {
            base: Base::VotesCast,
            threshold: Threshold::new(1, 3, false).unwrap(),
            ..BOARD
        };
        let d = def(custom(FormKind::Single, 3, 1), rule, 4, 4);
        let a: &[u16] = &[0];
        let b: &[u16] = &[1];
        let ballots = vec![
            (UserId(1), a),
            (UserId(2), a),
            (UserId(3), b),
            (UserId(4), b),
        ];
        let r = tally(&d, &ballots).unwrap();
        assert_eq!(
            (r.outcome, r.adopted.clone()),
            (Outcome::PassedByTieBreak, vec![0])
        );
        let fails = PollDefinition {
            rule: DecisionRule {
                tie_break: TieBreak::Fails,
                ..rule
            },
            ..d
        };
        let r = tally(&fails, &ballots).unwrap();
        assert_eq!((r.outcome, r.adopted), (Outcome::FailedByTieBreak, vec![]));
    }

    #[test]
    fn candidates_tied_on_the_last_seat_are_not_elected() {
        // Two seats; counts A 3, B 2, C 2: A elected, B and C tie for the second seat.
        let rule = DecisionRule {
            base: Base::VotesCast,
            threshold: Threshold::new(1, 3, false).unwrap(),
            ..BOARD
        };
        let d = def(custom(FormKind::Candidates, 3, 2), rule, 4, 4);
        let ab: &[u16] = &[0, 1];
        let ac: &[u16] = &[0, 2];
        let a: &[u16] = &[0];
        let bc: &[u16] = &[1, 2];
        let r = tally(
            &d,
            &[
                (UserId(1), ab),
                (UserId(2), ac),
                (UserId(3), a),
                (UserId(4), bc),
            ],
        )
        .unwrap();
        assert_eq!(r.counts, vec![3, 2, 2]);
        assert_eq!((r.outcome, r.adopted), (Outcome::Passed, vec![0]));
    }

    #[test]
    fn a_blank_ballot_counts_as_presence_not_as_a_vote_cast() {
        let rule = DecisionRule {
            base: Base::VotesCast,
            quorum: Fraction::new(1, 2).unwrap(),
            ..BOARD
        };
        // 4 members, nobody checked in; two vote (one blank): quorum 2 of 4 met by voting.
        let d = def(custom(FormKind::Single, 2, 1), rule, 4, 0);
        let a: &[u16] = &[0];
        let r = tally(&d, &[(UserId(1), a), (UserId(2), &[])]).unwrap();
        assert_eq!((r.voted, r.blank, r.base, r.quorum.present), (2, 1, 1, 2));
        assert_eq!(r.outcome, Outcome::Passed);
    }

    #[test]
    fn the_last_ballot_counts_only_when_changes_are_allowed() {
        let first: &[u16] = &[0];
        let second: &[u16] = &[1];
        let log = vec![(UserId(1), first), (UserId(1), second)];
        assert_eq!(
            counted(&DecisionRule::GOVERNMENT, log.clone()),
            vec![(UserId(1), first)]
        );
        assert_eq!(counted(&BOARD, log), vec![(UserId(1), second)]);
    }

    fn ctx(d: &PollDefinition) -> BallotContext<'_> {
        BallotContext {
            status: PollStatus::Open,
            definition: Some(d),
            definition_hash: [9; 32],
            sender: UserId(2),
            key_revoked: false,
            has_voted: false,
            duplicate: false,
        }
    }

    #[test]
    fn admission_names_each_refusal() {
        let d = def(BallotForm::yes_no(), DecisionRule::GOVERNMENT, 3, 3);
        let good = BallotFacts {
            poll_hash: [9; 32],
            member: UserId(2),
            key_id: KeyId([2; 32]),
            choices: &[0],
        };
        assert_eq!(admit(&ctx(&d), &good), Ok(()));
        let with = |f: &dyn Fn(&mut BallotContext<'_>)| {
            let mut c = ctx(&d);
            f(&mut c);
            admit(&c, &good)
        };
        assert_eq!(with(&|c| c.duplicate = true), Err(BallotRefusal::Replayed));
        assert_eq!(
            with(&|c| c.status = PollStatus::Draft),
            Err(BallotRefusal::NotOpen)
        );
        assert_eq!(
            with(&|c| c.status = PollStatus::Closed),
            Err(BallotRefusal::Closed)
        );
        assert_eq!(
            with(&|c| c.sender = UserId(3)),
            Err(BallotRefusal::OtherMember)
        );
        assert_eq!(
            with(&|c| c.key_revoked = true),
            Err(BallotRefusal::RevokedKey)
        );
        assert_eq!(
            with(&|c| c.has_voted = true),
            Err(BallotRefusal::AlreadyVoted)
        );
        assert_eq!(
            with(&|c| c.definition_hash = [8; 32]),
            Err(BallotRefusal::StalePoll)
        );
        let outsider = BallotFacts {
            member: UserId(4),
            ..good.clone()
        };
        let mut c = ctx(&d);
        c.sender = UserId(4);
        assert_eq!(admit(&c, &outsider), Err(BallotRefusal::NotEligible));
        let other_key = BallotFacts {
            key_id: KeyId([3; 32]),
            ..good.clone()
        };
        assert_eq!(admit(&ctx(&d), &other_key), Err(BallotRefusal::UnknownKey));
        let wrong = BallotFacts {
            choices: &[3],
            ..good
        };
        assert_eq!(admit(&ctx(&d), &wrong), Err(BallotRefusal::BadChoice));
    }

    type Change = Box<dyn Fn(&mut PollDefinition)>;

    #[test]
    fn definition_bytes_cover_every_field() {
        let base = def(BallotForm::yes_no(), DecisionRule::GOVERNMENT, 3, 2);
        let bytes = base.canonical_bytes();
        assert!(bytes.starts_with(b"ecabinet/poll/v1\0"));
        let variants: Vec<Change> = vec![
            Box::new(|d| d.poll_id = 2),
            Box::new(|d| d.meeting_id = MeetingId(2)),
            Box::new(|d| d.item_id = Some(AgendaItemId(1))),
            Box::new(|d| d.question = "Q?".into()),
            Box::new(|d| d.form = custom(FormKind::Single, 3, 1)),
            Box::new(|d| d.rule.base = Base::PresentMembers),
            Box::new(|d| d.rule.threshold = Threshold::TWO_THIRDS),
            Box::new(|d| d.rule.quorum = Fraction::new(1, 2).unwrap()),
            Box::new(|d| d.rule.tie_break = TieBreak::Fails),
            Box::new(|d| d.rule.changes_allowed = true),
            Box::new(|d| d.chair = None),
            Box::new(|d| d.voters.pop().map(drop).unwrap_or(())),
            Box::new(|d| d.voters[0].keys.push(KeyId([7; 32]))),
            Box::new(|d| d.voters[2].present = true),
            Box::new(|d| d.opened_at = 1),
        ];
        for (i, change) in variants.iter().enumerate() {
            let mut d = base.clone();
            change(&mut d);
            assert_ne!(
                d.canonical_bytes(),
                bytes,
                "change {i} left the bytes unchanged"
            );
        }
    }

    fn any_rule() -> impl Strategy<Value = DecisionRule> {
        (
            prop_oneof![
                Just(Base::AllMembers),
                Just(Base::PresentMembers),
                Just(Base::VotesCast),
                Just(Base::VotesCastWithAbstentions)
            ],
            (1u32..=4, 2u32..=5, any::<bool>()),
            (1u32..=3, 3u32..=4),
            any::<bool>(),
        )
            .prop_filter_map("valid fractions", |(base, (n, d, s), (qn, qd), chair)| {
                Some(DecisionRule {
                    base,
                    threshold: Threshold::new(n, d, s).ok()?,
                    quorum: Fraction::new(qn, qd).ok()?,
                    tie_break: if chair {
                        TieBreak::ChairSide
                    } else {
                        TieBreak::Fails
                    },
                    changes_allowed: false,
                })
            })
    }

    proptest! {
        /// For every rule and form: counts add up; whatever is adopted reached the threshold
        /// (or won a tie the chair decided); no quorum adopts nothing; at most the seats.
        #[test]
        fn tally_respects_every_rule(
            rule in any_rule(),
            kind in prop_oneof![Just(FormKind::Single), Just(FormKind::Multiple), Just(FormKind::Candidates)],
            n_opts in 2usize..6,
            max in 1u16..4,
            n in 1i64..30,
            present in 0i64..30,
            raw in proptest::collection::vec(proptest::collection::vec(0u16..6, 0..4), 0..30),
        ) {
            let max = max.min(u16::try_from(n_opts).unwrap_or(1));
            let form = custom(kind, n_opts, max);
            let d = def(form.clone(), rule, n, present.min(n));
            let mut chosen: Vec<Vec<u16>> = Vec::new();
            for (i, mut c) in raw.into_iter().enumerate() {
                if i64::try_from(i).unwrap_or(i64::MAX) >= n { break; }
                c.retain(|&x| usize::from(x) < n_opts);
                c.sort_unstable();
                c.dedup();
                c.truncate(usize::from(form.max_choices));
                chosen.push(c);
            }
            let ballots: Vec<(UserId, &[u16])> = chosen.iter().enumerate()
                .map(|(i, c)| (UserId(i64::try_from(i).unwrap_or(0) + 1), c.as_slice())).collect();
            let r = tally(&d, &ballots).unwrap();
            prop_assert_eq!(r.voted + r.not_voted, u32::try_from(n).unwrap_or(0));
            prop_assert_eq!(r.counts.iter().sum::<u32>(),
                u32::try_from(chosen.iter().map(Vec::len).sum::<usize>()).unwrap_or(0));
            prop_assert!(r.adopted.len() <= usize::from(form.max_choices) || kind == FormKind::Multiple);
            if !r.quorum.met {
                prop_assert_eq!(r.outcome, Outcome::NoQuorum);
                prop_assert!(r.adopted.is_empty());
            }
            prop_assert_eq!(r.outcome.adopted(), !r.adopted.is_empty());
            for &a in &r.adopted {
                prop_assert!(rule.threshold.reached(r.counts[usize::from(a)], r.base));
            }
            if r.outcome == Outcome::PassedByTieBreak {
                prop_assert_eq!(rule.tie_break, TieBreak::ChairSide);
            }
        }
    }
}
