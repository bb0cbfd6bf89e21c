//! Snapshots: the full state of a topic at a given seq, and how events change it.

use crate::event::EventBody;
use crate::poll::PollSummary;
use ecabinet_domain::agenda::AgendaItem;
use ecabinet_domain::attendance::AttendanceEntry;
use ecabinet_domain::device::Device;
use ecabinet_domain::meeting::{MeetingDetails, MeetingStatus};
use ecabinet_domain::quorum::{self, Fraction, QuorumStatus};
use ecabinet_domain::speakers::SpeakerQueue;
use ecabinet_domain::{AgendaItemId, MeetingId, ParticipantRole, UserId};
use serde::{Deserialize, Serialize};

/// A meeting's details and status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingInfo {
    /// Meeting id.
    pub id: MeetingId,
    /// Title, kind, time, place.
    #[serde(flatten)]
    pub details: MeetingDetails,
    /// Life-cycle status.
    pub status: MeetingStatus,
    /// Quorum rule.
    pub quorum: Fraction,
}

/// A participant as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Account id.
    pub user_id: UserId,
    /// Name.
    pub display_name: String,
    /// Office held.
    pub title: String,
    /// Part in this meeting.
    pub role: ParticipantRole,
}

/// Everything a participant sees of one meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingSnapshot {
    /// Details and status.
    pub info: MeetingInfo,
    /// Who takes part, chair first, then by title order of the seed.
    pub participants: Vec<Participant>,
    /// The agenda in order.
    pub agenda: Vec<AgendaItem>,
    /// The item under discussion.
    pub current_item: Option<AgendaItemId>,
    /// Reported attendance, one entry per participant who reported.
    pub attendance: Vec<AttendanceEntry>,
    /// Who speaks and who waits on the current item.
    pub speakers: SpeakerQueue,
    /// The meeting's polls, oldest first.
    #[serde(default)]
    pub polls: Vec<PollSummary>,
}

impl MeetingSnapshot {
    /// The quorum line: members (not invitees) present out of all members.
    pub fn quorum(&self) -> QuorumStatus {
        let members: Vec<_> = self
            .participants
            .iter()
            .filter(|p| p.role.counts_for_quorum())
            .map(|p| p.user_id)
            .collect();
        let present = self
            .attendance
            .iter()
            .filter(|a| a.attendance.is_present() && members.contains(&a.user_id))
            .count();
        quorum::evaluate(
            self.info.quorum,
            u32::try_from(present).unwrap_or(u32::MAX),
            u32::try_from(members.len()).unwrap_or(u32::MAX),
        )
    }

    /// The participant entry of `user`.
    pub fn participant(&self, user: UserId) -> Option<&Participant> {
        self.participants.iter().find(|p| p.user_id == user)
    }

    /// Applies one event of this meeting's topic. Events of other kinds are ignored.
    pub fn apply(&mut self, body: &EventBody) {
        match body {
            EventBody::MeetingInfoChanged { info } => self.info = info.clone(),
            EventBody::MeetingStatusChanged { status } => self.info.status = *status,
            EventBody::ParticipantsChanged { participants } => {
                self.participants = participants.clone();
                let ids: Vec<_> = participants.iter().map(|p| p.user_id).collect();
                self.attendance.retain(|a| ids.contains(&a.user_id));
            }
            EventBody::AgendaChanged { items } => self.agenda = items.clone(),
            EventBody::CurrentItemChanged { item_id, speakers } => {
                self.current_item = *item_id;
                self.speakers = speakers.clone();
            }
            EventBody::AttendanceChanged { entry } => {
                match self
                    .attendance
                    .iter_mut()
                    .find(|a| a.user_id == entry.user_id)
                {
                    Some(a) => *a = entry.clone(),
                    None => self.attendance.push(entry.clone()),
                }
            }
            EventBody::SpeakersChanged { speakers } => self.speakers = speakers.clone(),
            EventBody::PollChanged { poll } => {
                match self.polls.iter_mut().find(|p| p.id == poll.id) {
                    Some(p) => *p = poll.clone(),
                    None => self.polls.push(poll.clone()),
                }
            }
            EventBody::PollProgress {
                poll_id,
                voted,
                eligible,
            } => {
                if let Some(p) = self.polls.iter_mut().find(|p| p.id == *poll_id) {
                    // Batches commit in order, so a later event never carries fewer voters.
                    p.voted = *voted;
                    p.eligible = *eligible;
                }
            }
            EventBody::MeetingListed { .. }
            | EventBody::MeetingUnlisted { .. }
            | EventBody::DeviceChanged { .. }
            | EventBody::OpinionChanged { .. }
            | EventBody::OpinionProgress { .. }
            | EventBody::OpinionReminder { .. }
            // Minutes are read over HTTP; the event only says when.
            | EventBody::MinutesChanged { .. }
            // Registers and reports are read over HTTP; the event only says when.
            | EventBody::ExchangeChanged { .. }
            | EventBody::ReportChanged { .. }
            | EventBody::ReportReminder { .. }
            // Documents are listed over HTTP (filtered by reader); the event only says when.
            | EventBody::DocumentChanged { .. }
            | EventBody::AnnotationChanged { .. }
            | EventBody::AnnotationDeleted { .. } => {}
        }
    }
}

/// A meeting as listed ("my meetings", the secretariat's list).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingSummary {
    /// Meeting id.
    pub id: MeetingId,
    /// Title, kind, time, place.
    #[serde(flatten)]
    pub details: MeetingDetails,
    /// Life-cycle status.
    pub status: MeetingStatus,
    /// The viewer's part in it, if invited.
    #[serde(default)]
    pub my_role: Option<ParticipantRole>,
}

/// A list of meetings, soonest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingList {
    /// The meetings, ordered by start time then id.
    pub meetings: Vec<MeetingSummary>,
}

impl MeetingList {
    /// Applies one event of a list topic. Events of other kinds are ignored.
    pub fn apply(&mut self, body: &EventBody) {
        match body {
            EventBody::MeetingListed { meeting } => {
                self.meetings.retain(|m| m.id != meeting.id);
                self.meetings.push(meeting.clone());
                self.sort();
            }
            EventBody::MeetingUnlisted { meeting_id } => {
                self.meetings.retain(|m| m.id != *meeting_id)
            }
            _ => {}
        }
    }

    /// Puts the list in its canonical order.
    pub fn sort(&mut self) {
        self.meetings.sort_by_key(|m| (m.details.starts_at, m.id));
    }
}

/// The state of the `devices` and `devices:<id>` topics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    /// The devices, pending first, then newest first.
    pub devices: Vec<Device>,
}

impl DeviceList {
    /// Applies one event of a device topic. Events of other kinds are ignored.
    pub fn apply(&mut self, body: &EventBody) {
        if let EventBody::DeviceChanged { device } = body {
            self.devices.retain(|d| d.id != device.id);
            self.devices.push(device.clone());
            self.sort();
        }
    }

    /// Puts the list in its canonical order (the server's).
    pub fn sort(&mut self) {
        self.devices.sort_by_key(|d| {
            (
                d.status != ecabinet_domain::device::DeviceStatus::Pending,
                std::cmp::Reverse(d.id),
            )
        });
    }
}

/// The state of any topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SnapshotBody {
    /// State of a `meeting:<id>` topic (boxed: it is much larger than a list).
    Meeting(Box<MeetingSnapshot>),
    /// State of the `meetings` and `user:<id>` topics.
    MeetingList(MeetingList),
    /// State of the `devices` and `devices:<id>` topics.
    Devices(DeviceList),
    /// State of the `opinions` and `opinions:<id>` topics.
    Opinions(crate::opinion::OpinionList),
    /// State of the `reporting` topic: how many report steps there have been (the
    /// dashboard reads its numbers over HTTP and draws again at each event).
    Reporting(ReportingState),
}

/// What the `reporting` topic carries as state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportingState {
    /// Steps (submitted, approved, returned) so far.
    pub steps: u64,
}

impl ReportingState {
    /// Applies one event.
    pub fn apply(&mut self, body: &EventBody) {
        if let EventBody::ReportChanged { .. } = body {
            self.steps += 1;
        }
    }
}

impl SnapshotBody {
    /// Applies one event.
    pub fn apply(&mut self, body: &EventBody) {
        match self {
            SnapshotBody::Meeting(m) => m.apply(body),
            SnapshotBody::MeetingList(l) => l.apply(body),
            SnapshotBody::Devices(l) => l.apply(body),
            SnapshotBody::Opinions(l) => l.apply(body),
            SnapshotBody::Reporting(r) => r.apply(body),
        }
    }
}
