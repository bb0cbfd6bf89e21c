//! Bodies of the HTTP API (`/api/...`). See `docs/protocol.md` for routes and examples.

use ecabinet_domain::agenda::AgendaItemInput;
use ecabinet_domain::meeting::MeetingDetails;
use ecabinet_domain::quorum::Fraction;
use ecabinet_domain::{AgendaItemId, ParticipantRole, Role, UserId};
use serde::{Deserialize, Serialize};

/// `POST /api/login`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginRequest {
    /// Account name.
    pub username: String,
    /// Password, checked against an argon2 hash.
    pub password: String,
}

/// The logged-in account (`GET /api/me`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Account id.
    pub id: UserId,
    /// Login name.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Office held, e.g. "Thủ tướng Chính phủ".
    pub title: String,
    /// Account role.
    pub role: Role,
    /// Whether the account signs on a device (a member or the chair, an organ's leader,
    /// a reporting officer): the devices page offers to make a key.
    #[serde(default)]
    pub signs: bool,
}

/// An account as listed for the participant picker (`GET /api/users`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    /// Account id.
    pub id: UserId,
    /// Name shown to others.
    pub display_name: String,
    /// Office held.
    pub title: String,
    /// Account role.
    pub role: Role,
}

/// One participant as the secretariat sets them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantInput {
    /// Who.
    pub user_id: UserId,
    /// Their part; defaults from the account role (chair → chair, member → member, ...).
    #[serde(default)]
    pub role: Option<ParticipantRole>,
}

/// `POST /api/meetings` and `PUT /api/meetings/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingInput {
    /// Title, kind, time, place.
    #[serde(flatten)]
    pub details: MeetingDetails,
    /// Who takes part.
    pub participants: Vec<ParticipantInput>,
    /// Quorum; two thirds of all members when absent.
    #[serde(default)]
    pub quorum: Option<Fraction>,
}

/// `PUT /api/meetings/{id}/agenda`: the whole agenda in its new order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaInput {
    /// Items, in order.
    pub items: Vec<AgendaItemInput>,
}

/// `POST /api/meetings/{id}/current`: which item is under discussion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum MoveTo {
    /// The next item.
    Next,
    /// The previous item.
    Previous,
    /// A given item.
    Item {
        /// Which.
        item_id: AgendaItemId,
    },
}

/// `POST /api/meetings/{id}/speakers/grant`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantFloor {
    /// Whom; the first in line when absent.
    #[serde(default)]
    pub user_id: Option<UserId>,
}

/// `POST /api/meetings` answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    /// The new meeting's id.
    pub id: ecabinet_domain::MeetingId,
}

/// `POST /api/devices`: a member registers the public half of a device key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInput {
    /// What the member calls the device.
    pub label: String,
    /// The 32-byte ed25519 public key, lowercase hex (64 characters).
    pub public_key: String,
}

/// `GET /api/meetings/{id}/minutes`: the minutes as they stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesView {
    /// `none` (not drafted yet), `draft` or `signed`.
    pub status: String,
    /// The text.
    pub text: String,
    /// SHA-256 of the text, hex: what the chair's signature covers.
    pub text_sha256: String,
    /// Whether the viewer may sign (the meeting's chair, while a draft exists).
    pub may_sign: bool,
    /// Once signed: who, with which key, when, and the signature (hex).
    pub signed: Option<MinutesSigned>,
}

/// The chair's signature on the minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesSigned {
    /// Signer.
    pub signer: UserId,
    /// Their name.
    pub signer_name: String,
    /// Key id, hex.
    pub key_id: String,
    /// When (device clock), Unix ms.
    pub signed_at: i64,
    /// ed25519 signature over the canonical bytes, hex.
    pub signature: String,
    /// SHA-256 of the archived PDF, hex.
    pub pdf_sha256: String,
}

/// `PUT /api/meetings/{id}/minutes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesInput {
    /// The edited text.
    pub text: String,
}

/// `POST /api/meetings/{id}/minutes/sign`: canonical bytes and the device's signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesSubmission {
    /// `domain::minutes::MinutesSignature` bytes, hex.
    pub bytes: String,
    /// ed25519 signature, hex.
    pub signature: String,
}
