//! Device keys (khóa thiết bị): each member's tablet or phone holds an ed25519 key that
//! never leaves it; the public half is registered, then approved or revoked by the
//! secretariat. Only approved keys may sign ballots.

use crate::DomainError;
use crate::UserId;
use crate::meeting::required_text;
use serde::{Deserialize, Serialize};

/// Most devices awaiting approval one account may have: enough for a tablet, a phone and a
/// spare, few enough that nobody floods the secretariat's queue.
pub const MAX_PENDING_PER_USER: usize = 5;

/// Where a device key is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    /// Registered by the member; cannot sign yet.
    Pending,
    /// Approved by the secretariat; signs ballots.
    Approved,
    /// Revoked (lost, replaced, refused); never signs again.
    Revoked,
}

impl DeviceStatus {
    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Pending => "pending",
            DeviceStatus::Approved => "approved",
            DeviceStatus::Revoked => "revoked",
        }
    }

    /// Inverse of [`DeviceStatus::as_str`].
    pub fn parse(s: &str) -> Option<DeviceStatus> {
        [
            DeviceStatus::Pending,
            DeviceStatus::Approved,
            DeviceStatus::Revoked,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }

    /// Approval: only a pending key.
    pub fn approve(self) -> Result<DeviceStatus, DomainError> {
        match self {
            DeviceStatus::Pending => Ok(DeviceStatus::Approved),
            _ => Err(DomainError::InvalidTransition {
                subject: "device",
                from: self.as_str(),
                action: "approve",
            }),
        }
    }

    /// Revocation: a pending or approved key; a revoked key stays revoked.
    pub fn revoke(self) -> Result<DeviceStatus, DomainError> {
        match self {
            DeviceStatus::Revoked => Err(DomainError::InvalidTransition {
                subject: "device",
                from: self.as_str(),
                action: "revoke",
            }),
            _ => Ok(DeviceStatus::Revoked),
        }
    }
}

// Who registers, approves and revokes keys is the access policy's (one place per context);
// kept reachable here under the names the server and the frontend use.
pub use crate::access::devices::{can_enroll, can_manage_devices, may_approve};

/// Checks a device label ("iPad phòng họp") and the owner's pending count.
pub fn check_enrollment(label: &str, pending: usize) -> Result<String, DomainError> {
    if pending >= MAX_PENDING_PER_USER {
        return Err(DomainError::Invalid {
            field: "devices",
            reason: format!("at most {MAX_PENDING_PER_USER} devices may await approval"),
        });
    }
    required_text("label", label, 100)
}

/// A device key as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Device id.
    pub id: i64,
    /// Owner.
    pub user_id: UserId,
    /// Owner's name.
    pub user_name: String,
    /// What the member called it.
    pub label: String,
    /// The 32-byte ed25519 public key, hex.
    pub public_key: String,
    /// SHA-256 of the public key, hex: the id ballots carry.
    pub key_id: String,
    /// Pending, approved or revoked.
    pub status: DeviceStatus,
    /// When registered, Unix ms.
    pub created_at: i64,
    /// Who approved or revoked it.
    #[serde(default)]
    pub decided_by: Option<UserId>,
    /// When, Unix ms.
    #[serde(default)]
    pub decided_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    #[test]
    fn nobody_approves_their_own_key() {
        let (a, b) = (UserId(1), UserId(2));
        assert!(may_approve(Role::Secretariat, a, b));
        assert!(!may_approve(Role::Secretariat, a, a));
        for r in [Role::Admin, Role::Chair, Role::Member, Role::Invitee] {
            assert!(!may_approve(r, a, b), "{r:?}");
        }
    }

    #[test]
    fn life_cycle() {
        use DeviceStatus::*;
        assert_eq!(Pending.approve().unwrap(), Approved);
        assert_eq!(Approved.revoke().unwrap(), Revoked);
        assert_eq!(Pending.revoke().unwrap(), Revoked);
        assert!(Approved.approve().is_err());
        assert!(Revoked.approve().is_err());
        assert!(Revoked.revoke().is_err());
        for s in [Pending, Approved, Revoked] {
            assert_eq!(DeviceStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn enrollment_rules() {
        assert!(can_enroll(Role::Member) && can_enroll(Role::Chair));
        assert!(
            !can_enroll(Role::Invitee)
                && !can_enroll(Role::Secretariat)
                && !can_enroll(Role::Admin)
        );
        assert_eq!(check_enrollment(" iPad ", 0).unwrap(), "iPad");
        assert!(check_enrollment("", 0).is_err());
        assert!(check_enrollment("iPad", MAX_PENDING_PER_USER).is_err());
    }
}
