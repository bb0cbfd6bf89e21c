//! Events: every change a client can see, as stored in the event log and sent on the wire.

use crate::poll::PollSummary;
use crate::snapshot::{MeetingInfo, MeetingSummary, Participant};
use crate::topic::Topic;
use ecabinet_domain::agenda::AgendaItem;
use ecabinet_domain::attendance::AttendanceEntry;
use ecabinet_domain::device::Device;
use ecabinet_domain::meeting::MeetingStatus;
use ecabinet_domain::speakers::SpeakerQueue;
use ecabinet_domain::{AgendaItemId, MeetingId, UserId};
use serde::{Deserialize, Serialize};

/// What changed. Stored as `kind` + JSON `payload` columns; on the wire the same two keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload")]
pub enum EventBody {
    /// Title, kind, time, place or quorum changed.
    #[serde(rename = "meeting.info")]
    MeetingInfoChanged {
        /// The new details.
        info: MeetingInfo,
    },
    /// Published, started or ended.
    #[serde(rename = "meeting.status")]
    MeetingStatusChanged {
        /// The new status.
        status: MeetingStatus,
    },
    /// The participant list changed.
    #[serde(rename = "meeting.participants")]
    ParticipantsChanged {
        /// The whole new list.
        participants: Vec<Participant>,
    },
    /// The agenda was edited or reordered.
    #[serde(rename = "agenda.changed")]
    AgendaChanged {
        /// The whole new agenda.
        items: Vec<AgendaItem>,
    },
    /// The chair moved to another item; the speaker queue starts afresh.
    #[serde(rename = "agenda.current")]
    CurrentItemChanged {
        /// The item now under discussion.
        item_id: Option<AgendaItemId>,
        /// The queue of the new item (empty).
        speakers: SpeakerQueue,
    },
    /// Someone checked in or reported absence.
    #[serde(rename = "attendance.changed")]
    AttendanceChanged {
        /// Their new attendance.
        entry: AttendanceEntry,
    },
    /// Someone asked for, withdrew, got or finished the floor.
    #[serde(rename = "speakers.changed")]
    SpeakersChanged {
        /// The whole queue after the change.
        speakers: SpeakerQueue,
    },
    /// A meeting appeared in, or changed in, a list (`meetings`, `user:<id>`).
    #[serde(rename = "meeting.listed")]
    MeetingListed {
        /// Its summary as the list's owner sees it.
        meeting: MeetingSummary,
    },
    /// A meeting left a list (the user was removed from it).
    #[serde(rename = "meeting.unlisted")]
    MeetingUnlisted {
        /// Which.
        meeting_id: MeetingId,
    },
    /// A poll was prepared, edited, opened or closed (closed: with its result).
    #[serde(rename = "poll.changed")]
    PollChanged {
        /// Its whole summary.
        poll: PollSummary,
    },
    /// A device key was registered, approved or revoked (`devices`, `devices:<id>`).
    #[serde(rename = "device.changed")]
    DeviceChanged {
        /// The device as it is now.
        device: Device,
    },
    /// A document was filed, rendered a page, finished or failed rendering, or got a new
    /// version. It names no title: the list is fetched again over HTTP, filtered by reader.
    #[serde(rename = "document.changed")]
    DocumentChanged {
        /// Document id.
        document_id: i64,
        /// The version readers see (0: none yet).
        current_version: i64,
        /// The newest upload.
        latest_version: i64,
        /// `rendering`, `ready` or `failed`.
        status: String,
        /// Pages of the newest upload.
        pages: i64,
        /// Pages rendered so far.
        pages_rendered: i64,
    },
    /// One of the user's own annotations was made, changed or carried to a new version
    /// (on `user:<id>` only: nobody else ever sees it).
    #[serde(rename = "annotation.changed")]
    AnnotationChanged {
        /// The annotation as it is now.
        annotation: crate::document::Annotation,
    },
    /// One of the user's own annotations was deleted.
    #[serde(rename = "annotation.deleted")]
    AnnotationDeleted {
        /// Annotation id.
        id: i64,
        /// Its document.
        document_id: i64,
    },
    /// Ballots arrived: how many of how many have voted. Never who chose what.
    #[serde(rename = "poll.progress")]
    PollProgress {
        /// Which poll.
        poll_id: i64,
        /// Members who have voted.
        voted: u32,
        /// Members entitled to vote.
        eligible: u32,
    },
    /// A written poll was drafted, edited, sent, extended or closed (`opinions`, and the
    /// addressees' `opinions:<id>` once sent).
    #[serde(rename = "opinion.changed")]
    OpinionChanged {
        /// Its summary as the topic's owner sees it.
        opinion: crate::opinion::OpinionSummary,
    },
    /// Answers arrived: how many members have answered. Never who answered what.
    #[serde(rename = "opinion.progress")]
    OpinionProgress {
        /// Which poll.
        id: i64,
        /// Members who have answered.
        answered: u32,
    },
    /// The meeting's minutes were drafted, edited or signed (meeting topic).
    #[serde(rename = "minutes.changed")]
    MinutesChanged {
        /// `draft` or `signed`.
        status: String,
    },
    /// A document of an organ one works for was sent, received, signed or moved status
    /// (each member's own `user:<id>` topic; the registers are read over HTTP).
    #[serde(rename = "exchange.changed")]
    ExchangeChanged {
        /// The organ whose register changed.
        organ_id: String,
        /// `outgoing` or `incoming`.
        register: String,
        /// The entry.
        id: i64,
        /// Its status now: draft, signed, sent, or a two-digit edXML code.
        status: String,
    },
    /// A report moved: submitted, approved or returned (`reporting`), or saved (the
    /// officers' own topics).
    #[serde(rename = "report.changed")]
    ReportChanged {
        /// Regime.
        regime_id: i64,
        /// Unit.
        unit_id: i64,
        /// Period as written.
        period: String,
        /// draft, submitted, approved or returned.
        status: String,
    },
    /// A report is overdue or due soon (each officer's own `user:<id>` topic).
    #[serde(rename = "report.reminder")]
    ReportReminder {
        /// Regime.
        regime_id: i64,
        /// Unit.
        unit_id: i64,
        /// Period as written.
        period: String,
        /// The due date, YYYY-MM-DD.
        due: String,
    },
    /// A reminder to a member who has not answered (`opinions:<id>` only).
    #[serde(rename = "opinion.reminder")]
    OpinionReminder {
        /// Which poll.
        id: i64,
        /// Its deadline, Unix ms.
        deadline: i64,
        /// The secretariat's message, if any.
        message: String,
    },
}

impl EventBody {
    /// The `kind` string as stored.
    pub fn kind(&self) -> &'static str {
        match self {
            EventBody::MeetingInfoChanged { .. } => "meeting.info",
            EventBody::MeetingStatusChanged { .. } => "meeting.status",
            EventBody::ParticipantsChanged { .. } => "meeting.participants",
            EventBody::AgendaChanged { .. } => "agenda.changed",
            EventBody::CurrentItemChanged { .. } => "agenda.current",
            EventBody::AttendanceChanged { .. } => "attendance.changed",
            EventBody::SpeakersChanged { .. } => "speakers.changed",
            EventBody::MeetingListed { .. } => "meeting.listed",
            EventBody::MeetingUnlisted { .. } => "meeting.unlisted",
            EventBody::PollChanged { .. } => "poll.changed",
            EventBody::PollProgress { .. } => "poll.progress",
            EventBody::DeviceChanged { .. } => "device.changed",
            EventBody::DocumentChanged { .. } => "document.changed",
            EventBody::AnnotationChanged { .. } => "annotation.changed",
            EventBody::AnnotationDeleted { .. } => "annotation.deleted",
            EventBody::OpinionChanged { .. } => "opinion.changed",
            EventBody::OpinionProgress { .. } => "opinion.progress",
            EventBody::OpinionReminder { .. } => "opinion.reminder",
            EventBody::MinutesChanged { .. } => "minutes.changed",
            EventBody::ExchangeChanged { .. } => "exchange.changed",
            EventBody::ReportChanged { .. } => "report.changed",
            EventBody::ReportReminder { .. } => "report.reminder",
        }
    }

    /// The `payload` JSON as stored.
    pub fn payload(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut m)) => {
                m.remove("payload").unwrap_or(serde_json::Value::Null)
            }
            _ => serde_json::Value::Null,
        }
    }

    /// Rebuilds a body from the stored `kind` and `payload`.
    pub fn from_parts(
        kind: &str,
        payload: serde_json::Value,
    ) -> Result<EventBody, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "kind": kind, "payload": payload }))
    }
}

/// One committed event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The stream it belongs to.
    pub topic: Topic,
    /// Position in that stream: 1, 2, 3, ... without gaps.
    pub seq: u64,
    /// What changed.
    #[serde(flatten)]
    pub body: EventBody,
    /// Who caused it (none for the system, e.g. a timer).
    #[serde(default)]
    pub actor: Option<UserId>,
    /// When it was committed, Unix ms.
    pub at: i64,
}
