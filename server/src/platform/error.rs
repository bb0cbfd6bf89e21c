//! The server's error type and its HTTP form: a status and an [`ApiError`] JSON body.
//! Internal causes are logged with their chain and never sent to the client.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ecabinet_domain::DomainError;
use ecabinet_domain::document::Confidentiality;
use ecabinet_domain::poll::BallotRefusal;
use ecabinet_protocol::{ApiError, ErrorCode};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid session.
    #[error("log in first")]
    Unauthenticated,
    /// Wrong username or password.
    #[error("wrong username or password")]
    BadCredentials,
    /// The role or membership does not allow it.
    #[error("not allowed")]
    Forbidden,
    /// A browser sent a state-changing request from another site (see `csrf`).
    #[error("refused: {0}")]
    CrossSite(&'static str),
    /// No such resource, or not visible to this user.
    #[error("not found")]
    NotFound,
    /// It exists already.
    #[error("{0}")]
    Conflict(String),
    /// A domain rule refused it.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The body or path could not be read.
    #[error("{0}")]
    BadRequest(String),
    /// The body is too large.
    #[error("request body too large")]
    PayloadTooLarge,
    /// The text of a document of this level is withheld (`document_text_levels`).
    #[error(
        "the text of a {} ({}) document is withheld: read its pages",
        level_vi(*.0),
        .0.as_str()
    )]
    TextWithheld(Confidentiality),
    /// Too many attempts; the next one may come after this wait.
    #[error("too many attempts; try again in {} s", .0.as_secs().max(1))]
    RateLimited(std::time::Duration),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] ecabinet_storage::StoreError),
    /// Anything else that failed on our side.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// The wire code.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Unauthenticated => ErrorCode::Unauthenticated,
            AppError::BadCredentials => ErrorCode::BadCredentials,
            AppError::Forbidden | AppError::CrossSite(_) => ErrorCode::Forbidden,
            AppError::NotFound => ErrorCode::NotFound,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::Domain(d) => match d {
                DomainError::Invalid { .. } => ErrorCode::Invalid,
                DomainError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
                DomainError::Speakers(_) => ErrorCode::SpeakerQueue,
                DomainError::NotParticipant => ErrorCode::NotParticipant,
                DomainError::Ballot(b) => ballot_code(*b),
                DomainError::VotesOpen(_) => ErrorCode::VotesOpen,
            },
            AppError::BadRequest(_) => ErrorCode::BadRequest,
            AppError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            AppError::RateLimited(_) => ErrorCode::RateLimited,
            AppError::TextWithheld(_) => ErrorCode::TextWithheld,
            AppError::Store(_) | AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn status(&self) -> StatusCode {
        match self.code() {
            ErrorCode::Unauthenticated | ErrorCode::BadCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::NotParticipant | ErrorCode::TextWithheld => {
                StatusCode::FORBIDDEN
            }
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidTransition
            | ErrorCode::SpeakerQueue
            | ErrorCode::Conflict
            | ErrorCode::VotesOpen => StatusCode::CONFLICT,
            ErrorCode::BallotMalformed
            | ErrorCode::BadChoice
            | ErrorCode::BadSignature
            | ErrorCode::TextRequired
            | ErrorCode::TextTooLong
            | ErrorCode::TextMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BallotStalePoll
            | ErrorCode::PollNotOpen
            | ErrorCode::PollClosed
            | ErrorCode::BallotReplayed
            | ErrorCode::AlreadyVoted
            | ErrorCode::AnswerLate => StatusCode::CONFLICT,
            ErrorCode::NotEligible
            | ErrorCode::BallotOtherMember
            | ErrorCode::UnknownKey
            | ErrorCode::RevokedKey => StatusCode::FORBIDDEN,
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> ApiError {
        let internal = matches!(self, AppError::Store(_) | AppError::Internal(_));
        ApiError {
            code: self.code(),
            message: if internal {
                "internal error; see the server log".into()
            } else {
                self.to_string()
            },
            field: match self {
                AppError::Domain(DomainError::Invalid { field, .. }) => Some((*field).to_owned()),
                _ => None,
            },
            problems: None,
        }
    }
}

/// A level's Vietnamese name, for messages read in logs and by API clients.
fn level_vi(c: Confidentiality) -> &'static str {
    match c {
        Confidentiality::Normal => "Thường",
        Confidentiality::Confidential => "Mật",
        Confidentiality::Secret => "Tối mật",
        Confidentiality::TopSecret => "Tuyệt mật",
    }
}

fn ballot_code(b: BallotRefusal) -> ErrorCode {
    match b {
        BallotRefusal::Malformed => ErrorCode::BallotMalformed,
        BallotRefusal::StalePoll => ErrorCode::BallotStalePoll,
        BallotRefusal::NotOpen => ErrorCode::PollNotOpen,
        BallotRefusal::Closed => ErrorCode::PollClosed,
        BallotRefusal::NotEligible => ErrorCode::NotEligible,
        BallotRefusal::OtherMember => ErrorCode::BallotOtherMember,
        BallotRefusal::UnknownKey => ErrorCode::UnknownKey,
        BallotRefusal::RevokedKey => ErrorCode::RevokedKey,
        BallotRefusal::BadSignature => ErrorCode::BadSignature,
        BallotRefusal::BadChoice => ErrorCode::BadChoice,
        BallotRefusal::Replayed => ErrorCode::BallotReplayed,
        BallotRefusal::AlreadyVoted => ErrorCode::AlreadyVoted,
        BallotRefusal::Late => ErrorCode::AnswerLate,
        BallotRefusal::TextRequired => ErrorCode::TextRequired,
        BallotRefusal::TextTooLong => ErrorCode::TextTooLong,
        BallotRefusal::TextMismatch => ErrorCode::TextMismatch,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            let mut chain = String::new();
            let mut src: Option<&dyn std::error::Error> = Some(&self);
            while let Some(e) = src {
                chain.push_str(&format!(": {e}"));
                src = e.source();
            }
            tracing::error!(error = %chain, "request failed");
        }
        let mut res = (self.status(), Json(self.body())).into_response();
        if let AppError::RateLimited(wait) = &self {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.max(1).into());
        }
        res
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(r.body_text())
        }
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        AppError::BadRequest(r.body_text())
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(e: tower_sessions::session::Error) -> Self {
        AppError::Internal(format!("session: {e}"))
    }
}

/// A JSON body whose rejections are answered in our error format.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct ApiJson<T>(pub T);

/// A path parameter whose rejections are answered in our error format.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// Shorthand.
pub type AppResult<T> = Result<T, AppError>;

/// The HTTP answer to a policy decision of `ecabinet_domain::access`: 403, or 404 for what
/// the user may not even see.
pub(crate) fn enforce(d: ecabinet_domain::access::Decision) -> AppResult<()> {
    use ecabinet_domain::access::Decision;
    match d {
        Decision::Allow => Ok(()),
        Decision::Forbidden => Err(AppError::Forbidden),
        Decision::Hidden => Err(AppError::NotFound),
    }
}
