//! Error codes: stable, machine-readable, translated by the UI.

use serde::{Deserialize, Serialize};

/// Why a request or frame was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// No valid session: log in.
    Unauthenticated,
    /// Wrong username or password.
    BadCredentials,
    /// Logged in, but this role or membership may not do this.
    Forbidden,
    /// No such thing (or not visible to you).
    NotFound,
    /// A field failed validation; see `field`.
    Invalid,
    /// The meeting's status does not allow this action.
    InvalidTransition,
    /// It exists already (e.g. a device key registered twice).
    Conflict,
    /// The speaker queue refused the request.
    SpeakerQueue,
    /// You do not take part in this meeting.
    NotParticipant,
    /// The request body could not be read (not JSON, wrong shape).
    BadRequest,
    /// The request body is larger than allowed.
    PayloadTooLarge,
    /// The client speaks a protocol version the server does not.
    UnsupportedProtocol,
    /// The first frame must be `hello`.
    HelloRequired,
    /// The frame is not valid JSON or not a known message.
    BadFrame,
    /// The topic name is not one of the known forms.
    UnknownTopic,
    /// The frame is larger than [`crate::MAX_FRAME_BYTES`].
    FrameTooLarge,
    /// Ballot bytes malformed, or naming another poll.
    BallotMalformed,
    /// The ballot was signed for another version of the poll's definition.
    BallotStalePoll,
    /// The vote is not open yet.
    PollNotOpen,
    /// The vote is closed.
    PollClosed,
    /// Not in the electorate snapshotted when the vote opened.
    NotEligible,
    /// The ballot names another member than the one logged in.
    BallotOtherMember,
    /// The device key may not vote in this poll.
    UnknownKey,
    /// The device key was revoked.
    RevokedKey,
    /// The signature does not verify.
    BadSignature,
    /// The choice does not fit the ballot form.
    BadChoice,
    /// These exact ballot bytes were received already.
    BallotReplayed,
    /// Voted already, and this vote does not allow changes.
    AlreadyVoted,
    /// A written poll's deadline has passed.
    AnswerLate,
    /// "Ý kiến khác" needs its text.
    TextRequired,
    /// The written opinion is too long.
    TextTooLong,
    /// The text sent is not the one signed.
    TextMismatch,
    /// The meeting still has open votes (close them before ending it).
    VotesOpen,
    /// Too many attempts or frames: wait (HTTP: `Retry-After`) and try again.
    RateLimited,
    /// The text of a document of this level is withheld (`document_text_levels`): its
    /// pages are read as images only, never as text or search snippets.
    TextWithheld,
    /// Something failed on the server; it is logged there.
    Internal,
    /// A code this client does not know (sent by a newer server).
    #[serde(other)]
    Unknown,
}

/// The JSON body of every HTTP error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, in English, for people reading logs.
    pub message: String,
    /// The offending field, for `invalid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every problem, where a form or a file is refused cell by cell (reporting: a list
    /// of `reporting::RowProblem`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problems: Option<serde_json::Value>,
}
