//! The one error type of the domain. Each variant has a stable code that travels on the wire
//! and is translated by the UI; the English message is for logs and API clients.

use thiserror::Error;

/// A rule of the domain refused a request.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A field is missing, too long or out of range.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Name of the offending field, as the API spells it.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The state of a meeting, vote, written poll or device does not allow this action
    /// (e.g. starting an ended meeting).
    #[error("cannot {action} a {subject} that is {from}")]
    InvalidTransition {
        /// What is in the way: "meeting", "vote", "written poll", "device".
        subject: &'static str,
        /// Its current status.
        from: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// The speaker queue refused the request (already waiting, nobody to grant, ...).
    #[error("speaker queue: {0}")]
    Speakers(&'static str),
    /// The user does not take part in the meeting.
    #[error("not a participant of this meeting")]
    NotParticipant,
    /// A meeting cannot end while votes are open: they are closed (and counted) first.
    #[error("{0} vote(s) still open")]
    VotesOpen(usize),
    /// A ballot was refused; nothing was stored.
    #[error(transparent)]
    Ballot(#[from] crate::poll::BallotRefusal),
}

impl DomainError {
    /// Stable machine-readable code, part of the protocol.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid { .. } => "invalid",
            DomainError::InvalidTransition { .. } => "invalid_transition",
            DomainError::Speakers(_) => "speaker_queue",
            DomainError::NotParticipant => "not_participant",
            DomainError::VotesOpen(_) => "votes_open",
            DomainError::Ballot(b) => b.code(),
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        DomainError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
