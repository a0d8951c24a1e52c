//! Sockets bound to an interface with `IP_BOUND_IF` / `IPV6_BOUND_IF`.
//!
//! XNU dispatches socket options by the socket's domain, so an `AF_INET`
//! socket takes `IP_BOUND_IF` and an `AF_INET6` socket — dual-stack ones
//! included — takes `IPV6_BOUND_IF`; the other combination is `EINVAL`.
//! A bound socket's route lookups are scoped to the interface (see
//! `routing_core::model::table`), so it can never leave through a tunnel.
#![allow(unsafe_code)]

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use routing_core::model::Family;

use crate::socket::SocketKind;

/// Opens a socket of `family` and `kind`, bound to interface `ifindex`.
pub fn bound_socket(family: Family, kind: SocketKind, ifindex: u32) -> io::Result<OwnedFd> {
    let domain = match family {
        Family::V4 => libc::AF_INET,
        Family::V6 => libc::AF_INET6,
    };
    let ty = match kind {
        SocketKind::Udp => libc::SOCK_DGRAM,
        SocketKind::Tcp => libc::SOCK_STREAM,
    };
    // SAFETY: socket(2) with constant arguments; the result is checked
    // before it is wrapped, and the OwnedFd becomes its only owner.
    let fd = unsafe { libc::socket(domain, ty, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh, valid descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let index = libc::c_int::try_from(ifindex)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "interface index out of range"))?;
    let (level, name) = match family {
        Family::V4 => (libc::IPPROTO_IP, libc::IP_BOUND_IF),
        Family::V6 => (libc::IPPROTO_IPV6, libc::IPV6_BOUND_IF),
    };
    // SAFETY: the option value is a live c_int and the length is its size,
    // as IP_BOUND_IF and IPV6_BOUND_IF require (a shorter value is EINVAL).
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&index as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// The interface index a socket is bound to, 0 if none.
pub fn bound_interface(fd: &OwnedFd, family: Family) -> io::Result<u32> {
    let (level, name) = match family {
        Family::V4 => (libc::IPPROTO_IP, libc::IP_BOUND_IF),
        Family::V6 => (libc::IPPROTO_IPV6, libc::IPV6_BOUND_IF),
    };
    let mut index: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `index` and `len` are live locals of the sizes passed.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&mut index as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    u32::try_from(index)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "negative interface index"))
}
