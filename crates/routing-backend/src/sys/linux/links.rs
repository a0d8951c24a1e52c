//! Links and addresses (`ip link`, `ip addr`) to the model's interfaces.
//!
//! An interface's kind comes from what the kernel says it is, never from its
//! name: the link kind (`IFLA_INFO_KIND`: tun, wireguard, veth, bridge, …)
//! when there is one, else the hardware type (`ARPHRD_*`: loopback, PPP,
//! "none" for a tun, the IP-in-IP tunnels), and Wi-Fi when sysfs lists the
//! device as wireless (`/sys/class/net/IF/wireless` or `phy80211`).
//!
//! | Link | Kind |
//! | --- | --- |
//! | ethernet (no link kind), veth, vlan, macvlan, ipvlan, bond, team | Ethernet |
//! | ethernet with a wireless directory in sysfs | Wi-Fi |
//! | tun, wireguard, ppp, gre/gretap/ip6gre, ipip, ip6tnl, sit, vti, xfrm | Tunnel |
//! | `ARPHRD_PPP`, `ARPHRD_NONE`, `ARPHRD_TUNNEL*`, `ARPHRD_SIT`, `ARPHRD_IPGRE` | Tunnel |
//! | bridge | Bridge |
//! | `ARPHRD_LOOPBACK` | Loopback |
//! | `ARPHRD_RAWIP` (WWAN modems) | Cellular |
//! | anything else (dummy, vxlan, vrf, …) | Other |
//!
//! Sysfs shows the network namespace it was mounted in, so a process that
//! entered another namespace with `setns` sees no Wi-Fi there.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{
    InfoKind, LinkAttribute, LinkFlags, LinkInfo, LinkLayerType, LinkMessage,
};
use routing_core::model::{Interface, InterfaceAddress, InterfaceKind};

use super::convert::family_of;

/// The link kind from `IFLA_LINKINFO`, if the link has one.
fn info_kind(link: &LinkMessage) -> Option<&InfoKind> {
    link.attributes.iter().find_map(|a| match a {
        LinkAttribute::LinkInfo(infos) => infos.iter().find_map(|i| match i {
            LinkInfo::Kind(kind) => Some(kind),
            _ => None,
        }),
        _ => None,
    })
}

/// The interface's name (`IFLA_IFNAME`).
pub fn link_name(link: &LinkMessage) -> Option<&str> {
    link.attributes.iter().find_map(|a| match a {
        LinkAttribute::IfName(name) => Some(name.as_str()),
        _ => None,
    })
}

/// Whether a link is administratively up and running (`IFF_UP` and
/// `IFF_RUNNING`: the carrier is there, or the driver does not know).
pub fn link_up(link: &LinkMessage) -> bool {
    link.header.flags.contains(LinkFlags::Up) && link.header.flags.contains(LinkFlags::Running)
}

/// Whether sysfs lists the device as wireless.
pub fn sysfs_wireless(name: &str) -> bool {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return false;
    }
    let device = Path::new("/sys/class/net").join(name);
    device.join("wireless").exists() || device.join("phy80211").exists()
}

/// The kind of a link; see the module doc.
pub fn kind_of(kind: Option<&InfoKind>, hardware: LinkLayerType, wireless: bool) -> InterfaceKind {
    if let Some(kind) = kind {
        match kind {
            InfoKind::Tun
            | InfoKind::Wireguard
            | InfoKind::IpIp
            | InfoKind::Ip6Tnl
            | InfoKind::SitTun
            | InfoKind::GreTun
            | InfoKind::GreTun6
            | InfoKind::GreTap
            | InfoKind::GreTap6
            | InfoKind::Vti
            | InfoKind::Vti6
            | InfoKind::Xfrm => return InterfaceKind::Tunnel,
            InfoKind::Other(name) if name == "ppp" => return InterfaceKind::Tunnel,
            InfoKind::Bridge => return InterfaceKind::Bridge,
            InfoKind::Veth
            | InfoKind::Vlan
            | InfoKind::MacVlan
            | InfoKind::IpVlan
            | InfoKind::Bond
            | InfoKind::Team => {
                return if wireless {
                    InterfaceKind::Wifi
                } else {
                    InterfaceKind::Ethernet
                }
            }
            _ => return InterfaceKind::Other,
        }
    }
    match hardware {
        LinkLayerType::Loopback => InterfaceKind::Loopback,
        LinkLayerType::Ether if wireless => InterfaceKind::Wifi,
        LinkLayerType::Ether => InterfaceKind::Ethernet,
        LinkLayerType::Ppp
        | LinkLayerType::None
        | LinkLayerType::Tunnel
        | LinkLayerType::Tunnel6
        | LinkLayerType::Sit
        | LinkLayerType::Ipgre
        | LinkLayerType::Ip6gre => InterfaceKind::Tunnel,
        LinkLayerType::Rawip => InterfaceKind::Cellular,
        _ => InterfaceKind::Other,
    }
}

/// One address message as the model's address, with its interface index.
fn interface_address(m: &AddressMessage) -> Option<(u32, InterfaceAddress)> {
    family_of(m.header.family)?;
    let mut local = None;
    let mut address = None;
    let mut broadcast = None;
    for a in &m.attributes {
        match a {
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Address(ip) => address = Some(*ip),
            AddressAttribute::Broadcast(ip) => broadcast = Some(IpAddr::V4(*ip)),
            _ => {}
        }
    }
    // IFA_LOCAL is the address itself when present; IFA_ADDRESS is then the
    // far end of a point-to-point link (or the same address again).
    let addr = local.or(address)?;
    let peer = address.filter(|p| local.is_some() && *p != addr);
    Some((
        m.header.index,
        InterfaceAddress {
            addr,
            prefix_len: m.header.prefix_len,
            peer_or_broadcast: peer.or(broadcast),
        },
    ))
}

/// The interfaces from a link dump and an address dump, by index.
/// `wireless` says whether a device name is a Wi-Fi device.
pub fn interfaces(
    links: &[LinkMessage],
    addresses: &[AddressMessage],
    wireless: &dyn Fn(&str) -> bool,
) -> Vec<Interface> {
    let mut by_index: BTreeMap<u32, Interface> = BTreeMap::new();
    for link in links {
        let name = link_name(link).unwrap_or_default().to_string();
        let mut mtu = 0;
        let mut lladdr = Vec::new();
        for a in &link.attributes {
            match a {
                LinkAttribute::Mtu(m) => mtu = *m,
                LinkAttribute::Address(bytes) => lladdr.clone_from(bytes),
                _ => {}
            }
        }
        // Loopback's all-zero address is no address.
        if lladdr.iter().all(|b| *b == 0) {
            lladdr.clear();
        }
        let kind = kind_of(
            info_kind(link),
            link.header.link_layer_type,
            wireless(&name),
        );
        by_index.insert(
            link.header.index,
            Interface {
                index: link.header.index,
                name,
                kind,
                up: link_up(link),
                mtu,
                lladdr,
                addresses: Vec::new(),
            },
        );
    }
    for m in addresses {
        if let Some((index, address)) = interface_address(m) {
            if let Some(interface) = by_index.get_mut(&index) {
                interface.addresses.push(address);
            }
        }
    }
    by_index.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_link_kind_then_the_hardware_type() {
        let cases = [
            (
                Some(InfoKind::Veth),
                LinkLayerType::Ether,
                false,
                InterfaceKind::Ethernet,
            ),
            (None, LinkLayerType::Ether, false, InterfaceKind::Ethernet),
            (None, LinkLayerType::Ether, true, InterfaceKind::Wifi),
            (
                Some(InfoKind::Tun),
                LinkLayerType::None,
                false,
                InterfaceKind::Tunnel,
            ),
            (
                Some(InfoKind::Wireguard),
                LinkLayerType::None,
                false,
                InterfaceKind::Tunnel,
            ),
            (
                Some(InfoKind::Other("ppp".into())),
                LinkLayerType::Ppp,
                false,
                InterfaceKind::Tunnel,
            ),
            (None, LinkLayerType::Ppp, false, InterfaceKind::Tunnel),
            (
                Some(InfoKind::GreTun),
                LinkLayerType::Ipgre,
                false,
                InterfaceKind::Tunnel,
            ),
            (
                Some(InfoKind::SitTun),
                LinkLayerType::Sit,
                false,
                InterfaceKind::Tunnel,
            ),
            (
                Some(InfoKind::Bridge),
                LinkLayerType::Ether,
                false,
                InterfaceKind::Bridge,
            ),
            (
                None,
                LinkLayerType::Loopback,
                false,
                InterfaceKind::Loopback,
            ),
            (None, LinkLayerType::Rawip, false, InterfaceKind::Cellular),
            (
                Some(InfoKind::Dummy),
                LinkLayerType::Ether,
                false,
                InterfaceKind::Other,
            ),
            (
                Some(InfoKind::Vrf),
                LinkLayerType::Ether,
                false,
                InterfaceKind::Other,
            ),
        ];
        for (kind, hardware, wireless, expected) in cases {
            assert_eq!(
                kind_of(kind.as_ref(), hardware, wireless),
                expected,
                "{kind:?} {hardware:?} wireless={wireless}"
            );
        }
    }

    #[test]
    fn sysfs_names_are_not_paths() {
        assert!(!sysfs_wireless("../../etc"));
        assert!(!sysfs_wireless(""));
    }
}
