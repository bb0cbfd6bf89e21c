//! Fuzz target: any bytes posted as a ballot are decoded or refused, never a panic; a
//! decoded ballot re-encodes to exactly the bytes it came from (one ballot, one encoding,
//! so a signature covers one meaning).
#![no_main]

use ecabinet_crypto::Ballot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(b) = Ballot::from_bytes(data) {
        assert_eq!(b.to_bytes().ok().as_deref(), Some(data));
    }
});
