//! WebSocket frames. Every frame is one JSON text message with a `type` key.

use crate::api::Me;
use crate::error::ErrorCode;
use crate::event::Event;
use crate::snapshot::SnapshotBody;
use crate::topic::Topic;
use serde::{Deserialize, Serialize};

/// Where a client is in a topic: the database epoch and the last seq applied.
/// The epoch changes when the database is replaced, so old positions are not trusted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    /// Identity of the event log (changes if the database is recreated).
    pub epoch: String,
    /// Last seq the client applied.
    pub seq: u64,
}

/// Client → server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Must be the first frame.
    Hello {
        /// [`crate::PROTOCOL_VERSION`] of the client.
        protocol: u32,
    },
    /// Start (or resume) receiving a topic.
    Subscribe {
        /// Which stream.
        topic: Topic,
        /// Resume after this position; absent for a fresh snapshot.
        #[serde(default)]
        since: Option<Position>,
    },
    /// Stop receiving a topic.
    Unsubscribe {
        /// Which stream.
        topic: Topic,
    },
    /// Keep-alive; answered by `pong` with the same nonce.
    Ping {
        /// Echoed back.
        nonce: u64,
    },
}

/// Server → client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to `hello`.
    Welcome {
        /// Protocol version the server speaks.
        protocol: u32,
        /// Identity of the event log.
        epoch: String,
        /// Who the connection is authenticated as.
        user: Me,
        /// Server clock, Unix ms.
        server_time: i64,
    },
    /// The whole state of a topic at `seq`; discard any older state of it.
    Snapshot {
        /// Which stream.
        topic: Topic,
        /// Identity of the event log.
        epoch: String,
        /// The state includes every event up to and including this seq.
        seq: u64,
        /// The state.
        state: SnapshotBody,
    },
    /// One event, in order, exactly once per subscription.
    Event {
        /// The event.
        event: Event,
    },
    /// Replay is done: the client is up to date with the topic at `seq`; live events follow.
    Synced {
        /// Which stream.
        topic: Topic,
        /// Last seq sent.
        seq: u64,
    },
    /// The subscription ended (asked for, or access was lost).
    Unsubscribed {
        /// Which stream.
        topic: Topic,
    },
    /// A frame was refused; the connection stays open unless said otherwise.
    Error {
        /// What went wrong.
        code: ErrorCode,
        /// Details in English.
        message: String,
        /// The topic concerned, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<Topic>,
    },
    /// Answer to `ping`.
    Pong {
        /// The client's nonce.
        nonce: u64,
    },
}

/// Parses a client frame, naming what is wrong precisely: the server's decoder of every
/// WebSocket message (fuzzed by `fuzz/fuzz_targets/ws_frame.rs`).
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, (ErrorCode, String)> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| (ErrorCode::BadFrame, format!("not JSON: {e}")))?;
    let kind = value
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_owned();
    if matches!(kind.as_str(), "subscribe" | "unsubscribe")
        && let Some(name) = value.get("topic").and_then(|t| t.as_str())
        && let Err(e) = name.parse::<Topic>()
    {
        return Err((ErrorCode::UnknownTopic, e.to_string()));
    }
    serde_json::from_value(value).map_err(|e| {
        let msg = if kind.is_empty() {
            "a frame needs a \"type\"".to_owned()
        } else {
            format!("bad {kind:?} frame: {e}")
        };
        (ErrorCode::BadFrame, msg)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<ClientFrame, (ErrorCode, String)>) -> Option<ErrorCode> {
        r.err().map(|(code, _)| code)
    }

    #[test]
    fn frame_errors_are_named() {
        assert_eq!(code(parse_client_frame("{")), Some(ErrorCode::BadFrame));
        assert_eq!(code(parse_client_frame("{}")), Some(ErrorCode::BadFrame));
        assert_eq!(
            code(parse_client_frame(r#"{"type":"dance"}"#)),
            Some(ErrorCode::BadFrame)
        );
        assert_eq!(
            code(parse_client_frame(
                r#"{"type":"subscribe","topic":"room:1"}"#
            )),
            Some(ErrorCode::UnknownTopic)
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"ping","nonce":7}"#).ok(),
            Some(ClientFrame::Ping { nonce: 7 })
        );
    }
}
