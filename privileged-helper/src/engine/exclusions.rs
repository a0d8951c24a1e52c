//! Legacy mode's exclusion registrations: which prefixes must leave through
//! the physical gateway, and who asked for each.
//!
//! Each prefix has a *set* of owners, so the same owner registering twice
//! counts once and unregistering twice cannot double-decrement (a bug
//! NetBird's reference counter has). The route is installed when the first
//! owner arrives and removed when the last one leaves.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;

use routing_core::model::{Interface, IpPrefix};

/// Who registered an exclusion: a VPN client's connection id, a peer id,
/// `cli`, … Free text, compared exactly.
pub type Owner = String;

/// Why a prefix may not be excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Loopback (`127/8`, `::1`).
    Loopback,
    /// Link-local (`169.254/16`, `fe80::/10`).
    LinkLocal,
    /// Multicast.
    Multicast,
    /// The unspecified address, or a /0: that is the whole internet.
    Unspecified,
    /// Inside a subnet the machine is directly attached to; a host route
    /// via the gateway would cut off ARP/ND for it.
    OnLink {
        /// The interface the subnet is on.
        interface: String,
        /// The subnet.
        subnet: String,
    },
    /// Inside a registered overlay (VPN) prefix.
    Overlay(IpPrefix),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Loopback => f.write_str("loopback addresses never leave the machine"),
            Refusal::LinkLocal => f.write_str("link-local addresses are reached on the link, not via a gateway"),
            Refusal::Multicast => f.write_str("multicast addresses cannot be routed to one gateway"),
            Refusal::Unspecified => f.write_str("excluding everything would bypass the VPN entirely"),
            Refusal::OnLink { interface, subnet } => write!(
                f,
                "it is on the local network {subnet} ({interface}); a route via the gateway would cut it off"
            ),
            Refusal::Overlay(prefix) => write!(f, "it is inside the VPN's own network {prefix}"),
        }
    }
}

/// Checks that a prefix may be excluded, given the interfaces (for on-link
/// subnets) and the registered overlay prefixes.
///
/// # Errors
/// The first [`Refusal`] that applies.
pub fn validate(
    prefix: &IpPrefix,
    interfaces: &[Interface],
    overlays: &[IpPrefix],
) -> Result<(), Refusal> {
    let addr = prefix.addr();
    if prefix.is_default() || addr.is_unspecified() {
        return Err(Refusal::Unspecified);
    }
    if addr.is_loopback() {
        return Err(Refusal::Loopback);
    }
    if addr.is_multicast() {
        return Err(Refusal::Multicast);
    }
    if is_link_local(addr) {
        return Err(Refusal::LinkLocal);
    }
    if let Some(overlay) = overlays
        .iter()
        .find(|o| o.covers(prefix) || prefix.covers(o))
    {
        return Err(Refusal::Overlay(*overlay));
    }
    for interface in interfaces {
        for a in &interface.addresses {
            let Ok(subnet) = IpPrefix::new_truncating(a.addr, a.prefix_len) else {
                continue;
            };
            // A point-to-point link's /32 is not a subnet anyone is on.
            if !subnet.is_host() && (subnet.covers(prefix) || prefix.covers(&subnet)) {
                return Err(Refusal::OnLink {
                    interface: interface.name.clone(),
                    subnet: subnet.to_string(),
                });
            }
        }
    }
    Ok(())
}

fn is_link_local(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => a.is_link_local(),
        IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
    }
}

/// What a registration changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// The first owner of this prefix: install its route.
    First,
    /// Another owner of an already excluded prefix.
    Shared,
    /// This owner had already registered this prefix: nothing changes.
    Again,
}

/// What an unregistration changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unregistered {
    /// The last owner left: remove the route.
    Last,
    /// Other owners remain.
    Shared,
    /// This owner had not registered this prefix: nothing changes.
    NotRegistered,
}

/// The registrations: prefix → owners.
///
/// INVARIANT: no prefix maps to an empty owner set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    entries: BTreeMap<IpPrefix, BTreeSet<Owner>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Registers `owner` for `prefix` (validate first).
    pub fn register(&mut self, prefix: IpPrefix, owner: &str) -> Registered {
        let owners = self.entries.entry(prefix).or_default();
        let first = owners.is_empty();
        match (owners.insert(owner.to_string()), first) {
            (false, _) => Registered::Again,
            (true, true) => Registered::First,
            (true, false) => Registered::Shared,
        }
    }

    /// Unregisters `owner` from `prefix`.
    pub fn unregister(&mut self, prefix: &IpPrefix, owner: &str) -> Unregistered {
        let Some(owners) = self.entries.get_mut(prefix) else {
            return Unregistered::NotRegistered;
        };
        if !owners.remove(owner) {
            return Unregistered::NotRegistered;
        }
        if owners.is_empty() {
            self.entries.remove(prefix);
            Unregistered::Last
        } else {
            Unregistered::Shared
        }
    }

    /// Removes every registration of `owner` (a client went away), and
    /// returns the prefixes that lost their last owner.
    pub fn unregister_owner(&mut self, owner: &str) -> Vec<IpPrefix> {
        let prefixes: Vec<IpPrefix> = self
            .entries
            .iter()
            .filter(|(_, o)| o.contains(owner))
            .map(|(p, _)| *p)
            .collect();
        prefixes
            .into_iter()
            .filter(|p| self.unregister(p, owner) == Unregistered::Last)
            .collect()
    }

    /// The owners of a prefix.
    pub fn owners(&self, prefix: &IpPrefix) -> Option<&BTreeSet<Owner>> {
        self.entries.get(prefix)
    }

    /// Every excluded prefix with its owners, in prefix order.
    pub fn iter(&self) -> impl Iterator<Item = (&IpPrefix, &BTreeSet<Owner>)> {
        self.entries.iter()
    }

    /// The excluded prefixes.
    pub fn prefixes(&self) -> impl Iterator<Item = &IpPrefix> {
        self.entries.keys()
    }

    /// How many prefixes are excluded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use routing_core::model::{InterfaceAddress, InterfaceKind};

    fn p(s: &str) -> IpPrefix {
        s.parse().expect("prefix")
    }

    fn wifi() -> Interface {
        Interface {
            index: 4,
            name: "en0".into(),
            kind: InterfaceKind::Wifi,
            up: true,
            mtu: 1500,
            lladdr: vec![],
            addresses: vec![
                InterfaceAddress {
                    addr: "198.51.100.23".parse().expect("ip"),
                    prefix_len: 24,
                    peer_or_broadcast: None,
                },
                InterfaceAddress {
                    addr: "2001:db8:1::23".parse().expect("ip"),
                    prefix_len: 64,
                    peer_or_broadcast: None,
                },
            ],
        }
    }

    fn tunnel() -> Interface {
        Interface {
            index: 22,
            name: "utun4".into(),
            kind: InterfaceKind::Tunnel,
            up: true,
            mtu: 1280,
            lladdr: vec![],
            addresses: vec![InterfaceAddress {
                addr: "192.0.2.2".parse().expect("ip"),
                prefix_len: 32,
                peer_or_broadcast: Some("192.0.2.1".parse().expect("ip")),
            }],
        }
    }

    #[test]
    fn refuses_what_must_never_be_excluded() {
        let interfaces = [wifi(), tunnel()];
        let overlays = [p("100.64.0.0/10")];
        let cases = [
            ("127.0.0.1", Refusal::Loopback),
            ("::1", Refusal::Loopback),
            ("169.254.1.1", Refusal::LinkLocal),
            ("fe80::1", Refusal::LinkLocal),
            ("224.0.0.251", Refusal::Multicast),
            ("ff02::fb", Refusal::Multicast),
            ("0.0.0.0", Refusal::Unspecified),
            ("0.0.0.0/0", Refusal::Unspecified),
            ("100.64.1.2", Refusal::Overlay(p("100.64.0.0/10"))),
            (
                "198.51.100.77",
                Refusal::OnLink {
                    interface: "en0".into(),
                    subnet: "198.51.100.0/24".into(),
                },
            ),
            (
                "2001:db8:1::9",
                Refusal::OnLink {
                    interface: "en0".into(),
                    subnet: "2001:db8:1::/64".into(),
                },
            ),
            (
                "198.51.0.0/16",
                Refusal::OnLink {
                    interface: "en0".into(),
                    subnet: "198.51.100.0/24".into(),
                },
            ),
        ];
        for (prefix, refusal) in cases {
            assert_eq!(
                validate(&p(prefix), &interfaces, &overlays),
                Err(refusal),
                "{prefix}"
            );
        }
    }

    #[test]
    fn accepts_a_peer_beyond_the_gateway_and_a_tunnel_peer_address() {
        let interfaces = [wifi(), tunnel()];
        for prefix in [
            "203.0.113.9",
            "2001:db8:2::9",
            "192.0.2.2",
            "203.0.113.0/24",
        ] {
            assert_eq!(validate(&p(prefix), &interfaces, &[]), Ok(()), "{prefix}");
        }
    }

    #[test]
    fn owners_are_a_set_so_nothing_double_counts() {
        let mut r = Registry::new();
        let peer = p("203.0.113.9/32");
        assert_eq!(r.register(peer, "a"), Registered::First);
        assert_eq!(r.register(peer, "a"), Registered::Again);
        assert_eq!(r.register(peer, "b"), Registered::Shared);
        assert_eq!(r.register(peer, "c"), Registered::Shared);
        assert_eq!(r.unregister(&peer, "a"), Unregistered::Shared);
        assert_eq!(
            r.unregister(&peer, "a"),
            Unregistered::NotRegistered,
            "no double decrement"
        );
        assert_eq!(r.unregister(&peer, "b"), Unregistered::Shared);
        assert_eq!(r.unregister(&peer, "c"), Unregistered::Last);
        assert!(r.is_empty());
        assert_eq!(r.unregister(&peer, "c"), Unregistered::NotRegistered);
    }

    #[test]
    fn an_owner_leaving_releases_only_what_it_held_alone() {
        let mut r = Registry::new();
        r.register(p("203.0.113.9/32"), "conn-1");
        r.register(p("203.0.113.10/32"), "conn-1");
        r.register(p("203.0.113.10/32"), "conn-2");
        assert_eq!(r.unregister_owner("conn-1"), vec![p("203.0.113.9/32")]);
        assert_eq!(r.len(), 1);
        assert_eq!(r.owners(&p("203.0.113.10/32")).map(|o| o.len()), Some(1));
    }
}
