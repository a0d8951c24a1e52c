//! Test-only writers for `msg`: raw requests (sockaddrs as bytes, malformed
//! ones included) and the kernel's sockaddr rules as bytes.

use routing_core::model::Family;
use routing_core::wire::pf_route::{Sockaddr, SockaddrDl};

use super::{ifa_mask, index16, roundup32, route_mask, Builder, RTM_VERSION, RT_MSGHDR_LEN};

/// Appends sockaddrs (in RTAX order, `None` for absent) after `header`,
/// sets `msglen` (offset 0) and returns the `rtm_addrs` bits.
pub(crate) fn assemble(
    header: &mut Vec<u8>,
    addrs: &[Option<Vec<u8>>; 8],
    builder: Builder,
) -> i32 {
    let mut bits = 0;
    let last = addrs.iter().rposition(Option::is_some);
    for (i, sa) in addrs.iter().enumerate() {
        let Some(sa) = sa else { continue };
        bits |= 1 << i;
        header.extend_from_slice(sa);
        let padded = roundup32(sa.len());
        if builder == Builder::Msg2 || Some(i) != last {
            header.resize(header.len() + padded - sa.len(), 0);
        }
    }
    let len = u16::try_from(header.len()).unwrap_or(u16::MAX);
    header[0..2].copy_from_slice(&len.to_le_bytes());
    bits
}

/// Writes a little-endian u32 at `at`.
pub(crate) fn put_u32(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Writes a little-endian i32 at `at`.
pub(crate) fn put_i32(buf: &mut [u8], at: usize, value: i32) {
    buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// A fresh zeroed `rt_msghdr` with version and type (tests write requests
/// with it).
pub(crate) fn rt_header(rtm_type: u8) -> Vec<u8> {
    let mut h = vec![0u8; RT_MSGHDR_LEN];
    h[2] = RTM_VERSION;
    h[3] = rtm_type;
    h
}

/// A `sockaddr_in`.
pub(crate) fn sa_in(addr: std::net::Ipv4Addr) -> Vec<u8> {
    Sockaddr::from_ip(addr.into()).to_bytes()
}

/// A `sockaddr_in6`, with the zone KAME-embedded in bytes 2–3 of the
/// address for link-local and scoped multicast addresses, `scope_id` 0.
pub(crate) fn sa_in6(addr: std::net::Ipv6Addr, zone: Option<u32>) -> Vec<u8> {
    Sockaddr::from_ip_zone(addr.into(), zone).to_bytes()
}

/// A `sockaddr_dl` as `dlil` builds it (at least 20 bytes, rounded up to
/// 4); an index past `u16` is written as 0.
pub(crate) fn sa_dl(index: u32, if_type: u8, name: &str, lladdr: &[u8]) -> Vec<u8> {
    Sockaddr::Link(SockaddrDl::new(index16(index), if_type, name, lladdr)).to_bytes()
}

/// [`route_mask`] as bytes, empty for the zero-length mask.
pub(crate) fn sa_route_mask(family: Family, len: u8, scoped: bool, force28: bool) -> Vec<u8> {
    match route_mask(family, len, scoped, force28) {
        Sockaddr::Empty { .. } => Vec::new(),
        sa => sa.to_bytes(),
    }
}

/// [`ifa_mask`] as bytes.
pub(crate) fn sa_ifa_mask(family: Family, len: u8) -> Vec<u8> {
    ifa_mask(family, len).to_bytes()
}
