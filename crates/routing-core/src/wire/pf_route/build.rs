//! Builders for the requests Egress's helper writes, byte-compatible with
//! what route(8) sends.
//!
//! | Builder | route(8) equivalent | Flags | Sockaddrs |
//! |---|---|---|---|
//! | [`scoped_default`] | `route add -ifscope en0 default 192.0.2.1` | UP, STATIC, IFSCOPE, proto, + GATEWAY for an IP next hop | DST `0.0.0.0`/`::`, GATEWAY, NETMASK all-zero full length |
//! | [`host_exclusion`] | `route add -host 198.51.100.7 192.0.2.1` | UP, HOST, STATIC, GATEWAY, proto | DST, GATEWAY |
//! | [`get_route`] | `route -n get [-ifscope en0] 198.51.100.7` | UP, GATEWAY, STATIC, + HOST without mask, + IFSCOPE | DST, optional NETMASK, IFP (empty sdl) |
//!
//! The scope travels as `RTF_IFSCOPE` plus `rtm_index` (§4.6). An IPv6
//! link-local next hop carries its zone KAME-embedded in address bytes
//! 2-3 with `sin6_scope_id` 0, as route(8) writes it. `rtm_pid` is set
//! for completeness; the kernel overwrites it with the writer's pid.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::model::{Family, IpPrefix, RouteFlags};

use super::consts::*;
use super::convert::ConvertError;
use super::link::SockaddrDl;
use super::message::RouteMessage;
use super::sockaddr::Sockaddr;

/// The `RTF_PROTOx` flag that marks the routes Egress owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ProtoFlag {
    /// `RTF_PROTO1` (0x8000), the default.
    #[default]
    Proto1,
    /// `RTF_PROTO2` (0x4000).
    Proto2,
    /// `RTF_PROTO3` (0x40000; also the kernel's `RTPRF_OURS` on clones).
    Proto3,
}

impl ProtoFlag {
    /// The flag bit.
    pub fn flag(self) -> RouteFlags {
        match self {
            ProtoFlag::Proto1 => RouteFlags::PROTO1,
            ProtoFlag::Proto2 => RouteFlags::PROTO2,
            ProtoFlag::Proto3 => RouteFlags::PROTO3,
        }
    }
}

/// Add or delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteOp {
    /// `RTM_ADD`.
    Add,
    /// `RTM_DELETE`.
    Delete,
}

impl RouteOp {
    /// The message type.
    pub fn rtm_type(self) -> u8 {
        match self {
            RouteOp::Add => RTM_ADD,
            RouteOp::Delete => RTM_DELETE,
        }
    }
}

/// The next hop of a scoped default.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NextHop {
    /// A router; an IPv6 link-local router needs its zone.
    Ip {
        /// The router's address.
        addr: IpAddr,
        /// The zone (interface index) of a link-local address.
        zone: Option<u32>,
    },
    /// The interface itself (point-to-point links such as utun): a
    /// `sockaddr_dl` naming it, e.g. `SockaddrDl::new(33, IFT_OTHER, "utun4", &[])`.
    Link(SockaddrDl),
}

fn unspecified(family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

fn request(rtm_type: u8, flags: RouteFlags, index: u16, seq: i32, pid: i32) -> RouteMessage {
    let mut m = RouteMessage::new(rtm_type);
    m.header.flags = flags;
    m.header.index = index;
    m.header.seq = seq;
    m.header.pid = pid;
    m
}

/// `RTM_ADD`/`RTM_DELETE` of a default route scoped to `ifscope`.
///
/// # Errors
/// [`ConvertError::FamilyMismatch`] when an IP next hop is not of `family`.
pub fn scoped_default(
    op: RouteOp,
    family: Family,
    ifscope: u16,
    gateway: &NextHop,
    proto: ProtoFlag,
    seq: i32,
    pid: i32,
) -> Result<RouteMessage, ConvertError> {
    let mut flags = RouteFlags::UP | RouteFlags::STATIC | RouteFlags::IFSCOPE | proto.flag();
    let gw = match gateway {
        NextHop::Ip { addr, zone } => {
            if Family::of(*addr) != family {
                return Err(ConvertError::FamilyMismatch);
            }
            flags |= RouteFlags::GATEWAY;
            Sockaddr::from_ip_zone(*addr, *zone)
        }
        NextHop::Link(sdl) => Sockaddr::Link(sdl.clone()),
    };
    let mut m = request(op.rtm_type(), flags, ifscope, seq, pid);
    m.addrs = m
        .addrs
        .with(RTAX_DST, Sockaddr::from_ip(unspecified(family)))
        .with(RTAX_GATEWAY, gw)
        .with(RTAX_NETMASK, Sockaddr::from_ip(unspecified(family)));
    Ok(m)
}

/// `RTM_ADD`/`RTM_DELETE` of an unscoped host route to `host` via the
/// router `gateway` (the VPN server's exclusion route).
///
/// # Errors
/// [`ConvertError::FamilyMismatch`] when host and gateway differ in family.
pub fn host_exclusion(
    op: RouteOp,
    host: IpAddr,
    gateway: IpAddr,
    gateway_zone: Option<u32>,
    proto: ProtoFlag,
    seq: i32,
    pid: i32,
) -> Result<RouteMessage, ConvertError> {
    if Family::of(host) != Family::of(gateway) {
        return Err(ConvertError::FamilyMismatch);
    }
    let flags =
        RouteFlags::UP | RouteFlags::HOST | RouteFlags::STATIC | RouteFlags::GATEWAY | proto.flag();
    let mut m = request(op.rtm_type(), flags, 0, seq, pid);
    m.addrs = m
        .addrs
        .with(RTAX_DST, Sockaddr::from_ip(host))
        .with(RTAX_GATEWAY, Sockaddr::from_ip_zone(gateway, gateway_zone));
    Ok(m)
}

/// `RTM_GET` for `dst`: with `prefix_len` the lookup is exact (a full
/// 16/28-byte mask is sent), without it longest-match; with `scope` the
/// lookup is scoped (`RTF_IFSCOPE` + `rtm_index`). An empty `RTA_IFP`
/// asks the kernel to report the interface (and `RTA_IFA` comes back too
/// only if asked; it is not).
///
/// A prefix length past the family's maximum is clamped to it.
pub fn get_route(
    dst: IpAddr,
    prefix_len: Option<u8>,
    scope: Option<u16>,
    seq: i32,
    pid: i32,
) -> RouteMessage {
    let mut flags = RouteFlags::UP | RouteFlags::GATEWAY | RouteFlags::STATIC;
    if prefix_len.is_none() {
        flags |= RouteFlags::HOST;
    }
    if scope.is_some() {
        flags |= RouteFlags::IFSCOPE;
    }
    let mut m = request(RTM_GET, flags, scope.unwrap_or(0), seq, pid);
    m.addrs.set(RTAX_DST, Some(Sockaddr::from_ip(dst)));
    if let Some(len) = prefix_len {
        let family = Family::of(dst);
        let mask = IpPrefix::new_truncating(dst, len.min(family.max_len()))
            .map(|p| p.netmask())
            .unwrap_or_else(|_| unspecified(family));
        m.addrs.set(RTAX_NETMASK, Some(Sockaddr::from_ip(mask)));
    }
    m.addrs
        .set(RTAX_IFP, Some(Sockaddr::Link(SockaddrDl::empty())));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_default_v4_via_router() {
        let m = scoped_default(
            RouteOp::Add,
            Family::V4,
            4,
            &NextHop::Ip {
                addr: "192.168.1.1".parse().expect("addr"),
                zone: None,
            },
            ProtoFlag::default(),
            7,
            99,
        )
        .expect("build");
        let b = m.to_bytes();
        assert_eq!(b.len(), 92 + 16 * 3);
        assert_eq!(&b[2..6], &[5, RTM_ADD, 4, 0]);
        let flags = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
        assert_eq!(flags, 0x0100_8803); // UP|GATEWAY|STATIC|PROTO1|IFSCOPE
        assert_eq!(b[12], 0x07);
        assert_eq!(&b[20..24], &7i32.to_le_bytes());
        assert_eq!(&b[124..128], &[0x10, 2, 0, 0]);
        assert!(b[128..140].iter().all(|&x| x == 0), "all-zero 16-byte mask");
    }

    #[test]
    fn scoped_default_v6_link_local_gateway_embeds_the_zone() {
        let m = scoped_default(
            RouteOp::Delete,
            Family::V6,
            13,
            &NextHop::Ip {
                addr: "fe80::2d0:4cff:fe10:15d2".parse().expect("addr"),
                zone: Some(13),
            },
            ProtoFlag::Proto2,
            1,
            0,
        )
        .expect("build");
        let b = m.to_bytes();
        assert_eq!(b.len(), 92 + 28 * 3);
        assert_eq!(&b[120..124], &[0x1c, 0x1e, 0, 0]);
        assert_eq!(&b[128..132], &[0xfe, 0x80, 0, 13], "zone in bytes 2-3");
        assert_eq!(&b[144..148], &[0, 0, 0, 0], "scope_id 0");
    }

    #[test]
    fn scoped_default_via_interface_has_no_gateway_flag() {
        let m = scoped_default(
            RouteOp::Add,
            Family::V4,
            33,
            &NextHop::Link(SockaddrDl::new(33, IFT_OTHER, "utun4", &[])),
            ProtoFlag::Proto1,
            1,
            0,
        )
        .expect("build");
        assert!(!m.header.flags.contains(RouteFlags::GATEWAY));
        assert_eq!(
            m.addrs
                .gateway()
                .and_then(|g| g.as_link())
                .map(|l| l.name()),
            Some(&b"utun4"[..])
        );
    }

    #[test]
    fn rejects_gateway_of_the_other_family() {
        let r = scoped_default(
            RouteOp::Add,
            Family::V6,
            4,
            &NextHop::Ip {
                addr: "192.0.2.1".parse().expect("addr"),
                zone: None,
            },
            ProtoFlag::Proto1,
            1,
            0,
        );
        assert_eq!(r, Err(ConvertError::FamilyMismatch));
    }

    #[test]
    fn host_exclusion_has_no_netmask() {
        let m = host_exclusion(
            RouteOp::Add,
            "198.51.100.7".parse().expect("addr"),
            "192.0.2.1".parse().expect("addr"),
            None,
            ProtoFlag::Proto1,
            3,
            0,
        )
        .expect("build");
        assert_eq!(m.addrs.bits(), RTA_DST | RTA_GATEWAY);
        assert_eq!(m.header.flags.bits(), 0x8807);
        assert_eq!(m.buffer_len(), 124);
    }

    #[test]
    fn get_route_matches_route8_layout() {
        // route -n get 8.8.8.8: 92 + 16 + 20 = 128, DST|IFP.
        let m = get_route("8.8.8.8".parse().expect("addr"), None, None, 5, 0);
        let b = m.to_bytes();
        assert_eq!(b.len(), 128);
        assert_eq!(b[12], 0x11);
        assert_eq!(&b[108..112], &[0x14, 0x12, 0, 0]);
        assert_eq!(m.header.flags.bits(), 0x807);
        let scoped = get_route("0.0.0.0".parse().expect("addr"), Some(0), Some(4), 6, 0);
        assert_eq!(scoped.header.index, 4);
        assert_eq!(scoped.header.flags.bits(), 0x0100_0803);
        assert_eq!(scoped.addrs.bits(), 0x15);
        assert_eq!(scoped.buffer_len(), 92 + 16 + 16 + 20);
    }
}
