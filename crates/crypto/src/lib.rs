//! Signed ballots. A ballot is signed over canonical bytes: a fixed, versioned layout with
//! a domain-separation tag, never "JSON as it happens to serialize", so that a verifier in
//! any language can rebuild them and a signature over one poll can never count on another.
//! Verification uses ed25519 `verify_strict` (no small-order keys, canonical signatures).
//! Seals, report submissions and minutes share one signed record ([`signed::SignedRecord`]).
//! No I/O; builds for `wasm32-unknown-unknown`, where the tablet signs.

pub mod keystore;
pub mod log;
pub mod signed;

use ed25519_dalek::{Signature, Signer};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The tag that opens every v1 ballot, followed by one zero byte.
pub const BALLOT_TAG_V1: &[u8] = b"ecabinet/ballot/v1";

/// Most choices one ballot may carry (multiple choice, candidates).
pub const MAX_CHOICES: usize = 256;

const FIXED_LEN: usize = BALLOT_TAG_V1.len() + 1 + 8 + 32 + 8 + 32 + 2 + 32 + 16 + 8;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Sha256::digest(data).into()
}

/// The id of a device key: SHA-256 of its 32 public-key bytes.
pub fn key_id(key: &VerifyingKey) -> Hash {
    sha256(key.as_bytes())
}

/// Signs canonical bytes other than a ballot (minutes) with a device key.
pub fn sign(key: &SigningKey, bytes: &[u8]) -> [u8; 64] {
    key.sign(bytes).to_bytes()
}

/// Checks that 32 bytes are an ed25519 public key fit for signing ballots: a valid point
/// and not of small order (a weak key would let signatures verify for many messages).
pub fn check_public_key(bytes: &[u8; 32]) -> Result<VerifyingKey, BallotError> {
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| BallotError::BadKey)?;
    if key.is_weak() {
        return Err(BallotError::BadKey);
    }
    Ok(key)
}

/// What a member signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ballot {
    /// The poll (vote) it belongs to.
    pub poll_id: u64,
    /// SHA-256 of the poll's definition (question, options, rule) as shown to the member.
    pub poll_hash: Hash,
    /// The member.
    pub member_id: u64,
    /// [`key_id`] of the device key that signs.
    pub key_id: Hash,
    /// Indices of the chosen options, strictly increasing.
    pub choices: Vec<u16>,
    /// SHA-256 of the free text (UTF-8), or all zeros when there is none.
    pub text_hash: Hash,
    /// Random bytes from the device: two ballots are never byte-identical.
    pub nonce: [u8; 16],
    /// Device clock when signing, Unix ms.
    pub client_time: i64,
}

/// Why bytes are not a valid v1 ballot, or a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BallotError {
    /// Does not start with the v1 tag.
    #[error("not a v1 ballot")]
    WrongTag,
    /// Shorter or longer than its own length fields say.
    #[error("ballot has the wrong length")]
    WrongLength,
    /// Choices not strictly increasing, or too many.
    #[error("choices must be strictly increasing and at most {MAX_CHOICES}")]
    BadChoices,
    /// The signature is not valid for these bytes and this key.
    #[error("bad signature")]
    BadSignature,
    /// The public key bytes are not a valid ed25519 key.
    #[error("bad public key")]
    BadKey,
}

impl Ballot {
    /// The canonical bytes (layout in docs/archive-format.md): tag, 0x00, poll id (u64 BE),
    /// poll hash (32), member id (u64 BE), key id (32), choice count (u16 BE), each choice
    /// (u16 BE), text hash (32), nonce (16), client time (i64 BE).
    pub fn to_bytes(&self) -> Result<Vec<u8>, BallotError> {
        check_choices(&self.choices)?;
        let mut out = Vec::with_capacity(FIXED_LEN + 2 * self.choices.len());
        out.extend_from_slice(BALLOT_TAG_V1);
        out.push(0);
        out.extend_from_slice(&self.poll_id.to_be_bytes());
        out.extend_from_slice(&self.poll_hash);
        out.extend_from_slice(&self.member_id.to_be_bytes());
        out.extend_from_slice(&self.key_id);
        let n = u16::try_from(self.choices.len()).map_err(|_| BallotError::BadChoices)?;
        out.extend_from_slice(&n.to_be_bytes());
        for c in &self.choices {
            out.extend_from_slice(&c.to_be_bytes());
        }
        out.extend_from_slice(&self.text_hash);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.client_time.to_be_bytes());
        Ok(out)
    }

    /// Parses canonical bytes; refuses anything that [`Ballot::to_bytes`] would not produce.
    pub fn from_bytes(bytes: &[u8]) -> Result<Ballot, BallotError> {
        let mut r = Reader { bytes, pos: 0 };
        if r.take(BALLOT_TAG_V1.len())? != BALLOT_TAG_V1 || r.take(1)? != [0] {
            return Err(BallotError::WrongTag);
        }
        let poll_id = u64::from_be_bytes(r.array()?);
        let poll_hash = r.array()?;
        let member_id = u64::from_be_bytes(r.array()?);
        let key_id = r.array()?;
        let n = usize::from(u16::from_be_bytes(r.array()?));
        if n > MAX_CHOICES {
            return Err(BallotError::BadChoices);
        }
        let choices = (0..n)
            .map(|_| r.array().map(u16::from_be_bytes))
            .collect::<Result<Vec<_>, _>>()?;
        check_choices(&choices)?;
        let ballot = Ballot {
            poll_id,
            poll_hash,
            member_id,
            key_id,
            choices,
            text_hash: r.array()?,
            nonce: r.array()?,
            client_time: i64::from_be_bytes(r.array()?),
        };
        if r.pos != bytes.len() {
            return Err(BallotError::WrongLength);
        }
        Ok(ballot)
    }

    /// Signs the canonical bytes with the device key.
    pub fn sign(&self, key: &SigningKey) -> Result<SignedBallot, BallotError> {
        let bytes = self.to_bytes()?;
        let signature = key.sign(&bytes).to_bytes();
        Ok(SignedBallot { bytes, signature })
    }
}

fn check_choices(choices: &[u16]) -> Result<(), BallotError> {
    if choices.len() > MAX_CHOICES || choices.windows(2).any(|w| w[0] >= w[1]) {
        return Err(BallotError::BadChoices);
    }
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], BallotError> {
        let end = self.pos.checked_add(n).ok_or(BallotError::WrongLength)?;
        let s = self
            .bytes
            .get(self.pos..end)
            .ok_or(BallotError::WrongLength)?;
        self.pos = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], BallotError> {
        self.take(N)?
            .try_into()
            .map_err(|_| BallotError::WrongLength)
    }
}

/// Canonical ballot bytes and the device's signature over them, as stored and archived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedBallot {
    /// [`Ballot::to_bytes`].
    pub bytes: Vec<u8>,
    /// ed25519 signature (64 bytes).
    pub signature: [u8; 64],
}

impl SignedBallot {
    /// Checks the signature strictly against `public_key` and that the ballot names that
    /// key; returns the parsed ballot.
    pub fn verify(&self, public_key: &[u8; 32]) -> Result<Ballot, BallotError> {
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| BallotError::BadKey)?;
        let ballot = Ballot::from_bytes(&self.bytes)?;
        if ballot.key_id != key_id(&key) {
            return Err(BallotError::BadSignature);
        }
        key.verify_strict(&self.bytes, &Signature::from_bytes(&self.signature))
            .map_err(|_| BallotError::BadSignature)?;
        Ok(ballot)
    }
}

/// Verifies many signatures at once (ed25519 batch verification). Only for recounts of
/// ballots that were already accepted one by one with `verify_strict`; on `false`, check
/// them singly to find the bad one. Keys must have passed [`check_public_key`].
///
/// The check is the usual random linear combination, `[-Σzᵢsᵢ]B + ΣzᵢRᵢ + Σ_A(Σ_{Aᵢ=A} zᵢkᵢ)A
/// = 0`, with the terms of signatures by the same key added up before the multiplication:
/// a recount has thousands of receipts signed by the one server key, and each repeated
/// key would otherwise cost one more point in the multiscalar multiplication.
/// The coefficients `zᵢ` (128 bits) are derived from a hash of every input, as in
/// ed25519-dalek's own batch verification, so no random source is needed.
#[cfg(feature = "batch")]
pub fn verify_batch(messages: &[&[u8]], signatures: &[[u8; 64]], keys: &[VerifyingKey]) -> bool {
    use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
    use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
    use sha2::Sha512;
    use std::collections::HashMap;

    let n = signatures.len();
    if messages.len() != n || keys.len() != n {
        return false;
    }
    let mut transcript = Sha512::new();
    transcript.update(b"ecabinet/batch-verify/v1");
    let mut hrams = Vec::with_capacity(n);
    for ((m, sig), key) in messages.iter().zip(signatures).zip(keys) {
        let mut h = Sha512::new();
        h.update(&sig[..32]);
        h.update(key.as_bytes());
        h.update(m);
        let h: [u8; 64] = h.finalize().into();
        transcript.update(h);
        transcript.update(&sig[32..]);
        hrams.push(Scalar::from_bytes_mod_order_wide(&h));
    }
    let seed: [u8; 64] = transcript.finalize().into();
    let mut scalars = Vec::with_capacity(n + 2);
    let mut points = Vec::with_capacity(n + 2);
    let mut by_key: HashMap<[u8; 32], (Scalar, EdwardsPoint)> = HashMap::new();
    let mut b_coefficient = Scalar::ZERO;
    for (i, ((sig, key), hram)) in signatures.iter().zip(keys).zip(hrams).enumerate() {
        let mut zh = Sha512::new();
        zh.update(seed);
        zh.update((i as u64).to_le_bytes());
        let zh: [u8; 64] = zh.finalize().into();
        let mut z = [0u8; 16];
        z.copy_from_slice(&zh[..16]);
        let z = Scalar::from(u128::from_le_bytes(z));
        let mut s = [0u8; 32];
        s.copy_from_slice(&sig[32..]);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
            return false;
        };
        let mut r = [0u8; 32];
        r.copy_from_slice(&sig[..32]);
        let Some(r) = CompressedEdwardsY(r).decompress() else {
            return false;
        };
        b_coefficient += z * s;
        scalars.push(z);
        points.push(r);
        let entry = by_key
            .entry(key.to_bytes())
            .or_insert_with(|| (Scalar::ZERO, key.to_edwards()));
        entry.0 += z * hram;
    }
    scalars.push(-b_coefficient);
    points.push(ED25519_BASEPOINT_POINT);
    for (coefficient, point) in by_key.into_values() {
        scalars.push(coefficient);
        points.push(point);
    }
    EdwardsPoint::vartime_multiscalar_mul(scalars, points).is_identity()
}

/// Verifies one signature strictly.
pub fn verify_one(key: &VerifyingKey, message: &[u8], signature: &[u8; 64]) -> bool {
    key.verify_strict(message, &Signature::from_bytes(signature))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn ballot(k: &SigningKey) -> Ballot {
        Ballot {
            poll_id: 7,
            poll_hash: sha256(b"poll 7 definition"),
            member_id: 2,
            key_id: key_id(&k.verifying_key()),
            choices: vec![0],
            text_hash: [0; 32],
            nonce: [0x11; 16],
            client_time: 1_795_314_600_000,
        }
    }

    #[test]
    fn weak_and_invalid_keys_are_refused() {
        assert!(check_public_key(key(1).verifying_key().as_bytes()).is_ok());
        // The identity point (small order) and a y coordinate that is not on the curve.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            check_public_key(&identity).unwrap_err(),
            BallotError::BadKey
        );
        let mut off_curve = [0u8; 32];
        off_curve[0] = 2;
        assert_eq!(
            check_public_key(&off_curve).unwrap_err(),
            BallotError::BadKey
        );
    }

    #[test]
    fn sign_then_verify_round_trips() {
        let k = key(1);
        let b = ballot(&k);
        let signed = b.sign(&k).unwrap();
        assert_eq!(signed.verify(k.verifying_key().as_bytes()).unwrap(), b);
        assert_eq!(Ballot::from_bytes(&signed.bytes).unwrap(), b);
    }

    #[test]
    fn any_flipped_byte_or_other_key_fails() {
        let k = key(1);
        let signed = ballot(&k).sign(&k).unwrap();
        let pk = *k.verifying_key().as_bytes();
        for i in 0..signed.bytes.len() {
            let mut bad = signed.clone();
            bad.bytes[i] ^= 0x01;
            assert!(bad.verify(&pk).is_err(), "byte {i}");
        }
        for i in 0..64 {
            let mut bad = signed.clone();
            bad.signature[i] ^= 0x80;
            assert!(bad.verify(&pk).is_err(), "signature byte {i}");
        }
        // Another member's key: its id is not the one in the ballot.
        let other = key(2);
        assert_eq!(
            signed.verify(other.verifying_key().as_bytes()),
            Err(BallotError::BadSignature)
        );
    }

    #[test]
    fn a_signature_for_one_poll_never_counts_on_another() {
        let k = key(3);
        let signed = ballot(&k).sign(&k).unwrap();
        let mut replay = ballot(&k);
        replay.poll_id = 8;
        let forged = SignedBallot {
            bytes: replay.to_bytes().unwrap(),
            signature: signed.signature,
        };
        assert_eq!(
            forged.verify(k.verifying_key().as_bytes()),
            Err(BallotError::BadSignature)
        );
    }

    #[test]
    fn non_canonical_bytes_are_refused() {
        let k = key(1);
        let good = ballot(&k).to_bytes().unwrap();
        let mut longer = good.clone();
        longer.push(0);
        assert_eq!(Ballot::from_bytes(&longer), Err(BallotError::WrongLength));
        assert_eq!(
            Ballot::from_bytes(&good[..good.len() - 1]),
            Err(BallotError::WrongLength)
        );
        let mut v2 = good.clone();
        v2[BALLOT_TAG_V1.len() - 1] = b'2';
        assert_eq!(Ballot::from_bytes(&v2), Err(BallotError::WrongTag));
        let mut unsorted = ballot(&k);
        unsorted.choices = vec![2, 1];
        assert_eq!(unsorted.to_bytes(), Err(BallotError::BadChoices));
        unsorted.choices = vec![1, 1];
        assert_eq!(unsorted.to_bytes(), Err(BallotError::BadChoices));
        assert!(Ballot::from_bytes(&[]).is_err());
    }

    /// The worked example of docs/archive-format.md. The expected bytes were built from the
    /// layout's description by an independent Python script, not by this code.
    #[test]
    fn worked_example_matches_the_documented_bytes() {
        let k = key(1);
        let bytes = ballot(&k).to_bytes().unwrap();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, include_str!("../tests/example-ballot.hex").trim());
        assert_eq!(bytes.len(), FIXED_LEN + 2);
    }

    /// The signature and RFC 6962 leaf hash of the worked example, computed independently
    /// (Python's `cryptography` and `hashlib`), as printed in docs/archive-format.md.
    #[test]
    fn worked_example_signature_and_leaf_hash() {
        let k = key(1);
        let signed = ballot(&k).sign(&k).unwrap();
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(
            hex(&signed.signature),
            include_str!("../tests/example-signature.hex").trim()
        );
        let leaf = crate::log::ballot_leaf(&signed);
        assert_eq!(
            hex(&crate::log::leaf_hash(&leaf)),
            include_str!("../tests/example-leaf-hash.hex").trim()
        );
        let doc = include_str!("../../../docs/archive-format.md");
        for f in [
            include_str!("../tests/example-ballot.hex"),
            include_str!("../tests/example-signature.hex"),
            include_str!("../tests/example-leaf-hash.hex"),
        ] {
            assert!(doc.contains(f.trim()), "docs/archive-format.md shows {f}");
        }
    }
    #[cfg(feature = "batch")]
    #[test]
    fn batch_verification_accepts_exactly_the_valid_batches() {
        // Ten members' keys and one "server" key that signs half of the messages.
        let members: Vec<SigningKey> = (1..=10).map(key).collect();
        let server = key(99);
        let mut messages: Vec<Vec<u8>> = Vec::new();
        let mut sigs = Vec::new();
        let mut keys = Vec::new();
        for (i, m) in members.iter().enumerate() {
            for (signer, text) in [
                (m, format!("ballot {i}")),
                (&server, format!("receipt {i}")),
            ] {
                let msg = text.into_bytes();
                sigs.push(signer.sign(&msg).to_bytes());
                keys.push(signer.verifying_key());
                messages.push(msg);
            }
        }
        let check = |messages: &[Vec<u8>], sigs: &[[u8; 64]], keys: &[VerifyingKey]| {
            let refs: Vec<&[u8]> = messages.iter().map(|m| m.as_slice()).collect();
            verify_batch(&refs, sigs, keys)
        };
        assert!(check(&messages, &sigs, &keys));
        assert!(check(&[], &[], &[]));
        // Any flipped bit of a signature, a message or a swapped key fails the batch.
        for i in [0, 1, 7, 19] {
            let mut bad = sigs.clone();
            bad[i][3] ^= 0x10;
            assert!(!check(&messages, &bad, &keys), "R of {i}");
            let mut bad = sigs.clone();
            bad[i][40] ^= 0x01;
            assert!(!check(&messages, &bad, &keys), "s of {i}");
            let mut bad = messages.clone();
            bad[i][0] ^= 0x01;
            assert!(!check(&bad, &sigs, &keys), "message {i}");
        }
        let mut swapped = keys.clone();
        swapped.swap(0, 2);
        assert!(!check(&messages, &sigs, &swapped));
        // Two signatures exchanged between messages of the same key: both wrong.
        let mut exchanged = sigs.clone();
        exchanged.swap(1, 3);
        assert!(!check(&messages, &exchanged, &keys));
        // A non-canonical s (s + l) verifies nowhere.
        let mut big_s = sigs.clone();
        big_s[0][63] |= 0xf0;
        assert!(!check(&messages, &big_s, &keys));
        assert!(!check(&messages[1..], &sigs, &keys), "lengths differ");
    }
}
