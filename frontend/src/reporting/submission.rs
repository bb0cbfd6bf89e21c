//! The reporting officer's device's side of a submission: the record it signs, after
//! recomputing the report's digest from the values the form shows.
// The server build never signs (its `browser` functions are stubs): what only the browser
// and the tests use is not dead code there.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::devices::DeviceError;
use ecabinet_crypto::{SigningKey, key_id};
use ecabinet_domain::UserId;

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
    Ok(ecabinet_reporting::canonical::SubmissionRecord::new(
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
        api::call(
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
}

/// On the server nothing here runs (pages call it from event handlers only); these keep
/// the pages free of `cfg`.
#[cfg(not(feature = "hydrate"))]
#[allow(clippy::unused_async)]
pub mod browser {
    use super::*;
    use crate::devices::absent;

    /// See the browser build.
    pub async fn submit_report(
        _: UserId,
        _: ecabinet_protocol::reporting::ReportForm,
        _: String,
    ) -> Result<serde_json::Value, DeviceError> {
        Err(absent())
    }
}
