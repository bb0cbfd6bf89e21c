//! Votes (biểu quyết): the decision rule as data, chosen per vote, and the tally as a pure
//! function of the rule, the electorate snapshotted when the vote opened, and the ballots
//! that count. The server, `ecabinet verify` and any outside recount use this same code.

use crate::quorum::{self, Fraction, QuorumStatus};
use crate::{DomainError, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What the threshold is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// All members entitled to vote (tổng số thành viên), present or not.
    AllMembers,
    /// Members present when counted.
    PresentMembers,
    /// Votes for and against; abstentions do not count.
    VotesCast,
    /// Votes for, against and abstentions.
    VotesCastWithAbstentions,
}

/// A share of the base that the "for" side must reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Threshold {
    /// Numerator.
    pub num: u32,
    /// Denominator.
    pub den: u32,
    /// `true`: more than num/den (quá nửa); `false`: at least num/den (ít nhất hai phần ba).
    pub strict: bool,
}

impl Threshold {
    /// More than half (quá nửa).
    pub const MORE_THAN_HALF: Threshold = Threshold {
        num: 1,
        den: 2,
        strict: true,
    };
    /// At least two thirds.
    pub const TWO_THIRDS: Threshold = Threshold {
        num: 2,
        den: 3,
        strict: false,
    };
    /// At least three quarters.
    pub const THREE_QUARTERS: Threshold = Threshold {
        num: 3,
        den: 4,
        strict: false,
    };

    /// Checks `0 < num <= den` (and that "more than all" is not asked for).
    pub fn new(num: u32, den: u32, strict: bool) -> Result<Threshold, DomainError> {
        if den == 0 || num == 0 || num > den || (strict && num == den) {
            return Err(DomainError::invalid(
                "threshold",
                "must be a fraction between 0 and 1",
            ));
        }
        Ok(Threshold { num, den, strict })
    }

    /// Whether `count` out of `base` reaches the threshold. Exact: no floating point.
    pub fn reached(self, count: u32, base: u32) -> bool {
        if base == 0 {
            return false;
        }
        let lhs = u64::from(count) * u64::from(self.den);
        let rhs = u64::from(base) * u64::from(self.num);
        if self.strict { lhs > rhs } else { lhs >= rhs }
    }
}

/// What happens when the votes for and against are equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// The side the chair voted for prevails (Luật Tổ chức Chính phủ 2015, art. 46).
    ChairSide,
    /// The proposal fails.
    Fails,
}

/// The rule of one vote, fixed and shown to members when it opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DecisionRule {
    /// What the threshold is measured against.
    pub base: Base,
    /// The share needed.
    pub threshold: Threshold,
    /// Share of all members who must be present for any decision.
    pub quorum: Fraction,
    /// Equal votes for and against.
    pub tie_break: TieBreak,
    /// Whether a member may change their ballot until the close (the last one counts).
    pub changes_allowed: bool,
}

impl DecisionRule {
    /// The Government (Luật Tổ chức Chính phủ 2015, art. 46): two thirds of all members
    /// present; more than half of all members in favour; on a tie, the Prime Minister's side.
    pub const GOVERNMENT: DecisionRule = DecisionRule {
        base: Base::AllMembers,
        threshold: Threshold::MORE_THAN_HALF,
        quorum: Fraction::TWO_THIRDS,
        tie_break: TieBreak::ChairSide,
        changes_allowed: false,
    };

    /// The National Assembly: more than half of all deputies. Constitutional changes use
    /// [`Threshold::TWO_THIRDS`] with the same base.
    pub const NATIONAL_ASSEMBLY: DecisionRule = DecisionRule {
        base: Base::AllMembers,
        threshold: Threshold::MORE_THAN_HALF,
        quorum: Fraction { num: 1, den: 2 },
        tie_break: TieBreak::Fails,
        changes_allowed: false,
    };

    /// A People's Council (Luật Tổ chức chính quyền địa phương, art. 91): more than half of
    /// all delegates; dismissals need two thirds.
    pub const PEOPLES_COUNCIL: DecisionRule = DecisionRule {
        base: Base::AllMembers,
        threshold: Threshold::MORE_THAN_HALF,
        quorum: Fraction::TWO_THIRDS,
        tie_break: TieBreak::Fails,
        changes_allowed: false,
    };

    /// A company board: more than half of the votes of members present.
    pub const COMPANY_BOARD: DecisionRule = DecisionRule {
        base: Base::PresentMembers,
        threshold: Threshold::MORE_THAN_HALF,
        quorum: Fraction { num: 1, den: 2 },
        tie_break: TieBreak::ChairSide,
        changes_allowed: true,
    };

    /// Checks the fractions of a rule that arrived as data.
    pub fn validated(self) -> Result<DecisionRule, DomainError> {
        Threshold::new(
            self.threshold.num,
            self.threshold.den,
            self.threshold.strict,
        )?;
        Fraction::new(self.quorum.num, self.quorum.den)?;
        Ok(self)
    }
}

/// A choice on a yes/no proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// Tán thành.
    Yes,
    /// Không tán thành.
    No,
    /// Không biểu quyết.
    Abstain,
}

/// Who may vote, snapshotted when the vote opened.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Electorate {
    /// Members entitled to vote.
    pub eligible: Vec<UserId>,
    /// Members checked in when the vote opened.
    pub present: Vec<UserId>,
    /// The chair, whose side breaks ties under [`TieBreak::ChairSide`].
    pub chair: Option<UserId>,
}

/// How a vote ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The threshold was reached.
    Passed,
    /// It was not.
    Failed,
    /// Votes for and against were equal and the chair voted for.
    PassedByTieBreak,
    /// Votes for and against were equal and the rule (or the chair's vote) sank it.
    FailedByTieBreak,
    /// Too few members present to decide anything.
    NoQuorum,
}

impl Outcome {
    /// Whether the proposal is adopted.
    pub fn adopted(self) -> bool {
        matches!(self, Outcome::Passed | Outcome::PassedByTieBreak)
    }
}

/// The count of a yes/no vote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Tán thành.
    pub yes: u32,
    /// Không tán thành.
    pub no: u32,
    /// Không biểu quyết.
    pub abstain: u32,
    /// Eligible members who cast no ballot.
    pub not_voted: u32,
    /// The number the threshold was measured against.
    pub base: u32,
    /// Presence against the quorum (a member who voted counts as present).
    pub quorum: QuorumStatus,
    /// The result.
    pub outcome: Outcome,
}

/// Counts `ballots` (at most one per member: the one that counts) under `rule`.
/// Refuses ballots of members who are not eligible, or two ballots of one member.
pub fn tally(
    rule: &DecisionRule,
    electorate: &Electorate,
    ballots: &[(UserId, Choice)],
) -> Result<Tally, DomainError> {
    let eligible: HashSet<UserId> = electorate.eligible.iter().copied().collect();
    let mut voted = HashSet::new();
    let (mut yes, mut no, mut abstain) = (0u32, 0u32, 0u32);
    let mut chair_choice = None;
    for (who, choice) in ballots {
        if !eligible.contains(who) {
            return Err(DomainError::invalid(
                "ballots",
                format!("member {who} may not vote"),
            ));
        }
        if !voted.insert(*who) {
            return Err(DomainError::invalid(
                "ballots",
                format!("member {who} has two ballots"),
            ));
        }
        match choice {
            Choice::Yes => yes += 1,
            Choice::No => no += 1,
            Choice::Abstain => abstain += 1,
        }
        if Some(*who) == electorate.chair {
            chair_choice = Some(*choice);
        }
    }
    let all = u32::try_from(eligible.len()).unwrap_or(u32::MAX);
    // Voting is taking part: a member who cast a ballot is present, whatever the check-in says.
    let present: HashSet<UserId> = electorate
        .present
        .iter()
        .copied()
        .filter(|u| eligible.contains(u))
        .chain(voted.iter().copied())
        .collect();
    let present = u32::try_from(present.len()).unwrap_or(u32::MAX);
    let quorum = quorum::evaluate(rule.quorum, present, all);
    let base = match rule.base {
        Base::AllMembers => all,
        Base::PresentMembers => present,
        Base::VotesCast => yes + no,
        Base::VotesCastWithAbstentions => yes + no + abstain,
    };
    let outcome = if !quorum.met {
        Outcome::NoQuorum
    } else if rule.threshold.reached(yes, base) {
        Outcome::Passed
    } else if yes == no && yes > 0 {
        match (rule.tie_break, chair_choice) {
            (TieBreak::ChairSide, Some(Choice::Yes)) => Outcome::PassedByTieBreak,
            _ => Outcome::FailedByTieBreak,
        }
    } else {
        Outcome::Failed
    };
    Ok(Tally {
        yes,
        no,
        abstain,
        not_voted: all - u32::try_from(voted.len()).unwrap_or(all),
        base,
        quorum,
        outcome,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn electorate(n: i64, present: i64) -> Electorate {
        Electorate {
            eligible: (1..=n).map(UserId).collect(),
            present: (1..=present).map(UserId).collect(),
            chair: Some(UserId(1)),
        }
    }

    /// Ballots: the first `yes` members for, the next `no` against, the next `abstain` abstain.
    fn ballots(yes: i64, no: i64, abstain: i64) -> Vec<(UserId, Choice)> {
        let mut v = Vec::new();
        for i in 1..=yes + no + abstain {
            let c = if i <= yes {
                Choice::Yes
            } else if i <= yes + no {
                Choice::No
            } else {
                Choice::Abstain
            };
            v.push((UserId(i), c));
        }
        v
    }

    const GOV: DecisionRule = DecisionRule::GOVERNMENT;

    #[test]
    fn government_needs_more_than_half_of_all_27_members() {
        let e = electorate(27, 27);
        assert_eq!(
            tally(&GOV, &e, &ballots(14, 13, 0)).unwrap().outcome,
            Outcome::Passed
        );
        assert_eq!(
            tally(&GOV, &e, &ballots(13, 0, 14)).unwrap().outcome,
            Outcome::Failed
        );
        // 25 of 27, as at the first e-Cabinet session.
        let t = tally(&GOV, &e, &ballots(25, 0, 0)).unwrap();
        assert_eq!(
            (t.yes, t.not_voted, t.base, t.outcome),
            (25, 2, 27, Outcome::Passed)
        );
    }

    #[test]
    fn absentees_count_against_under_base_all_members() {
        // 20 present, all vote for except 7 abstaining: 13 of 27 is not more than half.
        let e = electorate(27, 20);
        assert_eq!(
            tally(&GOV, &e, &ballots(13, 0, 7)).unwrap().outcome,
            Outcome::Failed
        );
        let present_rule = DecisionRule {
            base: Base::PresentMembers,
            ..GOV
        };
        assert_eq!(
            tally(&present_rule, &e, &ballots(13, 0, 7))
                .unwrap()
                .outcome,
            Outcome::Passed
        );
        let cast_rule = DecisionRule {
            base: Base::VotesCast,
            ..GOV
        };
        assert_eq!(
            tally(&cast_rule, &e, &ballots(3, 2, 15)).unwrap().outcome,
            Outcome::Passed
        );
        let cast_abst = DecisionRule {
            base: Base::VotesCastWithAbstentions,
            ..GOV
        };
        assert_eq!(
            tally(&cast_abst, &e, &ballots(3, 2, 15)).unwrap().outcome,
            Outcome::Failed
        );
    }

    #[test]
    fn a_tie_follows_the_chair_or_fails() {
        // 26 members: 13 for (the chair among them), 13 against.
        let e = electorate(26, 26);
        let t = tally(&GOV, &e, &ballots(13, 13, 0)).unwrap();
        assert_eq!(t.outcome, Outcome::PassedByTieBreak);
        assert!(t.outcome.adopted());
        // The chair (member 1) against: the tie goes against.
        let mut b = ballots(13, 13, 0);
        b[0].1 = Choice::No;
        b[13].1 = Choice::Yes;
        assert_eq!(
            tally(&GOV, &e, &b).unwrap().outcome,
            Outcome::FailedByTieBreak
        );
        let strict = DecisionRule {
            tie_break: TieBreak::Fails,
            ..GOV
        };
        assert_eq!(
            tally(&strict, &e, &ballots(13, 13, 0)).unwrap().outcome,
            Outcome::FailedByTieBreak
        );
    }

    #[test]
    fn without_quorum_nothing_is_decided() {
        let e = electorate(27, 17);
        let t = tally(&GOV, &e, &ballots(17, 0, 0)).unwrap();
        assert_eq!(
            (t.quorum.present, t.quorum.required, t.outcome),
            (17, 18, Outcome::NoQuorum)
        );
        // A member who votes remotely without checking in is present.
        let t = tally(&GOV, &electorate(27, 17), &ballots(18, 0, 0)).unwrap();
        assert_eq!(t.outcome, Outcome::Passed);
    }

    #[test]
    fn foreign_and_double_ballots_are_refused() {
        let e = electorate(5, 5);
        assert!(tally(&GOV, &e, &[(UserId(9), Choice::Yes)]).is_err());
        assert!(
            tally(
                &GOV,
                &e,
                &[(UserId(2), Choice::Yes), (UserId(2), Choice::No)]
            )
            .is_err()
        );
    }

    #[test]
    fn thresholds_are_exact() {
        assert!(!Threshold::MORE_THAN_HALF.reached(13, 26));
        assert!(Threshold::MORE_THAN_HALF.reached(14, 27));
        assert!(Threshold::TWO_THIRDS.reached(2, 3));
        assert!(!Threshold::TWO_THIRDS.reached(17, 26));
        assert!(Threshold::THREE_QUARTERS.reached(21, 28));
        assert!(!Threshold::MORE_THAN_HALF.reached(0, 0));
        assert!(Threshold::new(1, 1, true).is_err());
        assert!(Threshold::new(0, 2, false).is_err());
    }

    fn rule_strategy() -> impl Strategy<Value = DecisionRule> {
        (
            prop_oneof![
                Just(Base::AllMembers),
                Just(Base::PresentMembers),
                Just(Base::VotesCast),
                Just(Base::VotesCastWithAbstentions)
            ],
            prop_oneof![
                Just(Threshold::MORE_THAN_HALF),
                Just(Threshold::TWO_THIRDS),
                Just(Threshold::THREE_QUARTERS)
            ],
            prop_oneof![
                Just(Fraction::TWO_THIRDS),
                Just(Fraction { num: 1, den: 2 })
            ],
            prop_oneof![Just(TieBreak::ChairSide), Just(TieBreak::Fails)],
        )
            .prop_map(|(base, threshold, quorum, tie_break)| DecisionRule {
                base,
                threshold,
                quorum,
                tie_break,
                changes_allowed: false,
            })
    }

    proptest! {
        #[test]
        fn tally_rules_hold(rule in rule_strategy(), n in 1i64..40, present_share in 0i64..=40, votes in prop::collection::vec(0u8..4, 0..40)) {
            let present = present_share.min(n);
            let e = electorate(n, present);
            let b: Vec<_> = votes.iter().take(n as usize).enumerate().filter_map(|(i, v)| {
                let c = match v { 0 => Choice::Yes, 1 => Choice::No, 2 => Choice::Abstain, _ => return None };
                Some((UserId(i as i64 + 1), c))
            }).collect();
            let t = tally(&rule, &e, &b).unwrap();
            // Every eligible member is counted exactly once.
            prop_assert_eq!(t.yes + t.no + t.abstain + t.not_voted, n as u32);
            // Adoption needs the quorum, and either the threshold or a tie the chair won.
            if t.outcome.adopted() {
                prop_assert!(t.quorum.met);
                prop_assert!(rule.threshold.reached(t.yes, t.base) || (t.yes == t.no && rule.tie_break == TieBreak::ChairSide));
            }
            if !t.quorum.met {
                prop_assert_eq!(t.outcome, Outcome::NoQuorum);
            }
            // Monotone: one more "for" in place of an "against" never un-adopts.
            if let Some(pos) = b.iter().position(|(_, c)| *c == Choice::No) {
                let mut better = b.clone();
                better[pos].1 = Choice::Yes;
                let t2 = tally(&rule, &e, &better).unwrap();
                if t.outcome == Outcome::Passed {
                    prop_assert_eq!(t2.outcome, Outcome::Passed);
                }
            }
        }
    }
}
