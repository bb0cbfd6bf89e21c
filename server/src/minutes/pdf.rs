//! The minutes as an A4 PDF, for printing and for the archive.

use crate::platform::clock::vn_time;
use crate::platform::pdf::{typeset, wrap};
use std::sync::Arc;

/// Minutes as an A4 PDF: the text, then (once signed) the signature block with the text's
/// SHA-256, the signer, the key and the signature, so that a printed copy can be checked.
pub fn minutes_pdf(
    text: &str,
    text_sha256: &str,
    signed: Option<&ecabinet_protocol::api::MinutesSigned>,
    font: &Arc<Vec<u8>>,
) -> Result<Vec<u8>, String> {
    let mut lines: Vec<(f32, f32, String)> = Vec::new();
    if signed.is_none() {
        lines.push((12.0, 0.0, "DỰ THẢO — CHƯA KÝ".into()));
    }
    for l in wrap(text, 88) {
        lines.push((10.0, 0.0, l));
    }
    lines.push((10.0, 0.0, String::new()));
    lines.push((9.0, 0.0, format!("SHA-256 của văn bản: {text_sha256}")));
    if let Some(s) = signed {
        lines.push((
            10.0,
            0.0,
            format!("Ký bởi: {} lúc {}", s.signer_name, vn_time(s.signed_at)),
        ));
        lines.push((9.0, 0.0, format!("Khóa thiết bị: {}", s.key_id)));
        lines.push((9.0, 0.0, "Chữ ký (ed25519):".into()));
        for chunk in s.signature.as_bytes().chunks(64) {
            lines.push((9.0, 18.0, String::from_utf8_lossy(chunk).into_owned()));
        }
    }
    typeset(&lines, font)
}
