//! The one record a device signs over a digest, outside ballots: an envelope's seal
//! (exchange), a report's submission (reporting) and signed minutes. Each context names
//! its own domain-separation tag through [`RecordTag`], so a signature made for one can
//! never be read as another; the layout is the same for all:
//!
//! ```text
//! record = TAG 0x00  [about]  digest(32)  signer (i64 BE)  key id (32)  signed at, Unix ms (i64 BE)
//! ```
//!
//! `about` is empty for seals and submissions, whose digest names everything signed; the
//! minutes put the meeting id (8 bytes) there (see [`SignedRecord::to_bytes_about`]).

use crate::{Hash, VerifyingKey, verify_one};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::marker::PhantomData;

/// Bytes after the tag, its zero byte and any `about` bytes: digest, signer, key id, time.
pub const BODY_LEN: usize = 32 + 8 + 32 + 8;

/// The domain-separation tag of one kind of signed record (a context implements it on an
/// empty marker type and names its record `SignedRecord<Marker>`).
pub trait RecordTag {
    /// Opens the record's bytes, followed by one zero byte.
    const TAG: &'static [u8];
}

/// What a device signs: a digest of what it vouches for, who signs, with which key, when.
/// Its JSON is `{"digest": hex, "signer", "key_id": hex, "signed_at"}`, as stored.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct SignedRecord<T: RecordTag> {
    /// SHA-256 of what is signed (an envelope's, a report's or a text's canonical bytes).
    #[serde(with = "hex::serde")]
    pub digest: Hash,
    /// The signer's account.
    pub signer: i64,
    /// The signing key's id: SHA-256 of its public key ([`crate::key_id`]).
    #[serde(with = "hex::serde")]
    pub key_id: Hash,
    /// Device clock when signing, Unix ms.
    pub signed_at: i64,
    /// Which kind of record this is; carries no bytes of its own.
    #[serde(skip)]
    pub tag: PhantomData<T>,
}

impl<T: RecordTag> SignedRecord<T> {
    /// The record of `signer`'s key `key_id` over `digest` at `signed_at` (Unix ms).
    pub fn new(digest: Hash, signer: i64, key_id: Hash, signed_at: i64) -> Self {
        SignedRecord {
            digest,
            signer,
            key_id,
            signed_at,
            tag: PhantomData,
        }
    }

    /// The bytes signed.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_bytes_about(&[])
    }

    /// The bytes signed by a record that also names what it is about, in fixed-size
    /// `about` bytes between the tag's zero byte and the digest (the minutes: the meeting).
    pub fn to_bytes_about(&self, about: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(T::TAG.len() + 1 + about.len() + BODY_LEN);
        out.extend_from_slice(T::TAG);
        out.push(0);
        out.extend_from_slice(about);
        out.extend_from_slice(&self.digest);
        out.extend_from_slice(&self.signer.to_be_bytes());
        out.extend_from_slice(&self.key_id);
        out.extend_from_slice(&self.signed_at.to_be_bytes());
        out
    }

    /// Reads the bytes back; `None` unless they are exactly this kind of record.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        Self::from_bytes_about::<0>(b).map(|(_, r)| r)
    }

    /// Reads bytes made by [`SignedRecord::to_bytes_about`] with `N` bytes of `about`;
    /// `None` unless the length is exact and the tag is this record's.
    pub fn from_bytes_about<const N: usize>(b: &[u8]) -> Option<([u8; N], Self)> {
        if b.len() != T::TAG.len() + 1 + N + BODY_LEN {
            return None;
        }
        let rest = b.strip_prefix(T::TAG)?.strip_prefix(&[0])?;
        let (about, rest) = rest.split_first_chunk::<N>()?;
        let (digest, rest) = rest.split_first_chunk::<32>()?;
        let (signer, rest) = rest.split_first_chunk::<8>()?;
        let (key_id, rest) = rest.split_first_chunk::<32>()?;
        let signed_at: &[u8; 8] = rest.try_into().ok()?;
        Some((
            *about,
            SignedRecord {
                digest: *digest,
                signer: i64::from_be_bytes(*signer),
                key_id: *key_id,
                signed_at: i64::from_be_bytes(*signed_at),
                tag: PhantomData,
            },
        ))
    }

    /// Whether `signature` is `key`'s strict ed25519 signature over [`SignedRecord::to_bytes`].
    pub fn verify(&self, key: &VerifyingKey, signature: &[u8; 64]) -> bool {
        verify_one(key, &self.to_bytes(), signature)
    }
}

// By hand: derived impls would ask the marker type, which is never built, for the same.
impl<T: RecordTag> Clone for SignedRecord<T> {
    fn clone(&self) -> Self {
        SignedRecord {
            digest: self.digest,
            signer: self.signer,
            key_id: self.key_id,
            signed_at: self.signed_at,
            tag: PhantomData,
        }
    }
}

impl<T: RecordTag> PartialEq for SignedRecord<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.digest, self.signer, self.key_id, self.signed_at)
            == (other.digest, other.signer, other.key_id, other.signed_at)
    }
}

impl<T: RecordTag> Eq for SignedRecord<T> {}

impl<T: RecordTag> fmt::Debug for SignedRecord<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRecord")
            .field("tag", &String::from_utf8_lossy(T::TAG))
            .field("digest", &self.digest)
            .field("signer", &self.signer)
            .field("key_id", &self.key_id)
            .field("signed_at", &self.signed_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SigningKey, sign};

    // The three tags as the contexts define them (exchange, reporting, domain::minutes).
    enum Seal {}
    impl RecordTag for Seal {
        const TAG: &'static [u8] = b"ecabinet/envelope-seal/v1";
    }
    enum Report {}
    impl RecordTag for Report {
        const TAG: &'static [u8] = b"ecabinet/report-seal/v1";
    }
    enum Minutes {}
    impl RecordTag for Minutes {
        const TAG: &'static [u8] = b"ecabinet/minutes/v1";
    }

    fn record<T: RecordTag>(d: u8, signer: i64, k: u8, signed_at: i64) -> SignedRecord<T> {
        SignedRecord {
            digest: [d; 32],
            signer,
            key_id: [k; 32],
            signed_at,
            tag: PhantomData,
        }
    }

    // Each vector is what the context's own code wrote before the three shared this type.
    #[test]
    fn the_bytes_are_those_each_context_signed_before() {
        let seal = record::<Seal>(0x11, 7, 0x22, 1_796_000_000_000);
        assert_eq!(
            hex::encode(seal.to_bytes()),
            concat!(
                "65636162696e65742f656e76656c6f70652d7365616c2f7631",
                "00",
                "1111111111111111111111111111111111111111111111111111111111111111",
                "0000000000000007",
                "2222222222222222222222222222222222222222222222222222222222222222",
                "000001a229f12800",
            )
        );
        let report = record::<Report>(7, 42, 9, 1_796_000_000_000);
        assert_eq!(
            hex::encode(report.to_bytes()),
            concat!(
                "65636162696e65742f7265706f72742d7365616c2f7631",
                "00",
                "0707070707070707070707070707070707070707070707070707070707070707",
                "000000000000002a",
                "0909090909090909090909090909090909090909090909090909090909090909",
                "000001a229f12800",
            )
        );
        // Minutes of meeting 7: the meeting id between the zero byte and the text's hash.
        let minutes = record::<Minutes>(3, 2, 4, 1_800_000_000_000);
        assert_eq!(
            hex::encode(minutes.to_bytes_about(&7u64.to_be_bytes())),
            concat!(
                "65636162696e65742f6d696e757465732f7631",
                "00",
                "0000000000000007",
                "0303030303030303030303030303030303030303030303030303030303030303",
                "0000000000000002",
                "0404040404040404040404040404040404040404040404040404040404040404",
                "000001a3185c5000",
            )
        );
    }

    #[test]
    fn a_record_reads_back_as_itself() {
        let seal = record::<Seal>(1, -3, 2, -1);
        assert_eq!(
            SignedRecord::<Seal>::from_bytes(&seal.to_bytes()),
            Some(seal)
        );
        let minutes = record::<Minutes>(3, 2, 4, 5);
        let b = minutes.to_bytes_about(&[0, 0, 0, 0, 0, 0, 0, 7]);
        assert_eq!(
            SignedRecord::<Minutes>::from_bytes_about::<8>(&b),
            Some(([0, 0, 0, 0, 0, 0, 0, 7], minutes))
        );
    }

    #[test]
    fn another_tag_is_refused() {
        let seal = record::<Seal>(1, 2, 3, 4).to_bytes();
        assert_eq!(SignedRecord::<Report>::from_bytes(&seal), None);
        // The same length with one byte of the tag changed.
        let mut other = seal.clone();
        other[0] = b'x';
        assert_eq!(SignedRecord::<Seal>::from_bytes(&other), None);
        // The zero byte after the tag is part of it.
        let mut unterminated = seal.clone();
        unterminated[Seal::TAG.len()] = b'/';
        assert_eq!(SignedRecord::<Seal>::from_bytes(&unterminated), None);
    }

    #[test]
    fn a_wrong_length_is_refused() {
        let b = record::<Report>(1, 2, 3, 4).to_bytes();
        assert_eq!(SignedRecord::<Report>::from_bytes(&b[..b.len() - 1]), None);
        let mut longer = b.clone();
        longer.push(0);
        assert_eq!(SignedRecord::<Report>::from_bytes(&longer), None);
        assert_eq!(SignedRecord::<Report>::from_bytes(Report::TAG), None);
        assert_eq!(SignedRecord::<Report>::from_bytes(&[]), None);
        // Bytes with `about` are not a record without, nor the other way round.
        assert_eq!(SignedRecord::<Report>::from_bytes_about::<8>(&b), None);
        let about = record::<Report>(1, 2, 3, 4).to_bytes_about(&[9; 8]);
        assert_eq!(SignedRecord::<Report>::from_bytes(&about), None);
    }

    #[test]
    fn only_the_signers_signature_over_this_record_verifies() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let seal = record::<Seal>(0x11, 7, 0x22, 1_796_000_000_000);
        let signature = sign(&key, &seal.to_bytes());
        // ed25519 is deterministic: the signature the old seal code got for this record.
        assert_eq!(
            hex::encode(signature),
            concat!(
                "c15ad78c9438fcaf1d18491f27b90b005e69a02d009f4eb7cb565fb74bd97f33",
                "52cccdd982ce02ea419d72b90fafe0bda11c398dd5d12cbe256e71a86b581801",
            )
        );
        assert!(seal.verify(&key.verifying_key(), &signature));
        let other = SigningKey::from_bytes(&[8; 32]);
        assert!(!seal.verify(&other.verifying_key(), &signature));
        let mut later = seal.clone();
        later.signed_at += 1;
        assert!(!later.verify(&key.verifying_key(), &signature));
        // The same fields under another tag are another message.
        let report = record::<Report>(0x11, 7, 0x22, 1_796_000_000_000);
        assert!(!report.verify(&key.verifying_key(), &signature));
    }

    #[test]
    fn the_json_is_the_stored_one() {
        let seal = record::<Seal>(0x11, 7, 0x22, 1_796_000_000_000);
        let json = format!(
            "{{\"digest\":\"{}\",\"signer\":7,\"key_id\":\"{}\",\"signed_at\":1796000000000}}",
            "11".repeat(32),
            "22".repeat(32)
        );
        assert_eq!(serde_json::to_string(&seal).unwrap_or_default(), json);
        assert_eq!(
            serde_json::from_str::<SignedRecord<Seal>>(&json).ok(),
            Some(seal)
        );
    }
}
