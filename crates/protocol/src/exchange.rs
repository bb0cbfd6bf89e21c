//! Document exchange on the wire: organs, the registers as the secretariat of an agency
//! sees them, and the inputs of each step (draft, seal, send, status).

use ecabinet_domain::UserId;
use ecabinet_exchange::canonical::Seal;
use ecabinet_exchange::{Business, Envelope, Priority, Problem, Signer, Status};
use serde::{Deserialize, Serialize};

/// An organ in the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganInfo {
    /// Identifier.
    pub id: String,
    /// Name.
    pub name: String,
    /// Whether this deployment hosts it.
    pub hosted: bool,
}

/// An organ the user works for, and as what (`clerk`, `leader`, `handler`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyOrgan {
    /// Identifier.
    pub id: String,
    /// Name.
    pub name: String,
    /// Roles.
    pub roles: Vec<String>,
}

/// Someone who works for an organ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganMember {
    /// The account.
    pub user_id: UserId,
    /// Its name.
    pub display_name: String,
    /// `clerk`, `leader` or `handler`.
    pub role: String,
}

/// A clerk's draft of an outgoing document (the files come as multipart parts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingInput {
    /// Recipient organ ids.
    pub to: Vec<String>,
    /// Số.
    pub code_number: String,
    /// Ký hiệu.
    #[serde(default)]
    pub code_notation: String,
    /// Nơi ban hành.
    #[serde(default)]
    pub place: String,
    /// `YYYY-MM-DD`.
    pub promulgation_date: String,
    /// Loại văn bản.
    pub document_type: String,
    /// Trích yếu.
    pub subject: String,
    /// Người ký.
    pub signer: Signer,
    /// The account that signs on its device (a leader of the organ).
    pub signer_id: UserId,
    /// Hạn xử lý.
    #[serde(default)]
    pub due_date: Option<String>,
    /// Độ khẩn.
    #[serde(default = "normal")]
    pub priority: Priority,
    /// Số trang.
    #[serde(default)]
    pub page_amount: Option<u32>,
    /// New, revoke, update, replace.
    #[serde(default = "new_document")]
    pub business: Business,
    /// The document changed (its DocumentId), for anything but new.
    #[serde(default)]
    pub target: Option<String>,
    /// Why.
    #[serde(default)]
    pub reason: String,
}

fn normal() -> Priority {
    Priority::Normal
}

fn new_document() -> Business {
    Business::New
}

/// What a recipient last reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientStatus {
    /// The organ.
    pub organ_id: String,
    /// Its name.
    pub organ_name: String,
    /// The status, once one arrived.
    pub status: Option<Status>,
    /// Its description (a rejection's reason).
    pub description: String,
    /// When, Unix ms.
    pub updated_at: Option<i64>,
    /// Set while the delivery to this recipient is a dead letter: its deployment refused
    /// it for good, and it waits for someone to send it again.
    #[serde(default)]
    pub undeliverable: Option<Undeliverable>,
}

/// Why a delivery is stuck, for the sending organ's screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undeliverable {
    /// The dead letter (`POST /api/exchange/dead-letters/{id}/retry`).
    pub dead_letter_id: i64,
    /// The reason, in Vietnamese and English.
    pub reason: String,
    /// Since when, Unix ms.
    pub since: i64,
}

/// A delivery a peer refused for good, set aside so that it does not hold back the peer's
/// later messages (`GET /api/exchange/dead-letters`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Its id.
    pub id: i64,
    /// The peer deployment.
    pub peer_id: i64,
    /// The peer's name.
    pub peer_name: String,
    /// `envelope` or `status`.
    pub kind: String,
    /// The document it concerns.
    pub document_id: String,
    /// The organ that sent it.
    pub from_organ: String,
    /// The organ it is for.
    pub to_organ: String,
    /// Attempts made.
    pub attempts: i64,
    /// Why the peer refused it, in Vietnamese and English.
    pub reason: String,
    /// When it was set aside, Unix ms.
    pub dead_at: i64,
}

/// An entry of the message log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageInfo {
    /// `sent` or `received`.
    pub direction: String,
    /// `envelope` or `status`.
    pub kind: String,
    /// From organ.
    pub from_organ: String,
    /// To organ.
    pub to_organ: String,
    /// SHA-256 of the XML as sent or received, hex.
    pub sha256: String,
    /// When, Unix ms.
    pub at: i64,
}

/// An outgoing document as its organ sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingView {
    /// Register id.
    pub id: i64,
    /// The sending organ.
    pub organ_id: String,
    /// draft, signed or sent.
    pub status: String,
    /// The envelope.
    pub envelope: Envelope,
    /// SHA-256 of its canonical bytes, hex: what the signer's device signs over.
    pub digest: String,
    /// The account that signs.
    pub signer_id: Option<UserId>,
    /// The seal, once signed.
    pub seal: Option<Seal>,
    /// Each recipient's status.
    pub recipients: Vec<RecipientStatus>,
    /// Every envelope and status sent or received for it.
    pub messages: Vec<MessageInfo>,
    /// When sent.
    pub sent_at: Option<i64>,
    /// Its files as documents: rendered pages for the viewer, in the envelope's order.
    #[serde(default)]
    pub documents: Vec<crate::document::DocumentSummary>,
}

/// An incoming document as the receiving organ sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingView {
    /// Register id.
    pub id: i64,
    /// The receiving organ.
    pub organ_id: String,
    /// The envelope.
    pub envelope: Envelope,
    /// The signer's seal, checked on arrival.
    pub seal: Seal,
    /// Where it stands.
    pub status: Status,
    /// Số đến, once registered.
    pub register_number: Option<i64>,
    /// Who handles it.
    pub handler_id: Option<UserId>,
    /// The last note.
    pub note: String,
    /// When it arrived, Unix ms.
    pub received_at: i64,
    /// The message log.
    pub messages: Vec<MessageInfo>,
    /// Its files as documents, as for [`OutgoingView::documents`].
    #[serde(default)]
    pub documents: Vec<crate::document::DocumentSummary>,
}

/// A step on an incoming document: register, reject, assign (with `handler_id`), start
/// processing, finish, or answer a revocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusInput {
    /// The new status.
    pub status: Status,
    /// For `assigned`: who handles it.
    #[serde(default)]
    pub handler_id: Option<UserId>,
    /// Why (required to reject), or instructions to the handler.
    #[serde(default)]
    pub note: String,
}

/// The seal a signer's device made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealInput {
    /// The seal record's bytes, hex.
    pub bytes: String,
    /// The signature, hex.
    pub signature: String,
}

/// Why an envelope was refused: every problem found, as status 02 carries them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    /// The problems.
    pub problems: Vec<Problem>,
}
