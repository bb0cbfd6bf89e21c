//! Fuzz target: any bytes given to the envelope reader are read or refused, never a panic,
//! and whatever it accepts passes the model's rules and writes back to an equal envelope
//! with the same attestation.
#![no_main]

use ecabinet_exchange::edxml::{read_envelope, write_envelope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = read_envelope(text) {
        assert!(p.envelope.problems().is_empty());
        let files: Vec<&[u8]> = p.files.iter().map(Vec::as_slice).collect();
        let again = write_envelope(
            &p.envelope,
            p.seal.as_ref(),
            p.attestation.as_ref(),
            &files,
            &p.trace,
        )
        .map(|xml| read_envelope(&xml).map(|q| (q.envelope, q.attestation)));
        // An attestation is written only beside a seal.
        let attestation = p.attestation.filter(|_| p.seal.is_some());
        assert_eq!(
            again.ok().and_then(Result::ok),
            Some((p.envelope, attestation))
        );
    }
});
