//! The wire format as documented in docs/protocol.md: exact JSON shapes, and the
//! exactly-once rule of the client reducer.

use ecabinet_domain::attendance::{Attendance, AttendanceEntry, PresenceMode};
use ecabinet_domain::meeting::{MeetingDetails, MeetingKind, MeetingStatus};
use ecabinet_domain::quorum::Fraction;
use ecabinet_domain::speakers::SpeakerQueue;
use ecabinet_domain::{MeetingId, ParticipantRole, UserId};
use ecabinet_protocol::sync::{Applied, TopicState};
use ecabinet_protocol::*;
use serde_json::json;

fn snapshot() -> MeetingSnapshot {
    MeetingSnapshot {
        info: MeetingInfo {
            id: MeetingId(7),
            details: MeetingDetails {
                title: "Phiên họp thường kỳ".into(),
                kind: MeetingKind::Regular,
                starts_at: 1_764_000_000_000,
                place: "Hà Nội".into(),
            },
            status: MeetingStatus::InProgress,
            quorum: Fraction::TWO_THIRDS,
        },
        participants: (1..=3)
            .map(|i| Participant {
                user_id: UserId(i),
                display_name: format!("U{i}"),
                title: String::new(),
                role: if i == 1 {
                    ParticipantRole::Chair
                } else {
                    ParticipantRole::Member
                },
            })
            .collect(),
        agenda: vec![],
        current_item: None,
        polls: vec![],
        attendance: vec![],
        speakers: SpeakerQueue::default(),
    }
}

fn check_in(seq: u64, user: i64) -> Event {
    Event {
        topic: Topic::Meeting(MeetingId(7)),
        seq,
        body: EventBody::AttendanceChanged {
            entry: AttendanceEntry {
                user_id: UserId(user),
                attendance: Attendance::Present {
                    mode: PresenceMode::InRoom,
                },
                at: 5,
            },
        },
        actor: Some(UserId(user)),
        at: 5,
    }
}

#[test]
fn event_frame_is_flat_json() {
    let frame = ServerFrame::Event {
        event: check_in(3, 2),
    };
    let v = serde_json::to_value(&frame).unwrap();
    assert_eq!(
        v,
        json!({
            "type": "event",
            "event": {
                "topic": "meeting:7", "seq": 3, "kind": "attendance.changed",
                "payload": {"entry": {"user_id": 2, "attendance": {"status": "present", "mode": "in_room"}, "at": 5}},
                "actor": 2, "at": 5
            }
        })
    );
    let back: ServerFrame = serde_json::from_value(v).unwrap();
    assert_eq!(back, frame);
}

#[test]
fn stored_kind_and_payload_rebuild_the_event_body() {
    let body = check_in(1, 2).body;
    let rebuilt = EventBody::from_parts(body.kind(), body.payload()).unwrap();
    assert_eq!(rebuilt, body);
}

#[test]
fn client_frames_parse_and_unknown_ones_do_not() {
    let f: ClientFrame = serde_json::from_str(
        r#"{"type":"subscribe","topic":"meeting:7","since":{"epoch":"e1","seq":4}}"#,
    )
    .unwrap();
    assert_eq!(
        f,
        ClientFrame::Subscribe {
            topic: Topic::Meeting(MeetingId(7)),
            since: Some(Position {
                epoch: "e1".into(),
                seq: 4
            })
        }
    );
    assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"vote"}"#).is_err());
    assert!(
        serde_json::from_str::<ClientFrame>(r#"{"type":"subscribe","topic":"room:1"}"#).is_err()
    );
}

#[test]
fn reducer_applies_each_event_once_and_in_order() {
    let mut t = TopicState {
        epoch: "e".into(),
        seq: 10,
        state: SnapshotBody::Meeting(Box::new(snapshot())),
    };
    assert_eq!(t.on_event(&check_in(10, 2)), Applied::Duplicate);
    assert_eq!(
        t.on_event(&check_in(12, 2)),
        Applied::Gap {
            expected: 11,
            got: 12
        }
    );
    assert_eq!(t.on_event(&check_in(11, 2)), Applied::Applied);
    assert_eq!(t.on_event(&check_in(11, 2)), Applied::Duplicate);
    assert_eq!(t.on_event(&check_in(12, 3)), Applied::Applied);
    assert_eq!(t.seq, 12);
    let SnapshotBody::Meeting(m) = &t.state else {
        panic!()
    };
    let q = m.quorum();
    assert_eq!((q.present, q.total, q.required, q.met), (2, 3, 2, true));
}

#[test]
fn unknown_error_codes_from_a_newer_server_still_parse() {
    let f: ServerFrame =
        serde_json::from_str(r#"{"type":"error","code":"brand_new","message":"x"}"#).unwrap();
    assert!(matches!(
        f,
        ServerFrame::Error {
            code: ErrorCode::Unknown,
            ..
        }
    ));
}

#[test]
fn poll_events_move_the_count_without_revealing_choices() {
    use ecabinet_domain::poll::{BallotForm, PollStatus};
    use ecabinet_domain::vote::DecisionRule;
    let mut m = snapshot();
    let poll = PollSummary {
        id: 3,
        meeting_id: MeetingId(7),
        item_id: None,
        question: "Thông qua?".into(),
        form: BallotForm::yes_no(),
        rule: DecisionRule::GOVERNMENT,
        status: PollStatus::Open,
        eligible: 27,
        voted: 0,
        duration_seconds: None,
        closes_at: None,
        result: None,
    };
    let changed = EventBody::PollChanged { poll: poll.clone() };
    let wire = serde_json::to_value(&changed).unwrap();
    assert_eq!(wire["kind"], "poll.changed");
    m.apply(&changed);
    m.apply(&EventBody::PollProgress {
        poll_id: 3,
        voted: 5,
        eligible: 27,
    });
    assert_eq!((m.polls[0].voted, m.polls[0].eligible), (5, 27));
    let progress = serde_json::to_value(EventBody::PollProgress {
        poll_id: 3,
        voted: 5,
        eligible: 27,
    })
    .unwrap();
    assert_eq!(
        progress,
        json!({"kind": "poll.progress", "payload": {"poll_id": 3, "voted": 5, "eligible": 27}})
    );
    // A progress event of an unknown poll changes nothing.
    let before = m.clone();
    m.apply(&EventBody::PollProgress {
        poll_id: 4,
        voted: 1,
        eligible: 2,
    });
    assert_eq!(m, before);
}
