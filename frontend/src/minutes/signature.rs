//! The chair's device's side of the minutes: it signs the hash of the text it shows,
//! computed here and refused if the server states another.
// The server build never signs (its `browser` functions are stubs): what only the browser
// and the tests use is not dead code there.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::devices::DeviceError;
use ecabinet_crypto::{SigningKey, key_id, sha256};
use ecabinet_domain::UserId;

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

/// The browser side: unlock the key with the PIN, sign, send, check.
#[cfg(feature = "hydrate")]
pub mod browser {
    use super::*;
    use crate::devices::load_key;
    use crate::platform::api;

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
        api::call(
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
}

/// On the server nothing here runs (pages call it from event handlers only); these keep
/// the pages free of `cfg`.
#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)]
pub mod browser {
    use super::*;
    use crate::devices::absent;

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
}
