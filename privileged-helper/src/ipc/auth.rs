//! Who the peer is (the kernel says) and what it may do (the policy says).
//!
//! An [`AuthenticatedPeer`] can only be made here, from the credentials
//! the kernel attached to the connection (`SO_PEERCRED` on Linux,
//! `LOCAL_PEERCRED`/`LOCAL_PEEREPID` on macOS, through tokio's
//! [`UCred`], which has no public constructor either). Dispatch takes
//! `&AuthenticatedPeer`, so a request cannot be served for a connection
//! that was not authenticated.

use std::io;

use helper_proto::{Access, ErrorBody, ErrorCode, PeerInfo, Request, SimAction};
use tokio::net::unix::UCred;
use tokio::net::UnixStream;
use tracing::warn;

use super::policy::Policy;
use crate::service::Caller;

/// A connected client, as the kernel identified it, with what the policy
/// grants it. Only [`authenticate`] (and [`authenticate_cred`]) make one.
#[derive(Debug, Clone)]
pub struct AuthenticatedPeer {
    uid: u32,
    gid: u32,
    pid: Option<i32>,
    access: Access,
    change_requires: String,
    read_requires: String,
}

/// Authenticates the peer of a stream: its kernel credentials, judged by
/// the policy. Asks the user and group databases, which may block.
///
/// # Errors
/// The kernel would not say who the peer is.
pub fn authenticate(stream: &UnixStream, policy: &Policy) -> io::Result<AuthenticatedPeer> {
    Ok(authenticate_cred(stream.peer_cred()?, policy))
}

/// As [`authenticate`], from credentials already taken from the stream
/// (so the blocking look-ups can run off the async threads).
pub fn authenticate_cred(cred: UCred, policy: &Policy) -> AuthenticatedPeer {
    judge(cred.uid(), cred.gid(), cred.pid(), policy)
}

fn judge(uid: u32, gid: u32, pid: Option<i32>, policy: &Policy) -> AuthenticatedPeer {
    AuthenticatedPeer {
        uid,
        gid,
        pid,
        access: policy.access_for(uid, gid),
        change_requires: policy.change_requires(),
        read_requires: policy.read_requires(),
    }
}

impl AuthenticatedPeer {
    /// The same peer judged by a new policy (after a reload).
    pub fn reauthorized(&self, policy: &Policy) -> AuthenticatedPeer {
        judge(self.uid, self.gid, self.pid, policy)
    }

    /// The peer's user id.
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The peer's primary group id.
    pub fn gid(&self) -> u32 {
        self.gid
    }

    /// The peer's process id, when the kernel says.
    pub fn pid(&self) -> Option<i32> {
        self.pid
    }

    /// What the policy lets the peer do.
    pub fn access(&self) -> Access {
        self.access
    }

    /// What changing would take, when the peer may only read.
    pub fn change_requires(&self) -> Option<&str> {
        (self.access == Access::Read).then_some(self.change_requires.as_str())
    }

    /// The caller handed to the service.
    pub fn caller(&self) -> Caller {
        Caller {
            uid: self.uid,
            gid: self.gid,
            pid: self.pid,
        }
    }

    /// The peer as the welcome reports it.
    pub fn info(&self) -> PeerInfo {
        PeerInfo {
            uid: self.uid,
            gid: self.gid,
            pid: self.pid,
        }
    }

    /// Whether the peer may make this request; if not, an error that names
    /// the request and what it would take. Every denial is logged.
    ///
    /// # Errors
    /// [`ErrorCode::PermissionDenied`].
    pub fn may(&self, request: &Request) -> Result<(), ErrorBody> {
        let needed = request.access();
        if self.access >= needed {
            return Ok(());
        }
        warn!(
            uid = self.uid,
            pid = self.pid,
            op = request.op(),
            "request denied by the policy"
        );
        let requires = match needed {
            Access::Change => &self.change_requires,
            Access::Read | Access::None => &self.read_requires,
        };
        Err(ErrorBody::new(
            ErrorCode::PermissionDenied,
            format!(
                "{} needs {requires}; you are uid {}",
                action(request),
                self.uid
            ),
        ))
    }

    /// The fatal error for a peer the policy does not admit at all, or
    /// `None` when it may connect. Logged.
    pub fn refusal(&self) -> Option<ErrorBody> {
        if self.access > Access::None {
            return None;
        }
        warn!(
            uid = self.uid,
            pid = self.pid,
            op = "connect",
            "connection refused by the policy"
        );
        Some(ErrorBody::new(
            ErrorCode::PermissionDenied,
            format!(
                "using the helper needs {}; you are uid {}",
                self.read_requires, self.uid
            ),
        ))
    }
}

/// What a request does, as the subject of a sentence.
fn action(request: &Request) -> &'static str {
    match request {
        Request::Status => "reading the status",
        Request::Routes { .. } => "reading the routes",
        Request::Lookup { .. } => "looking up a route",
        Request::SetMode { .. } => "changing the mode",
        Request::ExclusionAdd { .. } => "adding an exclusion",
        Request::ExclusionRemove { .. } => "removing an exclusion",
        Request::Exclusions { .. } => "listing the exclusions",
        Request::OpenBoundSocket { .. } => "opening a bound socket",
        Request::BindInfo => "reading where to bind",
        Request::Probe { .. } => "probing a socket's route",
        Request::Flush { dry_run: true } => "listing residual routes",
        Request::Flush { dry_run: false } => "flushing residual routes",
        Request::Diagnostics | Request::DiagnosticsBundle { .. } => "reading diagnostics",
        Request::Subscribe { .. } => "subscribing to events",
        Request::Unsubscribe => "unsubscribing",
        Request::Sim {
            action: SimAction::ListEvents,
        } => "listing the simulated events",
        Request::Sim { .. } => "driving the simulated Mac",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use helper_proto::Mode;

    use super::*;

    fn read_only_policy() -> Policy {
        Policy::parse(
            Path::new("p.toml"),
            "[read]\neveryone = true\n[change]\ngroups = [\"admin\"]\n",
        )
        .unwrap()
        .without_helper_uid()
    }

    #[test]
    fn a_reader_may_read_and_is_told_what_changing_takes() {
        let peer = judge(4_000_000_001, 4_000_000_001, Some(42), &read_only_policy());
        assert_eq!(peer.access(), Access::Read);
        assert!(peer.may(&Request::Status).is_ok());
        assert!(peer.may(&Request::Flush { dry_run: true }).is_ok());
        let err = peer
            .may(&Request::SetMode {
                mode: Mode::Legacy,
                progress: false,
            })
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::PermissionDenied);
        assert_eq!(
            err.message,
            "changing the mode needs membership of the admin group; you are uid 4000000001"
        );
        let err = peer.may(&Request::Flush { dry_run: false }).unwrap_err();
        assert!(err.message.starts_with("flushing residual routes needs"));
        assert_eq!(
            peer.change_requires(),
            Some("membership of the admin group")
        );
        assert!(peer.refusal().is_none());
        assert_eq!(
            peer.caller(),
            Caller {
                uid: 4_000_000_001,
                gid: 4_000_000_001,
                pid: Some(42)
            }
        );
    }

    #[test]
    fn root_may_change_and_a_stranger_may_not_connect() {
        let root = judge(0, 0, None, &read_only_policy());
        assert_eq!(root.access(), Access::Change);
        assert_eq!(root.change_requires(), None);
        assert!(root
            .may(&Request::Sim {
                action: SimAction::Event {
                    name: "vpn-up".into()
                }
            })
            .is_ok());
        let closed = Policy::parse(Path::new("p.toml"), "[read]\neveryone = false\n")
            .unwrap()
            .without_helper_uid();
        let stranger = judge(4_000_000_001, 4_000_000_001, None, &closed);
        assert_eq!(stranger.access(), Access::None);
        let err = stranger.refusal().unwrap();
        assert_eq!(err.code, ErrorCode::PermissionDenied);
        assert!(
            err.message
                .starts_with("using the helper needs membership of the "),
            "{}",
            err.message
        );
        assert!(err.message.ends_with("; you are uid 4000000001"));
        // A reload that opens reading up is seen by a live connection.
        let now = stranger.reauthorized(&read_only_policy());
        assert_eq!(now.access(), Access::Read);
        assert_eq!(now.uid(), 4_000_000_001);
    }
}
