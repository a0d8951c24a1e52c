//! Address families and validated IP prefixes.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An address family: the two the routing table knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Family {
    /// IPv4 (`AF_INET`).
    V4,
    /// IPv6 (`AF_INET6`).
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: IpAddr) -> Family {
        match addr {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// The longest prefix length of the family: 32 or 128.
    pub fn max_len(self) -> u8 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    /// The unspecified address of the family (`0.0.0.0` or `::`).
    pub fn unspecified(self) -> IpAddr {
        match self {
            Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }

    /// The netstat section title: `Internet` or `Internet6`.
    pub fn netstat_title(self) -> &'static str {
        match self {
            Family::V4 => "Internet",
            Family::V6 => "Internet6",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

/// Why a prefix was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefixError {
    /// The length is longer than the family allows.
    LengthTooLong {
        /// The length given.
        len: u8,
        /// The family's maximum (32 or 128).
        max: u8,
    },
    /// Bits are set past the prefix length (`192.0.2.1/24`).
    HostBitsSet,
    /// The text is not `ADDR` or `ADDR/LEN`.
    Syntax,
}

impl fmt::Display for PrefixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrefixError::LengthTooLong { len, max } => {
                write!(f, "prefix length {len} is longer than {max}")
            }
            PrefixError::HostBitsSet => f.write_str("address has bits set past the prefix length"),
            PrefixError::Syntax => f.write_str("expected ADDRESS or ADDRESS/LENGTH"),
        }
    }
}

impl std::error::Error for PrefixError {}

/// An IP prefix whose address has no bits set past its length.
///
/// INVARIANT: `len <= family max` and every bit of `addr` past `len` is zero.
/// The constructors are the only way in, so every `IpPrefix` is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpPrefix {
    addr: IpAddr,
    len: u8,
}

// A prefix length is not a collection length: there is no "empty" prefix.
#[allow(clippy::len_without_is_empty)]
impl IpPrefix {
    /// A prefix, refusing lengths past the family's maximum and set host bits.
    ///
    /// # Errors
    /// [`PrefixError::LengthTooLong`] or [`PrefixError::HostBitsSet`].
    pub fn new(addr: IpAddr, len: u8) -> Result<IpPrefix, PrefixError> {
        let truncated = IpPrefix::new_truncating(addr, len)?;
        if truncated.addr != addr {
            return Err(PrefixError::HostBitsSet);
        }
        Ok(truncated)
    }

    /// A prefix with the host bits cleared, as XNU stores a route key
    /// (`route add 10.1.2.3/8` stores `10.0.0.0/8`).
    ///
    /// # Errors
    /// [`PrefixError::LengthTooLong`].
    pub fn new_truncating(addr: IpAddr, len: u8) -> Result<IpPrefix, PrefixError> {
        let max = Family::of(addr).max_len();
        if len > max {
            return Err(PrefixError::LengthTooLong { len, max });
        }
        let addr = match addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask_v4(len))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask_v6(len))),
        };
        Ok(IpPrefix { addr, len })
    }

    /// The host prefix of an address (`/32` or `/128`).
    pub fn host(addr: IpAddr) -> IpPrefix {
        IpPrefix {
            addr,
            len: Family::of(addr).max_len(),
        }
    }

    /// The default prefix of a family (`0.0.0.0/0` or `::/0`).
    pub fn default_for(family: Family) -> IpPrefix {
        IpPrefix {
            addr: family.unspecified(),
            len: 0,
        }
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn len(&self) -> u8 {
        self.len
    }

    /// The family.
    pub fn family(&self) -> Family {
        Family::of(self.addr)
    }

    /// Whether this is a `/0`.
    pub fn is_default(&self) -> bool {
        self.len == 0
    }

    /// Whether this is a `/32` or `/128`.
    pub fn is_host(&self) -> bool {
        self.len == self.family().max_len()
    }

    /// Whether `addr` lies inside the prefix (always false across families).
    pub fn contains(&self, addr: IpAddr) -> bool {
        match (self.addr, addr) {
            (IpAddr::V4(net), IpAddr::V4(a)) => u32::from(a) & mask_v4(self.len) == u32::from(net),
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                u128::from(a) & mask_v6(self.len) == u128::from(net)
            }
            _ => false,
        }
    }

    /// Whether `other` lies wholly inside this prefix.
    pub fn covers(&self, other: &IpPrefix) -> bool {
        other.len >= self.len && self.contains(other.addr)
    }

    /// The netmask as an address (`255.255.255.0` for a /24).
    pub fn netmask(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(mask_v4(self.len))),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(mask_v6(self.len))),
        }
    }
}

/// The length of a contiguous netmask (`255.255.255.0` gives 24), or `None`
/// when the mask has holes.
pub fn mask_len(mask: IpAddr) -> Option<u8> {
    let (bits, width) = match mask {
        IpAddr::V4(m) => (u128::from(u32::from(m)) << 96, 32),
        IpAddr::V6(m) => (u128::from(m), 128),
    };
    let len = bits.leading_ones();
    let contiguous = len == 128 || bits << len == 0;
    (contiguous && len <= width).then_some(len as u8)
}

fn mask_v4(len: u8) -> u32 {
    match len {
        0 => 0,
        l => u32::MAX << (32 - u32::from(l.min(32))),
    }
}

fn mask_v6(len: u8) -> u128 {
    match len {
        0 => 0,
        l => u128::MAX << (128 - u32::from(l.min(128))),
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl FromStr for IpPrefix {
    type Err = PrefixError;

    /// Parses `ADDR/LEN` (strict: host bits must be clear) or a bare
    /// address, which means the host prefix.
    fn from_str(s: &str) -> Result<IpPrefix, PrefixError> {
        match s.split_once('/') {
            Some((addr, len)) => {
                let addr: IpAddr = addr.parse().map_err(|_| PrefixError::Syntax)?;
                let len: u8 = len.parse().map_err(|_| PrefixError::Syntax)?;
                IpPrefix::new(addr, len)
            }
            None => Ok(IpPrefix::host(s.parse().map_err(|_| PrefixError::Syntax)?)),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for IpPrefix {
    /// As text, `192.0.2.0/24`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for IpPrefix {
    /// From text, validated like [`FromStr`].
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<IpPrefix, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> IpPrefix {
        s.parse().expect("valid prefix in test")
    }

    #[test]
    fn parses_and_displays_both_families() {
        assert_eq!(p("192.0.2.0/24").to_string(), "192.0.2.0/24");
        assert_eq!(p("2001:db8::/32").to_string(), "2001:db8::/32");
        assert_eq!(p("192.0.2.7").len(), 32);
        assert_eq!(p("::").len(), 128);
    }

    #[test]
    fn rejects_host_bits_and_long_lengths() {
        assert_eq!(
            "192.0.2.1/24".parse::<IpPrefix>(),
            Err(PrefixError::HostBitsSet)
        );
        assert_eq!(
            "192.0.2.0/33".parse::<IpPrefix>(),
            Err(PrefixError::LengthTooLong { len: 33, max: 32 })
        );
        assert_eq!(
            "2001:db8::/129".parse::<IpPrefix>().map(|_| ()),
            Err(PrefixError::LengthTooLong { len: 129, max: 128 })
        );
        assert_eq!("banana".parse::<IpPrefix>(), Err(PrefixError::Syntax));
        assert_eq!("192.0.2.0/x".parse::<IpPrefix>(), Err(PrefixError::Syntax));
    }

    #[test]
    fn truncating_clears_host_bits_like_xnu() {
        let t = IpPrefix::new_truncating("10.1.2.3".parse().expect("addr"), 8).expect("len ok");
        assert_eq!(t, p("10.0.0.0/8"));
    }

    #[test]
    fn contains_and_covers() {
        assert!(p("0.0.0.0/1").contains("127.0.0.1".parse().expect("addr")));
        assert!(!p("0.0.0.0/1").contains("128.0.0.1".parse().expect("addr")));
        assert!(p("0.0.0.0/0").contains("203.0.113.9".parse().expect("addr")));
        assert!(!p("0.0.0.0/0").contains("::1".parse().expect("addr")));
        assert!(p("2001:db8::/32").covers(&p("2001:db8:1::/48")));
        assert!(!p("2001:db8:1::/48").covers(&p("2001:db8::/32")));
    }

    #[test]
    fn mask_len_accepts_only_contiguous_masks() {
        assert_eq!(mask_len("255.255.255.0".parse().expect("mask")), Some(24));
        assert_eq!(mask_len("0.0.0.0".parse().expect("mask")), Some(0));
        assert_eq!(mask_len("255.255.255.255".parse().expect("mask")), Some(32));
        assert_eq!(mask_len("255.0.255.0".parse().expect("mask")), None);
        assert_eq!(
            mask_len("ffff:ffff:ffff:ffff::".parse().expect("mask")),
            Some(64)
        );
        assert_eq!(
            mask_len(
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
                    .parse()
                    .expect("mask")
            ),
            Some(128)
        );
    }
}
