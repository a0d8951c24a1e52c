//! The macOS platform: the routing socket, sysctl, interface kinds from
//! `SIOCGIFFUNCTIONALTYPE`, and `IP_BOUND_IF` sockets.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use routing_core::model::{Family, InterfaceKind};
use routing_core::wire::pf_route::ProtoFlag;

use super::bind::bound_socket;
use super::socket::RouteSocket;
use super::sysctl::{sysctl_read, sysctl_size};
use crate::pf_route::{PfRouteBackend, Platform};
use crate::session::SessionConfig;
use crate::socket::SocketKind;

/// The macOS backend.
pub type MacosBackend = PfRouteBackend<MacosPlatform>;

/// Opens the macOS backend: a routing socket (root needed to write) tagging
/// our routes with `proto`. Must be called within a tokio runtime.
///
/// # Errors
/// When the routing socket cannot be opened.
pub fn macos_backend(proto: ProtoFlag, config: SessionConfig) -> io::Result<MacosBackend> {
    let platform = MacosPlatform {
        socket: RouteSocket::open()?,
        pid: i32::try_from(std::process::id()).unwrap_or(i32::MAX),
        started: std::time::Instant::now(),
    };
    Ok(PfRouteBackend::new(platform, proto, config))
}

/// The platform half of the macOS backend.
#[derive(Debug)]
pub struct MacosPlatform {
    socket: RouteSocket,
    pid: i32,
    started: std::time::Instant,
}

/// `_IOWR('i', 173, struct ifreq)`: an interface's functional type.
const SIOCGIFFUNCTIONALTYPE: libc::c_ulong = 0xc020_69ad;
/// `IFRTYPE_FUNCTIONAL_*` values (`bsd/net/if.h`).
const IFRTYPE_FUNCTIONAL_LOOPBACK: u32 = 1;
const IFRTYPE_FUNCTIONAL_WIRED: u32 = 2;
const IFRTYPE_FUNCTIONAL_WIFI_INFRA: u32 = 3;
const IFRTYPE_FUNCTIONAL_WIFI_AWDL: u32 = 4;
const IFRTYPE_FUNCTIONAL_CELLULAR: u32 = 5;

/// `struct ifreq` with the functional-type member of its union.
#[repr(C)]
struct IfreqFunctionalType {
    name: [libc::c_char; libc::IFNAMSIZ],
    functional_type: u32,
    _rest: [u8; 12],
}

fn functional_type(name: &str) -> Option<u32> {
    if name.len() >= libc::IFNAMSIZ || name.contains('\0') {
        return None;
    }
    let mut request = IfreqFunctionalType {
        name: [0; libc::IFNAMSIZ],
        functional_type: 0,
        _rest: [0; 12],
    };
    for (slot, byte) in request.name.iter_mut().zip(name.bytes()) {
        *slot = byte as libc::c_char;
    }
    // SAFETY: socket(2) with constant arguments; checked before use.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    if fd < 0 {
        return None;
    }
    // SAFETY: `fd` is fresh and ours alone.
    let fd = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    // SAFETY: the request is a live, correctly sized struct ifreq.
    let rc = unsafe {
        libc::ioctl(
            fd.as_raw_fd(),
            SIOCGIFFUNCTIONALTYPE,
            &mut request as *mut IfreqFunctionalType,
        )
    };
    (rc == 0).then_some(request.functional_type)
}

impl Platform for MacosPlatform {
    fn clocks(&self) -> (i64, i64) {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        // Instant is mach_absolute_time on macOS: it stops while asleep.
        let monotonic = i64::try_from(self.started.elapsed().as_millis()).unwrap_or(i64::MAX);
        (wall, monotonic)
    }

    fn name(&self) -> &'static str {
        "macos"
    }

    fn pid(&self) -> i32 {
        self.pid
    }

    async fn write(&self, message: &[u8]) -> Result<(), i32> {
        self.socket.write(message).await
    }

    async fn read(&self) -> Result<Vec<u8>, i32> {
        self.socket.read().await
    }

    fn sysctl_size(&self, mib: &[i32; 6]) -> Result<usize, i32> {
        sysctl_size(mib)
    }

    fn sysctl_read(&self, mib: &[i32; 6], len: usize) -> Result<Vec<u8>, i32> {
        sysctl_read(mib, len)
    }

    fn interface_kind(&self, _index: u32, name: &str, _if_type: u8) -> InterfaceKind {
        let guess = InterfaceKind::guess_from_macos_name(name);
        match functional_type(name) {
            Some(IFRTYPE_FUNCTIONAL_WIFI_INFRA) => InterfaceKind::Wifi,
            Some(IFRTYPE_FUNCTIONAL_WIRED) if guess == InterfaceKind::Ethernet => {
                InterfaceKind::Ethernet
            }
            Some(IFRTYPE_FUNCTIONAL_WIFI_AWDL) => InterfaceKind::Awdl,
            Some(IFRTYPE_FUNCTIONAL_CELLULAR) => InterfaceKind::Cellular,
            Some(IFRTYPE_FUNCTIONAL_LOOPBACK) => InterfaceKind::Loopback,
            _ => guess,
        }
    }

    fn bound_socket(
        &self,
        family: Family,
        kind: SocketKind,
        ifindex: u32,
        local_port: u16,
    ) -> io::Result<OwnedFd> {
        let fd = bound_socket(family, kind, ifindex)?;
        crate::socket::bind_local_port(&fd, family, local_port)?;
        Ok(fd)
    }
}

#[cfg(test)]
mod tests {
    use routing_core::wire::pf_route::{consts, RT_MSGHDR_LEN};

    /// Our layouts and constants are libc's (the codec never names libc).
    #[test]
    fn codec_layouts_and_constants_match_libc() {
        assert_eq!(RT_MSGHDR_LEN, std::mem::size_of::<libc::rt_msghdr>());
        assert_eq!(i32::from(consts::RTM_ADD), libc::RTM_ADD);
        assert_eq!(i32::from(consts::RTM_GET), libc::RTM_GET);
        assert_eq!(consts::RTAX_NETMASK as i32, libc::RTAX_NETMASK);
        assert_eq!(consts::NET_RT_IFLIST2, libc::NET_RT_IFLIST2);
        assert_eq!(consts::ESRCH, libc::ESRCH);
        assert_eq!(consts::EEXIST, libc::EEXIST);
        assert_eq!(consts::ENOBUFS, libc::ENOBUFS);
        assert_eq!(i32::from(consts::AF_INET6), libc::AF_INET6);
        assert_eq!(i32::from(consts::AF_LINK), libc::AF_LINK);
    }
}
