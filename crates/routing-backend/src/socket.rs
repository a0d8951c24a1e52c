//! Socket kinds a client can ask for, bound to the physical interface.

use std::fmt;

/// A transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketKind {
    /// A UDP socket.
    Udp,
    /// A TCP socket, not yet connected.
    Tcp,
}

impl fmt::Display for SocketKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SocketKind::Udp => "udp",
            SocketKind::Tcp => "tcp",
        })
    }
}
