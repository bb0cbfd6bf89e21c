//! Who may do what to a meeting, its agenda, attendance, speakers, votes and minutes (the
//! server's `meetings`, `voting` and `minutes`; documents filed under a meeting ask
//! [`super::documents`], which defers to this).

use super::Decision;
use crate::meeting::MeetingStatus;
use crate::{ParticipantRole, Role};

/// Something a user may try to do to a meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MeetingCapability {
    /// See the meeting, its agenda, attendance and speakers; subscribe to its topic.
    View,
    /// Create, edit, publish (the secretariat's work).
    Prepare,
    /// Start, end, move the agenda, give and end the floor.
    Conduct,
    /// Check in or report absence for oneself.
    Attend,
    /// Ask for the floor for oneself.
    RequestFloor,
}

impl MeetingCapability {
    /// Every capability, for tables.
    pub const ALL: [MeetingCapability; 5] = [
        MeetingCapability::View,
        MeetingCapability::Prepare,
        MeetingCapability::Conduct,
        MeetingCapability::Attend,
        MeetingCapability::RequestFloor,
    ];
}

/// Decides whether a user with account role `role`, who plays `participant` in a meeting
/// with `status` (or none if not invited), may use `cap`.
pub fn meeting_allows(
    role: Role,
    participant: Option<ParticipantRole>,
    status: MeetingStatus,
    cap: MeetingCapability,
) -> bool {
    use MeetingCapability as C;
    let secretariat = role == Role::Secretariat;
    let invited = participant.is_some() && status.visible_to_participants();
    match cap {
        C::View => secretariat || invited,
        C::Prepare => secretariat,
        // The secretariat runs the console for the chair when asked to.
        C::Conduct => secretariat || (invited && participant == Some(ParticipantRole::Chair)),
        C::Attend | C::RequestFloor => invited,
    }
}

/// [`meeting_allows`] as the routes answer it: 404 for a meeting the user may not see,
/// 403 for one they see but may not use `cap` on. Asked by every route under
/// `/api/meetings/{id}` (and `/api/polls/{id}`, whose meeting decides) through the
/// server's `platform::gates::meeting` and `meeting_read` (`check_meeting`), and by the
/// `meeting:<id>` topic
/// (see [`super::topics`]).
pub fn meeting_decision(
    role: Role,
    participant: Option<ParticipantRole>,
    status: MeetingStatus,
    cap: MeetingCapability,
) -> Decision {
    Decision::of(
        meeting_allows(role, participant, status, MeetingCapability::View),
        meeting_allows(role, participant, status, cap),
    )
}

/// Creating meetings and seeing the list of all of them (`POST /api/meetings`, and
/// `GET /api/meetings`: all meetings when true, else one's own); the `meetings` topic.
pub fn can_prepare_meetings(role: Role) -> bool {
    role == Role::Secretariat
}

/// Managing accounts.
pub fn can_manage_users(role: Role) -> bool {
    role == Role::Admin
}

/// `GET /api/users` (the participant picker, and the admin's account list): the
/// secretariat and the administration; 403 for anyone else.
pub fn lists_accounts(role: Role) -> bool {
    can_prepare_meetings(role) || can_manage_users(role)
}

/// Whether a seat in the meeting votes: asked when a vote opens
/// (`POST /api/polls/{id}/open`) to fix its electorate. A seat that counts for the quorum,
/// held by an account that may vote: an invitee's account never votes, even one seated
/// as a member before seats were checked.
pub fn votes(account: Role, seat: ParticipantRole) -> bool {
    seat.counts_for_quorum() && account.may_vote()
}

/// `POST /api/meetings/{id}/minutes/sign`: 404 unless the user sees the meeting, 403
/// unless they chair it (the meeting's chair signs; the secretariat, which conducts for
/// them, does not).
pub fn sign_minutes(
    role: Role,
    participant: Option<ParticipantRole>,
    status: MeetingStatus,
) -> Decision {
    Decision::of(
        meeting_allows(role, participant, status, MeetingCapability::View),
        participant == Some(ParticipantRole::Chair),
    )
}

/// The `may_sign` flag of `GET /api/meetings/{id}/minutes` (asked once the user is known
/// to see the meeting): the meeting's chair, while the minutes are a draft.
pub fn may_sign_minutes(participant: Option<ParticipantRole>, draft: bool) -> bool {
    participant == Some(ParticipantRole::Chair) && draft
}

#[cfg(test)]
mod tests {
    use super::*;
    use MeetingCapability as C;

    #[test]
    fn members_never_see_drafts_even_when_invited() {
        assert!(!meeting_allows(
            Role::Member,
            Some(ParticipantRole::Member),
            MeetingStatus::Draft,
            C::View
        ));
        assert!(meeting_allows(
            Role::Member,
            Some(ParticipantRole::Member),
            MeetingStatus::Published,
            C::View
        ));
    }

    #[test]
    fn uninvited_accounts_see_nothing() {
        for role in [Role::Admin, Role::Chair, Role::Member, Role::Invitee] {
            for cap in [C::View, C::Prepare, C::Conduct, C::Attend, C::RequestFloor] {
                assert!(
                    !meeting_allows(role, None, MeetingStatus::InProgress, cap),
                    "{role:?} {cap:?}"
                );
            }
        }
    }

    #[test]
    fn only_the_meeting_chair_or_secretariat_conducts() {
        let s = MeetingStatus::InProgress;
        assert!(meeting_allows(Role::Secretariat, None, s, C::Conduct));
        assert!(meeting_allows(
            Role::Member,
            Some(ParticipantRole::Chair),
            s,
            C::Conduct
        ));
        assert!(!meeting_allows(
            Role::Chair,
            Some(ParticipantRole::Member),
            s,
            C::Conduct
        ));
        assert!(!meeting_allows(
            Role::Invitee,
            Some(ParticipantRole::Invitee),
            s,
            C::Conduct
        ));
    }

    #[test]
    fn secretariat_does_not_check_in_for_itself() {
        assert!(!meeting_allows(
            Role::Secretariat,
            None,
            MeetingStatus::InProgress,
            C::Attend
        ));
    }

    /// Every account role × seat × status × capability: hidden exactly when not seen,
    /// forbidden when seen but not allowed.
    #[test]
    fn decisions_table() {
        let seats = [
            None,
            Some(ParticipantRole::Chair),
            Some(ParticipantRole::Member),
            Some(ParticipantRole::Invitee),
        ];
        for role in Role::ALL {
            for seat in seats {
                for status in MeetingStatus::ALL {
                    let secretariat = role == Role::Secretariat;
                    let invited = seat.is_some() && status != MeetingStatus::Draft;
                    for cap in C::ALL {
                        let may = match cap {
                            C::View => secretariat || invited,
                            C::Prepare => secretariat,
                            C::Conduct => {
                                secretariat || (invited && seat == Some(ParticipantRole::Chair))
                            }
                            C::Attend | C::RequestFloor => invited,
                        };
                        let want = if !(secretariat || invited) {
                            Decision::Hidden
                        } else if !may {
                            Decision::Forbidden
                        } else {
                            Decision::Allow
                        };
                        assert_eq!(
                            meeting_decision(role, seat, status, cap),
                            want,
                            "{role:?} {seat:?} {status:?} {cap:?}"
                        );
                    }
                    let signs = if !(secretariat || invited) {
                        Decision::Hidden
                    } else if seat == Some(ParticipantRole::Chair) {
                        Decision::Allow
                    } else {
                        Decision::Forbidden
                    };
                    assert_eq!(sign_minutes(role, seat, status), signs, "{role:?} {seat:?}");
                }
            }
        }
    }

    #[test]
    fn account_lists_and_meeting_lists() {
        for role in Role::ALL {
            assert_eq!(can_prepare_meetings(role), role == Role::Secretariat);
            assert_eq!(can_manage_users(role), role == Role::Admin);
            assert_eq!(
                lists_accounts(role),
                matches!(role, Role::Secretariat | Role::Admin),
                "{role:?}"
            );
        }
    }

    #[test]
    fn the_secretariat_conducts_but_only_the_chair_signs_the_minutes() {
        let s = MeetingStatus::Ended;
        assert_eq!(
            sign_minutes(Role::Secretariat, None, s),
            Decision::Forbidden
        );
        assert_eq!(
            sign_minutes(Role::Member, Some(ParticipantRole::Chair), s),
            Decision::Allow
        );
        assert_eq!(
            sign_minutes(Role::Chair, Some(ParticipantRole::Member), s),
            Decision::Forbidden
        );
        assert_eq!(sign_minutes(Role::Chair, None, s), Decision::Hidden);
        assert!(may_sign_minutes(Some(ParticipantRole::Chair), true));
        assert!(!may_sign_minutes(Some(ParticipantRole::Chair), false));
        assert!(!may_sign_minutes(Some(ParticipantRole::Member), true));
        assert!(!may_sign_minutes(None, true));
    }

    #[test]
    fn only_members_and_the_chair_seated_to_count_vote() {
        for account in Role::ALL {
            for seat in ParticipantRole::ALL {
                let want = matches!(account, Role::Chair | Role::Member)
                    && matches!(seat, ParticipantRole::Chair | ParticipantRole::Member);
                assert_eq!(votes(account, seat), want, "{account:?} {seat:?}");
            }
        }
    }
}
