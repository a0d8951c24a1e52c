//! Interfaces and their addresses as the simulated kernel keeps them:
//! more than the model's [`Interface`] (the `IFF_*` flags, the `IFT_*`
//! type, whether an address holds its interface route).

use std::net::IpAddr;

use routing_core::model::{Interface, InterfaceAddress, InterfaceKind, InterfaceRef};

/// `if_flags` bits (`bsd/net/if.h`).
pub mod iff {
    /// `IFF_UP`: administratively up.
    pub const UP: u32 = 0x1;
    /// `IFF_BROADCAST`.
    pub const BROADCAST: u32 = 0x2;
    /// `IFF_LOOPBACK`.
    pub const LOOPBACK: u32 = 0x8;
    /// `IFF_POINTOPOINT`.
    pub const POINTOPOINT: u32 = 0x10;
    /// `IFF_NOTRAILERS`, which `ifconfig` on macOS prints as `SMART`.
    pub const SMART: u32 = 0x20;
    /// `IFF_RUNNING`.
    pub const RUNNING: u32 = 0x40;
    /// `IFF_NOARP`.
    pub const NOARP: u32 = 0x80;
    /// `IFF_SIMPLEX`.
    pub const SIMPLEX: u32 = 0x800;
    /// `IFF_MULTICAST`.
    pub const MULTICAST: u32 = 0x8000;
}

/// `IFT_*` interface types (`bsd/net/if_types.h`).
pub mod ift {
    /// `IFT_OTHER`: `utun`, `ipsec`.
    pub const OTHER: u8 = 0x01;
    /// `IFT_ETHER`: `en*` (Wi-Fi included), `awdl`, `llw`, `anpi`.
    pub const ETHER: u8 = 0x06;
    /// `IFT_LOOP`: `lo0`.
    pub const LOOP: u8 = 0x18;
    /// `IFT_GIF`.
    pub const GIF: u8 = 0x37;
    /// `IFT_STF`.
    pub const STF: u8 = 0x39;
    /// `IFT_BRIDGE`.
    pub const BRIDGE: u8 = 0xd1;
    /// `IFT_CELLULAR`.
    pub const CELLULAR: u8 = 0xff;
}

/// What the kernel needs to attach an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceSpec {
    /// The index (`if_index`); unique, never 0.
    pub index: u32,
    /// The name (`en0`).
    pub name: String,
    /// The kind of link.
    pub kind: InterfaceKind,
    /// The `IFT_*` type; [`default_type`] of the kind when `None`.
    pub if_type: Option<u8>,
    /// The link-layer address (a MAC), empty if none.
    pub lladdr: Vec<u8>,
    /// The MTU.
    pub mtu: u32,
    /// Whether it comes up as soon as it is attached.
    pub up: bool,
}

/// The `IFT_*` type an interface of this kind has on a Mac.
pub fn default_type(kind: InterfaceKind) -> u8 {
    match kind {
        InterfaceKind::Loopback => ift::LOOP,
        InterfaceKind::Tunnel => ift::OTHER,
        InterfaceKind::Bridge => ift::BRIDGE,
        InterfaceKind::Cellular => ift::CELLULAR,
        InterfaceKind::Wifi
        | InterfaceKind::Ethernet
        | InterfaceKind::Awdl
        | InterfaceKind::Other => ift::ETHER,
    }
}

/// The `if_flags` an interface of this kind has while up, as `ifconfig`
/// shows them on a Mac: `en0` 0x8863, `lo0` 0x8049, `utun0` 0x8051.
pub fn default_flags(kind: InterfaceKind) -> u32 {
    match kind {
        InterfaceKind::Loopback => iff::UP | iff::LOOPBACK | iff::RUNNING | iff::MULTICAST,
        InterfaceKind::Tunnel | InterfaceKind::Cellular => {
            iff::UP | iff::POINTOPOINT | iff::RUNNING | iff::MULTICAST
        }
        _ => iff::UP | iff::BROADCAST | iff::SMART | iff::RUNNING | iff::SIMPLEX | iff::MULTICAST,
    }
}

/// An address configured on a simulated interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAddress {
    /// The address, without any zone.
    pub addr: IpAddr,
    /// The prefix length.
    pub prefix_len: u8,
    /// The broadcast address (broadcast links) or the peer (point-to-point).
    pub peer_or_broadcast: Option<IpAddr>,
    /// `ifa_flags`: `RTF_CLONING` for IPv4 addresses on ARP links.
    pub ifa_flags: u32,
    /// `IFA_ROUTE`: the address's interface route is installed.
    pub has_route: bool,
}

/// A simulated interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimInterface {
    /// The index.
    pub index: u32,
    /// The name.
    pub name: String,
    /// The kind.
    pub kind: InterfaceKind,
    /// The `IFT_*` type.
    pub if_type: u8,
    /// The link-layer address, empty if none.
    pub lladdr: Vec<u8>,
    /// The MTU.
    pub mtu: u32,
    /// `if_flags`.
    pub flags: u32,
    /// The addresses, in the order they were added.
    pub addresses: Vec<SimAddress>,
    /// Wall-clock seconds of the last up/down change (`ifi_lastchange`).
    pub last_change: i64,
}

impl SimInterface {
    /// A new interface from its spec, down until brought up.
    pub fn new(spec: &InterfaceSpec, now: i64) -> SimInterface {
        SimInterface {
            index: spec.index,
            name: spec.name.clone(),
            kind: spec.kind,
            if_type: spec.if_type.unwrap_or_else(|| default_type(spec.kind)),
            lladdr: spec.lladdr.clone(),
            mtu: spec.mtu,
            flags: default_flags(spec.kind) & !iff::UP,
            addresses: Vec::new(),
            last_change: now,
        }
    }

    /// Whether the interface is up (`IFF_UP`).
    pub fn is_up(&self) -> bool {
        self.flags & iff::UP != 0
    }

    /// Whether this is a loopback interface.
    pub fn is_loopback(&self) -> bool {
        self.flags & iff::LOOPBACK != 0
    }

    /// Whether this is a point-to-point interface.
    pub fn is_p2p(&self) -> bool {
        self.flags & iff::POINTOPOINT != 0
    }

    /// Whether ARP (IPv4) and ND address resolution (IPv6) run on the link:
    /// Ethernet-like and bridge interfaces. Interface routes on such links
    /// get `RTF_CLONING` and a null link gateway (`in_arp.c`).
    pub fn resolves_addresses(&self) -> bool {
        matches!(self.if_type, ift::ETHER | ift::BRIDGE)
            && self.flags & (iff::NOARP | iff::POINTOPOINT | iff::LOOPBACK) == 0
    }

    /// A reference for routes.
    pub fn as_ref(&self) -> InterfaceRef {
        InterfaceRef {
            index: self.index,
            name: self.name.clone(),
        }
    }

    /// Whether the interface has this address.
    pub fn has_address(&self, addr: IpAddr) -> bool {
        self.addresses.iter().any(|a| a.addr == addr)
    }

    /// The first address of the family whose subnet contains `addr`.
    pub fn address_covering(&self, addr: IpAddr) -> Option<&SimAddress> {
        self.addresses
            .iter()
            .filter(|a| a.addr.is_ipv4() == addr.is_ipv4())
            .filter(|a| {
                routing_core::model::IpPrefix::new_truncating(a.addr, a.prefix_len)
                    .is_ok_and(|p| p.contains(addr))
            })
            .max_by_key(|a| a.prefix_len)
    }

    /// The first address of the same family as `addr`.
    pub fn first_address_like(&self, addr: IpAddr) -> Option<&SimAddress> {
        self.addresses
            .iter()
            .find(|a| a.addr.is_ipv4() == addr.is_ipv4())
    }

    /// The first IPv6 link-local address.
    pub fn link_local_v6(&self) -> Option<IpAddr> {
        self.addresses
            .iter()
            .map(|a| a.addr)
            .find(|a| matches!(a, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80))
    }

    /// The model's view of the interface.
    pub fn to_model(&self) -> Interface {
        Interface {
            index: self.index,
            name: self.name.clone(),
            kind: self.kind,
            up: self.is_up(),
            mtu: self.mtu,
            lladdr: self.lladdr.clone(),
            addresses: self
                .addresses
                .iter()
                .map(|a| InterfaceAddress {
                    addr: a.addr,
                    prefix_len: a.prefix_len,
                    peer_or_broadcast: a.peer_or_broadcast,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, kind: InterfaceKind) -> InterfaceSpec {
        InterfaceSpec {
            index: 4,
            name: name.into(),
            kind,
            if_type: None,
            lladdr: vec![],
            mtu: 1500,
            up: true,
        }
    }

    #[test]
    fn flags_and_types_match_a_real_mac() {
        assert_eq!(default_flags(InterfaceKind::Wifi), 0x8863);
        assert_eq!(default_flags(InterfaceKind::Loopback), 0x8049);
        assert_eq!(default_flags(InterfaceKind::Tunnel), 0x8051);
        assert_eq!(default_type(InterfaceKind::Tunnel), ift::OTHER);
        assert_eq!(default_type(InterfaceKind::Wifi), ift::ETHER);
    }

    #[test]
    fn only_ethernet_like_links_resolve_addresses() {
        let en = SimInterface::new(&spec("en0", InterfaceKind::Wifi), 0);
        let utun = SimInterface::new(&spec("utun0", InterfaceKind::Tunnel), 0);
        let lo = SimInterface::new(&spec("lo0", InterfaceKind::Loopback), 0);
        let bridge = SimInterface::new(&spec("bridge100", InterfaceKind::Bridge), 0);
        assert!(en.resolves_addresses());
        assert!(bridge.resolves_addresses());
        assert!(!utun.resolves_addresses());
        assert!(!lo.resolves_addresses());
        assert!(!en.is_up(), "attached interfaces start down");
    }

    #[test]
    fn address_covering_prefers_the_longest_subnet() {
        let mut en = SimInterface::new(&spec("en0", InterfaceKind::Wifi), 0);
        for (addr, len) in [("192.0.2.10", 16u8), ("192.0.2.20", 24)] {
            en.addresses.push(SimAddress {
                addr: addr.parse().unwrap(),
                prefix_len: len,
                peer_or_broadcast: None,
                ifa_flags: 0,
                has_route: false,
            });
        }
        let hit = en.address_covering("192.0.2.99".parse().unwrap()).unwrap();
        assert_eq!(hit.addr, "192.0.2.20".parse::<IpAddr>().unwrap());
        assert!(en
            .address_covering("203.0.113.1".parse().unwrap())
            .is_none());
    }
}
