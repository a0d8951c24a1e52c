//! How the kernel writes routing messages: `rt_msg1` (notifications,
//! last sockaddr unpadded) and `rt_msg2` (replies and sysctl records,
//! everything padded), with the sockaddr forms the kernel emits
//! (darwin-route-socket.md §4.2–§4.8).
//!
//! These are kernel rules, not a general codec: netmasks come out of the
//! radix tree (family byte 0xff, trimmed), the scope is scrubbed from
//! destinations, IPv6 link-local addresses carry the KAME-embedded zone,
//! and an IPv6 netmask's `sa_len` is forced to 28 in every message type but
//! `RTM_GET`/`RTM_GET2`. Tests decode the output with the workspace codec.

use std::net::IpAddr;

use routing_core::model::{Family, Gateway, Route};

use crate::iface::SimInterface;
use crate::kernel::{RouteExtra, SimKernel};

pub use routing_core::wire::pf_route::consts::{
    RTA_BRD, RTA_DST, RTA_GATEWAY, RTA_GENMASK, RTA_IFA, RTA_IFP, RTA_NETMASK, RTM_ADD, RTM_CHANGE,
    RTM_DELADDR, RTM_DELETE, RTM_GET, RTM_GET2, RTM_GET_SILENT, RTM_IFINFO, RTM_IFINFO2, RTM_LOCK,
    RTM_NEWADDR, RTM_VERSION,
};
pub use routing_core::wire::pf_route::ifheader::{IFA_MSGHDR_LEN, IF_MSGHDR2_LEN, IF_MSGHDR_LEN};
pub use routing_core::wire::pf_route::RT_MSGHDR_LEN;

use routing_core::wire::pf_route::consts::{AF_INET, AF_INET6};
pub(crate) use routing_core::wire::pf_route::roundup32;
use routing_core::wire::pf_route::{Sockaddr, SockaddrDl};

/// Which kernel builder lays the message out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builder {
    /// `rt_msg1`: the last sockaddr is not padded.
    Msg1,
    /// `rt_msg2`: every sockaddr is padded to 4 bytes.
    Msg2,
}

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

/// Reads a little-endian i32 at `at` (0 past the end).
pub(crate) fn get_i32(buf: &[u8], at: usize) -> i32 {
    buf.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, i32::from_le_bytes)
}

/// A `sockaddr_in`.
#[cfg(test)]
pub(crate) fn sa_in(addr: std::net::Ipv4Addr) -> Vec<u8> {
    Sockaddr::from_ip(IpAddr::V4(addr)).to_bytes()
}

/// A `sockaddr_in6`, with the zone KAME-embedded in bytes 2–3 of the
/// address for link-local and scoped multicast addresses, `scope_id` 0.
#[cfg(test)]
pub(crate) fn sa_in6(addr: std::net::Ipv6Addr, zone: Option<u32>) -> Vec<u8> {
    Sockaddr::from_ip_zone(IpAddr::V6(addr), zone).to_bytes()
}

/// An inet sockaddr of either family.
pub(crate) fn sa_ip(addr: IpAddr, zone: Option<u32>) -> Vec<u8> {
    Sockaddr::from_ip_zone(addr, zone).to_bytes()
}

/// A `sockaddr_dl` as `dlil` builds it (at least 20 bytes, rounded up to
/// 4); an index past `u16` is written as 0.
pub(crate) fn sa_dl(index: u32, if_type: u8, name: &str, lladdr: &[u8]) -> Vec<u8> {
    let index = u16::try_from(index).unwrap_or(0);
    Sockaddr::Link(SockaddrDl::new(index, if_type, name, lladdr)).to_bytes()
}

/// An interface's own link address (`if_lladdr`, the `RTA_IFP` sockaddr).
pub(crate) fn sa_ifp(iface: &SimInterface) -> Vec<u8> {
    sa_dl(iface.index, iface.if_type, &iface.name, &iface.lladdr)
}

/// The mask bytes of a prefix length (4 or 16 bytes).
fn mask_bytes(family: Family, len: u8) -> Vec<u8> {
    let width = if family == Family::V4 { 4 } else { 16 };
    (0..width)
        .map(|i| {
            let bits = i32::from(len) - 8 * i;
            match bits {
                b if b >= 8 => 0xff,
                b if b <= 0 => 0,
                b => 0xffu8 << (8 - b),
            }
        })
        .collect()
}

/// A route netmask as the radix tree holds it and `rtm_scrub` emits it:
/// bytes 1 to the address filled with 0xff, trailing zeros trimmed, `sa_len`
/// 0 for an all-zero mask (§4.3). `force28` is the IPv6 rule for every type
/// but `RTM_GET`/`RTM_GET2`; it applies only to masks `rtm_scrub` rewrites,
/// which excludes an unscoped `::/0` (its mask already has `sa_len` 0).
pub(crate) fn sa_route_mask(family: Family, len: u8, scoped: bool, force28: bool) -> Vec<u8> {
    let skip = if family == Family::V4 { 4 } else { 8 };
    let mask = mask_bytes(family, len);
    let significant = mask.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
    let rewritten = significant > 0 || scoped;
    if family == Family::V6 && force28 && rewritten {
        let mut sa = vec![0u8; 28];
        sa[0] = 28;
        sa[1..8].fill(0xff);
        sa[8..8 + significant].copy_from_slice(&mask[..significant]);
        return sa;
    }
    if significant == 0 {
        return Vec::new();
    }
    let mut sa = vec![0xffu8; skip];
    sa[0] = (skip + significant) as u8;
    sa.extend_from_slice(&mask[..significant]);
    sa
}

/// An interface address's netmask (`ia_sockmask` / `ia_prefixmask`):
/// the family byte is the family, IPv4 trimmed, IPv6 forced to 28 (§4.3).
pub(crate) fn sa_ifa_mask(family: Family, len: u8) -> Vec<u8> {
    let mask = mask_bytes(family, len);
    match family {
        Family::V4 => {
            let significant = mask.iter().rposition(|b| *b != 0).map_or(0, |p| p + 1);
            let mut sa = vec![0u8; 4];
            sa[0] = (4 + significant) as u8;
            sa[1] = AF_INET;
            sa.extend_from_slice(&mask[..significant]);
            sa
        }
        Family::V6 => {
            let mut sa = vec![0u8; 28];
            sa[0] = 28;
            sa[1] = AF_INET6;
            sa[8..24].copy_from_slice(&mask);
            sa
        }
    }
}

/// A route's gateway sockaddr.
pub(crate) fn sa_gateway(gateway: &Gateway, kernel: &SimKernel) -> Option<Vec<u8>> {
    match gateway {
        Gateway::Ip { addr, zone } => Some(sa_ip(*addr, *zone)),
        Gateway::Link {
            index,
            name,
            lladdr,
        } => {
            let if_type = kernel.interface(*index).map_or(0, |i| i.if_type);
            Some(sa_dl(
                *index,
                if_type,
                name.as_deref().unwrap_or(""),
                lladdr,
            ))
        }
        Gateway::None => None,
    }
}

/// A route's key as emitted: the destination with its scope scrubbed, the
/// KAME zone kept for IPv6 link-local keys.
pub(crate) fn sa_destination(route: &Route) -> Vec<u8> {
    sa_ip(route.destination.addr(), route.scope())
}

/// The 14 `rt_metrics` words of a route, `rmx_expire` in wall seconds.
pub(crate) fn rmx(route: &Route, extra: &RouteExtra) -> [u32; 14] {
    let expire = route
        .expire
        .map_or(0, |e| i32::try_from(e).unwrap_or(i32::MAX) as u32);
    let p = extra.pipes;
    [
        extra.locks,
        route.metrics.mtu,
        route.metrics.hopcount,
        expire,
        p[0],
        p[1],
        p[2],
        p[3],
        p[4],
        route.metrics.packets_sent,
        0,
        0,
        0,
        0,
    ]
}

/// Writes the 56-byte `rt_metrics` at offset 36 of a route header.
pub(crate) fn put_rmx(header: &mut [u8], rmx: &[u32; 14]) {
    for (i, word) in rmx.iter().enumerate() {
        put_u32(header, 36 + 4 * i, *word);
    }
}

/// A fresh zeroed `rt_msghdr` with version and type.
pub(crate) fn rt_header(rtm_type: u8) -> Vec<u8> {
    let mut h = vec![0u8; RT_MSGHDR_LEN];
    h[2] = RTM_VERSION;
    h[3] = rtm_type;
    h
}

/// `rt_newaddrmsg`'s route message (`RTM_ADD`/`RTM_DELETE`): DST, GATEWAY
/// and NETMASK (not for host routes), `rtm_index` the address's interface,
/// the route's flags, no `RTF_DONE`; built by `rt_msg1`.
pub(crate) fn route_msg1(rtm_type: u8, route: &Route, index: u32, kernel: &SimKernel) -> Vec<u8> {
    let mut h = rt_header(rtm_type);
    h[4..6].copy_from_slice(&u16::try_from(index).unwrap_or(0).to_le_bytes());
    put_u32(&mut h, 8, route.flags.bits());
    let mask = (!route.is_host()).then(|| {
        sa_route_mask(
            route.family(),
            route.destination.len(),
            route.is_scoped(),
            true,
        )
    });
    let addrs = [
        Some(sa_destination(route)),
        sa_gateway(&route.gateway, kernel),
        mask,
        None,
        None,
        None,
        None,
        None,
    ];
    let bits = assemble(&mut h, &addrs, Builder::Msg1);
    put_i32(&mut h, 12, bits);
    h
}

#[cfg(test)]
#[path = "msg_tests.rs"]
mod tests;
