//! The archive bundle of signed minutes (docs/archive-format.md §8) and its offline check:
//! the text hashes to what the chair signed, the signature verifies under the chair's
//! device key, and that key is the chair's.

use crate::{DeviceRecord, MeetingRecord};
use ecabinet_crypto::{check_public_key, key_id, sha256, verify_one};
use ecabinet_domain::minutes::MinutesSignature;
use ecabinet_domain::poll::KeyId;
use serde::{Deserialize, Serialize};

/// The `format` of a v1 minutes bundle.
pub const FORMAT_V1: &str = "ecabinet-minutes/v1";

/// Signed minutes with what is needed to check them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinutesBundle {
    /// Always [`FORMAT_V1`].
    pub format: String,
    /// The meeting.
    pub meeting: MeetingRecord,
    /// The signed text.
    pub text: String,
    /// The canonical bytes the chair signed, hex.
    #[serde(with = "hex::serde")]
    pub signed_bytes: Vec<u8>,
    /// The signature, hex.
    #[serde(with = "hex::serde")]
    pub signature: [u8; 64],
    /// The signing device and its approval.
    pub device: DeviceRecord,
    /// SHA-256 of the archived PDF, hex (the PDF prints the text, its hash and the signature).
    pub pdf_sha256: String,
}

/// Everything that does not check out; empty when the minutes verify.
pub fn verify(b: &MinutesBundle) -> Vec<String> {
    let mut problems = Vec::new();
    if b.format != FORMAT_V1 {
        return vec![format!("unknown format {:?}", b.format)];
    }
    let Some(signed) = MinutesSignature::from_bytes(&b.signed_bytes) else {
        return vec!["the signed bytes are not v1 minutes".into()];
    };
    if signed.meeting_id != b.meeting.id {
        problems.push("the signature names another meeting".into());
    }
    if signed.text_sha256 != sha256(b.text.as_bytes()) {
        problems.push("the text is not the text the chair signed".into());
    }
    if signed.signer != b.device.member_id {
        problems.push("the signing key belongs to someone other than the signer".into());
    }
    match check_public_key(&b.device.public_key) {
        Ok(k) => {
            if KeyId(key_id(&k)) != b.device.key_id || b.device.key_id.0 != signed.key_id {
                problems.push("the device key does not match the key id signed".into());
            }
            if !verify_one(&k, &b.signed_bytes, &b.signature) {
                problems.push("the chair's signature does not verify".into());
            }
        }
        Err(_) => problems.push("the device key is not a usable ed25519 key".into()),
    }
    problems
}

/// The verdict as `ecabinet verify` prints it.
pub fn describe(b: &MinutesBundle, problems: &[String]) -> String {
    let mut out = String::new();
    if problems.is_empty() {
        out.push_str(&format!(
            "ok   minutes of meeting {} «{}»: text hash and the chair's signature verified\nverdict: VERIFIED\n",
            b.meeting.id, b.meeting.title
        ));
    } else {
        out.push_str(&format!(
            "FAIL minutes of meeting {} «{}»\n",
            b.meeting.id, b.meeting.title
        ));
        for p in problems {
            out.push_str(&format!("       - {p}\n"));
        }
        out.push_str("verdict: NOT VERIFIED\n");
    }
    out
}
