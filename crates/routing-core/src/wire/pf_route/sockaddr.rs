//! Socket addresses as they sit in routing messages.
//!
//! ```text
//!  sockaddr_in (16)                    sockaddr_in6 (28)
//!  off size field                      off size field
//!    0   1  sin_len (16)                 0   1  sin6_len (28)
//!    1   1  sin_family (2)               1   1  sin6_family (30)
//!    2   2  sin_port (BE)                2   2  sin6_port (BE)
//!    4   4  sin_addr (BE)                4   4  sin6_flowinfo (BE)
//!    8   8  sin_zero (kept as read)      8  16  sin6_addr; fe80::/10, ff?1::, ff?2::
//!                                                carry the KAME zone in bytes 2-3 (BE)
//!                                       24   4  sin6_scope_id (host order, LE)
//! ```
//!
//! `sa_family` is one byte on Darwin. A sockaddr of length 0 still takes
//! 4 bytes in a message ([`Sockaddr::Empty`] keeps them, since senders
//! leave a family byte there: `00 02 00 00`, `00 1e 00 00`). Anything that
//! is not a well-formed `sockaddr_in`, `sockaddr_in6` or `sockaddr_dl`
//! (kernel netmasks with family 0xff, route(8)'s trimmed masks, short
//! addresses, other families) is kept byte for byte as [`Sockaddr::Raw`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::bytes::SaBytes;
use super::consts::{AF_INET, AF_INET6};
use super::endian;
use super::link::SockaddrDl;

/// `sizeof(struct sockaddr_in)`.
pub const SOCKADDR_IN_LEN: usize = 16;
/// `sizeof(struct sockaddr_in6)`.
pub const SOCKADDR_IN6_LEN: usize = 28;

/// `ROUNDUP32`: `n` rounded up to a multiple of 4, with `ROUNDUP32(0) == 4`.
pub const fn roundup32(n: usize) -> usize {
    if n == 0 {
        4
    } else {
        (n + 3) & !3
    }
}

/// A `sockaddr_in`, with `sin_zero` kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SockaddrIn {
    /// `sin_port`.
    pub port: u16,
    /// `sin_addr`.
    pub addr: Ipv4Addr,
    /// `sin_zero` (the kernel's scope lives in 8..12 internally; zero on output).
    pub zero: [u8; 8],
}

impl SockaddrIn {
    /// An address with port 0 and zero padding.
    pub fn new(addr: Ipv4Addr) -> SockaddrIn {
        SockaddrIn {
            port: 0,
            addr,
            zero: [0; 8],
        }
    }
}

/// A `sockaddr_in6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SockaddrIn6 {
    /// `sin6_port`.
    pub port: u16,
    /// `sin6_flowinfo`.
    pub flowinfo: u32,
    /// `sin6_addr`, as on the wire (a KAME-embedded zone included).
    pub addr: Ipv6Addr,
    /// `sin6_scope_id`.
    pub scope_id: u32,
}

impl SockaddrIn6 {
    /// An address with port, flowinfo and scope id 0.
    pub fn new(addr: Ipv6Addr) -> SockaddrIn6 {
        SockaddrIn6 {
            port: 0,
            flowinfo: 0,
            addr,
            scope_id: 0,
        }
    }

    /// An address with its zone embedded KAME-style in bytes 2-3 (as
    /// route(8) writes link-local gateways and XNU writes link-local
    /// destinations), `scope_id` 0. Addresses without an embeddable scope,
    /// and zones above 65535, are left as they are.
    pub fn with_embedded_zone(addr: Ipv6Addr, zone: Option<u32>) -> SockaddrIn6 {
        let addr = match zone.and_then(|z| u16::try_from(z).ok()) {
            Some(z) if has_embeddable_scope(&addr) => embed_zone(addr, z),
            _ => addr,
        };
        SockaddrIn6::new(addr)
    }

    /// The zone, the way netstat decodes it: `sin6_scope_id` when non-zero,
    /// else the embedded index of a scoped address.
    pub fn zone(&self) -> Option<u32> {
        if self.scope_id != 0 {
            return Some(self.scope_id);
        }
        embedded_zone(&self.addr).map(u32::from)
    }

    /// The address with an embedded zone cleared.
    pub fn addr_without_zone(&self) -> Ipv6Addr {
        clear_embedded_zone(self.addr)
    }
}

/// Whether XNU embeds a zone into this address: link-local unicast
/// (fe80::/10), interface-local (ffx1::) and link-local (ffx2::) multicast.
pub fn has_embeddable_scope(addr: &Ipv6Addr) -> bool {
    let o = addr.octets();
    (o[0] == 0xfe && o[1] & 0xc0 == 0x80) || (o[0] == 0xff && matches!(o[1] & 0x0f, 1 | 2))
}

/// The KAME zone in bytes 2-3 of a scoped address, if non-zero.
pub fn embedded_zone(addr: &Ipv6Addr) -> Option<u16> {
    let o = addr.octets();
    let z = u16::from_be_bytes([o[2], o[3]]);
    (has_embeddable_scope(addr) && z != 0).then_some(z)
}

/// The address with `zone` written into bytes 2-3.
pub fn embed_zone(addr: Ipv6Addr, zone: u16) -> Ipv6Addr {
    let mut o = addr.octets();
    o[2..4].copy_from_slice(&zone.to_be_bytes());
    Ipv6Addr::from(o)
}

/// The address with bytes 2-3 cleared if it has an embeddable scope.
pub fn clear_embedded_zone(addr: Ipv6Addr) -> Ipv6Addr {
    if has_embeddable_scope(&addr) {
        embed_zone(addr, 0)
    } else {
        addr
    }
}

/// Bytes kept exactly as read. INVARIANT: `bytes[0] == bytes.len()`, and
/// `1 <= len <= 255`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawSockaddr {
    bytes: SaBytes,
}

impl RawSockaddr {
    /// A raw sockaddr from its bytes; byte 0 is set to the length.
    /// `None` for no bytes or more than 255.
    pub fn new(bytes: &[u8]) -> Option<RawSockaddr> {
        if bytes.is_empty() || bytes.len() > 255 {
            return None;
        }
        let mut raw = RawSockaddr {
            bytes: SaBytes::new(bytes),
        };
        if raw.bytes[0] as usize != bytes.len() {
            let mut v = bytes.to_vec();
            v[0] = bytes.len() as u8;
            raw.bytes = SaBytes::new(&v);
        }
        Some(raw)
    }

    /// The bytes, `sa_len` first.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `sa_family`, or 0 for a 1-byte sockaddr.
    pub fn family(&self) -> u8 {
        self.bytes.get(1).copied().unwrap_or(0)
    }
}

/// One sockaddr in an address slot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Sockaddr {
    /// A 16-byte `AF_INET` sockaddr.
    Inet(SockaddrIn),
    /// A 28-byte `AF_INET6` sockaddr.
    Inet6(SockaddrIn6),
    /// A consistent `AF_LINK` sockaddr.
    Link(SockaddrDl),
    /// `sa_len` 0: a 4-byte slot, kept raw (byte 0 is 0).
    Empty {
        /// The 4 bytes of the slot, e.g. `00 02 00 00` from route(8).
        raw: [u8; 4],
    },
    /// Anything else, byte for byte.
    Raw(RawSockaddr),
}

impl Sockaddr {
    /// A zero-length sockaddr, `00 00 00 00` (the kernel's /0 netmask).
    pub const EMPTY: Sockaddr = Sockaddr::Empty { raw: [0; 4] };

    /// A plain `sockaddr_in` or `sockaddr_in6` (no zone).
    pub fn from_ip(addr: IpAddr) -> Sockaddr {
        match addr {
            IpAddr::V4(a) => Sockaddr::Inet(SockaddrIn::new(a)),
            IpAddr::V6(a) => Sockaddr::Inet6(SockaddrIn6::new(a)),
        }
    }

    /// An IP sockaddr; an IPv6 zone is KAME-embedded (see
    /// [`SockaddrIn6::with_embedded_zone`]).
    pub fn from_ip_zone(addr: IpAddr, zone: Option<u32>) -> Sockaddr {
        match addr {
            IpAddr::V4(a) => Sockaddr::Inet(SockaddrIn::new(a)),
            IpAddr::V6(a) => Sockaddr::Inet6(SockaddrIn6::with_embedded_zone(a, zone)),
        }
    }

    /// Reads one sockaddr from exactly its bytes: `sa_len` bytes, or 4
    /// for `sa_len` 0. Never fails: what is not typed is kept raw.
    ///
    /// # Panics
    /// If `b` is empty (a bug in the caller, which frames the slot).
    pub fn from_exact(b: &[u8]) -> Sockaddr {
        let family = b.get(1).copied().unwrap_or(0);
        match (b[0] as usize, family) {
            (0, _) => Sockaddr::Empty {
                raw: [b[0], family, b[2], b[3]],
            },
            (SOCKADDR_IN_LEN, AF_INET) if b.len() == SOCKADDR_IN_LEN => {
                let mut zero = [0; 8];
                zero.copy_from_slice(&b[8..16]);
                Sockaddr::Inet(SockaddrIn {
                    port: u16::from_be_bytes([b[2], b[3]]),
                    addr: Ipv4Addr::new(b[4], b[5], b[6], b[7]),
                    zero,
                })
            }
            (SOCKADDR_IN6_LEN, AF_INET6) if b.len() == SOCKADDR_IN6_LEN => {
                let mut a = [0; 16];
                a.copy_from_slice(&b[8..24]);
                Sockaddr::Inet6(SockaddrIn6 {
                    port: u16::from_be_bytes([b[2], b[3]]),
                    flowinfo: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
                    addr: Ipv6Addr::from(a),
                    scope_id: endian::u32_at(b, 24),
                })
            }
            _ => match SockaddrDl::parse(b) {
                Some(sdl) => Sockaddr::Link(sdl),
                // `b` is non-empty and at most 255 bytes (framed by sa_len).
                None => RawSockaddr::new(b).map_or(Sockaddr::EMPTY, Sockaddr::Raw),
            },
        }
    }

    /// `sa_len` (0 for [`Sockaddr::Empty`]).
    pub fn sa_len(&self) -> usize {
        match self {
            Sockaddr::Inet(_) => SOCKADDR_IN_LEN,
            Sockaddr::Inet6(_) => SOCKADDR_IN6_LEN,
            Sockaddr::Link(l) => l.sa_len(),
            Sockaddr::Empty { .. } => 0,
            Sockaddr::Raw(r) => r.as_bytes().len(),
        }
    }

    /// The bytes the sockaddr itself occupies: `sa_len`, or 4 when empty.
    pub fn wire_len(&self) -> usize {
        match self {
            Sockaddr::Empty { .. } => 4,
            other => other.sa_len(),
        }
    }

    /// `ROUNDUP32(sa_len)`: the slot size when padded.
    pub fn padded_len(&self) -> usize {
        roundup32(self.sa_len())
    }

    /// `sa_family`.
    pub fn family(&self) -> u8 {
        match self {
            Sockaddr::Inet(_) => AF_INET,
            Sockaddr::Inet6(_) => AF_INET6,
            Sockaddr::Link(_) => super::consts::AF_LINK,
            Sockaddr::Empty { raw } => raw[1],
            Sockaddr::Raw(r) => r.family(),
        }
    }

    /// Writes the [`Sockaddr::wire_len`] bytes (no padding).
    ///
    /// # Panics
    /// If `b` is shorter than [`Sockaddr::wire_len`].
    pub fn emit(&self, b: &mut [u8]) {
        match self {
            Sockaddr::Inet(s) => {
                b[0] = SOCKADDR_IN_LEN as u8;
                b[1] = AF_INET;
                b[2..4].copy_from_slice(&s.port.to_be_bytes());
                b[4..8].copy_from_slice(&s.addr.octets());
                b[8..16].copy_from_slice(&s.zero);
            }
            Sockaddr::Inet6(s) => {
                b[0] = SOCKADDR_IN6_LEN as u8;
                b[1] = AF_INET6;
                b[2..4].copy_from_slice(&s.port.to_be_bytes());
                b[4..8].copy_from_slice(&s.flowinfo.to_be_bytes());
                b[8..24].copy_from_slice(&s.addr.octets());
                endian::put_u32(b, 24, s.scope_id);
            }
            Sockaddr::Link(l) => l.emit(b),
            Sockaddr::Empty { raw } => b[..4].copy_from_slice(raw),
            Sockaddr::Raw(r) => b[..r.as_bytes().len()].copy_from_slice(r.as_bytes()),
        }
    }

    /// The bytes, unpadded.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = vec![0; self.wire_len()];
        self.emit(&mut v);
        v
    }

    /// The IP address, as on the wire (an embedded zone is not removed):
    /// from a typed sockaddr, or a raw `AF_INET` of at least 8 bytes /
    /// `AF_INET6` of at least 24 (the kernel accepts those lengths).
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Sockaddr::Inet(s) => Some(IpAddr::V4(s.addr)),
            Sockaddr::Inet6(s) => Some(IpAddr::V6(s.addr)),
            Sockaddr::Raw(r) => {
                let b = r.as_bytes();
                match r.family() {
                    AF_INET if b.len() >= 8 => {
                        Some(IpAddr::V4(Ipv4Addr::new(b[4], b[5], b[6], b[7])))
                    }
                    AF_INET6 if b.len() >= 24 => {
                        let mut a = [0; 16];
                        a.copy_from_slice(&b[8..24]);
                        Some(IpAddr::V6(Ipv6Addr::from(a)))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The IP address with the zone decoded (embedded zone cleared from
    /// the address), for `sockaddr_in`/`sockaddr_in6`.
    pub fn ip_zone(&self) -> Option<(IpAddr, Option<u32>)> {
        match self {
            Sockaddr::Inet6(s) => Some((IpAddr::V6(s.addr_without_zone()), s.zone())),
            other => match other.ip()? {
                IpAddr::V6(a) => Some((
                    IpAddr::V6(clear_embedded_zone(a)),
                    embedded_zone(&a).map(u32::from),
                )),
                v4 => Some((v4, None)),
            },
        }
    }

    /// The link sockaddr, if this is one.
    pub fn as_link(&self) -> Option<&SockaddrDl> {
        match self {
            Sockaddr::Link(l) => Some(l),
            _ => None,
        }
    }
}

impl From<SockaddrDl> for Sockaddr {
    fn from(l: SockaddrDl) -> Sockaddr {
        Sockaddr::Link(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(bytes: &[u8]) -> Sockaddr {
        let sa = Sockaddr::from_exact(bytes);
        assert_eq!(sa.to_bytes(), bytes, "{sa:?}");
        sa
    }

    #[test]
    fn roundup32_of_zero_is_four() {
        assert_eq!(roundup32(0), 4);
        assert_eq!(roundup32(1), 4);
        assert_eq!(roundup32(7), 8);
        assert_eq!(roundup32(20), 20);
        assert_eq!(roundup32(28), 28);
    }

    #[test]
    fn parses_sockaddr_in() {
        let b = [0x10, 2, 0, 0, 192, 168, 86, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let sa = round_trip(&b);
        assert_eq!(
            sa,
            Sockaddr::Inet(SockaddrIn::new(Ipv4Addr::new(192, 168, 86, 0)))
        );
    }

    #[test]
    fn keeps_sin_zero() {
        let b = [0x10, 2, 0, 0, 10, 0, 0, 1, 4, 0, 0, 0, 0, 0, 0, 0];
        let Sockaddr::Inet(s) = round_trip(&b) else {
            panic!("inet")
        };
        assert_eq!(s.zero, [4, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn link_local_gateway_zone_is_decoded_from_bytes_2_3() {
        // Fixture 3's gateway: fe80:21::f22f:4bff:fe09:3bff, scope_id 0.
        let mut b = [0u8; 28];
        b[0] = 0x1c;
        b[1] = 0x1e;
        b[8..24].copy_from_slice(
            &"fe80:21::f22f:4bff:fe09:3bff"
                .parse::<Ipv6Addr>()
                .expect("addr")
                .octets(),
        );
        let sa = round_trip(&b);
        let (addr, zone) = sa.ip_zone().expect("ip");
        assert_eq!(
            addr,
            "fe80::f22f:4bff:fe09:3bff".parse::<IpAddr>().expect("addr")
        );
        assert_eq!(zone, Some(33));
        let built = SockaddrIn6::with_embedded_zone(
            "fe80::f22f:4bff:fe09:3bff".parse().expect("addr"),
            Some(33),
        );
        assert_eq!(Sockaddr::Inet6(built).to_bytes(), b);
    }

    #[test]
    fn scope_id_wins_over_embedded_zone() {
        let s = SockaddrIn6 {
            scope_id: 7,
            ..SockaddrIn6::with_embedded_zone("fe80::1".parse().expect("addr"), Some(4))
        };
        assert_eq!(s.zone(), Some(7));
    }

    #[test]
    fn multicast_scopes_are_embeddable_but_global_is_not() {
        for (a, e) in [
            ("fe80::1", true),
            ("febf::1", true),
            ("ff02::1", true),
            ("ff01::1", true),
            ("ff12::1", true),
            ("ff05::1", false),
            ("2001:db8::1", false),
            ("fec0::1", false),
        ] {
            assert_eq!(has_embeddable_scope(&a.parse().expect("addr")), e, "{a}");
        }
    }

    #[test]
    fn zero_length_sockaddr_keeps_its_four_bytes() {
        let sa = round_trip(&[0, 2, 0, 0]);
        assert_eq!(sa, Sockaddr::Empty { raw: [0, 2, 0, 0] });
        assert_eq!((sa.sa_len(), sa.wire_len(), sa.padded_len()), (0, 4, 4));
        assert_eq!(sa.family(), 2);
    }

    #[test]
    fn kernel_netmask_is_raw() {
        let sa = round_trip(&[7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(sa, Sockaddr::Raw(_)));
        assert_eq!(sa.family(), 0xff);
        assert_eq!(sa.padded_len(), 8);
    }

    #[test]
    fn short_inet_is_raw_but_still_has_an_address() {
        let sa = round_trip(&[8, 2, 0, 0, 10, 1, 2, 3]);
        assert!(matches!(sa, Sockaddr::Raw(_)));
        assert_eq!(sa.ip(), Some("10.1.2.3".parse().expect("addr")));
    }

    #[test]
    fn one_byte_sockaddr_is_raw() {
        let sa = round_trip(&[1]);
        assert_eq!((sa.sa_len(), sa.family()), (1, 0));
    }
}
