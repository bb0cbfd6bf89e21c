//! This tablet's signing key: the ed25519 key is generated here, sealed under the member's
//! PIN (`ecabinet_crypto::keystore`) and kept in IndexedDB with the receipts of what it
//! signed; only its public half ever leaves the browser. What each feature signs with it
//! lives with the feature (votes, written polls, minutes, seals, reports).
// The server build never signs (its `browser` functions are stubs): what only the browser
// and the tests use is not dead code there.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use ecabinet_crypto::SigningKey;
use ecabinet_crypto::keystore::{self, KeystoreError, SealedKey};
use ecabinet_domain::UserId;
use serde::{Deserialize, Serialize};

/// The sealed key as kept in IndexedDB (one per account on this browser).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// Whose key.
    pub user_id: UserId,
    /// The public key, hex (what was registered).
    pub public_key: String,
    /// Its id, hex (what ballots carry).
    pub key_id: String,
    /// The sealed seed: salt, nonce, ciphertext in hex, and the Argon2id costs.
    pub salt: String,
    /// XChaCha20 nonce, hex.
    pub nonce: String,
    /// Argon2id memory, KiB.
    pub m_cost_kib: u32,
    /// Argon2id passes.
    pub t_cost: u32,
    /// Encrypted seed and tag, hex.
    pub ciphertext: String,
    /// The server key first seen on this tablet, hex: receipts signed by another key are
    /// refused (trust on first use).
    #[serde(default)]
    pub server_key: Option<String>,
}

/// Why enrolment, signing or a check failed; each has its own message in the UI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceError {
    /// The PIN is too short or not digits.
    WeakPin,
    /// The two PINs differ.
    PinMismatch,
    /// Wrong PIN (or a damaged record).
    WrongPin,
    /// No key on this tablet for this account.
    NoKey,
    /// The key was not approved for this account when the vote opened.
    KeyNotInPoll,
    /// The definition the server sent does not hash to the hash it claims.
    DefinitionMismatch,
    /// The vote is not open.
    NotOpen,
    /// A receipt or result failed its signature or proof check.
    BadReceipt,
    /// The server signs with another key than the one this tablet saw first.
    ServerKeyChanged,
    /// The browser's storage or randomness is unavailable.
    Storage(String),
    /// The server refused (its error, in words).
    Server(ecabinet_protocol::ApiError),
}

impl From<KeystoreError> for DeviceError {
    fn from(e: KeystoreError) -> Self {
        match e {
            KeystoreError::WrongPin => DeviceError::WrongPin,
            KeystoreError::WeakPin => DeviceError::WeakPin,
            other => DeviceError::Storage(other.to_string()),
        }
    }
}

/// `N` bytes from hex; anything else is a bad receipt.
pub(crate) fn unhex<const N: usize>(s: &str) -> Result<[u8; N], DeviceError> {
    hex::decode(s)
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or(DeviceError::BadReceipt)
}

impl StoredKey {
    /// Seals `key` under `pin` with fresh randomness.
    pub fn seal(
        user_id: UserId,
        key: &SigningKey,
        pin: &str,
        salt: [u8; 16],
        nonce: [u8; 24],
    ) -> Result<StoredKey, DeviceError> {
        let sealed = keystore::seal(key, pin, salt, nonce)?;
        Ok(StoredKey {
            user_id,
            public_key: hex::encode(key.verifying_key().as_bytes()),
            key_id: hex::encode(sealed.key_id),
            salt: hex::encode(sealed.salt),
            nonce: hex::encode(sealed.nonce),
            m_cost_kib: sealed.m_cost_kib,
            t_cost: sealed.t_cost,
            ciphertext: hex::encode(&sealed.ciphertext),
            server_key: None,
        })
    }

    /// Opens the key with `pin`.
    pub fn open(&self, pin: &str) -> Result<SigningKey, DeviceError> {
        let bad = || DeviceError::Storage("damaged key record".into());
        let sealed = SealedKey {
            salt: unhex(&self.salt).map_err(|_| bad())?,
            nonce: unhex(&self.nonce).map_err(|_| bad())?,
            m_cost_kib: self.m_cost_kib,
            t_cost: self.t_cost,
            ciphertext: hex::decode(&self.ciphertext).map_err(|_| bad())?,
            key_id: unhex(&self.key_id).map_err(|_| bad())?,
        };
        Ok(keystore::open(&sealed, pin)?)
    }
}

/// Checks a PIN and its confirmation before anything is generated.
pub fn check_new_pin(pin: &str, again: &str) -> Result<(), DeviceError> {
    if pin.chars().count() < keystore::MIN_PIN_CHARS || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(DeviceError::WeakPin);
    }
    if pin != again {
        return Err(DeviceError::PinMismatch);
    }
    Ok(())
}

/// The browser side: randomness, IndexedDB (the key and the receipts), and registering.
#[cfg(feature = "hydrate")]
pub mod browser {
    use super::*;
    use crate::platform::api;
    use ecabinet_protocol::poll::Receipt;
    use idb::{DatabaseEvent, Factory, TransactionMode};
    use wasm_bindgen::JsValue;

    const DB: &str = "ecabinet";
    const KEYS: &str = "keys";
    const RECEIPTS: &str = "receipts";

    /// `N` bytes from `crypto.getRandomValues`.
    pub fn random<const N: usize>() -> Result<[u8; N], DeviceError> {
        let mut out = [0u8; N];
        web_sys::window()
            .and_then(|w| w.crypto().ok())
            .ok_or_else(|| DeviceError::Storage("no crypto.getRandomValues".into()))?
            .get_random_values_with_u8_array(&mut out)
            .map_err(|_| DeviceError::Storage("crypto.getRandomValues failed".into()))?;
        Ok(out)
    }

    /// A storage failure, in the browser's words.
    pub fn storage(e: impl std::fmt::Display) -> DeviceError {
        DeviceError::Storage(e.to_string())
    }

    async fn db() -> Result<idb::Database, DeviceError> {
        let mut req = Factory::new()
            .map_err(storage)?
            .open(DB, Some(1))
            .map_err(storage)?;
        req.on_upgrade_needed(|ev| {
            if let Ok(db) = ev.database() {
                for store in [KEYS, RECEIPTS] {
                    if !db.store_names().iter().any(|s| s == store) {
                        let _ = db.create_object_store(store, idb::ObjectStoreParams::new());
                    }
                }
            }
        });
        req.await.map_err(storage)
    }

    async fn get(store: &str, key: &str) -> Result<Option<String>, DeviceError> {
        let db = db().await?;
        let tx = db
            .transaction(&[store], TransactionMode::ReadOnly)
            .map_err(storage)?;
        let value = tx
            .object_store(store)
            .map_err(storage)?
            .get(JsValue::from_str(key))
            .map_err(storage)?
            .await
            .map_err(storage)?;
        Ok(value.and_then(|v| v.as_string()))
    }

    async fn put(store: &str, key: &str, value: &str) -> Result<(), DeviceError> {
        let db = db().await?;
        let tx = db
            .transaction(&[store], TransactionMode::ReadWrite)
            .map_err(storage)?;
        tx.object_store(store)
            .map_err(storage)?
            .put(&JsValue::from_str(value), Some(&JsValue::from_str(key)))
            .map_err(storage)?
            .await
            .map_err(storage)?;
        match tx.await.map_err(storage)? {
            idb::TransactionResult::Committed => Ok(()),
            idb::TransactionResult::Aborted => Err(storage("the browser refused to store it")),
        }
    }

    /// This account's key on this tablet, if any.
    pub async fn load_key(user: UserId) -> Result<Option<StoredKey>, DeviceError> {
        Ok(get(KEYS, &user.0.to_string())
            .await?
            .and_then(|s| serde_json::from_str(&s).ok()))
    }

    /// Keeps `k` (again, when it learns the server's key).
    pub async fn save_key(k: &StoredKey) -> Result<(), DeviceError> {
        let json = serde_json::to_string(k).map_err(storage)?;
        put(KEYS, &k.user_id.0.to_string(), &json).await
    }

    /// Generates a key, seals it under `pin`, keeps it, and registers its public half.
    pub async fn enroll(
        user: UserId,
        label: String,
        pin: String,
    ) -> Result<StoredKey, DeviceError> {
        // Ask the browser not to evict this origin's storage under pressure: the sealed
        // key exists nowhere else. Granted or not, enrolment goes on.
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().storage().persist();
        }
        let key = SigningKey::from_bytes(&random::<32>()?);
        let stored = StoredKey::seal(user, &key, &pin, random()?, random()?)?;
        // Kept before it is registered: a registered key whose seed was lost could
        // never sign, while a kept key that failed to register can simply try again.
        save_key(&stored).await?;
        register(&stored, label).await?;
        Ok(stored)
    }

    /// Registers the public half of a key kept here (again, if registering failed before).
    pub async fn register(stored: &StoredKey, label: String) -> Result<(), DeviceError> {
        api::call(
            "POST",
            "/api/devices".into(),
            Some(serde_json::json!({"label": label, "public_key": stored.public_key})),
        )
        .await
        .map(|_| ())
        .map_err(DeviceError::Server)
    }

    /// The receipts kept under `key`, oldest first.
    pub async fn receipts(key: &str) -> Result<Vec<Receipt>, DeviceError> {
        Ok(get(RECEIPTS, key)
            .await?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Keeps `receipt` after the others under `key`.
    pub async fn keep_receipt(key: &str, receipt: Receipt) -> Result<(), DeviceError> {
        let mut all = receipts(key).await?;
        all.push(receipt);
        let json = serde_json::to_string(&all).map_err(storage)?;
        put(RECEIPTS, key, &json).await
    }
}

/// On the server nothing here runs (pages call it from event handlers only); these keep
/// the pages free of `cfg`.
#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)]
pub mod browser {
    use super::*;

    /// What every function of the server build answers.
    pub fn absent() -> DeviceError {
        DeviceError::Storage("not in a browser".into())
    }

    /// See the browser build.
    pub async fn load_key(_: UserId) -> Result<Option<StoredKey>, DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn enroll(_: UserId, _: String, _: String) -> Result<StoredKey, DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn register(_: &StoredKey, _: String) -> Result<(), DeviceError> {
        Err(absent())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ecabinet_crypto::key_id;

    #[test]
    fn pins_are_six_digits_at_least_and_confirmed() {
        assert_eq!(check_new_pin("12345", "12345"), Err(DeviceError::WeakPin));
        assert_eq!(check_new_pin("12345a", "12345a"), Err(DeviceError::WeakPin));
        assert_eq!(
            check_new_pin("123456", "123457"),
            Err(DeviceError::PinMismatch)
        );
        assert_eq!(check_new_pin("123456", "123456"), Ok(()));
    }

    #[test]
    fn a_stored_key_opens_with_its_pin_only() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let s = StoredKey::seal(UserId(3), &key, "246810", [1; 16], [2; 24]).unwrap();
        let back: StoredKey = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back.open("246810").unwrap().to_bytes(), key.to_bytes());
        assert_eq!(back.open("246811").unwrap_err(), DeviceError::WrongPin);
        assert_eq!(s.key_id, hex::encode(key_id(&key.verifying_key())));
    }
}
