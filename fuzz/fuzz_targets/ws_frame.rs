//! Fuzz target: any text a WebSocket client sends is parsed into a frame or refused with a
//! code, never a panic; an accepted frame serializes and parses back to itself.
#![no_main]

use ecabinet_protocol::frame::parse_client_frame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = parse_client_frame(text) {
        let again = serde_json::to_string(&frame).expect("a parsed frame serializes");
        assert_eq!(parse_client_frame(&again).ok(), Some(frame));
    }
});
