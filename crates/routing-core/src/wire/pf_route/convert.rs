//! Route messages ↔ [`model::Route`](crate::model::Route).
//!
//! Reading (any message with an `rt_msghdr`/`rt_msghdr2`):
//! - **Destination**: DST plus NETMASK by the decoding rule of §4.3: the
//!   mask's family is the DST's, the mask's own family byte is ignored
//!   (0, 2, 30 or 0xff), the mask is read from offset 4 (IPv4) or 8 (IPv6)
//!   up to `sa_len` and padded with zeros; `sa_len` at or below the offset
//!   is /0; a mask with holes is an error. `RTF_HOST`, or no NETMASK at
//!   all, gives /32 or /128. Host bits are cleared, as the kernel stores keys.
//! - **Scope**: with `RTF_IFSCOPE`, the destination's embedded zone if it
//!   has one, else `rtm_index`.
//! - **Gateway**: IP (zone from the KAME bytes or `sin6_scope_id`), link
//!   (`sockaddr_dl`: index, name, lladdr) or none.
//! - **Interface**: `rtm_index`, named by the caller's resolver.
//!
//! Writing builds what XNU's `rt_msg2` builds (§4.3-§4.8): the kernel's
//! mask form (family byte 0xff, bytes before the address 0xff, trailing
//! zeros trimmed, /0 as a zero-length sockaddr, IPv6 masks forced to 28
//! bytes for every type but `RTM_GET`/`RTM_GET2`), link-local
//! destinations with the zone embedded, every sockaddr padded.

use std::fmt;
use std::net::IpAddr;

use crate::model::{
    Family, Gateway, InterfaceKind, InterfaceRef, IpPrefix, Metrics, Route, RouteFlags,
};

use super::addrs::AddressSet;
use super::consts::*;
use super::header::{Route2Header, RouteHeader, RtMetrics};
use super::link::SockaddrDl;
use super::message::{Route2Message, RouteMessage};
use super::sockaddr::{RawSockaddr, Sockaddr};

/// Why a message is not a route, or a route not a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConvertError {
    /// No DST sockaddr.
    MissingDestination,
    /// DST is not an IPv4/IPv6 address.
    UnsupportedDestination {
        /// The DST's family byte.
        family: u8,
    },
    /// The netmask has holes.
    NonContiguousMask,
    /// Two addresses that must share a family do not.
    FamilyMismatch,
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvertError::MissingDestination => f.write_str("message has no destination"),
            ConvertError::UnsupportedDestination { family } => {
                write!(f, "destination family {family} is not AF_INET or AF_INET6")
            }
            ConvertError::NonContiguousMask => f.write_str("netmask is not contiguous"),
            ConvertError::FamilyMismatch => f.write_str("addresses of different families"),
        }
    }
}

impl std::error::Error for ConvertError {}

/// The prefix length of a netmask sockaddr of `family`, by position (§4.3).
///
/// # Errors
/// [`ConvertError::NonContiguousMask`].
pub fn mask_len(family: Family, mask: &Sockaddr) -> Result<u8, ConvertError> {
    let mut buf = [0u8; 256];
    let len = mask.sa_len();
    mask.emit(&mut buf);
    let (start, width) = match family {
        Family::V4 => (4, 4),
        Family::V6 => (8, 16),
    };
    let mut bits = [0u8; 16];
    if len > start {
        let n = (len - start).min(width);
        bits[..n].copy_from_slice(&buf[start..start + n]);
    }
    let value = u128::from_be_bytes(bits);
    let ones = value.leading_ones();
    if ones < 128 && value << ones != 0 {
        return Err(ConvertError::NonContiguousMask);
    }
    Ok(ones.min(u32::from(family.max_len())) as u8)
}

/// The destination prefix and its embedded zone, from DST and NETMASK.
///
/// # Errors
/// [`ConvertError::UnsupportedDestination`], [`ConvertError::NonContiguousMask`].
pub fn destination(
    dst: &Sockaddr,
    netmask: Option<&Sockaddr>,
    host: bool,
) -> Result<(IpPrefix, Option<u32>), ConvertError> {
    let (addr, zone) = dst.ip_zone().ok_or(ConvertError::UnsupportedDestination {
        family: dst.family(),
    })?;
    let family = Family::of(addr);
    let len = match netmask {
        Some(m) if !host => mask_len(family, m)?,
        _ => family.max_len(),
    };
    let prefix =
        IpPrefix::new_truncating(addr, len).map_err(|_| ConvertError::NonContiguousMask)?;
    Ok((prefix, zone))
}

/// The gateway a sockaddr names.
pub fn gateway(sa: Option<&Sockaddr>) -> Gateway {
    match sa {
        Some(Sockaddr::Link(l)) => Gateway::Link {
            index: u32::from(l.index()),
            name: (!l.name().is_empty()).then(|| String::from_utf8_lossy(l.name()).into_owned()),
            lladdr: l.lladdr().to_vec(),
        },
        Some(sa) => match sa.ip_zone() {
            Some((addr, zone)) => Gateway::Ip { addr, zone },
            None => Gateway::None,
        },
        None => Gateway::None,
    }
}

struct Fields {
    index: u16,
    flags: RouteFlags,
    parent_flags: RouteFlags,
    refcnt: i32,
    rmx: RtMetrics,
}

fn route_from(
    f: Fields,
    addrs: &AddressSet,
    names: &dyn Fn(u32) -> Option<String>,
) -> Result<Route, ConvertError> {
    let dst = addrs.dst().ok_or(ConvertError::MissingDestination)?;
    let (prefix, zone) = destination(dst, addrs.netmask(), f.flags.contains(RouteFlags::HOST))?;
    let index = u32::from(f.index);
    let scope = f
        .flags
        .contains(RouteFlags::IFSCOPE)
        .then(|| zone.unwrap_or(index));
    Ok(Route {
        destination: prefix,
        gateway: gateway(addrs.gateway()),
        interface: InterfaceRef {
            index,
            name: names(index).unwrap_or_default(),
        },
        scope,
        flags: f.flags,
        parent_flags: f.parent_flags,
        expire: (f.rmx.expire != 0).then_some(i64::from(f.rmx.expire)),
        metrics: Metrics {
            mtu: f.rmx.mtu,
            hopcount: f.rmx.hopcount,
            packets_sent: f.rmx.pksent,
            refcnt: f.refcnt,
        },
    })
}

/// The route an `rt_msghdr` message describes. `names` resolves an
/// interface index to its name (`if_indextoname`).
///
/// # Errors
/// See [`ConvertError`].
pub fn route_from_message(
    m: &RouteMessage,
    names: &dyn Fn(u32) -> Option<String>,
) -> Result<Route, ConvertError> {
    let h = &m.header;
    let f = Fields {
        index: h.index,
        flags: h.flags,
        parent_flags: RouteFlags::EMPTY,
        refcnt: 0,
        rmx: h.rmx,
    };
    route_from(f, &m.addrs, names)
}

/// The route an `RTM_GET2` dump record describes, with its refcnt and
/// parent flags.
///
/// # Errors
/// See [`ConvertError`].
pub fn route_from_message2(
    m: &Route2Message,
    names: &dyn Fn(u32) -> Option<String>,
) -> Result<Route, ConvertError> {
    let h = &m.header;
    let f = Fields {
        index: h.index,
        flags: h.flags,
        parent_flags: h.parent_flags,
        refcnt: h.refcnt,
        rmx: h.rmx,
    };
    route_from(f, &m.addrs, names)
}

/// A netmask the way the radix tree and `rtm_scrub` write it, for a
/// message of `rtm_type`: /0 is a zero-length sockaddr; otherwise family
/// byte and the bytes up to the address are 0xff, trailing zeros are
/// trimmed, and an IPv6 mask is forced to 28 bytes unless the type is
/// `RTM_GET` or `RTM_GET2`.
pub fn kernel_netmask(family: Family, len: u8, rtm_type: u8) -> Sockaddr {
    if len == 0 {
        return Sockaddr::EMPTY;
    }
    let (skip, full) = match family {
        Family::V4 => (4, 16),
        Family::V6 => (8, 28),
    };
    let mask: u128 = u128::MAX << (128 - u32::from(len.min(family.max_len())));
    let mut b = [0u8; 28];
    b[1..skip].fill(0xff);
    let width = usize::from(family.max_len() / 8);
    b[skip..skip + width].copy_from_slice(&mask.to_be_bytes()[..width]);
    let trimmed = b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
    let sa_len = if family == Family::V6 && !matches!(rtm_type, RTM_GET | RTM_GET2) {
        full
    } else {
        trimmed
    };
    RawSockaddr::new(&b[..sa_len]).map_or(Sockaddr::EMPTY, Sockaddr::Raw)
}

/// What the kernel knows beyond a [`Route`] when it writes a record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouteExtras {
    /// `RTA_IFP`: the interface's link address, when the record carries it.
    pub ifp: Option<SockaddrDl>,
    /// `RTA_IFA`: the interface address, when the record carries it.
    pub ifa: Option<IpAddr>,
    /// `sdl_type` for a link gateway; `None` guesses from the interface name.
    pub gateway_if_type: Option<u8>,
}

/// An `IFT_*` guess from a macOS interface name.
pub fn guess_if_type(name: &str) -> u8 {
    match InterfaceKind::guess_from_macos_name(name) {
        InterfaceKind::Wifi | InterfaceKind::Ethernet | InterfaceKind::Awdl => IFT_ETHER,
        InterfaceKind::Loopback => IFT_LOOP,
        InterfaceKind::Bridge => IFT_BRIDGE,
        InterfaceKind::Cellular => IFT_CELLULAR,
        InterfaceKind::Tunnel if name.starts_with("gif") => IFT_GIF,
        InterfaceKind::Tunnel if name.starts_with("stf") => IFT_STF,
        InterfaceKind::Tunnel | InterfaceKind::Other => IFT_OTHER,
    }
}

fn gateway_sockaddr(route: &Route, extras: &RouteExtras) -> Option<Sockaddr> {
    match &route.gateway {
        Gateway::Ip { addr, zone } => Some(Sockaddr::from_ip_zone(*addr, *zone)),
        Gateway::Link {
            index,
            name,
            lladdr,
        } => {
            let t = extras
                .gateway_if_type
                .unwrap_or_else(|| guess_if_type(&route.interface.name));
            let index = u16::try_from(*index).unwrap_or(u16::MAX);
            Some(Sockaddr::Link(SockaddrDl::new(
                index,
                t,
                name.as_deref().unwrap_or(""),
                lladdr,
            )))
        }
        Gateway::None => None,
    }
}

/// The sockaddrs of a kernel-built route record for `rtm_type`.
pub fn route_addrs(route: &Route, extras: &RouteExtras, rtm_type: u8) -> AddressSet {
    let mut set = AddressSet::new();
    let dst = route.destination;
    set.set(
        RTAX_DST,
        Some(Sockaddr::from_ip_zone(dst.addr(), route.scope)),
    );
    set.set(RTAX_GATEWAY, gateway_sockaddr(route, extras));
    if !route.flags.contains(RouteFlags::HOST) {
        set.set(
            RTAX_NETMASK,
            Some(kernel_netmask(dst.family(), dst.len(), rtm_type)),
        );
    }
    set.set(RTAX_IFP, extras.ifp.clone().map(Sockaddr::Link));
    let ifa_zone = Some(route.interface.index);
    set.set(
        RTAX_IFA,
        extras.ifa.map(|a| Sockaddr::from_ip_zone(a, ifa_zone)),
    );
    set
}

fn metrics(route: &Route) -> RtMetrics {
    RtMetrics {
        mtu: route.metrics.mtu,
        hopcount: route.metrics.hopcount,
        expire: route.expire.map_or(0, |e| {
            e.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
        }),
        pksent: route.metrics.packets_sent,
        ..RtMetrics::default()
    }
}

fn index_of(route: &Route) -> u16 {
    u16::try_from(route.interface.index).unwrap_or(u16::MAX)
}

/// An `RTM_GET2` record as `NET_RT_DUMP2` returns it for `route`.
pub fn dump2_record(route: &Route, extras: &RouteExtras) -> Route2Message {
    Route2Message {
        header: Route2Header {
            index: index_of(route),
            flags: route.flags,
            refcnt: route.metrics.refcnt,
            parent_flags: route.parent_flags,
            use_count: route.metrics.packets_sent as i32,
            rmx: metrics(route),
            ..Route2Header::default()
        },
        addrs: route_addrs(route, extras, RTM_GET2),
    }
}

/// The report the kernel sends back for an `RTM_GET` or a successful
/// `RTM_DELETE` (§4.8): the request's header with msglen, type, index,
/// flags (the route's, plus `RTF_DONE`), addrs and metrics rewritten; DST,
/// GATEWAY, NETMASK (not for host routes) and whichever of IFP/IFA
/// `extras` carries (the kernel adds them only when the request asked).
/// For a delete, pass the route as deleted (`RTF_CONDEMNED`, no `RTF_UP`).
pub fn report_message(
    rtm_type: u8,
    route: &Route,
    extras: &RouteExtras,
    request: &RouteHeader,
) -> RouteMessage {
    RouteMessage {
        header: RouteHeader {
            rtm_type,
            index: index_of(route),
            flags: route.flags | RouteFlags::DONE,
            rmx: metrics(route),
            ..*request
        },
        addrs: route_addrs(route, extras, rtm_type),
    }
}

/// A kernel-originated route notification (`rt_msg1`): pid, seq and
/// errno 0, no `RTF_DONE`, last sockaddr unpadded.
pub fn route_notification(rtm_type: u8, route: &Route, extras: &RouteExtras) -> RouteMessage {
    RouteMessage {
        header: RouteHeader {
            rtm_type,
            index: index_of(route),
            flags: route.flags,
            rmx: metrics(route),
            ..RouteHeader::default()
        },
        addrs: route_addrs(route, extras, rtm_type).unpadded(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(b: &[u8]) -> Sockaddr {
        Sockaddr::Raw(RawSockaddr::new(b).expect("raw"))
    }

    #[test]
    fn mask_is_read_by_position_whatever_its_family_byte() {
        let v4 = Family::V4;
        assert_eq!(
            mask_len(v4, &raw(&[7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
            Ok(24)
        );
        assert_eq!(mask_len(v4, &raw(&[6, 2, 0, 0, 0xff, 0xff])), Ok(16));
        assert_eq!(mask_len(v4, &raw(&[5, 0xff, 0xff, 0xff, 0xff])), Ok(8));
        assert_eq!(mask_len(v4, &Sockaddr::Empty { raw: [0, 2, 0, 0] }), Ok(0));
        assert_eq!(
            mask_len(v4, &raw(&[4, 0xff, 0xff, 0xff])),
            Ok(0),
            "sa_len <= 4 is /0"
        );
        let v6 = Family::V6;
        assert_eq!(mask_len(v6, &raw(&[2, 0x1e])), Ok(0));
        let mut m48 = vec![0x0e, 0x1e, 0, 0, 0, 0, 0, 0];
        m48.extend_from_slice(&[0xff; 6]);
        assert_eq!(mask_len(v6, &raw(&m48)), Ok(48));
        // flowinfo bytes 4-7 are 0xff in kernel masks and are not address bits.
        assert_eq!(mask_len(v6, &kernel_netmask(v6, 32, RTM_GET2)), Ok(32));
    }

    #[test]
    fn rejects_non_contiguous_mask() {
        assert_eq!(
            mask_len(
                Family::V4,
                &raw(&[8, 0xff, 0xff, 0xff, 0xff, 0x00, 0xff, 0])
            ),
            Err(ConvertError::NonContiguousMask)
        );
    }

    #[test]
    fn kernel_netmask_forms() {
        let b = |sa: Sockaddr| sa.to_bytes();
        assert_eq!(b(kernel_netmask(Family::V4, 0, RTM_GET2)), [0, 0, 0, 0]);
        assert_eq!(
            b(kernel_netmask(Family::V4, 8, RTM_GET2)),
            [5, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(
            b(kernel_netmask(Family::V4, 24, RTM_DELETE)),
            [7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(
            b(kernel_netmask(Family::V4, 32, RTM_GET)),
            [8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        let v6 = b(kernel_netmask(Family::V6, 64, RTM_GET2));
        assert_eq!(v6.len(), 16);
        assert!(v6[1..].iter().all(|&x| x == 0xff));
        let forced = b(kernel_netmask(Family::V6, 64, RTM_DELETE));
        assert_eq!((forced.len(), forced[0], forced[16]), (28, 28, 0));
    }

    #[test]
    fn host_flag_or_missing_mask_means_host_prefix() {
        let dst = Sockaddr::from_ip("10.1.2.3".parse().expect("addr"));
        let mask = kernel_netmask(Family::V4, 8, RTM_GET);
        assert_eq!(
            destination(&dst, Some(&mask), false).map(|p| p.0.to_string()),
            Ok("10.0.0.0/8".into())
        );
        assert_eq!(
            destination(&dst, Some(&mask), true).map(|p| p.0.len()),
            Ok(32)
        );
        assert_eq!(destination(&dst, None, false).map(|p| p.0.len()), Ok(32));
        assert_eq!(
            destination(&Sockaddr::EMPTY, None, false),
            Err(ConvertError::UnsupportedDestination { family: 0 })
        );
    }

    #[test]
    fn link_local_destination_zone_becomes_the_scope() {
        let mut m = RouteMessage::new(RTM_GET2);
        m.header.flags = RouteFlags::UP | RouteFlags::IFSCOPE;
        m.header.index = 1;
        m.addrs = AddressSet::new()
            .with(
                RTAX_DST,
                Sockaddr::from_ip_zone("fe80::71:49e5:33fe:ffca".parse().expect("addr"), Some(4)),
            )
            .with(RTAX_GATEWAY, Sockaddr::Link(SockaddrDl::null(1, IFT_LOOP)));
        let r = route_from_message(&m, &|i| (i == 1).then(|| "lo0".to_string())).expect("route");
        assert_eq!(r.scope, Some(4), "scoped to en0 while leaving through lo0");
        assert_eq!(r.interface.name, "lo0");
        assert_eq!(r.destination.to_string(), "fe80::71:49e5:33fe:ffca/128");
    }
}
