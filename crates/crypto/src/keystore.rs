//! The device key at rest: the 32-byte ed25519 seed sealed under the member's PIN
//! (Argon2id to stretch the PIN, XChaCha20-Poly1305 to encrypt), so that a copy of the
//! tablet's storage does not give the key away. Randomness (salt, nonce) comes from the
//! caller (the browser's `crypto.getRandomValues`), keeping this crate free of I/O.

use crate::{SigningKey, key_id};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use thiserror::Error;
use zeroize::Zeroizing;

/// Tag bound into every sealed key (as associated data) with the key's id.
pub const SEALED_TAG_V1: &[u8] = b"ecabinet/sealed-key/v1";
/// Shortest PIN accepted.
pub const MIN_PIN_CHARS: usize = 6;

/// Argon2id cost: OWASP's second recommended setting (19 MiB, 2 passes), a second or so
/// on a tablet, which is paid once per vote.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;

/// A sealed device key, as kept in the tablet's IndexedDB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedKey {
    /// Argon2id salt.
    pub salt: [u8; 16],
    /// XChaCha20-Poly1305 nonce.
    pub nonce: [u8; 24],
    /// Argon2id memory cost (KiB) and passes used, so that costs can rise later.
    pub m_cost_kib: u32,
    /// Argon2id passes.
    pub t_cost: u32,
    /// The encrypted seed and its tag (48 bytes).
    pub ciphertext: Vec<u8>,
    /// SHA-256 of the public key (also bound as associated data).
    pub key_id: [u8; 32],
}

/// Why a key could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeystoreError {
    /// The PIN is too short or not digits.
    #[error("the PIN needs at least {MIN_PIN_CHARS} digits")]
    WeakPin,
    /// Wrong PIN, or the stored key was altered.
    #[error("wrong PIN")]
    WrongPin,
    /// The cost parameters are out of range.
    #[error("unusable key-stretching parameters")]
    BadParams,
}

fn check_pin(pin: &str) -> Result<(), KeystoreError> {
    if pin.chars().count() < MIN_PIN_CHARS || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(KeystoreError::WeakPin);
    }
    Ok(())
}

fn stretch(
    pin: &str,
    salt: &[u8; 16],
    m_cost_kib: u32,
    t_cost: u32,
) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
    let params =
        Params::new(m_cost_kib, t_cost, 1, Some(32)).map_err(|_| KeystoreError::BadParams)?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(pin.as_bytes(), salt, out.as_mut())
        .map_err(|_| KeystoreError::BadParams)?;
    Ok(out)
}

fn aad(key_id: &[u8; 32]) -> Vec<u8> {
    let mut a = SEALED_TAG_V1.to_vec();
    a.push(0);
    a.extend_from_slice(key_id);
    a
}

/// Seals `key` under `pin` with the given random `salt` and `nonce`.
pub fn seal(
    key: &SigningKey,
    pin: &str,
    salt: [u8; 16],
    nonce: [u8; 24],
) -> Result<SealedKey, KeystoreError> {
    seal_with_cost(key, pin, salt, nonce, M_COST_KIB, T_COST)
}

fn seal_with_cost(
    key: &SigningKey,
    pin: &str,
    salt: [u8; 16],
    nonce: [u8; 24],
    m_cost_kib: u32,
    t_cost: u32,
) -> Result<SealedKey, KeystoreError> {
    check_pin(pin)?;
    let kid = key_id(&key.verifying_key());
    let wrap = stretch(pin, &salt, m_cost_kib, t_cost)?;
    let seed = Zeroizing::new(key.to_bytes());
    let ciphertext = XChaCha20Poly1305::new(wrap.as_ref().into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: seed.as_ref(),
                aad: &aad(&kid),
            },
        )
        .map_err(|_| KeystoreError::BadParams)?;
    Ok(SealedKey {
        salt,
        nonce,
        m_cost_kib,
        t_cost,
        ciphertext,
        key_id: kid,
    })
}

/// Opens a sealed key with `pin`; refuses a wrong PIN or any altered byte.
pub fn open(sealed: &SealedKey, pin: &str) -> Result<SigningKey, KeystoreError> {
    // Refuse absurd costs before spending memory on them (the record may be tampered).
    if !(8..=256 * 1024).contains(&sealed.m_cost_kib) || !(1..=10).contains(&sealed.t_cost) {
        return Err(KeystoreError::BadParams);
    }
    let wrap = stretch(pin, &sealed.salt, sealed.m_cost_kib, sealed.t_cost)?;
    let seed = Zeroizing::new(
        XChaCha20Poly1305::new(wrap.as_ref().into())
            .decrypt(
                XNonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad(&sealed.key_id),
                },
            )
            .map_err(|_| KeystoreError::WrongPin)?,
    );
    let seed: [u8; 32] = seed
        .as_slice()
        .try_into()
        .map_err(|_| KeystoreError::WrongPin)?;
    let key = SigningKey::from_bytes(&seed);
    if key_id(&key.verifying_key()) != sealed.key_id {
        return Err(KeystoreError::WrongPin);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Cheap costs keep the unit tests fast; `seal` itself always uses the full cost.
    fn sealed(pin: &str) -> (SigningKey, SealedKey) {
        let k = SigningKey::from_bytes(&[7; 32]);
        let s = seal_with_cost(&k, pin, [1; 16], [2; 24], 64, 1).unwrap();
        (k, s)
    }

    #[test]
    fn the_right_pin_opens_the_key() {
        let (k, s) = sealed("246810");
        assert_eq!(open(&s, "246810").unwrap().to_bytes(), k.to_bytes());
        assert_eq!(s.ciphertext.len(), 48);
        assert!(!s.ciphertext.windows(32).any(|w| w == k.to_bytes()));
    }

    #[test]
    fn a_wrong_pin_or_an_altered_record_is_refused() {
        let (_, s) = sealed("246810");
        assert_eq!(open(&s, "246811").unwrap_err(), KeystoreError::WrongPin);
        for i in 0..s.ciphertext.len() {
            let mut bad = s.clone();
            bad.ciphertext[i] ^= 1;
            assert_eq!(open(&bad, "246810").unwrap_err(), KeystoreError::WrongPin);
        }
        let mut other_id = s.clone();
        other_id.key_id[0] ^= 1;
        assert_eq!(
            open(&other_id, "246810").unwrap_err(),
            KeystoreError::WrongPin
        );
        let mut salt = s.clone();
        salt.salt[0] ^= 1;
        assert_eq!(open(&salt, "246810").unwrap_err(), KeystoreError::WrongPin);
        let mut huge = s.clone();
        huge.m_cost_kib = u32::MAX;
        assert_eq!(open(&huge, "246810").unwrap_err(), KeystoreError::BadParams);
    }

    #[test]
    fn short_or_non_digit_pins_are_refused() {
        let k = SigningKey::from_bytes(&[7; 32]);
        for pin in ["", "12345", "12345a", "abcdef"] {
            assert_eq!(
                seal(&k, pin, [0; 16], [0; 24]).unwrap_err(),
                KeystoreError::WeakPin,
                "{pin:?}"
            );
        }
    }

    #[test]
    fn sealing_uses_the_full_cost() {
        let k = SigningKey::from_bytes(&[7; 32]);
        let s = seal(&k, "135790", [3; 16], [4; 24]).unwrap();
        assert_eq!((s.m_cost_kib, s.t_cost), (M_COST_KIB, T_COST));
        assert_eq!(open(&s, "135790").unwrap().to_bytes(), k.to_bytes());
    }
}
