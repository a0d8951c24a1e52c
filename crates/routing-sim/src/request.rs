//! How `route_output` reads a message a process wrote: `rt_xaddrs`, the
//! sockaddr checks of darwin-route-socket.md §5.1 (rows 6–12), and the
//! in-place edits the echo then carries.
//!
//! This is the kernel's reading, not a general decoder: a zero-length
//! sockaddr ends parsing (it and every later one become absent, except that
//! the zero-length slot itself reads as an all-zero `AF_INET` sockaddr),
//! "tiny" sockaddrs are copied into a zeroed 16-byte buffer, an IPv4
//! sockaddr of any length from 8 up is read as 16, and only sockaddrs that
//! live in the message buffer are edited in place.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use routing_core::model::{mask_len, Family, Gateway, RouteFlags};

use crate::errno::Errno;
use crate::msg::RT_MSGHDR_LEN;
use routing_core::wire::pf_route::{RouteHeaderBuffer, RtMetrics};

use routing_core::wire::pf_route::consts::{AF_INET, AF_INET6, AF_LINK, AF_MAX};

/// `sizeof(struct sockaddr_storage)`.
const SS_MAXLEN: usize = 128;

/// Where a parsed sockaddr's bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SaBytes {
    /// In the message buffer at this offset, this long.
    InBuffer(usize, usize),
    /// A private copy (tiny sockaddrs, the zero-length placeholder).
    Copy(Vec<u8>),
}

/// A sockaddr as the kernel understood it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sockaddr {
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address with its zone (from `sin6_scope_id`, or the KAME
    /// bytes for link-local addresses written with them).
    V6(Ipv6Addr, Option<u32>),
    /// A link-layer sockaddr.
    Link {
        /// `sdl_index`.
        index: u32,
        /// The name, if any.
        name: Option<String>,
        /// The link-layer address.
        lladdr: Vec<u8>,
    },
    /// Any other family.
    Other(u8),
}

impl Sockaddr {
    /// The IP address, if it is one.
    pub(crate) fn ip(&self) -> Option<IpAddr> {
        match self {
            Sockaddr::V4(a) => Some(IpAddr::V4(*a)),
            Sockaddr::V6(a, _) => Some(IpAddr::V6(*a)),
            _ => None,
        }
    }

    /// The zone of an IPv6 address.
    pub(crate) fn zone(&self) -> Option<u32> {
        match self {
            Sockaddr::V6(_, zone) => *zone,
            _ => None,
        }
    }

    /// As a route gateway.
    pub(crate) fn to_gateway(&self) -> Option<Gateway> {
        match self {
            Sockaddr::V4(a) => Some(Gateway::ip(IpAddr::V4(*a))),
            Sockaddr::V6(a, zone) => Some(Gateway::Ip {
                addr: IpAddr::V6(*a),
                zone: zone.filter(|_| routing_core::model::table::has_embedded_scope(a)),
            }),
            Sockaddr::Link {
                index,
                name,
                lladdr,
            } => Some(Gateway::Link {
                index: *index,
                name: name.clone(),
                lladdr: lladdr.clone(),
            }),
            Sockaddr::Other(_) => None,
        }
    }
}

/// A routing message as `route_output` sees it after its checks.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The kernel's copy of the message, edited in place; it becomes the
    /// echo unless a report replaces it.
    pub(crate) buf: Vec<u8>,
    /// `rtm_type`.
    pub(crate) rtm_type: u8,
    /// `rtm_flags`.
    pub(crate) flags: RouteFlags,
    /// `rtm_addrs` as written.
    pub(crate) addrs: i32,
    /// The scope: `rtm_index` when `RTF_IFSCOPE` is set and it is not 0.
    pub(crate) scope: Option<u32>,
    /// `rtm_inits`.
    pub(crate) inits: u32,
    /// `rtm_rmx`.
    pub(crate) rmx: RtMetrics,
    /// DST, GATEWAY, NETMASK, GENMASK, IFP, IFA, AUTHOR, BRD.
    pub(crate) sa: [Option<Sockaddr>; 8],
    /// The prefix length of NETMASK, if one was given.
    pub(crate) mask_len: Option<u8>,
    /// The delivery tag chosen so far (`dst_sa_family`): the DST family
    /// when an IPv4 DST had to be copied because its length was not 16.
    pub(crate) tag: i32,
}

impl Request {
    /// The destination address (DST is required, so always present).
    pub(crate) fn dst(&self) -> Option<IpAddr> {
        self.sa[0].as_ref().and_then(Sockaddr::ip)
    }
}

/// `rt_xaddrs`: where each sockaddr is. The outer `Err` is `EINVAL`.
fn xaddrs(buf: &[u8], bits: i32) -> Result<[Option<SaBytes>; 8], Errno> {
    let mut out: [Option<SaBytes>; 8] = Default::default();
    let mut cp = RT_MSGHDR_LEN;
    for (i, slot) in out.iter_mut().enumerate() {
        if cp >= buf.len() {
            break;
        }
        if bits & (1 << i) == 0 {
            continue;
        }
        let len = usize::from(buf[cp]);
        if cp + len > buf.len() || len > SS_MAXLEN {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            // "There are no more": point at a zeroed AF_INET sockaddr, stop.
            let mut zero = vec![0u8; 16];
            zero[0] = 16;
            zero[1] = AF_INET;
            *slot = Some(SaBytes::Copy(zero));
            return Ok(out);
        }
        if len < 2 {
            return Err(Errno::EINVAL);
        }
        *slot = Some(if len < 16 {
            let mut tiny = vec![0u8; 16];
            tiny[..len].copy_from_slice(&buf[cp..cp + len]);
            SaBytes::Copy(tiny)
        } else {
            SaBytes::InBuffer(cp, len)
        });
        cp += crate::msg::roundup32(len);
    }
    Ok(out)
}

/// Runs the sockaddr checks of §5.1 (rows 6–12) on the kernel's copy of a
/// message whose length and version were already checked, edits it in
/// place, and reads it. `Err` carries the errno and the (possibly edited)
/// buffer, which becomes the echo.
pub(crate) fn parse(mut buf: Vec<u8>) -> Result<Request, (Errno, Vec<u8>, i32)> {
    let header = RouteHeaderBuffer::new_unchecked(&buf[..RT_MSGHDR_LEN]);
    let bits = header.addrs() as i32;
    let flags = header.flags();
    let index = u32::from(header.index());
    let inits = header.inits();
    let rmx = header.metrics();
    let located = match xaddrs(&buf, bits) {
        Ok(l) => l,
        Err(e) => return Err((e, buf, 0)),
    };
    let bytes_of = |buf: &[u8], loc: &SaBytes| -> Vec<u8> {
        match loc {
            SaBytes::InBuffer(at, len) => buf[*at..*at + *len].to_vec(),
            SaBytes::Copy(b) => b.clone(),
        }
    };
    let mut tag = 0;
    let Some(dst_loc) = located[0].clone() else {
        return Err((Errno::EINVAL, buf, tag));
    };
    let dst_bytes = bytes_of(&buf, &dst_loc);
    let gw_bytes = located[1].as_ref().map(|l| bytes_of(&buf, l));
    for sa in std::iter::once(&dst_bytes).chain(gw_bytes.iter()) {
        if sa[1] >= AF_MAX {
            return Err((Errno::EINVAL, buf, tag));
        }
    }
    // Row 8: short inet sockaddrs.
    for (i, sa) in std::iter::once(&dst_bytes)
        .chain(gw_bytes.iter())
        .enumerate()
    {
        let short = match sa[1] {
            AF_INET => usize::from(sa[0]) < 8,
            AF_INET6 => usize::from(sa[0]) < 28,
            _ => false,
        };
        if short {
            return Err((Errno::EINVAL, buf, tag));
        }
        if i == 0 && sa[1] == AF_INET && sa[0] != 16 {
            tag = i32::from(AF_INET);
        }
    }
    let dst_family = dst_bytes[1];
    if flags.contains(RouteFlags::IFSCOPE) && dst_family != AF_INET && dst_family != AF_INET6 {
        return Err((Errno::EINVAL, buf, tag));
    }
    if flags.contains(RouteFlags::PROXY) {
        return Err((Errno::EINVAL, buf, tag));
    }
    // Row 12: the in-place edits.
    for loc in located.iter().take(2).flatten() {
        if let SaBytes::InBuffer(at, 16) = loc {
            if buf[at + 1] == AF_INET {
                buf[at + 8..at + 12].fill(0);
            }
        }
    }
    if let SaBytes::InBuffer(at, len) = dst_loc {
        if buf[at + 1] == AF_INET6 && len >= 28 {
            let addr = &buf[at + 8..at + 24];
            let embeds = is_scope_embed(addr) && !is_unicast_based_multicast(addr);
            let scope_id = u32_at(&buf, at + 24);
            if embeds && scope_id == 0 {
                let zone = u16::from_be_bytes([buf[at + 10], buf[at + 11]]);
                buf[at + 24..at + 28].copy_from_slice(&u32::from(zone).to_le_bytes());
                buf[at + 10..at + 12].fill(0);
            }
        }
    }
    // Read everything, from the edited buffer.
    let mut sa: [Option<Sockaddr>; 8] = Default::default();
    for (i, loc) in located.iter().enumerate() {
        if let Some(loc) = loc {
            sa[i] = Some(read_sockaddr(&bytes_of(&buf, loc)));
        }
    }
    let family = match dst_family {
        AF_INET6 => Family::V6,
        _ => Family::V4,
    };
    let mask_len = match &located[2] {
        Some(loc) => match read_mask(&bytes_of(&buf, loc), family) {
            Some(len) => Some(len),
            None => return Err((Errno::EINVAL, buf, tag)),
        },
        None => None,
    };
    Ok(Request {
        rtm_type: buf[3],
        flags,
        addrs: bits,
        scope: (flags.contains(RouteFlags::IFSCOPE) && index != 0).then_some(index),
        inits,
        rmx,
        sa,
        mask_len,
        tag,
        buf,
    })
}

/// Reads one sockaddr (at least 16 bytes: tiny ones were padded).
fn read_sockaddr(sa: &[u8]) -> Sockaddr {
    let len = usize::from(sa[0]).max(2).min(sa.len());
    match sa[1] {
        AF_INET => {
            let mut o = [0u8; 4];
            o.copy_from_slice(&sa[4..8]);
            Sockaddr::V4(Ipv4Addr::from(o))
        }
        AF_INET6 if sa.len() >= 28 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&sa[8..24]);
            let scope_id = u32_at(sa, 24);
            let mut zone = (scope_id != 0).then_some(scope_id);
            if is_scope_embed(&o) {
                let embedded = u32::from(u16::from_be_bytes([o[2], o[3]]));
                if zone.is_none() && embedded != 0 {
                    zone = Some(embedded);
                }
                o[2] = 0;
                o[3] = 0;
            }
            Sockaddr::V6(Ipv6Addr::from(o), zone)
        }
        AF_LINK => {
            let index = u32::from(u16::from_le_bytes([sa[2], sa[3]]));
            let nlen = usize::from(sa[5]);
            let alen = usize::from(sa[6]);
            let data = &sa[8.min(len)..len];
            let name = (nlen > 0 && nlen <= data.len())
                .then(|| String::from_utf8_lossy(&data[..nlen]).into_owned());
            let lladdr = data
                .get(nlen..nlen + alen)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            Sockaddr::Link {
                index,
                name,
                lladdr,
            }
        }
        other => Sockaddr::Other(other),
    }
}

/// The prefix length of a netmask sockaddr, read from offset 4 (IPv4) or
/// 8 (IPv6) up to `sa_len`, its own family byte ignored. `None` for a mask
/// with holes, which the simulation does not model.
fn read_mask(sa: &[u8], family: Family) -> Option<u8> {
    let (skip, width) = match family {
        Family::V4 => (4, 4),
        Family::V6 => (8, 16),
    };
    let len = usize::from(sa[0]).min(sa.len());
    let mut bytes = vec![0u8; width];
    for (i, b) in bytes.iter_mut().enumerate() {
        if skip + i < len {
            *b = sa[skip + i];
        }
    }
    let addr = match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        Family::V6 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&bytes);
            IpAddr::V6(Ipv6Addr::from(o))
        }
    };
    mask_len(addr)
}

/// `IN6_IS_SCOPE_EMBED`: link-local unicast, interface- and link-local
/// multicast.
fn is_scope_embed(addr: &[u8]) -> bool {
    (addr[0] == 0xfe && addr[1] & 0xc0 == 0x80)
        || (addr[0] == 0xff && matches!(addr[1] & 0x0f, 0x1 | 0x2))
}

/// `IN6_IS_ADDR_UNICAST_BASED_MULTICAST`: multicast with the P flag.
fn is_unicast_based_multicast(addr: &[u8]) -> bool {
    addr[0] == 0xff && addr[1] & 0x20 != 0
}

/// A little-endian `u32` at `at` of the kernel's copy (0 past the end).
fn u32_at(buf: &[u8], at: usize) -> u32 {
    buf.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
