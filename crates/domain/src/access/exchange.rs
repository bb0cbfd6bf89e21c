//! Who may do what in the exchange of official documents (liên thông văn bản): the
//! server's `exchange` and its gates (organs, registers, sealing, sending, the steps of a
//! received document, peers and dead letters).
//!
//! The roles one plays in an organ are stored by `ecabinet-storage`, which depends on this
//! crate: [`OrganRole`] is defined here, with the same spelling, so that the policy needs
//! nothing from storage.

use super::Decision;
use crate::Role;

/// A role in an organ hosted here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrganRole {
    /// Văn thư: registers, sends, receives.
    Clerk,
    /// Lãnh đạo: signs outgoing documents, assigns incoming ones.
    Leader,
    /// Chuyên viên: handles what is assigned.
    Handler,
}

impl OrganRole {
    /// Every role.
    pub const ALL: [OrganRole; 3] = [OrganRole::Clerk, OrganRole::Leader, OrganRole::Handler];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrganRole::Clerk => "clerk",
            OrganRole::Leader => "leader",
            OrganRole::Handler => "handler",
        }
    }

    /// From the stored name.
    pub fn parse(s: &str) -> Option<OrganRole> {
        OrganRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Something a user may try to do in an organ's registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExchangeCap {
    /// Read the organ's people, registers, entries, their files, edXML and documents (any
    /// role: clerks, leaders and handlers all read what the organ sends and receives).
    Read,
    /// Draft an outgoing document (clerk).
    Draft,
    /// Import an envelope that came as a file (clerk).
    Import,
    /// Seal a draft on one's device: a leader, and the one the draft names as its signer.
    Seal {
        /// The draft names the user as its signer.
        named_signer: bool,
    },
    /// Send a sealed document (clerk).
    Send,
    /// Register, reject or withdraw a received document (clerk).
    Receive,
    /// Assign a received document to a handler, accept or refuse a revocation (leader).
    Direct,
    /// Process or finish a received document: the handler it is assigned to, or a leader.
    Handle {
        /// The document is assigned to the user.
        assigned_to_me: bool,
    },
}

/// Whether someone with `roles` in the organ (none: works elsewhere) may use `cap` there.
pub fn allows(roles: &[OrganRole], cap: ExchangeCap) -> bool {
    use ExchangeCap as C;
    let has = |r: OrganRole| roles.contains(&r);
    match cap {
        C::Read => !roles.is_empty(),
        C::Draft | C::Import | C::Send | C::Receive => has(OrganRole::Clerk),
        C::Seal { named_signer } => has(OrganRole::Leader) && named_signer,
        C::Direct => has(OrganRole::Leader),
        C::Handle { assigned_to_me } => {
            !roles.is_empty() && (assigned_to_me || has(OrganRole::Leader))
        }
    }
}

/// A route that names the organ (`/api/exchange/organs/{id}/…`: members, outgoing and
/// incoming registers, draft, import): the directory is public, so anyone who works
/// elsewhere gets 403, like one who works there without the role. (An organ unknown or
/// not hosted here is the caller's 404.)
pub fn organ_decision(roles: &[OrganRole], cap: ExchangeCap) -> Decision {
    Decision::forbid_unless(allows(roles, cap))
}

/// A route that names a register entry (`/api/exchange/outgoing/{id}…`,
/// `/api/exchange/incoming/{id}…`, `/api/exchange/{register}/{id}/files/{n}`, and the
/// documents filed for an entry): an entry of an organ one does not work for does not
/// exist (404); one who works there without the role gets 403. `roles`: in the entry's
/// organ.
pub fn entry_decision(roles: &[OrganRole], cap: ExchangeCap) -> Decision {
    Decision::of(!roles.is_empty(), allows(roles, cap))
}

/// Who may be named the signer of a draft (`POST /api/exchange/organs/{id}/outgoing`,
/// else 422 `signer_id`), and whose approved device's seal speaks for an organ hosted here
/// when an envelope carries no attestation: a leader of the organ. `roles`: the signer's
/// in that organ.
pub fn signs_for_organ(roles: &[OrganRole]) -> bool {
    roles.contains(&OrganRole::Leader)
}

/// Who may be assigned a received document (`POST /api/exchange/incoming/{id}/status`
/// with `assigned`, else 422 `handler_id`): a handler or a leader of the organ. `roles`:
/// the named handler's in that organ.
pub fn may_handle(roles: &[OrganRole]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, OrganRole::Handler | OrganRole::Leader))
}

/// The deployment's side of the exchange, the administration's (403 for anyone else):
/// `POST /api/exchange/organs` (host an organ), `POST /api/exchange/organs/{id}/members`
/// (give a role), `POST /api/exchange/peers` (add a peer deployment) and
/// `GET /api/exchange/dead-letters` (every delivery a peer refused for good).
pub fn administers(role: Role) -> bool {
    role == Role::Admin
}

/// `POST /api/exchange/dead-letters/{id}/retry`: the administration, or a clerk of the
/// organ that sent it; someone else of that organ gets 403, anyone of no organ concerned
/// 404. `roles`: in the sending organ.
pub fn retry_dead_letter(role: Role, roles: &[OrganRole]) -> Decision {
    if administers(role) {
        return Decision::Allow;
    }
    Decision::of(!roles.is_empty(), roles.contains(&OrganRole::Clerk))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow, Forbidden, Hidden};
    use ExchangeCap as C;
    use OrganRole::{Clerk, Handler, Leader};

    const NOBODY: &[OrganRole] = &[];

    #[test]
    fn spelling_round_trips() {
        for r in OrganRole::ALL {
            assert_eq!(OrganRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(OrganRole::parse("boss"), None);
    }

    /// Every organ role (and none) × capability, by organ and by entry.
    #[test]
    fn capabilities_table() {
        let caps = [
            C::Read,
            C::Draft,
            C::Import,
            C::Seal { named_signer: true },
            C::Seal {
                named_signer: false,
            },
            C::Send,
            C::Receive,
            C::Direct,
            C::Handle {
                assigned_to_me: true,
            },
            C::Handle {
                assigned_to_me: false,
            },
        ];
        // Expected, in the order of `caps`, for roles: none, clerk, leader, handler.
        let yes = true;
        let no = false;
        let table: [(&[OrganRole], [bool; 10]); 5] = [
            (NOBODY, [no, no, no, no, no, no, no, no, no, no]),
            (&[Clerk], [yes, yes, yes, no, no, yes, yes, no, yes, no]),
            (&[Leader], [yes, no, no, yes, no, no, no, yes, yes, yes]),
            (&[Handler], [yes, no, no, no, no, no, no, no, yes, no]),
            (
                &[Clerk, Leader],
                [yes, yes, yes, yes, no, yes, yes, yes, yes, yes],
            ),
        ];
        for (roles, want) in table {
            for (cap, want) in caps.into_iter().zip(want) {
                assert_eq!(allows(roles, cap), want, "{roles:?} {cap:?}");
                let by_organ = if want { Allow } else { Forbidden };
                assert_eq!(organ_decision(roles, cap), by_organ, "{roles:?} {cap:?}");
                let by_entry = match (roles.is_empty(), want) {
                    (true, _) => Hidden,
                    (false, false) => Forbidden,
                    (false, true) => Allow,
                };
                assert_eq!(entry_decision(roles, cap), by_entry, "{roles:?} {cap:?}");
            }
        }
    }

    #[test]
    fn signers_handlers_and_the_administration() {
        assert!(signs_for_organ(&[Leader]) && signs_for_organ(&[Clerk, Leader]));
        assert!(!signs_for_organ(&[Clerk, Handler]) && !signs_for_organ(NOBODY));
        assert!(may_handle(&[Handler]) && may_handle(&[Leader]));
        assert!(!may_handle(&[Clerk]) && !may_handle(NOBODY));
        for role in Role::ALL {
            assert_eq!(administers(role), role == Role::Admin, "{role:?}");
        }
    }

    #[test]
    fn retrying_a_dead_letter() {
        let table: [(Role, &[OrganRole], Decision); 8] = [
            (Role::Admin, NOBODY, Allow),
            (Role::Admin, &[Handler], Allow),
            (Role::Secretariat, NOBODY, Hidden),
            (Role::Member, NOBODY, Hidden),
            (Role::Invitee, &[Clerk], Allow),
            (Role::Invitee, &[Leader], Forbidden),
            (Role::Invitee, &[Handler, Leader], Forbidden),
            (Role::Member, &[Handler, Clerk], Allow),
        ];
        for (role, roles, want) in table {
            assert_eq!(retry_dead_letter(role, roles), want, "{role:?} {roles:?}");
        }
    }
}
