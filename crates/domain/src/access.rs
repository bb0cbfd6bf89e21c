//! Who may do what. The server asks these functions on every route and topic; keeping the
//! policy here, pure, lets it be read in one place and tested as a table.

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

/// Something a user may try to do to a written opinion poll.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpinionCapability {
    /// See it, its documents and its progress.
    View,
    /// Draft, edit, extend the deadline, send reminders (the secretariat's work).
    Prepare,
    /// Approve a draft and send it: the chair, or a secretariat account other than the one
    /// that drafted it (four eyes).
    Approve,
    /// Answer it.
    Answer,
    /// Read the aggregated report with each member's answer.
    Report,
}

/// Decides whether a user with account role `role` may use `cap` on a written poll that is
/// still a draft (`draft`), was drafted by them (`drafted_it`), and is addressed to them
/// (`addressee`).
pub fn opinion_allows(
    role: Role,
    drafted_it: bool,
    addressee: bool,
    draft: bool,
    cap: OpinionCapability,
) -> bool {
    use OpinionCapability as C;
    let secretariat = role == Role::Secretariat;
    let chair = role == Role::Chair;
    match cap {
        C::View => secretariat || chair || (addressee && !draft),
        C::Prepare => secretariat,
        C::Approve => (secretariat && !drafted_it) || chair,
        C::Answer => addressee && !draft,
        C::Report => secretariat || chair,
    }
}

/// Creating meetings and seeing the list of all of them.
pub fn can_prepare_meetings(role: Role) -> bool {
    role == Role::Secretariat
}

/// Managing accounts.
pub fn can_manage_users(role: Role) -> bool {
    role == Role::Admin
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
    fn a_written_poll_needs_a_second_pair_of_eyes() {
        use OpinionCapability as O;
        assert!(!opinion_allows(
            Role::Secretariat,
            true,
            false,
            true,
            O::Approve
        ));
        assert!(opinion_allows(
            Role::Secretariat,
            false,
            false,
            true,
            O::Approve
        ));
        assert!(opinion_allows(Role::Chair, false, true, true, O::Approve));
        assert!(!opinion_allows(Role::Member, false, true, true, O::Approve));
        // Members see a poll only once it is sent to them, and answer only then.
        assert!(!opinion_allows(Role::Member, false, true, true, O::View));
        assert!(opinion_allows(Role::Member, false, true, false, O::Answer));
        assert!(!opinion_allows(Role::Member, false, false, false, O::View));
        assert!(!opinion_allows(Role::Member, false, true, false, O::Report));
        assert!(!opinion_allows(
            Role::Secretariat,
            false,
            false,
            false,
            O::Answer
        ));
        assert!(!opinion_allows(Role::Admin, false, false, false, O::View));
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
}
