//! Every example frame in docs/protocol.md parses as the frame it claims to be, so the
//! document cannot drift from the code.

use ecabinet_protocol::{ClientFrame, ServerFrame};

#[test]
fn every_documented_frame_parses() {
    let doc = include_str!("../../../docs/protocol.md");
    let mut blocks = 0;
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let kind = match line.trim() {
            "```json client-frame" => "client",
            "```json server-frame" => "server",
            "```json document-input" => "document",
            _ => continue,
        };
        let body: String = lines
            .by_ref()
            .take_while(|l| l.trim() != "```")
            .collect::<Vec<_>>()
            .join("\n");
        let ok = match kind {
            "client" => serde_json::from_str::<ClientFrame>(&body).map(|_| ()),
            "document" => serde_json::from_str::<ecabinet_protocol::document::DocumentInput>(&body)
                .map(|_| ()),
            _ => serde_json::from_str::<ServerFrame>(&body).map(|_| ()),
        };
        assert!(ok.is_ok(), "{kind} frame does not parse: {ok:?}\n{body}");
        blocks += 1;
    }
    assert!(blocks >= 12, "only {blocks} example frames found");
}
