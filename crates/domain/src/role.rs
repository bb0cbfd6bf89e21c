//! Account roles (vai trò) and the role a user plays in one meeting.

use serde::{Deserialize, Serialize};

/// The role of an account across the whole deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages accounts; sees no meeting content by default.
    Admin,
    /// Secretariat (Văn phòng Chính phủ): prepares and runs meetings.
    Secretariat,
    /// Presides over meetings (the Prime Minister).
    Chair,
    /// A member of the Government (thành viên Chính phủ).
    Member,
    /// A guest invited to some meetings (đại biểu mời); never counts for quorum.
    Invitee,
}

impl Role {
    /// All roles, in a fixed order (used by tests and admin screens).
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Secretariat,
        Role::Chair,
        Role::Member,
        Role::Invitee,
    ];

    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Secretariat => "secretariat",
            Role::Chair => "chair",
            Role::Member => "member",
            Role::Invitee => "invitee",
        }
    }

    /// Inverse of [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this account may take part in a meeting as `seat`: a member or the chair
    /// may sit in any seat, an invitee only as an invitee (invitees never vote nor count
    /// for the quorum), the administration and the secretariat in none.
    pub fn may_sit_as(self, seat: ParticipantRole) -> bool {
        match self {
            Role::Chair | Role::Member => true,
            Role::Invitee => seat == ParticipantRole::Invitee,
            Role::Admin | Role::Secretariat => false,
        }
    }

    /// Whether this account may ever be one of a vote's electorate.
    pub fn may_vote(self) -> bool {
        matches!(self, Role::Chair | Role::Member)
    }

    /// The meeting role this account gets when added to a meeting without an explicit one.
    pub fn default_participant_role(self) -> Option<ParticipantRole> {
        match self {
            Role::Chair => Some(ParticipantRole::Chair),
            Role::Member => Some(ParticipantRole::Member),
            Role::Invitee => Some(ParticipantRole::Invitee),
            Role::Admin | Role::Secretariat => None,
        }
    }
}

/// The part a user plays in one meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    /// Chairs this meeting: starts and ends it, moves the agenda, gives the floor.
    Chair,
    /// A voting member: counts for the quorum.
    Member,
    /// Attends and may speak, but does not count for the quorum.
    Invitee,
}

impl ParticipantRole {
    /// All meeting roles.
    pub const ALL: [ParticipantRole; 3] = [
        ParticipantRole::Chair,
        ParticipantRole::Member,
        ParticipantRole::Invitee,
    ];

    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantRole::Chair => "chair",
            ParticipantRole::Member => "member",
            ParticipantRole::Invitee => "invitee",
        }
    }

    /// Inverse of [`ParticipantRole::as_str`].
    pub fn parse(s: &str) -> Option<ParticipantRole> {
        ParticipantRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this participant is one of "all members" for quorum and decisions.
    pub fn counts_for_quorum(self) -> bool {
        matches!(self, ParticipantRole::Chair | ParticipantRole::Member)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitees_sit_only_as_invitees_and_never_vote() {
        use ParticipantRole as P;
        for seat in P::ALL {
            assert!(Role::Member.may_sit_as(seat) && Role::Chair.may_sit_as(seat));
            assert!(!Role::Admin.may_sit_as(seat) && !Role::Secretariat.may_sit_as(seat));
            assert_eq!(Role::Invitee.may_sit_as(seat), seat == P::Invitee);
        }
        assert!(!Role::Invitee.may_vote());
        for r in Role::ALL {
            if let Some(seat) = r.default_participant_role() {
                assert!(r.may_sit_as(seat), "{r:?}");
            }
        }
    }

    #[test]
    fn role_spelling_round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for r in ParticipantRole::ALL {
            assert_eq!(ParticipantRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn invitees_do_not_count_for_quorum() {
        assert!(ParticipantRole::Chair.counts_for_quorum());
        assert!(ParticipantRole::Member.counts_for_quorum());
        assert!(!ParticipantRole::Invitee.counts_for_quorum());
    }
}
