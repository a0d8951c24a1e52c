//! Why a command failed, what to tell the user, and the exit status.

use std::fmt;
use std::path::Path;

use helper_client::ClientError;
use helper_proto::ErrorCode;

/// Exit status: it worked.
pub const EXIT_OK: u8 = 0;
/// Exit status: the helper refused or failed, or a local file was bad.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: bad usage.
pub const EXIT_USAGE: u8 = 2;
/// Exit status: the helper is not running or not installed.
pub const EXIT_NOT_RUNNING: u8 = 3;
/// Exit status: permission denied.
pub const EXIT_DENIED: u8 = 4;
/// Exit status: incompatible protocol versions.
pub const EXIT_INCOMPATIBLE: u8 = 5;

/// A command's failure.
#[derive(Debug)]
pub enum Failure {
    /// Talking to the helper failed, or it said no.
    Client(ClientError),
    /// The sim commands reached a helper that is not on the sim.
    NotSim {
        /// What the helper said.
        message: String,
        /// The helper's backend.
        backend: String,
    },
    /// Something local: a file, an encoding.
    Local(String),
    /// The arguments do not make sense together.
    Usage(String),
}

impl Failure {
    /// The exit status this failure means.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Client(e) => match e {
                ClientError::NotRunning { .. } => EXIT_NOT_RUNNING,
                ClientError::NotPermitted { .. } => EXIT_DENIED,
                ClientError::Incompatible(_) => EXIT_INCOMPATIBLE,
                _ => match e.code() {
                    Some(ErrorCode::PermissionDenied) => EXIT_DENIED,
                    Some(ErrorCode::IncompatibleVersion) => EXIT_INCOMPATIBLE,
                    _ => EXIT_FAILED,
                },
            },
            Failure::NotSim { .. } | Failure::Local(_) => EXIT_FAILED,
            Failure::Usage(_) => EXIT_USAGE,
        }
    }

    /// A failure reading or writing `path`.
    pub fn file(path: &Path, e: std::io::Error) -> Failure {
        Failure::Local(format!("{}: {e}", path.display()))
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Failure {
        Failure::Client(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Client(e @ ClientError::NotRunning { path }) => write!(
                f,
                "{e}\n  Install Egress (it starts the helper), or run the simulated Mac:\n    \
                 egress-helper run --backend sim --socket {}\n  and pass --socket {} \
                 (or set EGRESS_SOCKET).",
                path.display(),
                path.display()
            ),
            Failure::Client(e) => write!(f, "{e}"),
            Failure::NotSim { message, backend } => write!(
                f,
                "{message}\n  This helper drives the {backend} backend; sim commands need one \
                 started with `egress-helper run --backend sim`."
            ),
            Failure::Local(what) | Failure::Usage(what) => f.write_str(what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helper_proto::ErrorBody;
    use std::path::PathBuf;

    #[test]
    fn each_kind_of_failure_has_its_exit_status() {
        let path = PathBuf::from("/tmp/egress.sock");
        let cases = [
            (
                Failure::Client(ClientError::NotRunning { path: path.clone() }),
                EXIT_NOT_RUNNING,
            ),
            (
                Failure::Client(ClientError::NotPermitted { path: path.clone() }),
                EXIT_DENIED,
            ),
            (
                Failure::Client(ClientError::Helper(ErrorBody::new(
                    ErrorCode::PermissionDenied,
                    "changing the mode needs membership of group admin",
                ))),
                EXIT_DENIED,
            ),
            (
                Failure::Client(ClientError::Incompatible(ErrorBody::new(
                    ErrorCode::IncompatibleVersion,
                    "update egressctl",
                ))),
                EXIT_INCOMPATIBLE,
            ),
            (
                Failure::Client(ClientError::Helper(ErrorBody::new(
                    ErrorCode::ModeForced,
                    "forced",
                ))),
                EXIT_FAILED,
            ),
            (Failure::Client(ClientError::Disconnected), EXIT_FAILED),
            (Failure::Local("x".into()), EXIT_FAILED),
            (Failure::Usage("x".into()), EXIT_USAGE),
        ];
        for (failure, code) in cases {
            assert_eq!(failure.exit_code(), code, "{failure:?}");
        }
    }

    #[test]
    fn not_running_says_how_to_start_the_helper() {
        let failure = Failure::Client(ClientError::NotRunning {
            path: PathBuf::from("/tmp/egress.sock"),
        });
        assert_eq!(
            failure.to_string(),
            "the Egress helper is not running: nothing is listening at /tmp/egress.sock\n  \
             Install Egress (it starts the helper), or run the simulated Mac:\n    \
             egress-helper run --backend sim --socket /tmp/egress.sock\n  \
             and pass --socket /tmp/egress.sock (or set EGRESS_SOCKET)."
        );
    }
}
