//! The signer's device's side of an outgoing document: the seal record it signs, after
//! recomputing the envelope's digest itself.
// The server build never signs (its `browser` functions are stubs): what only the browser
// and the tests use is not dead code there.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::devices::DeviceError;
use ecabinet_crypto::{SigningKey, key_id};
use ecabinet_domain::UserId;

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
    Ok(ecabinet_exchange::canonical::SealRecord::new(
        digest,
        me.0,
        key_id(&key.verifying_key()),
        now_ms,
    ))
}

/// The browser side: unlock the key with the PIN, sign, send, check.
#[cfg(feature = "hydrate")]
pub mod browser {
    use super::*;
    use crate::devices::load_key;
    use crate::platform::api;

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
        api::call(
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
}

/// On the server nothing here runs (pages call it from event handlers only); these keep
/// the pages free of `cfg`.
#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)]
pub mod browser {
    use super::*;
    use crate::devices::absent;

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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
