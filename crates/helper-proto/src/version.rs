//! The handshake: who is talking, and whether we understand each other.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorBody, ErrorCode};
use crate::request::Access;

/// A protocol version: majors must match, minors may differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProtocolVersion {
    /// Incompatible changes.
    pub major: u16,
    /// Compatible additions.
    pub minor: u16,
}

/// The version this crate speaks.
pub const PROTOCOL: ProtocolVersion = ProtocolVersion { major: 1, minor: 0 };

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The client's first frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// The protocol the client speaks.
    pub protocol: ProtocolVersion,
    /// The client program and its version (`egressctl 0.1.0`).
    pub software: String,
}

impl Hello {
    /// A hello for `software` speaking this crate's protocol.
    pub fn new(software: impl Into<String>) -> Hello {
        Hello {
            protocol: PROTOCOL,
            software: software.into(),
        }
    }

    /// Whether a helper speaking `ours` (and calling itself `helper`) can
    /// serve this client; if not, the error names both sides.
    ///
    /// # Errors
    /// [`ErrorCode::IncompatibleVersion`] when the majors differ.
    pub fn check(&self, ours: ProtocolVersion, helper: &str) -> Result<(), ErrorBody> {
        if self.protocol.major == ours.major {
            return Ok(());
        }
        let newer = if self.protocol.major > ours.major {
            "update the helper (reinstall Egress)".to_string()
        } else {
            format!("update {}", program(&self.software))
        };
        Err(ErrorBody::new(
            ErrorCode::IncompatibleVersion,
            format!(
                "{} speaks protocol {} but {} speaks protocol {}; {newer}",
                self.software, self.protocol, helper, ours
            ),
        ))
    }
}

/// The program name in `name version`.
fn program(software: &str) -> &str {
    software.split_whitespace().next().unwrap_or(software)
}

/// Who the helper says the client is, as the kernel told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerInfo {
    /// The client's user id.
    pub uid: u32,
    /// The client's primary group id.
    pub gid: u32,
    /// The client's process id, when the kernel says.
    pub pid: Option<i32>,
}

/// The helper's answer to a compatible hello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// The protocol the helper speaks.
    pub protocol: ProtocolVersion,
    /// The helper and its version (`egress-helper 0.1.0`).
    pub helper: String,
    /// The routing backend: `macos`, `linux` or `sim`.
    pub backend: String,
    /// The client, as the kernel identified it.
    pub peer: PeerInfo,
    /// What the policy lets this client do.
    pub access: Access,
    /// When access is read-only: what it would take to change things.
    pub change_requires: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_major_is_compatible_whatever_the_minor() {
        let hello = Hello {
            protocol: ProtocolVersion { major: 1, minor: 9 },
            software: "egressctl 0.3.0".into(),
        };
        assert!(hello.check(PROTOCOL, "egress-helper 0.1.0").is_ok());
    }

    #[test]
    fn another_major_names_both_sides() {
        let hello = Hello {
            protocol: ProtocolVersion { major: 2, minor: 0 },
            software: "egressctl 0.9.0".into(),
        };
        let err = hello.check(PROTOCOL, "egress-helper 0.1.0").unwrap_err();
        assert_eq!(err.code, ErrorCode::IncompatibleVersion);
        assert_eq!(
            err.message,
            "egressctl 0.9.0 speaks protocol 2.0 but egress-helper 0.1.0 speaks protocol 1.0; \
             update the helper (reinstall Egress)"
        );
        let old = Hello {
            protocol: ProtocolVersion { major: 0, minor: 4 },
            software: "Egress 0.0.1".into(),
        };
        let err = old.check(PROTOCOL, "egress-helper 0.1.0").unwrap_err();
        assert!(err.message.ends_with("; update Egress"), "{}", err.message);
    }
}
