//! What a failed command gives the UI: `{ code, message }` (docs/APP.md).

use std::fmt;

use helper_client::ClientError;
use serde::{Deserialize, Serialize};

/// A failed command, as the UI receives it: a stable code to branch on
/// (a helper-proto `ErrorCode`, or `not_running`, `not_permitted`,
/// `incompatible`, `disconnected`) and the sentence to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    /// The stable code.
    pub code: String,
    /// The sentence to show.
    pub message: String,
}

impl AppError {
    /// An error with a code and its sentence.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError {
            code: code.into(),
            message: message.into(),
        }
    }

    /// An argument the UI sent is wrong.
    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new("invalid_argument", message)
    }
}

impl From<ClientError> for AppError {
    fn from(e: ClientError) -> AppError {
        let code = match &e {
            ClientError::NotRunning { .. } => "not_running",
            ClientError::NotPermitted { .. } => "not_permitted",
            ClientError::Incompatible(_) => "incompatible",
            ClientError::Helper(body) | ClientError::Request(body) => body.code.as_str(),
            ClientError::Timeout { .. } => "unavailable",
            ClientError::Disconnected | ClientError::Io(_) => "disconnected",
            _ => "internal",
        };
        AppError::new(code, e.to_string())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for AppError {}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use helper_proto::{ErrorBody, ErrorCode};

    use super::*;

    #[test]
    fn client_errors_become_the_documented_codes() {
        let path = PathBuf::from("/run/egress/helper.sock");
        let cases = [
            (
                ClientError::NotRunning { path: path.clone() },
                "not_running",
            ),
            (ClientError::NotPermitted { path }, "not_permitted"),
            (
                ClientError::Incompatible(ErrorBody::new(ErrorCode::IncompatibleVersion, "x")),
                "incompatible",
            ),
            (
                ClientError::Helper(ErrorBody::new(ErrorCode::PermissionDenied, "group egress")),
                "permission_denied",
            ),
            (ClientError::Disconnected, "disconnected"),
            (ClientError::Protocol("garbage".into()), "internal"),
        ];
        for (error, code) in cases {
            let text = error.to_string();
            let app = AppError::from(error);
            assert_eq!(app.code, code);
            assert_eq!(app.message, text);
        }
    }

    #[test]
    fn it_serialises_as_code_and_message() {
        let e = AppError::new("not_running", "the Egress helper is not running");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "not_running", "message": "the Egress helper is not running"})
        );
    }
}
