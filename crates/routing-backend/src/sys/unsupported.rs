//! Platforms without a backend yet: every call says so clearly.

use std::io;
use std::os::fd::OwnedFd;

use routing_core::model::Family;

use routing_core::wire::pf_route::ProtoFlag;

use crate::session::SessionConfig;
use crate::socket::SocketKind;

/// This system's backend type: none yet.
pub type SystemBackend = crate::unsupported::UnsupportedBackend;

/// Always fails: this system has no routing backend yet.
pub fn system_backend(_proto: ProtoFlag, _config: SessionConfig) -> io::Result<SystemBackend> {
    Err(unsupported("driving the routing table"))
}

fn unsupported(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!(
            "{what} is not supported on {} (use the sim backend)",
            std::env::consts::OS
        ),
    )
}

/// Always fails: no way to bind a socket to an interface here yet.
pub fn bound_socket(_family: Family, _kind: SocketKind, _ifindex: u32) -> io::Result<OwnedFd> {
    Err(unsupported("binding a socket to an interface"))
}

/// Always fails, as [`bound_socket`] does.
pub fn bound_interface(_fd: &OwnedFd, _family: Family) -> io::Result<u32> {
    Err(unsupported("reading a socket's bound interface"))
}
