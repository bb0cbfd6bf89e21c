//! Who registers, lists, approves and revokes device keys (khóa thiết bị): the server's
//! `voting::devices` and `platform::signatures`, and the `devices` and `devices:<id>`
//! topics ([`super::topics`]).

use super::Decision;
use crate::{Role, UserId};

/// Who may register a device key for themselves by their account role alone: those who
/// vote. (Others who sign, for an organ or a unit, are found by [`signs`].)
pub fn can_enroll(role: Role) -> bool {
    matches!(role, Role::Chair | Role::Member)
}

/// Who approves and revokes device keys, and sees all of them.
pub fn can_manage_devices(role: Role) -> bool {
    role == Role::Secretariat
}

/// Whether `approver` (with account role `role`) may approve a key of `owner`: the
/// secretariat, and never their own (four eyes: whoever holds a key does not vouch for it).
pub fn may_approve(role: Role, approver: UserId, owner: UserId) -> bool {
    can_manage_devices(role) && approver != owner
}

/// Whether an account signs on a device (the `signs` of `GET /api/me`, and who may list
/// and register keys): members and the chair (ballots, answers, minutes), a leader of an
/// organ hosted here (`leads_an_organ`: an organ's leader seals its documents) and an
/// officer of a reporting unit (`reports_for_a_unit`: an officer signs its reports).
pub fn signs(role: Role, leads_an_organ: bool, reports_for_a_unit: bool) -> bool {
    can_enroll(role) || leads_an_organ || reports_for_a_unit
}

/// Which keys `GET /api/devices` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceListing {
    /// Every key (the secretariat).
    All,
    /// One's own keys.
    Own,
}

/// `GET /api/devices`: every key for the secretariat, one's own for whoever [`signs`],
/// `None` (403) for anyone else.
pub fn listing(role: Role, signs: bool) -> Option<DeviceListing> {
    if can_manage_devices(role) {
        Some(DeviceListing::All)
    } else if signs {
        Some(DeviceListing::Own)
    } else {
        None
    }
}

/// `POST /api/devices` (register a pending key): whoever [`signs`]; 403 for anyone else.
pub fn enroll(signs: bool) -> Decision {
    Decision::forbid_unless(signs)
}

/// A decision on a registered key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceAction {
    /// `POST /api/devices/{id}/approve`.
    Approve,
    /// `POST /api/devices/{id}/revoke`.
    Revoke,
}

/// `POST /api/devices/{id}/approve` and `…/revoke` on a key of `owner`, asked by `me`
/// (account role `role`): someone else's key does not exist for anyone but the secretariat
/// (404); an owner may give up their key but never approve one, nor may the secretariat
/// approve its own (403, [`may_approve`]).
pub fn decide(role: Role, me: UserId, owner: UserId, action: DeviceAction) -> Decision {
    let sees = can_manage_devices(role) || owner == me;
    let may = match action {
        DeviceAction::Revoke => true,
        DeviceAction::Approve => may_approve(role, me, owner),
    };
    Decision::of(sees, may)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow, Forbidden, Hidden};
    use DeviceAction::{Approve, Revoke};

    #[test]
    fn who_signs_lists_and_registers() {
        // (role, leads an organ, officer of a unit) → signs
        let table = [
            (Role::Member, false, false, true),
            (Role::Chair, false, false, true),
            (Role::Invitee, false, false, false),
            (Role::Invitee, true, false, true),
            (Role::Invitee, false, true, true),
            (Role::Secretariat, false, false, false),
            (Role::Secretariat, true, false, true),
            (Role::Admin, false, false, false),
            (Role::Admin, false, true, true),
        ];
        for (role, leads, reports, want) in table {
            assert_eq!(
                signs(role, leads, reports),
                want,
                "{role:?} {leads} {reports}"
            );
            assert_eq!(enroll(want), if want { Allow } else { Forbidden });
        }
        for role in Role::ALL {
            for s in [false, true] {
                let want = match (role, s) {
                    (Role::Secretariat, _) => Some(DeviceListing::All),
                    (_, true) => Some(DeviceListing::Own),
                    (_, false) => None,
                };
                assert_eq!(listing(role, s), want, "{role:?} signs={s}");
            }
        }
    }

    #[test]
    fn approving_and_revoking() {
        let (me, other) = (UserId(1), UserId(2));
        // (role, owner, action) → decision
        let table = [
            (Role::Secretariat, other, Approve, Allow),
            (Role::Secretariat, other, Revoke, Allow),
            (Role::Secretariat, me, Approve, Forbidden),
            (Role::Secretariat, me, Revoke, Allow),
            (Role::Member, me, Revoke, Allow),
            (Role::Member, me, Approve, Forbidden),
            (Role::Member, other, Revoke, Hidden),
            (Role::Member, other, Approve, Hidden),
            (Role::Chair, other, Approve, Hidden),
            (Role::Admin, other, Revoke, Hidden),
            (Role::Admin, me, Approve, Forbidden),
            (Role::Invitee, me, Revoke, Allow),
        ];
        for (role, owner, action, want) in table {
            assert_eq!(
                decide(role, me, owner, action),
                want,
                "{role:?} {owner:?} {action:?}"
            );
        }
    }
}
