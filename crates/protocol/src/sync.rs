//! The client's side of exactly-once delivery: a topic's state is a snapshot at seq S plus
//! the events after S, each applied once and in order. Shared so that the wasm client and
//! the Rust test client follow the very same rule.

use crate::event::Event;
use crate::frame::Position;
use crate::snapshot::SnapshotBody;

/// A topic as held by a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicState {
    /// Identity of the event log the state came from.
    pub epoch: String,
    /// Last seq applied.
    pub seq: u64,
    /// The state.
    pub state: SnapshotBody,
}

/// What [`TopicState::on_event`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The event was the next one and was applied.
    Applied,
    /// Already applied before (seq not after ours): ignored.
    Duplicate,
    /// Events are missing between ours and this one: ignored; resubscribe from `position()`.
    Gap {
        /// The seq we needed.
        expected: u64,
        /// The seq we got.
        got: u64,
    },
}

impl TopicState {
    /// Applies `ev` if it is exactly the next event.
    pub fn on_event(&mut self, ev: &Event) -> Applied {
        if ev.seq <= self.seq {
            Applied::Duplicate
        } else if ev.seq != self.seq + 1 {
            Applied::Gap {
                expected: self.seq + 1,
                got: ev.seq,
            }
        } else {
            self.state.apply(&ev.body);
            self.seq = ev.seq;
            Applied::Applied
        }
    }

    /// Where to resume from after a reconnect.
    pub fn position(&self) -> Position {
        Position {
            epoch: self.epoch.clone(),
            seq: self.seq,
        }
    }
}
