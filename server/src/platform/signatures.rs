//! Device signatures outside the ballot box: who signs on a device, and the check of a
//! signature that a person's enrolled, approved device key made (minutes, an envelope's
//! seal, a report's submission).

use crate::platform::error::{AppError, AppResult};
use ecabinet_domain::UserId;
use ecabinet_domain::access::devices;
use ecabinet_domain::access::exchange::OrganRole;
use ecabinet_domain::access::reporting::UnitRole;
use ecabinet_domain::device::Device;
use ecabinet_storage::{Tx, UserRow};

/// Whether the account `u` signs on a device: members and the chair (ballots, answers, minutes), and
/// anyone who signs for an agency (an organ's leader seals its documents) or a reporting
/// unit (an officer signs its reports).
pub(crate) async fn signs(tx: &mut Tx, u: &UserRow) -> AppResult<bool> {
    // The account role alone decides for those who vote: nothing to read.
    if devices::can_enroll(u.role) {
        return Ok(true);
    }
    let leads = tx
        .organ_roles(u.id)
        .await?
        .iter()
        .any(|(_, r)| *r == OrganRole::Leader);
    let reports = tx
        .unit_roles(u.id)
        .await?
        .iter()
        .any(|(_, r)| r == UnitRole::Officer.as_str());
    Ok(devices::signs(u.role, leads, reports))
}

/// Checks a signature that `user`'s device made over `bytes` (minutes, an envelope's
/// seal): the key is theirs and approved, and the signature verifies strictly. Returns the
/// device and its public key. Ballots and answers check theirs on their own path (the key must also be
/// one fixed when the vote opened).
pub(crate) async fn verify_signed(
    tx: &mut Tx,
    user: UserId,
    key_id: &[u8; 32],
    bytes: &[u8],
    signature: &[u8; 64],
) -> AppResult<(Device, [u8; 32])> {
    use ecabinet_domain::device::DeviceStatus;
    use ecabinet_domain::poll::BallotRefusal;
    let refuse = |r| AppError::Domain(ecabinet_domain::DomainError::Ballot(r));
    let device = tx
        .device_by_key_id(&hex::encode(key_id))
        .await?
        .filter(|d| d.user_id == user)
        .ok_or(refuse(BallotRefusal::UnknownKey))?;
    match device.status {
        DeviceStatus::Approved => {}
        DeviceStatus::Revoked => return Err(refuse(BallotRefusal::RevokedKey)),
        DeviceStatus::Pending => return Err(refuse(BallotRefusal::UnknownKey)),
    }
    let public_key = crate::platform::hex_array::<32>(&device.public_key)
        .ok_or_else(|| AppError::Internal("stored key".into()))?;
    let key = ecabinet_crypto::check_public_key(&public_key)
        .map_err(|_| AppError::Internal("stored key".into()))?;
    if !ecabinet_crypto::verify_one(&key, bytes, signature) {
        return Err(refuse(BallotRefusal::BadSignature));
    }
    Ok((device, public_key))
}
