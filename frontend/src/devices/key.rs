//! This tablet's signing key and what it has signed: the ed25519 key is generated here,
//! sealed under the member's PIN (`ecabinet_crypto::keystore`) and kept in IndexedDB; only
//! its public half ever leaves the browser. Ballots are signed here too, after the tablet
//! has recomputed what it signs, and every receipt is checked and kept.

use ecabinet_crypto::keystore::{self, KeystoreError, SealedKey};
use ecabinet_crypto::log::{
    TreeHead, ballot_leaf, leaf_hash, receipt_bytes, server_verify, verify_consistency,
    verify_inclusion,
};
use ecabinet_crypto::{Ballot, SigningKey, key_id, sha256};
use ecabinet_domain::UserId;
use ecabinet_domain::opinion::Answer;
use ecabinet_protocol::opinion::OpinionView;
use ecabinet_protocol::poll::{PollView, Receipt};
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

fn unhex<const N: usize>(s: &str) -> Result<[u8; N], DeviceError> {
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

/// What the tablet signs for `choices` in the poll `view`, after checking that the
/// definition it was shown hashes to the hash the server states and that this key may
/// vote in it. `nonce` and `now_ms` come from the browser.
pub fn prepare_ballot(
    view: &PollView,
    me: UserId,
    key: &SigningKey,
    choices: Vec<u16>,
    nonce: [u8; 16],
    now_ms: i64,
) -> Result<Ballot, DeviceError> {
    let def = view.definition.as_ref().ok_or(DeviceError::NotOpen)?;
    let hash = sha256(&def.canonical_bytes());
    if view.definition_hash.as_deref() != Some(hex::encode(hash).as_str()) {
        return Err(DeviceError::DefinitionMismatch);
    }
    let kid = key_id(&key.verifying_key());
    let voter = def.voter(me).ok_or(DeviceError::KeyNotInPoll)?;
    if !voter.keys.iter().any(|k| k.0 == kid) {
        return Err(DeviceError::KeyNotInPoll);
    }
    Ok(Ballot {
        poll_id: u64::try_from(def.poll_id).map_err(|_| DeviceError::NotOpen)?,
        poll_hash: hash,
        member_id: u64::try_from(me.0).map_err(|_| DeviceError::NotOpen)?,
        key_id: kid,
        choices,
        text_hash: [0; 32],
        nonce,
        client_time: now_ms,
    })
}

/// What the device signs to answer the written poll `view` with `answer` and `text`, after
/// checking the definition against its stated hash and that this key was approved for the
/// member when the poll was sent. The text's SHA-256 is signed with the answer.
pub fn prepare_answer(
    view: &OpinionView,
    me: UserId,
    key: &SigningKey,
    answer: Answer,
    text: &str,
    nonce: [u8; 16],
    now_ms: i64,
) -> Result<Ballot, DeviceError> {
    let def = view.definition.as_ref().ok_or(DeviceError::NotOpen)?;
    let hash = sha256(&def.canonical_bytes());
    if view.definition_hash.as_deref() != Some(hex::encode(hash).as_str()) {
        return Err(DeviceError::DefinitionMismatch);
    }
    let kid = key_id(&key.verifying_key());
    let addressee = def.addressee(me).ok_or(DeviceError::KeyNotInPoll)?;
    if !addressee.keys.iter().any(|k| k.0 == kid) {
        return Err(DeviceError::KeyNotInPoll);
    }
    Ok(Ballot {
        poll_id: u64::try_from(def.poll_id).map_err(|_| DeviceError::NotOpen)?,
        poll_hash: hash,
        member_id: u64::try_from(me.0).map_err(|_| DeviceError::NotOpen)?,
        key_id: kid,
        choices: vec![answer.index()],
        text_hash: if text.is_empty() {
            [0; 32]
        } else {
            sha256(text.as_bytes())
        },
        nonce,
        client_time: now_ms,
    })
}

/// What the chair's device signs for minutes: the hash of the text it shows (computed
/// here, and refused if the server states another), the signer and the key.
pub fn prepare_minutes(
    meeting: ecabinet_domain::MeetingId,
    text: &str,
    stated_sha256: &str,
    me: UserId,
    key: &SigningKey,
    now_ms: i64,
) -> Result<ecabinet_domain::minutes::MinutesSignature, DeviceError> {
    let hash = sha256(text.as_bytes());
    if hex::encode(hash) != stated_sha256 {
        return Err(DeviceError::DefinitionMismatch);
    }
    Ok(ecabinet_domain::minutes::MinutesSignature {
        meeting_id: meeting,
        text_sha256: hash,
        signer: me,
        key_id: key_id(&key.verifying_key()),
        signed_at: now_ms,
    })
}

/// The seal record a signer's device signs for an outgoing official document, after
/// recomputing the envelope's digest itself: a server that shows one envelope and asks
/// for a seal over another is refused.
pub fn prepare_seal(
    envelope: &ecabinet_exchange::Envelope,
    stated_digest: &str,
    me: UserId,
    key: &SigningKey,
    now_ms: i64,
) -> Result<ecabinet_exchange::canonical::SealRecord, DeviceError> {
    let digest = ecabinet_exchange::canonical::envelope_digest(envelope);
    if hex::encode(digest) != stated_digest {
        return Err(DeviceError::DefinitionMismatch);
    }
    Ok(ecabinet_exchange::canonical::SealRecord {
        digest,
        signer: me.0,
        key_id: key_id(&key.verifying_key()),
        signed_at: now_ms,
    })
}

/// The submission record a reporting officer's device signs, after recomputing the
/// report's digest from the values the form shows: a server that shows one set of numbers
/// and asks for a signature over another is refused.
pub fn prepare_report(
    form: &ecabinet_protocol::reporting::ReportForm,
    me: UserId,
    key: &SigningKey,
    now_ms: i64,
) -> Result<ecabinet_reporting::canonical::SubmissionRecord, DeviceError> {
    let period = ecabinet_reporting::Period::parse(&form.period)
        .map_err(|_| DeviceError::DefinitionMismatch)?;
    let digest = ecabinet_reporting::canonical::report_digest(
        &form.regime_code,
        &form.unit_code,
        period,
        &form.values,
    );
    if hex::encode(digest) != form.digest {
        return Err(DeviceError::DefinitionMismatch);
    }
    Ok(ecabinet_reporting::canonical::SubmissionRecord {
        digest,
        signer: me.0,
        key_id: key_id(&key.verifying_key()),
        signed_at: now_ms,
    })
}

/// Checks a receipt as a tablet must: signed by `server_key`, for this ballot's leaf, and
/// that leaf is in the tree the receipt names.
pub fn check_receipt(r: &Receipt, server_key: &str, leaf: &[u8]) -> Result<(), DeviceError> {
    let head = TreeHead {
        size: r.tree_size,
        root: unhex(&r.tree_root)?,
    };
    let lh: [u8; 32] = unhex(&r.leaf_hash)?;
    if lh != leaf_hash(leaf) {
        return Err(DeviceError::BadReceipt);
    }
    let poll = u64::try_from(r.poll_id).map_err(|_| DeviceError::BadReceipt)?;
    server_verify(
        &unhex(server_key)?,
        &receipt_bytes(poll, r.index, &lh, &head),
        &unhex(&r.signature)?,
    )
    .map_err(|_| DeviceError::BadReceipt)?;
    let proof = r
        .inclusion
        .iter()
        .map(|h| unhex(h))
        .collect::<Result<Vec<[u8; 32]>, _>>()?;
    if !verify_inclusion(&head, leaf, r.index, &proof) {
        return Err(DeviceError::BadReceipt);
    }
    Ok(())
}

/// After the close: the result is signed by the server, and the tree it was counted from
/// extends the tree of every receipt this tablet kept (so each ballot was counted from).
/// Returns how many receipts were checked.
pub fn check_counted(view: &PollView, kept: &[Receipt]) -> Result<usize, DeviceError> {
    let record = view.result_record.as_ref().ok_or(DeviceError::NotOpen)?;
    let sig = view
        .result_signature
        .as_deref()
        .ok_or(DeviceError::BadReceipt)?;
    server_verify(
        &unhex(&view.server_key)?,
        &record.canonical_bytes(),
        &unhex(sig)?,
    )
    .map_err(|_| DeviceError::BadReceipt)?;
    if Some(&record.result) != view.summary.result.as_ref() {
        return Err(DeviceError::BadReceipt);
    }
    let last = TreeHead {
        size: record.tree_size,
        root: record.tree_root,
    };
    for r in kept {
        let at = view
            .my_receipts
            .iter()
            .position(|m| m.leaf_hash == r.leaf_hash && m.index == r.index)
            .ok_or(DeviceError::BadReceipt)?;
        let proof = view
            .my_consistency
            .get(at)
            .ok_or(DeviceError::BadReceipt)?
            .iter()
            .map(|h| unhex(h))
            .collect::<Result<Vec<[u8; 32]>, _>>()?;
        let head = TreeHead {
            size: r.tree_size,
            root: unhex(&r.tree_root)?,
        };
        if !verify_consistency(&head, &last, &proof) {
            return Err(DeviceError::BadReceipt);
        }
    }
    Ok(kept.len())
}

/// The leaf a signed ballot makes in the poll's log.
pub fn leaf_of(b: &ecabinet_crypto::SignedBallot) -> Vec<u8> {
    ballot_leaf(b)
}

/// The browser side: randomness, IndexedDB, and the HTTP calls.
#[cfg(feature = "hydrate")]
pub mod browser {
    use super::*;
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

    fn storage(e: impl std::fmt::Display) -> DeviceError {
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

    async fn save_key(k: &StoredKey) -> Result<(), DeviceError> {
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
        crate::api::call(
            "POST",
            "/api/devices".into(),
            Some(serde_json::json!({"label": label, "public_key": stored.public_key})),
        )
        .await
        .map(|_| ())
        .map_err(DeviceError::Server)
    }

    async fn view(poll: i64) -> Result<PollView, DeviceError> {
        let v = crate::api::call("GET", format!("/api/polls/{poll}"), None)
            .await
            .map_err(DeviceError::Server)?;
        serde_json::from_value(v).map_err(|e| storage(format!("unexpected answer: {e}")))
    }

    /// The receipts this tablet kept for `poll`, oldest first.
    pub async fn kept(user: UserId, poll: i64) -> Result<Vec<Receipt>, DeviceError> {
        Ok(get(RECEIPTS, &format!("{}:{poll}", user.0))
            .await?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Unlocks the key with `pin`, signs `choices`, sends the ballot, checks the receipt
    /// and keeps it.
    pub async fn cast(
        user: UserId,
        poll: i64,
        choices: Vec<u16>,
        pin: String,
    ) -> Result<Receipt, DeviceError> {
        let mut stored = load_key(user).await?.ok_or(DeviceError::NoKey)?;
        let key = stored.open(&pin)?;
        let v = view(poll).await?;
        match &stored.server_key {
            Some(k) if *k != v.server_key => return Err(DeviceError::ServerKeyChanged),
            Some(_) => {}
            None => {
                stored.server_key = Some(v.server_key.clone());
                save_key(&stored).await?;
            }
        }
        let now = js_sys::Date::now() as i64;
        let ballot = prepare_ballot(&v, user, &key, choices, random()?, now)?;
        let signed = ballot.sign(&key).map_err(|e| storage(e.to_string()))?;
        let answer = crate::api::call(
            "POST",
            format!("/api/polls/{poll}/ballots"),
            Some(serde_json::json!({
                "ballot": hex::encode(&signed.bytes),
                "signature": hex::encode(signed.signature),
            })),
        )
        .await
        .map_err(DeviceError::Server)?;
        let receipt: Receipt = serde_json::from_value(answer)
            .map_err(|e| storage(format!("unexpected answer: {e}")))?;
        check_receipt(&receipt, &v.server_key, &leaf_of(&signed))?;
        let mut all = kept(user, poll).await?;
        all.push(receipt.clone());
        let json = serde_json::to_string(&all).map_err(storage)?;
        put(RECEIPTS, &format!("{}:{poll}", user.0), &json).await?;
        Ok(receipt)
    }

    /// Unlocks the key with `pin`, signs the answer and its text, sends it, checks the
    /// receipt and keeps it (under `o:<user>:<poll>`, apart from meeting votes).
    pub async fn answer(
        user: UserId,
        poll: i64,
        answer: Answer,
        text: String,
        pin: String,
    ) -> Result<Receipt, DeviceError> {
        let mut stored = load_key(user).await?.ok_or(DeviceError::NoKey)?;
        let key = stored.open(&pin)?;
        let v = crate::api::call("GET", format!("/api/opinions/{poll}"), None)
            .await
            .map_err(DeviceError::Server)?;
        let v: OpinionView =
            serde_json::from_value(v).map_err(|e| storage(format!("unexpected answer: {e}")))?;
        match &stored.server_key {
            Some(k) if *k != v.server_key => return Err(DeviceError::ServerKeyChanged),
            Some(_) => {}
            None => {
                stored.server_key = Some(v.server_key.clone());
                save_key(&stored).await?;
            }
        }
        let text = text.trim().to_owned();
        let now = js_sys::Date::now() as i64;
        let ballot = prepare_answer(&v, user, &key, answer, &text, random()?, now)?;
        let signed = ballot.sign(&key).map_err(|e| storage(e.to_string()))?;
        let answer = crate::api::call(
            "POST",
            format!("/api/opinions/{poll}/answers"),
            Some(serde_json::json!({
                "ballot": hex::encode(&signed.bytes),
                "signature": hex::encode(signed.signature),
                "text": text,
            })),
        )
        .await
        .map_err(DeviceError::Server)?;
        let mine: ecabinet_protocol::opinion::MyAnswer = serde_json::from_value(answer)
            .map_err(|e| storage(format!("unexpected answer: {e}")))?;
        check_receipt(&mine.receipt, &v.server_key, &leaf_of(&signed))?;
        let key = format!("o:{}:{poll}", user.0);
        let mut all: Vec<Receipt> = get(RECEIPTS, &key)
            .await?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        all.push(mine.receipt.clone());
        let json = serde_json::to_string(&all).map_err(storage)?;
        put(RECEIPTS, &key, &json).await?;
        Ok(mine.receipt)
    }

    /// Unlocks the key with `pin` and seals the outgoing document the page shows.
    pub async fn seal(
        user: UserId,
        outgoing: i64,
        envelope: ecabinet_exchange::Envelope,
        stated_digest: String,
        pin: String,
    ) -> Result<(), DeviceError> {
        let stored = load_key(user).await?.ok_or(DeviceError::NoKey)?;
        let key = stored.open(&pin)?;
        let now = js_sys::Date::now() as i64;
        let bytes = prepare_seal(&envelope, &stated_digest, user, &key, now)?.to_bytes();
        let signature = ecabinet_crypto::sign(&key, &bytes);
        crate::api::call(
            "POST",
            format!("/api/exchange/outgoing/{outgoing}/seal"),
            Some(serde_json::json!({
                "bytes": hex::encode(&bytes),
                "signature": hex::encode(signature),
            })),
        )
        .await
        .map(|_| ())
        .map_err(DeviceError::Server)
    }

    /// Unlocks the key with `pin` and submits the report whose values the form shows;
    /// returns the form as the server has it then.
    pub async fn submit_report(
        user: UserId,
        form: ecabinet_protocol::reporting::ReportForm,
        pin: String,
    ) -> Result<serde_json::Value, DeviceError> {
        let stored = load_key(user).await?.ok_or(DeviceError::NoKey)?;
        let key = stored.open(&pin)?;
        let now = js_sys::Date::now() as i64;
        let bytes = prepare_report(&form, user, &key, now)?.to_bytes();
        let signature = ecabinet_crypto::sign(&key, &bytes);
        crate::api::call(
            "POST",
            format!(
                "/api/reporting/regimes/{}/units/{}/periods/{}/submit",
                form.regime_id, form.unit_id, form.period
            ),
            Some(serde_json::json!({
                "bytes": hex::encode(&bytes),
                "signature": hex::encode(signature),
            })),
        )
        .await
        .map_err(DeviceError::Server)
    }

    /// Unlocks the key with `pin` and signs the minutes whose text the page shows.
    pub async fn sign_minutes(
        user: UserId,
        meeting: ecabinet_domain::MeetingId,
        text: String,
        stated_sha256: String,
        pin: String,
    ) -> Result<(), DeviceError> {
        let stored = load_key(user).await?.ok_or(DeviceError::NoKey)?;
        let key = stored.open(&pin)?;
        let now = js_sys::Date::now() as i64;
        let bytes = prepare_minutes(meeting, &text, &stated_sha256, user, &key, now)?.to_bytes();
        let signature = ecabinet_crypto::sign(&key, &bytes);
        crate::api::call(
            "POST",
            format!("/api/meetings/{}/minutes/sign", meeting.0),
            Some(serde_json::json!({
                "bytes": hex::encode(&bytes),
                "signature": hex::encode(signature),
            })),
        )
        .await
        .map(|_| ())
        .map_err(DeviceError::Server)
    }

    /// After the close: checks the signed result and that it was counted from a log that
    /// holds every ballot this tablet sent. `Ok(0)` when this tablet sent none.
    pub async fn check(user: UserId, poll: i64) -> Result<usize, DeviceError> {
        let receipts = kept(user, poll).await?;
        let v = view(poll).await?;
        if let Some(k) = load_key(user).await?.and_then(|k| k.server_key)
            && k != v.server_key
        {
            return Err(DeviceError::ServerKeyChanged);
        }
        check_counted(&v, &receipts)
    }
}

/// On the server nothing here runs (pages call it from event handlers only); these keep
/// the pages free of `cfg`.
#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)]
pub mod browser {
    use super::*;

    fn absent() -> DeviceError {
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

    /// See the browser build.
    pub async fn kept(_: UserId, _: i64) -> Result<Vec<Receipt>, DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn cast(_: UserId, _: i64, _: Vec<u16>, _: String) -> Result<Receipt, DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn check(_: UserId, _: i64) -> Result<usize, DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn seal(
        _: UserId,
        _: i64,
        _: ecabinet_exchange::Envelope,
        _: String,
        _: String,
    ) -> Result<(), DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn submit_report(
        _: UserId,
        _: ecabinet_protocol::reporting::ReportForm,
        _: String,
    ) -> Result<serde_json::Value, DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn sign_minutes(
        _: UserId,
        _: ecabinet_domain::MeetingId,
        _: String,
        _: String,
        _: String,
    ) -> Result<(), DeviceError> {
        Err(absent())
    }

    /// See the browser build.
    pub async fn answer(
        _: UserId,
        _: i64,
        _: Answer,
        _: String,
        _: String,
    ) -> Result<Receipt, DeviceError> {
        Err(absent())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn minutes_are_signed_over_the_text_the_device_shows() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let text = "BIÊN BẢN\nChính phủ thống nhất.";
        let stated = hex::encode(sha256(text.as_bytes()));
        let s = prepare_minutes(
            ecabinet_domain::MeetingId(4),
            text,
            &stated,
            UserId(2),
            &key,
            7,
        )
        .unwrap();
        assert_eq!(s.text_sha256, sha256(text.as_bytes()));
        assert_eq!(s.key_id, key_id(&key.verifying_key()));
        // A server that states another hash than the text it sent gets no signature.
        let other = hex::encode(sha256(b"other"));
        assert_eq!(
            prepare_minutes(
                ecabinet_domain::MeetingId(4),
                text,
                &other,
                UserId(2),
                &key,
                7
            ),
            Err(DeviceError::DefinitionMismatch)
        );
    }

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

    use ecabinet_crypto::log::{PollLog, server_sign};
    use ecabinet_domain::MeetingId;
    use ecabinet_domain::poll::{
        BallotForm, KeyId, PollDefinition, PollStatus, ResultRecord, Voter,
    };
    use ecabinet_domain::vote::DecisionRule;
    use ecabinet_protocol::poll::PollSummary;

    const ME: UserId = UserId(3);

    fn definition(member_key: &SigningKey) -> PollDefinition {
        PollDefinition {
            poll_id: 9,
            meeting_id: MeetingId(2),
            item_id: None,
            question: "Thông qua Nghị quyết?".into(),
            form: BallotForm::yes_no(),
            rule: DecisionRule::GOVERNMENT,
            chair: Some(UserId(1)),
            voters: vec![
                Voter {
                    member: UserId(1),
                    keys: vec![],
                    present: true,
                },
                Voter {
                    member: ME,
                    keys: vec![KeyId(key_id(&member_key.verifying_key()))],
                    present: true,
                },
            ],
            opened_at: 1_795_363_200_000,
        }
    }

    fn view(def: PollDefinition, server: &SigningKey) -> PollView {
        PollView {
            summary: PollSummary {
                id: def.poll_id,
                meeting_id: def.meeting_id,
                item_id: None,
                question: def.question.clone(),
                form: def.form.clone(),
                rule: def.rule,
                status: PollStatus::Open,
                eligible: 2,
                voted: 0,
                duration_seconds: None,
                closes_at: None,
                result: None,
            },
            definition_hash: Some(hex::encode(sha256(&def.canonical_bytes()))),
            definition: Some(def),
            server_key: hex::encode(server.verifying_key().as_bytes()),
            my_receipts: vec![],
            my_consistency: vec![],
            result_record: None,
            result_signature: None,
        }
    }

    /// What the server does on acceptance: append, sign the receipt, prove inclusion.
    fn accept(log: &mut PollLog, server: &SigningKey, leaf: Vec<u8>) -> Receipt {
        let lh = leaf_hash(&leaf);
        let index = log.append(leaf);
        let head = log.head();
        Receipt {
            poll_id: 9,
            index,
            leaf_hash: hex::encode(lh),
            tree_size: head.size,
            tree_root: hex::encode(head.root),
            signature: hex::encode(server_sign(server, &receipt_bytes(9, index, &lh, &head))),
            inclusion: log
                .prove_inclusion(index)
                .unwrap()
                .iter()
                .map(hex::encode)
                .collect(),
        }
    }

    #[test]
    fn the_tablet_signs_only_the_definition_it_can_hash_and_only_with_an_admitted_key() {
        let (member, server) = (
            SigningKey::from_bytes(&[5; 32]),
            SigningKey::from_bytes(&[6; 32]),
        );
        let v = view(definition(&member), &server);
        let b = prepare_ballot(&v, ME, &member, vec![0], [1; 16], 42).unwrap();
        assert_eq!(hex::encode(b.poll_hash), v.definition_hash.clone().unwrap());
        assert_eq!((b.poll_id, b.member_id, b.choices.clone()), (9, 3, vec![0]));

        // A server that shows one question and states the hash of another gets nothing.
        let mut shown = v.clone();
        if let Some(d) = shown.definition.as_mut() {
            d.question = "Một câu hỏi khác".into();
        }
        assert_eq!(
            prepare_ballot(&shown, ME, &member, vec![0], [1; 16], 42).unwrap_err(),
            DeviceError::DefinitionMismatch
        );
        // A key approved after the opening, or another member's place, is refused here.
        let late = SigningKey::from_bytes(&[7; 32]);
        assert_eq!(
            prepare_ballot(&v, ME, &late, vec![0], [1; 16], 42).unwrap_err(),
            DeviceError::KeyNotInPoll
        );
        assert_eq!(
            prepare_ballot(&v, UserId(1), &member, vec![0], [1; 16], 42).unwrap_err(),
            DeviceError::KeyNotInPoll
        );
    }

    #[test]
    fn receipts_and_the_counted_log_are_checked() {
        let (member, server) = (
            SigningKey::from_bytes(&[5; 32]),
            SigningKey::from_bytes(&[6; 32]),
        );
        let mut v = view(definition(&member), &server);
        let signed = prepare_ballot(&v, ME, &member, vec![1], [2; 16], 43)
            .unwrap()
            .sign(&member)
            .unwrap();
        let mut log = PollLog::new();
        accept(&mut log, &server, b"an earlier ballot".to_vec());
        let mine = accept(&mut log, &server, leaf_of(&signed));
        let server_hex = v.server_key.clone();
        check_receipt(&mine, &server_hex, &leaf_of(&signed)).unwrap();
        // Signed by another key, for another leaf, or with a wrong proof: refused.
        let other = hex::encode(SigningKey::from_bytes(&[8; 32]).verifying_key().as_bytes());
        assert_eq!(
            check_receipt(&mine, &other, &leaf_of(&signed)),
            Err(DeviceError::BadReceipt)
        );
        assert_eq!(
            check_receipt(&mine, &server_hex, b"not mine"),
            Err(DeviceError::BadReceipt)
        );
        let mut bent = mine.clone();
        bent.inclusion[0] = hex::encode([0u8; 32]);
        assert_eq!(
            check_receipt(&bent, &server_hex, &leaf_of(&signed)),
            Err(DeviceError::BadReceipt)
        );

        // More ballots, then the close: the result names the final tree.
        accept(&mut log, &server, b"a later ballot".to_vec());
        let head = log.head();
        let def = v.definition.clone().unwrap();
        let result = ecabinet_domain::poll::tally(&def, &[(ME, &[1][..])]).unwrap();
        let record = ResultRecord {
            poll_id: 9,
            definition_hash: sha256(&def.canonical_bytes()),
            tree_size: head.size,
            tree_root: head.root,
            closed_at: 44,
            result: result.clone(),
        };
        v.summary.result = Some(result);
        v.result_signature = Some(hex::encode(server_sign(&server, &record.canonical_bytes())));
        v.result_record = Some(record);
        v.my_receipts = vec![Receipt {
            inclusion: vec![],
            ..mine.clone()
        }];
        v.my_consistency = vec![
            log.prove_consistency(mine.tree_size)
                .unwrap()
                .iter()
                .map(hex::encode)
                .collect(),
        ];
        assert_eq!(check_counted(&v, std::slice::from_ref(&mine)), Ok(1));
        assert_eq!(check_counted(&v, &[]), Ok(0));

        // A result re-signed by someone else, or a log that drops the ballot, fails.
        let mut forged = v.clone();
        forged.result_signature = Some(hex::encode(server_sign(
            &SigningKey::from_bytes(&[8; 32]),
            &forged.result_record.as_ref().unwrap().canonical_bytes(),
        )));
        assert_eq!(
            check_counted(&forged, std::slice::from_ref(&mine)),
            Err(DeviceError::BadReceipt)
        );
        let mut rewritten = v.clone();
        rewritten.my_consistency[0][0] = hex::encode([1u8; 32]);
        assert_eq!(
            check_counted(&rewritten, std::slice::from_ref(&mine)),
            Err(DeviceError::BadReceipt)
        );
        let mut other_receipt = mine.clone();
        other_receipt.tree_root = hex::encode([2u8; 32]);
        assert_eq!(
            check_counted(&v, &[other_receipt]),
            Err(DeviceError::BadReceipt)
        );
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

    #[test]
    fn a_seal_is_made_only_over_the_envelope_shown() {
        use ecabinet_exchange::{Business, Envelope, Organ, Priority, Signer};
        let key = SigningKey::from_bytes(&[5; 32]);
        let organ = |id: &str| Organ {
            id: id.into(),
            name: id.into(),
        };
        let e = Envelope {
            document_id: "G22/1".into(),
            from: organ("G22"),
            to: vec![organ("G12")],
            code_number: "12".into(),
            code_notation: "VPCP".into(),
            place: "Hà Nội".into(),
            promulgation_date: "2026-12-02".into(),
            document_type: "Công văn".into(),
            subject: "V/v họp".into(),
            signer: Signer::default(),
            due_date: None,
            priority: Priority::Normal,
            page_amount: None,
            business: Business::New,
            target: None,
            reason: String::new(),
            attachments: vec![],
        };
        let digest = hex::encode(ecabinet_exchange::canonical::envelope_digest(&e));
        let record = prepare_seal(&e, &digest, UserId(4), &key, 9).unwrap();
        assert_eq!((record.signer, record.signed_at), (4, 9));
        assert_eq!(record.key_id, key_id(&key.verifying_key()));
        let mut shown = e.clone();
        shown.subject = "V/v khác".into();
        assert_eq!(
            prepare_seal(&shown, &digest, UserId(4), &key, 9),
            Err(DeviceError::DefinitionMismatch)
        );
    }
}
