//! Socket kinds a client can ask for, bound to the physical interface.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::os::fd::OwnedFd;

use routing_core::model::Family;

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

/// Binds a fresh socket to `port` on every address of its family (nothing
/// to do for port 0: the kernel picks one when the socket is first used).
///
/// # Errors
/// `bind(2)`'s: `EADDRINUSE` when another socket holds the port.
pub fn bind_local_port(fd: &OwnedFd, family: Family, port: u16) -> io::Result<()> {
    if port == 0 {
        return Ok(());
    }
    match family {
        Family::V4 => rustix::net::bind(fd, &SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)),
        Family::V6 => rustix::net::bind(fd, &SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, port, 0, 0)),
    }
    .map_err(io::Error::from)
}
