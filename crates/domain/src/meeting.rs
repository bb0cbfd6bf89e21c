//! A meeting (phiên họp): its details and its life cycle
//! draft → published → in progress → ended.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// Where a meeting is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    /// Being prepared by the secretariat; invisible to members.
    Draft,
    /// Invitations sent: participants see it and may check in ahead of time.
    Published,
    /// Opened by the chair.
    InProgress,
    /// Closed by the chair; read-only from now on.
    Ended,
}

/// What may be done to a meeting; each is allowed only from some statuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetingAction {
    /// Change title, kind, time, place, participants or agenda.
    Edit,
    /// Send the invitations.
    Publish,
    /// Open the meeting.
    Start,
    /// Close the meeting.
    End,
    /// Check in or report absence.
    Attend,
    /// Move the current agenda item, grant or end a turn to speak.
    Conduct,
    /// Ask for the floor or withdraw the request.
    RequestFloor,
}

impl MeetingAction {
    fn verb(self) -> &'static str {
        match self {
            MeetingAction::Edit => "edit",
            MeetingAction::Publish => "publish",
            MeetingAction::Start => "start",
            MeetingAction::End => "end",
            MeetingAction::Attend => "check in to",
            MeetingAction::Conduct => "conduct",
            MeetingAction::RequestFloor => "request the floor in",
        }
    }
}

impl MeetingStatus {
    /// All statuses in life-cycle order.
    pub const ALL: [MeetingStatus; 4] = [
        MeetingStatus::Draft,
        MeetingStatus::Published,
        MeetingStatus::InProgress,
        MeetingStatus::Ended,
    ];

    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingStatus::Draft => "draft",
            MeetingStatus::Published => "published",
            MeetingStatus::InProgress => "in_progress",
            MeetingStatus::Ended => "ended",
        }
    }

    /// Inverse of [`MeetingStatus::as_str`].
    pub fn parse(s: &str) -> Option<MeetingStatus> {
        MeetingStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether `action` is allowed now, without changing the status.
    pub fn check(self, action: MeetingAction) -> Result<(), DomainError> {
        use MeetingAction as A;
        use MeetingStatus as S;
        let ok = match action {
            // Agenda edits stay possible during the meeting: items get added on the spot.
            A::Edit => matches!(self, S::Draft | S::Published | S::InProgress),
            A::Publish => self == S::Draft,
            A::Start => self == S::Published,
            A::End => self == S::InProgress,
            // Members may check in before the chair opens the meeting.
            A::Attend => matches!(self, S::Published | S::InProgress),
            A::Conduct | A::RequestFloor => self == S::InProgress,
        };
        if ok {
            Ok(())
        } else {
            Err(DomainError::InvalidTransition {
                subject: "meeting",
                from: self.as_str(),
                action: action.verb(),
            })
        }
    }

    /// The status after `action`, or why it is refused.
    pub fn apply(self, action: MeetingAction) -> Result<MeetingStatus, DomainError> {
        self.check(action)?;
        Ok(match action {
            MeetingAction::Publish => MeetingStatus::Published,
            MeetingAction::Start => MeetingStatus::InProgress,
            MeetingAction::End => MeetingStatus::Ended,
            _ => self,
        })
    }

    /// Whether members (not only the secretariat) can see the meeting.
    pub fn visible_to_participants(self) -> bool {
        self != MeetingStatus::Draft
    }
}

/// The kind of meeting (loại phiên họp).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// Phiên họp thường kỳ.
    Regular,
    /// Phiên họp chuyên đề.
    Thematic,
    /// Phiên họp bất thường.
    Extraordinary,
}

impl MeetingKind {
    /// All kinds.
    pub const ALL: [MeetingKind; 3] = [
        MeetingKind::Regular,
        MeetingKind::Thematic,
        MeetingKind::Extraordinary,
    ];

    /// Storage and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingKind::Regular => "regular",
            MeetingKind::Thematic => "thematic",
            MeetingKind::Extraordinary => "extraordinary",
        }
    }

    /// Inverse of [`MeetingKind::as_str`].
    pub fn parse(s: &str) -> Option<MeetingKind> {
        MeetingKind::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Longest accepted meeting title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest accepted place, in characters.
pub const MAX_PLACE_CHARS: usize = 200;

/// The editable details of a meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingDetails {
    /// Title, e.g. "Phiên họp Chính phủ thường kỳ tháng 11".
    pub title: String,
    /// Regular, thematic or extraordinary.
    pub kind: MeetingKind,
    /// Planned start, Unix milliseconds (UTC).
    pub starts_at: i64,
    /// Where it takes place.
    pub place: String,
}

impl MeetingDetails {
    /// Trims text fields and checks them; returns the cleaned details.
    pub fn validated(self) -> Result<MeetingDetails, DomainError> {
        let title = required_text("title", &self.title, MAX_TITLE_CHARS)?;
        let place = optional_text("place", &self.place, MAX_PLACE_CHARS)?;
        if self.starts_at <= 0 {
            return Err(DomainError::invalid("starts_at", "must be a positive time"));
        }
        Ok(MeetingDetails {
            title,
            place,
            ..self
        })
    }
}

/// Trims `value` and requires 1..=`max` characters.
pub fn required_text(field: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DomainError::invalid(field, "is required"));
    }
    optional_text(field, v, max)
}

/// Trims `value` and requires at most `max` characters, and no control characters.
pub fn optional_text(field: &'static str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("is longer than {max} characters"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DomainError::invalid(field, "contains control characters"));
    }
    Ok(v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use MeetingAction as A;
    use MeetingStatus as S;

    #[test]
    fn the_happy_life_cycle() {
        let s = S::Draft.apply(A::Publish).unwrap();
        assert_eq!(s, S::Published);
        let s = s.apply(A::Start).unwrap();
        assert_eq!(s, S::InProgress);
        let s = s.apply(A::End).unwrap();
        assert_eq!(s, S::Ended);
    }

    #[test]
    fn illegal_transitions_are_refused() {
        let refused = [
            (S::Draft, A::Start),
            (S::Draft, A::End),
            (S::Draft, A::Attend),
            (S::Published, A::Publish),
            (S::Published, A::End),
            (S::Published, A::Conduct),
            (S::InProgress, A::Publish),
            (S::InProgress, A::Start),
            (S::Ended, A::Start),
            (S::Ended, A::Publish),
            (S::Ended, A::End),
            (S::Ended, A::Edit),
            (S::Ended, A::Attend),
            (S::Ended, A::RequestFloor),
        ];
        for (from, action) in refused {
            let err = from.apply(action).unwrap_err();
            assert_eq!(err.code(), "invalid_transition", "{from:?} {action:?}");
        }
    }

    #[test]
    fn drafts_are_hidden_from_participants() {
        assert!(!S::Draft.visible_to_participants());
        assert!(S::Published.visible_to_participants());
        assert!(S::Ended.visible_to_participants());
    }

    #[test]
    fn details_are_trimmed_and_checked() {
        let d = MeetingDetails {
            title: "  Phiên họp Chính phủ thường kỳ  ".into(),
            kind: MeetingKind::Regular,
            starts_at: 1_700_000_000_000,
            place: " Nhà Quốc hội ".into(),
        };
        let d = d.validated().unwrap();
        assert_eq!(d.title, "Phiên họp Chính phủ thường kỳ");
        assert_eq!(d.place, "Nhà Quốc hội");

        let empty = MeetingDetails {
            title: "   ".into(),
            ..d.clone()
        };
        assert_eq!(
            empty.validated().unwrap_err(),
            DomainError::Invalid {
                field: "title",
                reason: "is required".into()
            }
        );
        let long = MeetingDetails {
            title: "ệ".repeat(MAX_TITLE_CHARS + 1),
            ..d.clone()
        };
        assert!(long.validated().is_err());
        let exactly = MeetingDetails {
            title: "ệ".repeat(MAX_TITLE_CHARS),
            ..d.clone()
        };
        assert!(exactly.validated().is_ok());
        let control = MeetingDetails {
            title: "a\u{0}b".into(),
            ..d
        };
        assert!(control.validated().is_err());
    }
}

/// A meeting can be published only with someone to decide and something to decide on.
pub fn check_publishable(members: usize, agenda_items: usize) -> Result<(), DomainError> {
    if members == 0 {
        return Err(DomainError::invalid(
            "participants",
            "a meeting needs at least one member",
        ));
    }
    if agenda_items == 0 {
        return Err(DomainError::invalid(
            "items",
            "a meeting needs at least one agenda item",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod publish_tests {
    use super::check_publishable;

    #[test]
    fn publishing_needs_members_and_an_agenda() {
        assert!(check_publishable(0, 3).is_err());
        assert!(check_publishable(5, 0).is_err());
        assert!(check_publishable(1, 1).is_ok());
    }
}
