//! This device's side of an answer to a written poll: what it signs, after recomputing the
//! hash of the definition it was shown, sent with the text and kept with its receipt.
// The server build never signs (its `browser` functions are stubs): what only the browser
// and the tests use is not dead code there.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::devices::DeviceError;
use ecabinet_crypto::{Ballot, SigningKey, key_id, sha256};
use ecabinet_domain::UserId;
use ecabinet_domain::opinion::Answer;
use ecabinet_protocol::opinion::OpinionView;

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

/// The browser side: unlock the key with the PIN, sign, send, check.
#[cfg(feature = "hydrate")]
pub mod browser {
    use super::*;
    use crate::devices::{keep_receipt, load_key, random, save_key, storage};
    use crate::platform::api;
    use crate::voting::{check_receipt, leaf_of};
    use ecabinet_protocol::poll::Receipt;

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
        let v = api::call("GET", format!("/api/opinions/{poll}"), None)
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
        let answer = api::call(
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
        keep_receipt(&format!("o:{}:{poll}", user.0), mine.receipt.clone()).await?;
        Ok(mine.receipt)
    }
}

/// On the server nothing here runs (pages call it from event handlers only); these keep
/// the pages free of `cfg`.
#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)]
pub mod browser {
    use super::*;
    use crate::devices::absent;
    use ecabinet_protocol::poll::Receipt;

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
