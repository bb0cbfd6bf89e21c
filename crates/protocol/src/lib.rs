//! The wire protocol of ecabinet, shared by the server and the browser (wasm) client:
//! HTTP request and response bodies, WebSocket frames, events, snapshots, and the pure
//! reducer that turns "snapshot at seq S + events after S" into the state on screen.
//! No I/O here; see `docs/protocol.md` for the prose and examples.

pub mod api;
pub mod document;
pub mod error;
pub mod event;
pub mod exchange;
pub mod frame;
pub mod opinion;
pub mod poll;
pub mod reporting;
pub mod snapshot;
pub mod sync;
pub mod topic;

pub use error::{ApiError, ErrorCode};
pub use event::{Event, EventBody};
pub use frame::{ClientFrame, Position, ServerFrame};
pub use poll::PollSummary;
pub use snapshot::{
    DeviceList, MeetingInfo, MeetingList, MeetingSnapshot, MeetingSummary, Participant,
    ReportingState, SnapshotBody,
};
pub use topic::Topic;

/// Version of the WebSocket protocol; the client states it in `hello`.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest WebSocket frame the server accepts, in bytes. Clients only send small control
/// frames; anything larger is refused with `frame_too_large`.
pub const MAX_FRAME_BYTES: usize = 16 * 1024;

/// Most events the server replays on resume; a client further behind reloads a snapshot.
pub const MAX_REPLAY: u64 = 500;
