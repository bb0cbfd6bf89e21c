//! Who may follow which live topic over the WebSocket (the server's
//! `topics::authorize_topic`, and `platform::ws` when an event takes a meeting away). The
//! topics are named by `ecabinet-protocol`, which depends on this crate: [`TopicFacts`]
//! mirrors them, each with the facts its rule needs, which the caller loads for that topic
//! only.

use super::Decision;
use super::meetings::{MeetingCapability, can_prepare_meetings, meeting_decision};
use super::opinions::lists_all_opinions;
use super::reporting::reads_some_dashboard;
use crate::meeting::MeetingStatus;
use crate::{ParticipantRole, Role, UserId};

/// A topic asked for, with what its rule needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TopicFacts {
    /// `meetings`: every meeting's summary.
    Meetings,
    /// `meeting:<id>` of an existing meeting (an unknown one is the caller's 404), which
    /// the user plays `participant` in and which is in `status`.
    Meeting {
        /// The user's seat, if invited.
        participant: Option<ParticipantRole>,
        /// The meeting's status.
        status: MeetingStatus,
    },
    /// `user:<id>`: one user's own stream.
    User(UserId),
    /// `devices`: every device key.
    Devices,
    /// `devices:<id>`: one user's keys.
    DevicesOf(UserId),
    /// `opinions`: every written poll.
    Opinions,
    /// `opinions:<id>`: the polls sent to one user.
    OpinionsOf(UserId),
    /// `reporting`: report steps, for the dashboards.
    Reporting {
        /// The user has some role in a unit that receives some regime's reports.
        in_some_receiving_unit: bool,
    },
}

/// Whether `me` (account role `role`) may subscribe to a topic, and follow its snapshot:
/// a meeting one may not see is 404 like everywhere else; every other topic is 403 for
/// those it is not for.
pub fn subscribe(role: Role, me: UserId, topic: TopicFacts) -> Decision {
    let may = match topic {
        TopicFacts::Meeting {
            participant,
            status,
        } => return meeting_decision(role, participant, status, MeetingCapability::View),
        TopicFacts::Meetings => can_prepare_meetings(role),
        TopicFacts::User(u) | TopicFacts::OpinionsOf(u) => u == me,
        TopicFacts::Devices => super::devices::can_manage_devices(role),
        TopicFacts::DevicesOf(u) => u == me || super::devices::can_manage_devices(role),
        TopicFacts::Opinions => lists_all_opinions(role),
        TopicFacts::Reporting {
            in_some_receiving_unit,
        } => reads_some_dashboard(role, in_some_receiving_unit),
    };
    Decision::forbid_unless(may)
}

/// Whether a change of a meeting's participants takes the meeting away from a user who
/// follows it (the WebSocket then drops the topic): anyone but the secretariat who is no
/// longer among them.
pub fn loses_meeting(role: Role, still_participant: bool) -> bool {
    !can_prepare_meetings(role) && !still_participant
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow, Forbidden, Hidden};

    const ME: UserId = UserId(1);
    const OTHER: UserId = UserId(2);

    /// Every account role × every topic that does not depend on a meeting.
    #[test]
    fn topics_table() {
        let reporting = |r| TopicFacts::Reporting {
            in_some_receiving_unit: r,
        };
        let topics = [
            TopicFacts::Meetings,
            TopicFacts::User(ME),
            TopicFacts::User(OTHER),
            TopicFacts::Devices,
            TopicFacts::DevicesOf(ME),
            TopicFacts::DevicesOf(OTHER),
            TopicFacts::Opinions,
            TopicFacts::OpinionsOf(ME),
            TopicFacts::OpinionsOf(OTHER),
            reporting(false),
            reporting(true),
        ];
        let (a, f) = (Allow, Forbidden);
        // In the order of `topics`.
        let table = [
            (Role::Admin, [f, a, f, f, a, f, f, a, f, f, a]),
            (Role::Secretariat, [a, a, f, a, a, a, a, a, f, a, a]),
            (Role::Chair, [f, a, f, f, a, f, a, a, f, a, a]),
            (Role::Member, [f, a, f, f, a, f, f, a, f, a, a]),
            (Role::Invitee, [f, a, f, f, a, f, f, a, f, f, a]),
        ];
        for (role, want) in table {
            for (topic, want) in topics.into_iter().zip(want) {
                assert_eq!(subscribe(role, ME, topic), want, "{role:?} {topic:?}");
            }
        }
    }

    #[test]
    fn a_meeting_topic_follows_the_meeting() {
        let meeting = |participant, status| TopicFacts::Meeting {
            participant,
            status,
        };
        let member = Some(ParticipantRole::Member);
        let table = [
            (Role::Secretariat, None, MeetingStatus::Draft, Allow),
            (Role::Member, member, MeetingStatus::Draft, Hidden),
            (Role::Member, member, MeetingStatus::Published, Allow),
            (Role::Member, None, MeetingStatus::Published, Hidden),
            (Role::Chair, None, MeetingStatus::InProgress, Hidden),
            (Role::Admin, None, MeetingStatus::Ended, Hidden),
        ];
        for (role, seat, status, want) in table {
            assert_eq!(
                subscribe(role, ME, meeting(seat, status)),
                want,
                "{role:?} {seat:?}"
            );
        }
    }

    #[test]
    fn only_the_secretariat_keeps_a_meeting_it_does_not_sit_in() {
        for role in Role::ALL {
            assert!(!loses_meeting(role, true), "{role:?}");
            assert_eq!(
                loses_meeting(role, false),
                role != Role::Secretariat,
                "{role:?}"
            );
        }
    }
}
