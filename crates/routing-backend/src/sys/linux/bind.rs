//! Sockets bound to an interface with `SO_BINDTOIFINDEX` (Linux 5.0), or
//! `SO_BINDTODEVICE` by name on older kernels.
//!
//! A bound socket's route lookups carry `oif` = the interface, which is
//! what Egress's `oif` rules match (see `rules.rs`), and it can never send
//! through another interface. Changing a binding needs `CAP_NET_RAW`, so a
//! client that receives the socket cannot rebind it. The option is per
//! socket, not per family: IPv4 and IPv6 sockets take the same one.
//!
//! `SO_BINDTOIFINDEX` takes any index without checking it, so the index is
//! first resolved to a name (`if_indextoname`): an unknown one is `ENODEV`.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString};
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, OwnedFd};

use routing_core::model::Family;
use rustix::net::{AddressFamily, SocketFlags, SocketType};

use crate::error::linux_errno;
use crate::socket::SocketKind;

/// `SO_BINDTOIFINDEX` (`asm-generic/socket.h`; libc does not name it for
/// glibc targets). SPARC numbers its socket options differently.
#[cfg(not(target_arch = "sparc64"))]
const SO_BINDTOIFINDEX: libc::c_int = 62;
#[cfg(target_arch = "sparc64")]
const SO_BINDTOIFINDEX: libc::c_int = 0x41;

/// Opens a socket of `family` and `kind`, bound to interface `ifindex`.
///
/// # Errors
/// `ENODEV` for an unknown index, `EPERM` without `CAP_NET_RAW`.
pub fn bound_socket(family: Family, kind: SocketKind, ifindex: u32) -> io::Result<OwnedFd> {
    let domain = match family {
        Family::V4 => AddressFamily::INET,
        Family::V6 => AddressFamily::INET6,
    };
    let ty = match kind {
        SocketKind::Udp => SocketType::DGRAM,
        SocketKind::Tcp => SocketType::STREAM,
    };
    let name = interface_name(ifindex)?;
    let fd = rustix::net::socket_with(domain, ty, SocketFlags::CLOEXEC, None)?;
    let index = libc::c_int::try_from(ifindex)
        .map_err(|_| io::Error::from_raw_os_error(linux_errno::ENODEV))?;
    // SAFETY: the option value is a live c_int and the length is its size,
    // as SO_BINDTOIFINDEX requires.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_BINDTOIFINDEX,
            (&index as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        return Ok(fd);
    }
    let error = io::Error::last_os_error();
    if error.raw_os_error() != Some(linux_errno::ENOPROTOOPT) {
        return Err(error);
    }
    bind_by_name(&fd, &name)?;
    Ok(fd)
}

/// The name of interface `ifindex` in this thread's network namespace.
fn interface_name(ifindex: u32) -> io::Result<CString> {
    let mut name = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: the buffer is IF_NAMESIZE bytes, as if_indextoname requires;
    // it writes a NUL-terminated name there or returns null.
    let found = unsafe { libc::if_indextoname(ifindex, name.as_mut_ptr()) };
    if found.is_null() {
        return Err(io::Error::from_raw_os_error(linux_errno::ENODEV));
    }
    // SAFETY: if_indextoname succeeded, so `name` holds a NUL-terminated
    // string within its IF_NAMESIZE bytes.
    Ok(unsafe { CStr::from_ptr(name.as_ptr()) }.to_owned())
}

/// `SO_BINDTODEVICE` by name, for kernels before 5.0.
fn bind_by_name(fd: &OwnedFd, name: &CStr) -> io::Result<()> {
    let bytes = name.to_bytes_with_nul();
    // SAFETY: the value is the live name with its NUL, and the length is
    // its length, as SO_BINDTODEVICE takes it.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            bytes.as_ptr().cast(),
            bytes.len() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The interface index a socket is bound to, 0 if none.
///
/// # Errors
/// `getsockopt(2)`'s: `ENOTSOCK` for something that is not a socket,
/// `ENOPROTOOPT` before Linux 5.0.
pub fn bound_interface(fd: &OwnedFd, _family: Family) -> io::Result<u32> {
    let mut index: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `index` and `len` are live locals of the sizes passed.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            SO_BINDTOIFINDEX,
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
