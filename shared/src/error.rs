//! The one error type of the domain, and its RFC 9457 rendering.
//!
//! Every failure a caller can cause maps to a 4xx with a message that says
//! what to do next; failures of our dependencies map to 503 (worth
//! retrying), and bugs or corrupt data to 500 (not worth retrying). [`Error::to_problem`] is the only place where
//! errors become HTTP.

use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A field of the request is missing or invalid; `reason` names the
    /// common cases so clients can word them in their own language.
    #[error("{field}: {message}")]
    InvalidField {
        field: String,
        message: String,
        reason: Option<Reason>,
    },

    /// A well-formed value that is wrong (e.g. not the current password).
    #[error("{field}: {message}")]
    Incorrect {
        field: String,
        message: String,
        reason: Option<Reason>,
    },

    /// Too many attempts; try again after the given number of seconds.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },

    /// The request as a whole cannot be understood (malformed JSON, bad cursor, ...).
    #[error("{0}")]
    BadRequest(String),

    /// The request body exceeds what the endpoint accepts.
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },

    /// The body is not JSON although the endpoint only takes JSON.
    #[error("expected a JSON body with content-type application/json")]
    UnsupportedMediaType,

    /// No or an invalid credential.
    #[error("{0}")]
    Unauthenticated(String),

    /// Authenticated, but the action is not allowed for this actor.
    #[error("{0}")]
    Forbidden(String),

    /// The resource does not exist *or the caller may not see it*: the two
    /// are indistinguishable on purpose.
    #[error("{0} not found")]
    NotFound(&'static str),

    /// A concurrent change won, or the resource is in the wrong state.
    #[error("{0}")]
    Conflict(String),

    /// A dependency (store, mail, ...) failed; the request may be retried.
    #[error("service temporarily unavailable: {0}")]
    Unavailable(String),

    /// A bug or corrupt stored data: retrying the same request will not
    /// help. Logged with its context; the caller only learns that it is ours.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why a field was refused, in the cases people meet in forms: a problem's
/// `reason` (and `limit`), stable for clients, while `detail` stays English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Required,
    /// Shorter than this many characters.
    TooShort(u64),
    /// Longer than this many characters.
    TooLong(u64),
    ControlCharacters,
    NotAnEmail,
    RepeatedCharacter,
    ContainsPersonalWords,
    DoesNotMatch,
    NotCurrentPassword,
    AddressInUse,
    FileTypeRefused,
    /// Over this many megabytes (or empty).
    FileSizeRefused(u64),
    FileNameRefused,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooShort(_) => "too_short",
            Self::TooLong(_) => "too_long",
            Self::ControlCharacters => "control_characters",
            Self::NotAnEmail => "not_an_email",
            Self::RepeatedCharacter => "repeated_character",
            Self::ContainsPersonalWords => "contains_personal_words",
            Self::DoesNotMatch => "does_not_match",
            Self::NotCurrentPassword => "not_current_password",
            Self::AddressInUse => "address_in_use",
            Self::FileTypeRefused => "file_type_refused",
            Self::FileSizeRefused(_) => "file_size_refused",
            Self::FileNameRefused => "file_name_refused",
        }
    }

    pub fn limit(self) -> Option<u64> {
        match self {
            Self::TooShort(n) | Self::TooLong(n) | Self::FileSizeRefused(n) => Some(n),
            _ => None,
        }
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.into(),
            message: message.into(),
            reason: None,
        }
    }

    /// An invalid field, for one of the common [`Reason`]s.
    pub fn refused(field: impl Into<String>, reason: Reason, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.into(),
            message: message.into(),
            reason: Some(reason),
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidField { .. } => 422,
            Self::Incorrect { .. } => 400,
            Self::TooManyRequests { .. } => 429,
            Self::BadRequest(_) => 400,
            Self::PayloadTooLarge { .. } => 413,
            Self::UnsupportedMediaType => 415,
            Self::Unauthenticated(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::Unavailable(_) => 503,
            Self::Internal(_) => 500,
        }
    }

    /// The RFC 9457 problem document for this error.
    pub fn to_problem(&self) -> Problem {
        let (slug, title) = match self {
            Self::InvalidField { .. } => ("invalid-field", "A field is missing or invalid"),
            Self::Incorrect { .. } => ("incorrect-value", "A value is incorrect"),
            Self::TooManyRequests { .. } => ("too-many-requests", "Too many attempts"),
            Self::BadRequest(_) => ("bad-request", "The request could not be understood"),
            Self::PayloadTooLarge { .. } => ("payload-too-large", "The request body is too large"),
            Self::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            Self::Unauthenticated(_) => ("unauthenticated", "Authentication required"),
            Self::Forbidden(_) => ("forbidden", "Not allowed"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::Unavailable(_) => ("unavailable", "Service temporarily unavailable"),
            Self::Internal(_) => ("internal", "Internal error"),
        };
        let detail = match self {
            // Never leak dependency internals to callers; they are logged instead.
            Self::Unavailable(_) => "A dependency did not answer. Please retry in a moment.".into(),
            Self::Internal(_) => "Something went wrong on our side and has been logged; sending the same \
                                  request again will not help. If it persists, tell support the time of the request."
                .into(),
            other => other.to_string(),
        };
        Problem {
            problem_type: format!("https://servicedesk.dev/problems/{slug}"),
            title,
            status: self.status(),
            detail,
            field: match self {
                Self::InvalidField { field, .. } | Self::Incorrect { field, .. } => Some(field.clone()),
                _ => None,
            },
            reason: match self {
                Self::InvalidField { reason, .. } | Self::Incorrect { reason, .. } => *reason,
                _ => None,
            }
            .map(Reason::code),
            limit: match self {
                Self::InvalidField { reason, .. } | Self::Incorrect { reason, .. } => {
                    reason.and_then(Reason::limit)
                }
                _ => None,
            },
        }
    }
}

/// An RFC 9457 problem details document (`application/problem+json`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// The offending field, for `invalid-field` problems, so forms can show
    /// the message next to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Why the field was refused, when it is a common case (see [`Reason`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The length or size limit the reason refers to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}
