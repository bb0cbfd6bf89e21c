//! The bytes signers sign: an envelope's canonical encoding (`ecabinet/envelope/v1`),
//! independent of how its XML was written, and the signature record a signer's device
//! signs over the envelope's digest (`ecabinet/envelope-seal/v1`, the layout of
//! `ecabinet_crypto::signed::SignedRecord`), and the sending
//! deployment's attestation that the seal is by a key of the sending organ
//! (`ecabinet/envelope-attestation/v1`). Strings are UTF-8 with a u32 big-endian length;
//! numbers big-endian; recipients and attachments in id order.

use crate::model::{Envelope, StatusPackage};
use ecabinet_crypto::sha256;
use ecabinet_crypto::signed::{RecordTag, SignedRecord};
use serde::{Deserialize, Serialize};

/// Opens an envelope's canonical bytes, followed by one zero byte.
pub const ENVELOPE_TAG_V1: &[u8] = b"ecabinet/envelope/v1";
/// Opens a seal (the signer's signature record), followed by one zero byte.
pub const SEAL_TAG_V1: &[u8] = b"ecabinet/envelope-seal/v1";
/// Opens a status package's canonical bytes, followed by one zero byte.
pub const STATUS_TAG_V1: &[u8] = b"ecabinet/exchange-status/v1";
/// Opens what a deployment signs when it hands a message to a peer.
pub const TRANSPORT_TAG_V1: &[u8] = b"ecabinet/exchange-transport/v1";
/// Opens what a deployment signs when it received a message (the delivery receipt).
pub const RECEIPT_TAG_V1: &[u8] = b"ecabinet/exchange-receipt/v1";
/// Opens what the sending deployment signs to vouch that a seal is by a key of the
/// sending organ, followed by one zero byte.
pub const ATTESTATION_TAG_V1: &[u8] = b"ecabinet/envelope-attestation/v1";

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn tagged(tag: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(tag);
    out.push(0);
    out
}

/// The envelope's canonical bytes: everything the signer vouches for.
pub fn envelope_bytes(e: &Envelope) -> Vec<u8> {
    let mut out = tagged(ENVELOPE_TAG_V1);
    put_str(&mut out, &e.document_id);
    put_str(&mut out, &e.from.id);
    put_str(&mut out, &e.from.name);
    let mut to: Vec<_> = e.to.iter().collect();
    to.sort_by(|a, b| a.id.cmp(&b.id));
    put_len(&mut out, to.len());
    for o in to {
        put_str(&mut out, &o.id);
        put_str(&mut out, &o.name);
    }
    for s in [
        &e.code_number,
        &e.code_notation,
        &e.place,
        &e.promulgation_date,
        &e.document_type,
        &e.subject,
        &e.signer.competence,
        &e.signer.position,
        &e.signer.full_name,
    ] {
        put_str(&mut out, s);
    }
    put_opt(&mut out, e.due_date.as_deref());
    out.push(e.priority.code());
    match e.page_amount {
        None => out.push(0),
        Some(n) => {
            out.push(1);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
    out.push(e.business.code());
    put_opt(&mut out, e.target.as_deref());
    put_str(&mut out, &e.reason);
    let mut files: Vec<_> = e.attachments.iter().collect();
    files.sort_by(|a, b| a.content_id.cmp(&b.content_id));
    put_len(&mut out, files.len());
    for a in files {
        put_str(&mut out, &a.content_id);
        put_str(&mut out, &a.name);
        put_str(&mut out, &a.content_type);
        out.extend_from_slice(&a.sha256);
        out.extend_from_slice(&a.size.to_be_bytes());
    }
    out
}

/// SHA-256 of [`envelope_bytes`]: what a seal names.
pub fn envelope_digest(e: &Envelope) -> [u8; 32] {
    sha256(&envelope_bytes(e))
}

/// Marks the seal record: [`SEAL_TAG_V1`].
pub enum SealTag {}

impl RecordTag for SealTag {
    const TAG: &'static [u8] = SEAL_TAG_V1;
}

/// What the signer's device signs: the envelope's digest, the signer's account on the
/// sending deployment, the key's id and when; the layout every signed record shares
/// ([`SignedRecord`]).
pub type SealRecord = SignedRecord<SealTag>;

/// A signer's seal as it travels with the envelope: the record, the public key and the
/// signature, so that any receiver can check it without asking the sender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    /// What was signed.
    pub record: SealRecord,
    /// The signer's ed25519 public key.
    #[serde(with = "hex::serde")]
    pub public_key: [u8; 32],
    /// The signature over `record.to_bytes()`.
    #[serde(with = "hex::serde")]
    pub signature: [u8; 64],
}

/// Why a seal does not hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// The seal names another envelope (the header or a file changed after signing).
    #[error("the signature is over another version of the document")]
    Digest,
    /// The key id is not the public key's.
    #[error("the signing key does not match its id")]
    KeyId,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    Signature,
}

impl Seal {
    /// Checks the seal against the envelope it came with.
    pub fn verify(&self, e: &Envelope) -> Result<(), SealError> {
        if self.record.digest != envelope_digest(e) {
            return Err(SealError::Digest);
        }
        if self.record.key_id != sha256(&self.public_key) {
            return Err(SealError::KeyId);
        }
        let key = ecabinet_crypto::check_public_key(&self.public_key)
            .map_err(|_| SealError::Signature)?;
        if !self.record.verify(&key, &self.signature) {
            return Err(SealError::Signature);
        }
        Ok(())
    }
}

/// What the sending deployment's server key signs: the sending organ's id, the envelope
/// digest the seal names and the seal's key id. A seal verifies under the key the file
/// carries, which anyone can make; this says that the deployment hosting the organ checked,
/// when the signer sealed, that the key is an approved device of one of the organ's
/// leaders.
pub fn attestation_bytes(from_organ: &str, seal: &SealRecord) -> Vec<u8> {
    let mut out = tagged(ATTESTATION_TAG_V1);
    put_str(&mut out, from_organ);
    out.extend_from_slice(&seal.digest);
    out.extend_from_slice(&seal.key_id);
    out
}

/// The sending deployment's word for a seal, as it travels beside it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// The deployment's server key (informative: a receiver checks the signature under
    /// the key it has on record for the peer hosting the sending organ, never this one).
    #[serde(with = "hex::serde")]
    pub server_key: [u8; 32],
    /// The signature over [`attestation_bytes`].
    #[serde(with = "hex::serde")]
    pub signature: [u8; 64],
}

impl Attestation {
    /// The deployment holding `key` vouches for `seal` of an envelope from `from_organ`.
    pub fn sign(key: &ecabinet_crypto::SigningKey, from_organ: &str, seal: &SealRecord) -> Self {
        Attestation {
            server_key: key.verifying_key().to_bytes(),
            signature: ecabinet_crypto::sign(key, &attestation_bytes(from_organ, seal)),
        }
    }

    /// Whether `server_key` (the one on record, not the one carried) signed this for
    /// `seal` of an envelope from `from_organ`.
    pub fn verify(
        &self,
        server_key: &ecabinet_crypto::VerifyingKey,
        from_organ: &str,
        seal: &SealRecord,
    ) -> bool {
        ecabinet_crypto::verify_one(
            server_key,
            &attestation_bytes(from_organ, seal),
            &self.signature,
        )
    }
}

/// A status package's canonical bytes (signed by the reporting deployment's server key).
pub fn status_bytes(s: &StatusPackage) -> Vec<u8> {
    let mut out = tagged(STATUS_TAG_V1);
    for v in [
        &s.document_id,
        &s.code,
        &s.from.id,
        &s.from.name,
        &s.to.id,
        &s.to.name,
        &s.description,
        &s.staff,
    ] {
        put_str(&mut out, v);
    }
    put_str(&mut out, s.status.code());
    out.extend_from_slice(&s.timestamp.to_be_bytes());
    out
}

/// What the sending deployment signs over a message it hands to a peer: its kind
/// (`envelope` or `status`), the organ it is for, the SHA-256 of the XML, and when.
pub fn transport_bytes(kind: &str, to_organ: &str, sha256: &[u8; 32], sent_at: i64) -> Vec<u8> {
    let mut out = tagged(TRANSPORT_TAG_V1);
    put_str(&mut out, kind);
    put_str(&mut out, to_organ);
    out.extend_from_slice(sha256);
    out.extend_from_slice(&sent_at.to_be_bytes());
    out
}

/// What the receiving deployment signs in its delivery receipt: the message's SHA-256,
/// the organ it was for, and when it was stored.
pub fn receipt_bytes(sha256: &[u8; 32], to_organ: &str, received_at: i64) -> Vec<u8> {
    let mut out = tagged(RECEIPT_TAG_V1);
    out.extend_from_slice(sha256);
    put_str(&mut out, to_organ);
    out.extend_from_slice(&received_at.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tests::sample;
    use ed25519_dalek::SigningKey;

    fn seal(e: &Envelope, key: &SigningKey) -> Seal {
        let record = SealRecord::new(
            envelope_digest(e),
            7,
            sha256(key.verifying_key().as_bytes()),
            1_796_000_000_000,
        );
        Seal {
            signature: ecabinet_crypto::sign(key, &record.to_bytes()),
            record,
            public_key: key.verifying_key().to_bytes(),
        }
    }

    #[test]
    fn the_order_of_recipients_and_files_does_not_change_the_digest() {
        let a = sample();
        let mut b = a.clone();
        b.to.reverse();
        assert_eq!(envelope_digest(&a), envelope_digest(&b));
    }

    #[test]
    fn every_field_is_covered() {
        let base = envelope_digest(&sample());
        type Change = Box<dyn Fn(&mut Envelope)>;
        let changes: Vec<Change> = vec![
            Box::new(|e| e.subject.push('.')),
            Box::new(|e| e.to.pop().map(|_| ()).unwrap_or(())),
            Box::new(|e| e.code_number = "1235".into()),
            Box::new(|e| e.signer.full_name = "Nguyễn Văn B".into()),
            Box::new(|e| e.due_date = None),
            Box::new(|e| e.priority = crate::Priority::Flash),
            Box::new(|e| e.attachments[0].sha256[0] ^= 1),
            Box::new(|e| e.business = crate::Business::Update),
            // Moving bytes between adjacent fields is a different encoding.
            Box::new(|e| {
                e.code_number = "1234V".into();
                e.code_notation = "PCP-KTTH".into();
            }),
        ];
        for (i, change) in changes.iter().enumerate() {
            let mut e = sample();
            change(&mut e);
            assert_ne!(envelope_digest(&e), base, "change {i} is not covered");
        }
    }

    #[test]
    fn an_attestation_holds_only_for_its_organ_seal_and_server() {
        let server = SigningKey::from_bytes(&[7u8; 32]);
        let signer = SigningKey::from_bytes(&[9u8; 32]);
        let s = seal(&sample(), &signer);
        let a = Attestation::sign(&server, "000.00.00.G22", &s.record);
        assert!(a.verify(&server.verifying_key(), "000.00.00.G22", &s.record));
        assert!(!a.verify(&server.verifying_key(), "000.00.00.G12", &s.record));
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert!(!a.verify(&other.verifying_key(), "000.00.00.G22", &s.record));
        let mut moved = s.record.clone();
        moved.key_id = sha256(other.verifying_key().as_bytes());
        assert!(!a.verify(&server.verifying_key(), "000.00.00.G22", &moved));
        // The worked example of docs/exchange.md.
        let record = SealRecord::new([0x11; 32], 7, [0x22; 32], 1_796_000_000_000);
        let bytes = attestation_bytes("000.00.00.G22", &record);
        assert_eq!(
            hex::encode(&bytes),
            concat!(
                "65636162696e65742f656e76656c6f70652d6174746573746174696f6e2f7631",
                "00",
                "0000000d",
                "3030302e30302e30302e473232",
                "1111111111111111111111111111111111111111111111111111111111111111",
                "2222222222222222222222222222222222222222222222222222222222222222",
            )
        );
        // The server key whose secret is 32 bytes of 0x07; ed25519 signatures are
        // deterministic, so the example's signature is fixed too.
        assert_eq!(
            hex::encode(server.verifying_key().as_bytes()),
            "ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c"
        );
        assert_eq!(
            hex::encode(Attestation::sign(&server, "000.00.00.G22", &record).signature),
            concat!(
                "db8754e4b21c901ca3a210b8d02c789e5efed41a3429a31951d9a683287e64ee",
                "f97bdfab98dd03ae74edd1ec2065fe85f3b6b749a25f3d6445d1d006e79dbe05",
            )
        );
    }

    #[test]
    fn a_seal_verifies_only_for_its_envelope_and_key() {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let e = sample();
        let s = seal(&e, &key);
        assert_eq!(s.verify(&e), Ok(()));
        assert_eq!(
            SealRecord::from_bytes(&s.record.to_bytes()),
            Some(s.record.clone())
        );
        let mut other = e.clone();
        other.subject = "Khác".into();
        assert_eq!(s.verify(&other), Err(SealError::Digest));
        let mut forged = s.clone();
        forged.signature[0] ^= 1;
        assert_eq!(forged.verify(&e), Err(SealError::Signature));
        let mut swapped = s.clone();
        swapped.public_key = SigningKey::generate(&mut rand::rngs::OsRng)
            .verifying_key()
            .to_bytes();
        assert_eq!(swapped.verify(&e), Err(SealError::KeyId));
    }

    #[test]
    fn a_seal_record_is_the_bytes_seals_were_always_signed_over() {
        let record = SealRecord::new([0x11; 32], 7, [0x22; 32], 1_796_000_000_000);
        assert_eq!(
            hex::encode(record.to_bytes()),
            concat!(
                "65636162696e65742f656e76656c6f70652d7365616c2f7631",
                "00",
                "1111111111111111111111111111111111111111111111111111111111111111",
                "0000000000000007",
                "2222222222222222222222222222222222222222222222222222222222222222",
                "000001a229f12800",
            )
        );
    }
}
