//! How the kernel writes routing messages: `rt_msg1` (notifications,
//! last sockaddr unpadded) and `rt_msg2` (replies and sysctl records,
//! everything padded), with the sockaddr forms the kernel emits
//! (darwin-route-socket.md §4.2–§4.8).
//!
//! These are kernel rules, not a general codec: netmasks come out of the
//! radix tree (family byte 0xff, trimmed), the scope is scrubbed from
//! destinations, IPv6 link-local addresses carry the KAME-embedded zone,
//! and an IPv6 netmask's `sa_len` is forced to 28 in every message type but
//! `RTM_GET`/`RTM_GET2`. The bytes are written by the workspace codec
//! (`routing_core::wire::pf_route`): messages are its reprs, started from
//! its kernel-side builders where they agree, and this module keeps only
//! where the sim's kernel differs (the forced scoped `::/0` mask, interface
//! address masks, metrics with locks and pipes, `rt_msg1`'s empty last
//! sockaddr).

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

use routing_core::wire::pf_route::consts::RTAX_NETMASK;
use routing_core::wire::pf_route::consts::{AF_INET, AF_INET6};
pub(crate) use routing_core::wire::pf_route::roundup32;
use routing_core::wire::pf_route::{
    kernel_netmask, route_notification, AddressSet, RawSockaddr, RouteExtras, RtMetrics, Sockaddr,
    SockaddrDl,
};

/// Which kernel builder lays the message out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builder {
    /// `rt_msg1`: the last sockaddr is not padded.
    Msg1,
    /// `rt_msg2`: every sockaddr is padded to 4 bytes.
    Msg2,
}

/// An interface's own link address (`if_lladdr`, the `RTA_IFP` sockaddr).
pub(crate) fn link_address(iface: &SimInterface) -> SockaddrDl {
    SockaddrDl::new(
        index16(iface.index),
        iface.if_type,
        &iface.name,
        &iface.lladdr,
    )
}

/// An interface's link address as a sockaddr.
pub(crate) fn ifp(iface: &SimInterface) -> Sockaddr {
    Sockaddr::Link(link_address(iface))
}

/// `sdl_type` of a link gateway: its interface's type, 0 when it is gone.
pub(crate) fn gateway_if_type(route: &Route, kernel: &SimKernel) -> Option<u8> {
    match &route.gateway {
        Gateway::Link { index, .. } => Some(kernel.interface(*index).map_or(0, |i| i.if_type)),
        _ => None,
    }
}

/// A route netmask as the radix tree holds it and `rtm_scrub` emits it:
/// bytes 1 to the address filled with 0xff, trailing zeros trimmed, `sa_len`
/// 0 for an all-zero mask (§4.3). `force28` is the IPv6 rule for every type
/// but `RTM_GET`/`RTM_GET2`; it applies only to masks `rtm_scrub` rewrites,
/// which excludes an unscoped `::/0` (its mask already has `sa_len` 0).
/// This differs from the codec's [`kernel_netmask`] for a scoped `::/0`.
///
/// [`kernel_netmask`]: routing_core::wire::pf_route::kernel_netmask
pub(crate) fn route_mask(family: Family, len: u8, scoped: bool, force28: bool) -> Sockaddr {
    if family == Family::V6 && force28 && scoped && len == 0 {
        // The scope made the all-zero mask one rtm_scrub rewrites, so it is
        // forced like any other; the codec leaves every /0 mask empty.
        let mut sa = [0u8; 28];
        sa[1..8].fill(0xff);
        return raw(&sa);
    }
    // The codec's rule: forced to 28 for every type but RTM_GET/RTM_GET2.
    kernel_netmask(family, len, if force28 { RTM_ADD } else { RTM_GET })
}

/// An interface address's netmask (`ia_sockmask` / `ia_prefixmask`):
/// the family byte is the family, IPv4 trimmed, IPv6 forced to 28 (§4.3).
pub(crate) fn ifa_mask(family: Family, len: u8) -> Sockaddr {
    // The radix form (IPv6 forced to 28), with the family written back over
    // the 0xff filler and an all-zero mask kept at its full header length.
    let (af, skip, forced) = match family {
        Family::V4 => (AF_INET, 4, RTM_GET),
        Family::V6 => (AF_INET6, 8, RTM_ADD),
    };
    let mut sa = match kernel_netmask(family, len, forced) {
        Sockaddr::Raw(r) => r.as_bytes().to_vec(),
        _ if family == Family::V6 => vec![0; 28],
        _ => vec![0; 4],
    };
    sa[1] = af;
    sa[2..skip].fill(0);
    raw(&sa)
}

/// A kernel-built sockaddr of a special form (never empty here).
fn raw(bytes: &[u8]) -> Sockaddr {
    RawSockaddr::new(bytes).map_or(Sockaddr::EMPTY, Sockaddr::Raw)
}

/// The `rt_metrics` of a route, `rmx_expire` in wall seconds.
pub(crate) fn rmx(route: &Route, extra: &RouteExtra) -> RtMetrics {
    let p = extra.pipes;
    RtMetrics {
        locks: extra.locks,
        mtu: route.metrics.mtu,
        hopcount: route.metrics.hopcount,
        expire: route
            .expire
            .map_or(0, |e| i32::try_from(e).unwrap_or(i32::MAX)),
        recvpipe: p[0],
        sendpipe: p[1],
        ssthresh: p[2],
        rtt: p[3],
        rttvar: p[4],
        pksent: route.metrics.packets_sent,
        filler: [0; 4],
    }
}

/// The sockaddrs of a message in RTAX order, laid out by `builder`.
pub(crate) fn addresses(slots: [Option<Sockaddr>; 8], builder: Builder) -> AddressSet {
    let mut set = AddressSet::new();
    for (i, sa) in slots.into_iter().enumerate() {
        set.set(i, sa);
    }
    match builder {
        Builder::Msg1 => msg1_layout(set),
        Builder::Msg2 => set,
    }
}

/// `rt_msg1` leaves the last sockaddr unpadded, and a zero-length last
/// sockaddr then takes no bytes at all (its `rtm_addrs` bit stays set).
fn msg1_layout(mut set: AddressSet) -> AddressSet {
    let last = set.iter().last().map(|(i, sa)| (i, sa.sa_len()));
    match last {
        // The sockaddrs before it are padded; the bit alone remains.
        Some((i, 0)) => {
            set.set(i, None);
            set.set_absent_bits(set.absent_bits() | 1 << i);
            set.set_last_pad(None);
            set
        }
        _ => set.unpadded(),
    }
}

/// `rtm_index`: an interface index, 0 past `u16`.
pub(crate) fn index16(index: u32) -> u16 {
    u16::try_from(index).unwrap_or(0)
}

/// `rt_newaddrmsg`'s route message (`RTM_ADD`/`RTM_DELETE`): DST, GATEWAY
/// and NETMASK (not for host routes), `rtm_index` the address's interface,
/// the route's flags, no `RTF_DONE`, metrics zero; built by `rt_msg1`.
/// The codec's `route_notification`, with the kernel's index, zero
/// metrics and its netmask rule.
pub(crate) fn route_msg1(rtm_type: u8, route: &Route, index: u32, kernel: &SimKernel) -> Vec<u8> {
    let extras = RouteExtras {
        gateway_if_type: gateway_if_type(route, kernel),
        ..RouteExtras::default()
    };
    let mut m = route_notification(rtm_type, route, &extras);
    m.header.index = index16(index);
    m.header.rmx = RtMetrics::default();
    let mask = (!route.is_host()).then(|| {
        route_mask(
            route.family(),
            route.destination.len(),
            route.is_scoped(),
            true,
        )
    });
    m.addrs.set(RTAX_NETMASK, mask);
    m.addrs = msg1_layout(m.addrs);
    m.to_bytes()
}

#[cfg(test)]
#[path = "msg_testkit.rs"]
mod testkit;
#[cfg(test)]
pub(crate) use testkit::*;

#[cfg(test)]
#[path = "msg_tests.rs"]
mod tests;
