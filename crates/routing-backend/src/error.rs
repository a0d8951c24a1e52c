//! Backend errors, and the one table per backend that turns errno into
//! meaning.
//!
//! Higher layers never look at errno: they match on [`ErrorKind`]. The same
//! errno can mean different things depending on the operation (on macOS,
//! `ESRCH` is "no such route" for a delete or get, but "the gateway is not
//! reachable" for an add), so the tables are keyed by (operation, errno).

use std::fmt;

/// What the backend was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Adding a route (`route add`, `RTM_ADD`).
    Add,
    /// Deleting a route (`route delete`, `RTM_DELETE`).
    Delete,
    /// Looking a route up (`route get`, `RTM_GET`).
    Get,
    /// Reading the whole table or the interface list (sysctl, netlink dump).
    Dump,
    /// Waiting for routing events.
    Watch,
    /// Opening or configuring a socket (the routing socket, or a bound socket).
    Socket,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Add => "add route",
            Op::Delete => "delete route",
            Op::Get => "get route",
            Op::Dump => "read the routing table",
            Op::Watch => "watch routing events",
            Op::Socket => "open socket",
        })
    }
}

/// What went wrong, in the terms the route manager decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The route is already there (an OS-owned scoped default, say).
    AlreadyExists,
    /// No such route.
    NotFound,
    /// The gateway or interface can't be reached from here.
    Unreachable,
    /// The interface index names no interface.
    NoSuchInterface,
    /// Not allowed: the helper is not root, or the socket is unprivileged.
    PermissionDenied,
    /// The kernel refused the request as malformed.
    InvalidRequest,
    /// The kernel was out of buffers; worth retrying.
    NoBuffers,
    /// The table grew while it was being read; worth retrying.
    TableGrew,
    /// Nothing to read yet; worth retrying.
    WouldBlock,
    /// No reply within the deadline.
    TimedOut,
    /// This backend or kernel does not support the operation.
    Unsupported,
    /// The kernel's reply made no sense.
    Protocol,
    /// Any other OS error.
    Os,
}

impl ErrorKind {
    /// Whether trying the same thing again may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::NoBuffers
                | ErrorKind::WouldBlock
                | ErrorKind::TimedOut
                | ErrorKind::TableGrew
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::AlreadyExists => "the route already exists",
            ErrorKind::NotFound => "no such route",
            ErrorKind::Unreachable => "the gateway or interface is unreachable",
            ErrorKind::NoSuchInterface => "no such interface",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::InvalidRequest => "the kernel refused the request as invalid",
            ErrorKind::NoBuffers => "the kernel is out of buffers",
            ErrorKind::TableGrew => "the routing table grew while it was read",
            ErrorKind::WouldBlock => "nothing to read yet",
            ErrorKind::TimedOut => "no reply from the kernel in time",
            ErrorKind::Unsupported => "not supported here",
            ErrorKind::Protocol => "the kernel's reply made no sense",
            ErrorKind::Os => "operating system error",
        })
    }
}

/// A backend error: the operation, what it means, and the raw errno if any
/// (for logs only; decide on [`Error::kind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    op: Op,
    kind: ErrorKind,
    errno: Option<i32>,
    context: String,
}

/// The backend result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with a kind and some context (the route, the interface).
    pub fn new(op: Op, kind: ErrorKind, context: impl Into<String>) -> Error {
        Error {
            op,
            kind,
            errno: None,
            context: context.into(),
        }
    }

    /// An error from a Darwin errno, mapped through [`darwin_kind`].
    pub fn from_darwin(op: Op, errno: i32, context: impl Into<String>) -> Error {
        Error {
            op,
            kind: darwin_kind(op, errno),
            errno: Some(errno),
            context: context.into(),
        }
    }

    /// An error from a Linux errno, mapped through [`linux_kind`].
    pub fn from_linux(op: Op, errno: i32, context: impl Into<String>) -> Error {
        Error {
            op,
            kind: linux_kind(op, errno),
            errno: Some(errno),
            context: context.into(),
        }
    }

    /// The same error, saying what it was about (the route, the interface).
    #[must_use]
    pub fn with_context(mut self, context: impl Into<String>) -> Error {
        self.context = context.into();
        self
    }

    /// What failed.
    pub fn op(&self) -> Op {
        self.op
    }

    /// What it means.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The raw errno, when there was one.
    pub fn errno(&self) -> Option<i32> {
        self.errno
    }

    /// Whether trying again may succeed.
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.op, self.kind)?;
        if !self.context.is_empty() {
            write!(f, " ({})", self.context)?;
        }
        if let Some(errno) = self.errno {
            write!(f, " [errno {errno}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Darwin errno values (`bsd/sys/errno.h`; they differ from Linux's): the
/// codec's, plus the two it has no use for.
pub mod darwin_errno {
    pub use routing_core::wire::pf_route::consts::{
        EAFNOSUPPORT, EAGAIN, EEXIST, EHOSTUNREACH, EINVAL, EMSGSIZE, ENETUNREACH, ENOBUFS, ENOMEM,
        ENOPROTOOPT, ENOTCONN, ENOTSUP, ENXIO, EOPNOTSUPP, EPERM, EPROTONOSUPPORT, ESRCH,
    };
    /// `EACCES`.
    pub const EACCES: i32 = 13;
    /// `ETIMEDOUT`.
    pub const ETIMEDOUT: i32 = 60;
}

/// The macOS table: (operation, Darwin errno) → meaning. See
/// darwin-route-socket.md §5.9 for when XNU returns each.
pub fn darwin_kind(op: Op, errno: i32) -> ErrorKind {
    use darwin_errno::*;
    match (op, errno) {
        (Op::Add, EEXIST) => ErrorKind::AlreadyExists,
        // On add, "no route" means the gateway resolves through nothing.
        (Op::Add, ESRCH) => ErrorKind::Unreachable,
        (_, ESRCH) => ErrorKind::NotFound,
        (_, EEXIST) => ErrorKind::AlreadyExists,
        (_, ENETUNREACH | EHOSTUNREACH) => ErrorKind::Unreachable,
        (_, ENXIO) => ErrorKind::NoSuchInterface,
        (_, EPERM | EACCES) => ErrorKind::PermissionDenied,
        (_, EINVAL | EMSGSIZE) => ErrorKind::InvalidRequest,
        (_, ENOBUFS) => ErrorKind::NoBuffers,
        (Op::Dump, ENOMEM) => ErrorKind::TableGrew,
        (_, ENOMEM) => ErrorKind::NoBuffers,
        (_, EAGAIN) => ErrorKind::WouldBlock,
        (_, ETIMEDOUT) => ErrorKind::TimedOut,
        (_, EOPNOTSUPP | ENOTSUP | EAFNOSUPPORT | EPROTONOSUPPORT | ENOPROTOOPT) => {
            ErrorKind::Unsupported
        }
        _ => ErrorKind::Os,
    }
}

/// Linux errno values (`include/uapi/asm-generic/errno*.h`, as on x86,
/// Arm and RISC-V; the Linux backend asserts they equal libc's).
pub mod linux_errno {
    /// `EPERM`.
    pub const EPERM: i32 = 1;
    /// `ENOENT`: no such rule, or (on delete) no such IPv6 route.
    pub const ENOENT: i32 = 2;
    /// `ESRCH`: no such IPv4 route.
    pub const ESRCH: i32 = 3;
    /// `EINTR`.
    pub const EINTR: i32 = 4;
    /// `ENXIO`.
    pub const ENXIO: i32 = 6;
    /// `EAGAIN`.
    pub const EAGAIN: i32 = 11;
    /// `ENOMEM`.
    pub const ENOMEM: i32 = 12;
    /// `EACCES`.
    pub const EACCES: i32 = 13;
    /// `EBUSY`: a dump is already running on the socket.
    pub const EBUSY: i32 = 16;
    /// `EEXIST`.
    pub const EEXIST: i32 = 17;
    /// `ENODEV`: the interface index names no interface.
    pub const ENODEV: i32 = 19;
    /// `EINVAL`.
    pub const EINVAL: i32 = 22;
    /// `ERANGE`.
    pub const ERANGE: i32 = 34;
    /// `EMSGSIZE`.
    pub const EMSGSIZE: i32 = 90;
    /// `ENOPROTOOPT`: a socket option this kernel does not know.
    pub const ENOPROTOOPT: i32 = 92;
    /// `EPROTONOSUPPORT`.
    pub const EPROTONOSUPPORT: i32 = 93;
    /// `EOPNOTSUPP` (also `ENOTSUP` on Linux).
    pub const EOPNOTSUPP: i32 = 95;
    /// `EAFNOSUPPORT`: the kernel was built without that family.
    pub const EAFNOSUPPORT: i32 = 97;
    /// `ENETDOWN`: the next hop's interface is down.
    pub const ENETDOWN: i32 = 100;
    /// `ENETUNREACH`: the gateway is not on a connected network; on a
    /// lookup, no route matches.
    pub const ENETUNREACH: i32 = 101;
    /// `ENOBUFS`: a notification queue overflowed, or out of memory.
    pub const ENOBUFS: i32 = 105;
    /// `ENOTCONN`.
    pub const ENOTCONN: i32 = 107;
    /// `ETIMEDOUT`.
    pub const ETIMEDOUT: i32 = 110;
    /// `EHOSTUNREACH`: on a scoped lookup, no route on that interface.
    pub const EHOSTUNREACH: i32 = 113;
}

/// The Linux table: (operation, Linux errno) → meaning, for rtnetlink
/// replies (`nlmsgerr`) and the socket calls of the Linux backend.
pub fn linux_kind(op: Op, errno: i32) -> ErrorKind {
    use linux_errno::*;
    match (op, errno) {
        (_, EEXIST) => ErrorKind::AlreadyExists,
        // IPv4 answers a delete of a missing route with ESRCH, IPv6 and the
        // rule code with ENOENT.
        (_, ESRCH | ENOENT) => ErrorKind::NotFound,
        // A lookup that finds nothing: unreachable means "no such route".
        (Op::Get, ENETUNREACH | EHOSTUNREACH) => ErrorKind::NotFound,
        (_, ENETUNREACH | EHOSTUNREACH | ENETDOWN) => ErrorKind::Unreachable,
        (_, ENODEV | ENXIO) => ErrorKind::NoSuchInterface,
        (_, EPERM | EACCES) => ErrorKind::PermissionDenied,
        (_, EINVAL | EMSGSIZE | ERANGE) => ErrorKind::InvalidRequest,
        (_, ENOBUFS | ENOMEM) => ErrorKind::NoBuffers,
        (_, EAGAIN | EINTR | EBUSY) => ErrorKind::WouldBlock,
        (_, ETIMEDOUT) => ErrorKind::TimedOut,
        (_, EOPNOTSUPP | EAFNOSUPPORT | EPROTONOSUPPORT | ENOPROTOOPT) => ErrorKind::Unsupported,
        _ => ErrorKind::Os,
    }
}

#[cfg(test)]
mod tests {
    use super::darwin_errno::*;
    use super::*;

    #[test]
    fn darwin_table() {
        let table = [
            (Op::Add, EEXIST, ErrorKind::AlreadyExists),
            (Op::Add, ESRCH, ErrorKind::Unreachable),
            (Op::Add, ENETUNREACH, ErrorKind::Unreachable),
            (Op::Delete, ESRCH, ErrorKind::NotFound),
            (Op::Get, ESRCH, ErrorKind::NotFound),
            (Op::Add, EPERM, ErrorKind::PermissionDenied),
            (Op::Add, EINVAL, ErrorKind::InvalidRequest),
            (Op::Add, EMSGSIZE, ErrorKind::InvalidRequest),
            (Op::Add, ENOBUFS, ErrorKind::NoBuffers),
            (Op::Watch, EAGAIN, ErrorKind::WouldBlock),
            (Op::Dump, ENOMEM, ErrorKind::TableGrew),
            (Op::Socket, ENXIO, ErrorKind::NoSuchInterface),
            (Op::Get, EAFNOSUPPORT, ErrorKind::Unsupported),
            (Op::Add, EOPNOTSUPP, ErrorKind::Unsupported),
            (Op::Add, EPROTONOSUPPORT, ErrorKind::Unsupported),
            (Op::Watch, ENOTCONN, ErrorKind::Os),
        ];
        for (op, errno, kind) in table {
            assert_eq!(darwin_kind(op, errno), kind, "{op} errno {errno}");
        }
    }

    #[test]
    fn linux_table() {
        use super::linux_errno as l;
        let table = [
            (Op::Add, l::EEXIST, ErrorKind::AlreadyExists),
            (Op::Add, l::ENETUNREACH, ErrorKind::Unreachable),
            (Op::Add, l::ENETDOWN, ErrorKind::Unreachable),
            (Op::Add, l::ENODEV, ErrorKind::NoSuchInterface),
            (Op::Add, l::EPERM, ErrorKind::PermissionDenied),
            (Op::Add, l::EINVAL, ErrorKind::InvalidRequest),
            (Op::Delete, l::ESRCH, ErrorKind::NotFound),
            (Op::Delete, l::ENOENT, ErrorKind::NotFound),
            (Op::Get, l::ENETUNREACH, ErrorKind::NotFound),
            (Op::Get, l::EHOSTUNREACH, ErrorKind::NotFound),
            (Op::Watch, l::ENOBUFS, ErrorKind::NoBuffers),
            (Op::Dump, l::EBUSY, ErrorKind::WouldBlock),
            (Op::Dump, l::EINTR, ErrorKind::WouldBlock),
            (Op::Socket, l::ENOPROTOOPT, ErrorKind::Unsupported),
            (Op::Add, l::EAFNOSUPPORT, ErrorKind::Unsupported),
            (Op::Socket, l::ETIMEDOUT, ErrorKind::TimedOut),
            (Op::Watch, l::ENOTCONN, ErrorKind::Os),
        ];
        for (op, errno, kind) in table {
            assert_eq!(linux_kind(op, errno), kind, "{op} errno {errno}");
        }
        // The same number means different things on the two systems.
        assert_eq!(linux_kind(Op::Add, l::ENOBUFS), ErrorKind::NoBuffers);
        assert_eq!(darwin_kind(Op::Add, 105), ErrorKind::Os);
    }

    #[test]
    fn only_transient_kinds_are_retryable() {
        assert!(Error::from_darwin(Op::Add, ENOBUFS, "").is_retryable());
        assert!(Error::from_darwin(Op::Dump, ENOMEM, "").is_retryable());
        assert!(!Error::from_darwin(Op::Add, EEXIST, "").is_retryable());
        assert!(!Error::from_darwin(Op::Delete, ESRCH, "").is_retryable());
    }

    #[test]
    fn display_names_op_meaning_context_and_errno() {
        let e = Error::from_darwin(Op::Add, EEXIST, "0.0.0.0/0 scoped to en0");
        assert_eq!(
            e.to_string(),
            "add route: the route already exists (0.0.0.0/0 scoped to en0) [errno 17]"
        );
    }
}
