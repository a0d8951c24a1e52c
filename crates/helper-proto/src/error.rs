//! Errors as stable codes and a human sentence.
//!
//! Messages never carry Debug dumps, file paths or raw OS strings: a
//! client shows them to a user as they are.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What went wrong, stable across versions (clients branch on these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was not understood (unknown op, wrong field types).
    BadRequest,
    /// A frame was not JSON, not UTF-8, or not a message; the connection closes.
    MalformedFrame,
    /// A frame was larger than [`crate::MAX_FRAME`]; the connection closes.
    FrameTooLarge,
    /// The two sides speak different protocol majors.
    IncompatibleVersion,
    /// A request came before the hello.
    HandshakeRequired,
    /// No hello arrived in time.
    HandshakeTimeout,
    /// Nothing arrived for too long.
    IdleTimeout,
    /// The policy does not let this client do that.
    PermissionDenied,
    /// The helper serves as many clients as it may.
    Busy,
    /// This connection has as many requests in flight as it may.
    TooManyRequests,
    /// An argument is out of range or names nothing (an unknown interface).
    InvalidArgument,
    /// The thing asked about does not exist (an exclusion that is not registered).
    NotFound,
    /// The prefix may not be excluded (it covers a local network, say).
    Refused,
    /// The mode is forced by the helper's environment.
    ModeForced,
    /// There is no physical interface for that family.
    NoEgress,
    /// Only the simulated backend can do that.
    NotSupported,
    /// The routing backend failed.
    BackendFailed,
    /// The helper is shutting down.
    Unavailable,
    /// A bug in the helper: it said so instead of crashing.
    Internal,
    /// A code from a newer protocol minor that this side does not know.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The code as it is spelled on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::MalformedFrame => "malformed_frame",
            ErrorCode::FrameTooLarge => "frame_too_large",
            ErrorCode::IncompatibleVersion => "incompatible_version",
            ErrorCode::HandshakeRequired => "handshake_required",
            ErrorCode::HandshakeTimeout => "handshake_timeout",
            ErrorCode::IdleTimeout => "idle_timeout",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::Busy => "busy",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Refused => "refused",
            ErrorCode::ModeForced => "mode_forced",
            ErrorCode::NoEgress => "no_egress",
            ErrorCode::NotSupported => "not_supported",
            ErrorCode::BackendFailed => "backend_failed",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The stable code.
    pub code: ErrorCode,
    /// One sentence for a human.
    pub message: String,
}

impl ErrorBody {
    /// An error with its sentence.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ErrorBody {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_code_reads_as_unknown() {
        let code: ErrorCode = serde_json::from_str("\"quota_exceeded\"").unwrap();
        assert_eq!(code, ErrorCode::Unknown);
    }

    #[test]
    fn codes_are_spelled_as_serde_spells_them() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::PermissionDenied,
            ErrorCode::TooManyRequests,
            ErrorCode::IncompatibleVersion,
            ErrorCode::Internal,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
