//! What can go wrong talking to the helper, in words a user can read.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use helper_proto::{ErrorBody, ErrorCode};

/// Why a call to the helper failed.
///
/// Callers branch on the variant (is the helper there at all? may I talk
/// to it?) or on [`ClientError::code`] (what did the helper say?); the
/// `Display` text is meant to be shown as it is.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// Nothing listens at the socket (`ENOENT`, `ECONNREFUSED`).
    NotRunning {
        /// The socket path tried.
        path: PathBuf,
    },
    /// The socket refused us (`EACCES` on connect).
    NotPermitted {
        /// The socket path tried.
        path: PathBuf,
    },
    /// The helper speaks another protocol major (its message names both sides).
    Incompatible(ErrorBody),
    /// The helper answered with an error (or closed the connection with one).
    Helper(ErrorBody),
    /// The helper did not answer the hello in time.
    Timeout {
        /// The socket path.
        path: PathBuf,
    },
    /// The request cannot be sent (it does not fit in a frame).
    Request(ErrorBody),
    /// The helper closed the connection.
    Disconnected,
    /// The helper sent something that is not the protocol.
    Protocol(String),
    /// Any other I/O failure.
    Io(io::Error),
}

impl ClientError {
    /// The protocol's error code, when the helper gave one (or, for
    /// [`ClientError::NotPermitted`], the code it would have given).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Incompatible(body) | ClientError::Helper(body) => Some(body.code),
            ClientError::Request(body) => Some(body.code),
            ClientError::NotPermitted { .. } => Some(ErrorCode::PermissionDenied),
            _ => None,
        }
    }

    /// Whether trying again later (after a restart of the helper) may work.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::NotRunning { .. }
            | ClientError::Timeout { .. }
            | ClientError::Disconnected
            | ClientError::Io(_) => true,
            ClientError::Helper(body) => matches!(
                body.code,
                ErrorCode::Busy
                    | ErrorCode::Unavailable
                    | ErrorCode::IdleTimeout
                    | ErrorCode::HandshakeTimeout
            ),
            ClientError::NotPermitted { .. }
            | ClientError::Incompatible(_)
            | ClientError::Request(_)
            | ClientError::Protocol(_) => false,
        }
    }

    /// The error a failed `connect(2)` to `path` means.
    pub(crate) fn from_connect(path: &Path, e: io::Error) -> ClientError {
        match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => ClientError::NotRunning {
                path: path.to_path_buf(),
            },
            io::ErrorKind::PermissionDenied => ClientError::NotPermitted {
                path: path.to_path_buf(),
            },
            _ => ClientError::Io(e),
        }
    }

    /// The error a fatal frame from the helper means.
    pub(crate) fn from_fatal(body: ErrorBody) -> ClientError {
        if body.code == ErrorCode::IncompatibleVersion {
            ClientError::Incompatible(body)
        } else {
            ClientError::Helper(body)
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::NotRunning { path } => write!(
                f,
                "the Egress helper is not running: nothing is listening at {}",
                path.display()
            ),
            ClientError::NotPermitted { path } => write!(
                f,
                "you may not connect to the Egress helper at {}; the socket's permissions \
                 keep you out (ask an administrator, or run as a user the helper allows)",
                path.display()
            ),
            ClientError::Incompatible(body) => f.write_str(&body.message),
            ClientError::Helper(body) => f.write_str(&body.message),
            ClientError::Timeout { path } => write!(
                f,
                "the Egress helper at {} did not answer in time",
                path.display()
            ),
            ClientError::Request(body) => {
                write!(f, "the request cannot be sent: {}", body.message)
            }
            ClientError::Disconnected => f.write_str("the Egress helper closed the connection"),
            ClientError::Protocol(what) => {
                write!(f, "the Egress helper sent something unexpected: {what}")
            }
            ClientError::Io(e) => write!(f, "talking to the Egress helper failed: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Io(e) => Some(e),
            ClientError::Incompatible(b) | ClientError::Helper(b) | ClientError::Request(b) => {
                Some(b)
            }
            _ => None,
        }
    }
}

/// Why a connection ended: kept once, handed to every waiter as a fresh
/// [`ClientError`] (an `io::Error` cannot be cloned, so it is kept as its
/// kind and text).
#[derive(Debug, Clone)]
pub(crate) enum CloseReason {
    Fatal(ErrorBody),
    Disconnected,
    Protocol(String),
    Io(io::ErrorKind, String),
}

impl CloseReason {
    /// A reset or broken pipe is the helper going away, like an end of stream.
    pub(crate) fn from_io(e: &io::Error) -> CloseReason {
        match e.kind() {
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => CloseReason::Disconnected,
            kind => CloseReason::Io(kind, e.to_string()),
        }
    }

    pub(crate) fn to_error(&self) -> ClientError {
        match self {
            CloseReason::Fatal(body) => ClientError::from_fatal(body.clone()),
            CloseReason::Disconnected => ClientError::Disconnected,
            CloseReason::Protocol(what) => ClientError::Protocol(what.clone()),
            CloseReason::Io(kind, text) => ClientError::Io(io::Error::new(*kind, text.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_say_what_to_do() {
        let path = Path::new("/run/egress/helper.sock");
        let e = ClientError::from_connect(path, io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(
            e.to_string(),
            "the Egress helper is not running: nothing is listening at /run/egress/helper.sock"
        );
        assert!(e.is_transient());
        assert_eq!(e.code(), None);
        let e = ClientError::from_connect(path, io::Error::from(io::ErrorKind::ConnectionRefused));
        assert!(matches!(e, ClientError::NotRunning { .. }));
        let e = ClientError::from_connect(path, io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(matches!(e, ClientError::NotPermitted { .. }));
        assert_eq!(e.code(), Some(ErrorCode::PermissionDenied));
        assert!(!e.is_transient());
    }

    #[test]
    fn a_fatal_incompatible_version_is_its_own_variant() {
        let body = ErrorBody::new(ErrorCode::IncompatibleVersion, "update Egress");
        let e = CloseReason::Fatal(body).to_error();
        assert!(matches!(e, ClientError::Incompatible(_)));
        assert_eq!(e.to_string(), "update Egress");
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(matches!(
            CloseReason::from_io(&reset).to_error(),
            ClientError::Disconnected
        ));
        let denied = ErrorBody::new(
            ErrorCode::PermissionDenied,
            "changing the mode needs membership of group egress",
        );
        let e = ClientError::from_fatal(denied);
        assert_eq!(e.code(), Some(ErrorCode::PermissionDenied));
        assert_eq!(
            e.to_string(),
            "changing the mode needs membership of group egress"
        );
    }
}
