//! Device keys over HTTP: members register the public half of their device's key; the
//! secretariat approves or revokes; an owner may revoke their own (a lost tablet).

use crate::AppState;
use crate::platform::error::{ApiJson, ApiPath, AppError, AppResult, enforce};
use crate::platform::session::CurrentUser;
use crate::platform::signatures::signs;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ecabinet_domain::UserId;
use ecabinet_domain::access::devices::{self, DeviceAction, DeviceListing};
use ecabinet_domain::device::{self, Device};
use ecabinet_protocol::api::DeviceInput;
use ecabinet_protocol::{EventBody, Topic};
use ecabinet_storage::Tx;

/// `GET /api/devices`: all devices for the secretariat, one's own for those who sign.
pub async fn list(State(s): State<AppState>, u: CurrentUser) -> AppResult<Json<Vec<Device>>> {
    let mut tx = s.db.read().await?;
    // Whether `u` signs is read only when the account role does not decide alone.
    let signer = !devices::can_manage_devices(u.0.role) && signs(&mut tx, &u.0).await?;
    match devices::listing(u.0.role, signer) {
        Some(DeviceListing::All) => Ok(Json(tx.all_devices().await?)),
        Some(DeviceListing::Own) => Ok(Json(tx.devices_of(u.id()).await?)),
        None => Err(AppError::Forbidden),
    }
}

/// `POST /api/devices`: registers a pending key.
pub async fn enroll(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiJson(input): ApiJson<DeviceInput>,
) -> AppResult<(StatusCode, Json<Device>)> {
    enforce(devices::enroll(signs(&mut s.db.read().await?, &u.0).await?))?;
    let invalid = |reason: &str| {
        AppError::Domain(ecabinet_domain::DomainError::Invalid {
            field: "public_key",
            reason: reason.into(),
        })
    };
    let raw = input.public_key.trim().to_ascii_lowercase();
    let bytes: [u8; 32] = hex::decode(&raw)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| invalid("must be 32 bytes in hex"))?;
    let key = ecabinet_crypto::check_public_key(&bytes)
        .map_err(|_| invalid("is not a usable ed25519 key"))?;
    let key_id = hex::encode(ecabinet_crypto::key_id(&key));
    let mut tx = s.db.write().await?;
    let pending = tx
        .devices_of(u.id())
        .await?
        .iter()
        .filter(|d| d.status == device::DeviceStatus::Pending)
        .count();
    let label = device::check_enrollment(&input.label, pending)?;
    // Writes are serialized (SQLite) and the column is unique (both engines), so a key
    // registers once, for one account.
    if tx.device_by_key(&raw).await?.is_some() {
        return Err(AppError::Conflict("this key is registered already".into()));
    }
    let id = tx.insert_device(u.id(), &label, &raw, &key_id).await?;
    let dev = tx.device(id).await?.ok_or(AppError::NotFound)?;
    announce(&mut tx, &dev, u.id()).await?;
    s.commit(tx).await?;
    tracing::info!(user = %u.0.username, device = id, "device key registered");
    Ok((StatusCode::CREATED, Json(dev)))
}

async fn decide(s: &AppState, u: &CurrentUser, id: i64, approve: bool) -> AppResult<Json<Device>> {
    let mut tx = s.db.write().await?;
    let dev = tx.device(id).await?.ok_or(AppError::NotFound)?;
    // Owners may give up a key, never approve one: approval is another person's check
    // (a clerk who also holds a signing key, as an officer or an organ's leader, included).
    let action = if approve {
        DeviceAction::Approve
    } else {
        DeviceAction::Revoke
    };
    enforce(devices::decide(u.0.role, u.id(), dev.user_id, action))?;
    let next = if approve {
        dev.status.approve()?
    } else {
        dev.status.revoke()?
    };
    tx.set_device_status(id, next, u.id()).await?;
    let dev = tx.device(id).await?.ok_or(AppError::NotFound)?;
    announce(&mut tx, &dev, u.id()).await?;
    s.commit(tx).await?;
    tracing::info!(by = %u.0.username, device = id, status = next.as_str(), "device key decided");
    Ok(Json(dev))
}

/// Tells the secretariat's device list and the owner's tablets, in the same transaction.
async fn announce(tx: &mut Tx, dev: &Device, actor: UserId) -> AppResult<()> {
    for topic in [Topic::Devices, Topic::DevicesOf(dev.user_id)] {
        let body = EventBody::DeviceChanged {
            device: dev.clone(),
        };
        tx.append(topic, body, Some(actor)).await?;
    }
    Ok(())
}

/// `POST /api/devices/{id}/approve` (secretariat).
pub async fn approve(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Device>> {
    decide(&s, &u, id, true).await
}

/// `POST /api/devices/{id}/revoke` (secretariat, or the owner).
pub async fn revoke(
    State(s): State<AppState>,
    u: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<Device>> {
    decide(&s, &u, id, false).await
}
