//! Who may do what to a written opinion poll (lấy ý kiến bằng văn bản): the server's
//! `opinions`; documents filed under a poll ask [`super::documents`], which defers to this.

use super::Decision;
use crate::Role;

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

impl OpinionCapability {
    /// Every capability, for tables.
    pub const ALL: [OpinionCapability; 5] = [
        OpinionCapability::View,
        OpinionCapability::Prepare,
        OpinionCapability::Approve,
        OpinionCapability::Answer,
        OpinionCapability::Report,
    ];
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

/// [`opinion_allows`] as the routes answer it: 404 for a poll the user may not see, 403
/// for one they see but may not use `cap` on. Asked by every route under
/// `/api/opinions/{id}` through the server's `gates::opinion_check` (`opinion`,
/// `opinion_read`, `opinion_documents`). `drafted_it`: created it, or changed it or its
/// documents since.
pub fn opinion_decision(
    role: Role,
    drafted_it: bool,
    addressee: bool,
    draft: bool,
    cap: OpinionCapability,
) -> Decision {
    Decision::of(
        opinion_allows(role, drafted_it, addressee, draft, OpinionCapability::View),
        opinion_allows(role, drafted_it, addressee, draft, cap),
    )
}

/// `POST /api/opinions` (a new draft): the secretariat; 403 for anyone else.
pub fn drafts_opinions(role: Role) -> bool {
    opinion_allows(role, true, false, true, OpinionCapability::Prepare)
}

/// `GET /api/opinions` and the `opinions` topic: every poll for the secretariat and the
/// chair (true); the others list the polls sent to them.
pub fn lists_all_opinions(role: Role) -> bool {
    matches!(role, Role::Secretariat | Role::Chair)
}

/// Whether an account may be one of a poll's addressees (`POST`/`PUT /api/opinions`:
/// named ones are checked, and no names means every such account): those who answer,
/// members and the chair.
pub fn may_be_addressed(role: Role) -> bool {
    matches!(role, Role::Member | Role::Chair)
}

#[cfg(test)]
mod tests {
    use super::*;
    use OpinionCapability as O;

    #[test]
    fn a_written_poll_needs_a_second_pair_of_eyes() {
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

    /// Every role × drafted × addressed × draft × capability.
    #[test]
    fn decisions_table() {
        let b = [false, true];
        for role in Role::ALL {
            let (sec, chair) = (role == Role::Secretariat, role == Role::Chair);
            for drafted in b {
                for addressee in b {
                    for draft in b {
                        let sees = sec || chair || (addressee && !draft);
                        for cap in O::ALL {
                            let may = match cap {
                                O::View => sees,
                                O::Prepare => sec,
                                O::Approve => (sec && !drafted) || chair,
                                O::Answer => addressee && !draft,
                                O::Report => sec || chair,
                            };
                            let want = match (sees, may) {
                                (false, _) => Decision::Hidden,
                                (true, false) => Decision::Forbidden,
                                (true, true) => Decision::Allow,
                            };
                            assert_eq!(
                                opinion_decision(role, drafted, addressee, draft, cap),
                                want,
                                "{role:?} drafted={drafted} addressee={addressee} \
                                 draft={draft} {cap:?}"
                            );
                        }
                    }
                }
            }
            assert_eq!(drafts_opinions(role), sec, "{role:?}");
            assert_eq!(lists_all_opinions(role), sec || chair, "{role:?}");
            assert_eq!(
                may_be_addressed(role),
                matches!(role, Role::Member | Role::Chair),
                "{role:?}"
            );
        }
    }
}
