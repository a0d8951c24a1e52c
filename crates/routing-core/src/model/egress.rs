//! Which interface is the physical egress of a family, and why.
//!
//! The choice is explicit, never a matter of timing: a VPN that owns the
//! default route (a whole `/0`, or `0/1` + `128/1`) is never chosen, however
//! early or late it came up.
//!
//! Candidates are the table's exact `/0` entries of the family. A candidate
//! is skipped when its interface is tunnel-like or virtual (`utun`, `ipsec`,
//! `ppp`, `gif`, `stf`, `bridge`, `awdl`, `llw`, `anpi`, or any kind but
//! Wi-Fi, Ethernet and cellular), registered as a VPN interface, down or
//! unknown; or when the entry is cloned, rejecting, blackholing, not up, or
//! ours (it carries our tag). Of the rest, the primary (unscoped) default
//! wins. If the unscoped default was skipped (say a VPN took it over), the
//! OS's own scoped default on a physical interface is used instead:
//! Ethernet before Wi-Fi before cellular, then the lowest index.

use std::fmt;
use std::net::IpAddr;

use super::flags::RouteFlags;
use super::interface::{Interface, InterfaceKind, InterfaceRef};
use super::prefix::{Family, IpPrefix};
use super::route::{Gateway, Route};
use super::table::RouteTable;

/// Name stems that are never a physical egress, whatever the OS says the
/// interface's kind is.
pub const TUNNEL_LIKE_STEMS: &[&str] = &[
    "utun", "ipsec", "ppp", "gif", "stf", "bridge", "awdl", "llw", "anpi", "tun", "wg",
];

/// What the caller knows that the table does not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    /// Interfaces registered as VPN interfaces: never physical.
    pub vpn_interfaces: Vec<String>,
    /// The flag that marks routes as ours (`RTF_PROTO1` by default). Empty
    /// means "we own no routes yet".
    pub our_tag: RouteFlags,
}

/// Why a default route was not taken as the physical egress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The interface's name marks it as a tunnel or virtual link.
    TunnelLike(String),
    /// The interface's kind is not Wi-Fi, Ethernet or cellular.
    NotPhysical(InterfaceKind),
    /// The interface is registered as a VPN interface.
    RegisteredVpn,
    /// The interface is down.
    InterfaceDown,
    /// The route names an interface the caller does not know.
    UnknownInterface,
    /// The entry is a clone (`RTF_WASCLONED`).
    Cloned,
    /// The entry rejects or blackholes traffic.
    Rejecting,
    /// The entry is not `RTF_UP`.
    NotUp,
    /// The entry carries our tag: one of our own pins.
    Ours,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::TunnelLike(stem) => write!(f, "a {stem} interface is a tunnel or virtual link"),
            Skip::NotPhysical(kind) => write!(f, "a {kind} interface is not a physical link"),
            Skip::RegisteredVpn => f.write_str("the interface is registered as a VPN"),
            Skip::InterfaceDown => f.write_str("the interface is down"),
            Skip::UnknownInterface => f.write_str("the interface is unknown"),
            Skip::Cloned => f.write_str("the route is a clone"),
            Skip::Rejecting => f.write_str("the route rejects or blackholes traffic"),
            Skip::NotUp => f.write_str("the route is not up"),
            Skip::Ours => f.write_str("the route is one of ours"),
        }
    }
}

/// One default route that was looked at, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Considered {
    /// The interface the default leaves through.
    pub interface: InterfaceRef,
    /// Whether it is a scoped default.
    pub scoped: bool,
    /// `None` if it was eligible, else why not.
    pub skipped: Option<Skip>,
}

/// The physical egress of a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhysicalDefault {
    /// The interface.
    pub interface: InterfaceRef,
    /// Its kind.
    pub kind: InterfaceKind,
    /// The next hop of the default we took it from.
    pub gateway: Gateway,
    /// Whether it came from the OS's scoped default because the unscoped
    /// default was not usable.
    pub from_scoped_default: bool,
}

/// The outcome of [`choose_physical_default`], with everything it weighed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The family decided for.
    pub family: Family,
    /// The choice, if any default qualified.
    pub chosen: Option<PhysicalDefault>,
    /// Every exact default of the family, in table order.
    pub considered: Vec<Considered>,
}

impl Decision {
    /// One sentence saying what was chosen and why, for status and logs.
    pub fn reason(&self) -> String {
        let Some(chosen) = &self.chosen else {
            if self.considered.is_empty() {
                return format!("{} has no default route", self.family);
            }
            let why: Vec<String> = self
                .considered
                .iter()
                .map(|c| {
                    format!(
                        "{} ({})",
                        c.interface,
                        c.skipped.as_ref().map_or_else(String::new, Skip::to_string)
                    )
                })
                .collect();
            return format!(
                "{} has no physical default: skipped {}",
                self.family,
                why.join(", ")
            );
        };
        let mut text = format!(
            "{} leaves via {} ({})",
            self.family, chosen.interface, chosen.kind
        );
        if chosen.from_scoped_default {
            let unscoped = self.considered.iter().find(|c| !c.scoped);
            match unscoped.and_then(|c| c.skipped.as_ref().map(|s| (c, s))) {
                Some((c, skip)) => text.push_str(&format!(
                    ", from macOS's own scoped default: the primary default is on {} and {skip}",
                    c.interface
                )),
                None => {
                    text.push_str(", from the OS's own scoped default: there is no primary default")
                }
            }
        } else {
            text.push_str(", the primary default");
        }
        text
    }
}

/// Chooses the physical egress of `family`. See the module doc.
pub fn choose_physical_default(
    table: &RouteTable,
    interfaces: &[Interface],
    family: Family,
    policy: &EgressPolicy,
) -> Decision {
    let default = IpPrefix::default_for(family);
    let mut considered = Vec::new();
    let mut eligible: Vec<(&Route, &Interface)> = Vec::new();
    for route in table.family(family).filter(|r| r.destination == default) {
        let interface = interfaces.iter().find(|i| i.index == route.interface.index);
        let skipped = skip_reason(route, interface, policy);
        if let (None, Some(interface)) = (&skipped, interface) {
            eligible.push((route, interface));
        }
        considered.push(Considered {
            interface: route.interface.clone(),
            scoped: route.is_scoped(),
            skipped,
        });
    }
    eligible.sort_by_key(|(route, interface)| {
        (
            route.is_scoped(),
            kind_rank(interface.kind),
            interface.index,
        )
    });
    let chosen = eligible.first().map(|(route, interface)| PhysicalDefault {
        interface: InterfaceRef {
            index: interface.index,
            name: interface.name.clone(),
        },
        kind: interface.kind,
        gateway: route.gateway.clone(),
        from_scoped_default: route.is_scoped(),
    });
    Decision {
        family,
        chosen,
        considered,
    }
}

/// Whether a physical default that no longer shows in the table (a VPN
/// replaced the default outright, and the OS keeps no scoped default of
/// its own: Linux, or a Mac with one network service) still works: its
/// interface is there, up and physical, and still on the gateway's network
/// (an address of the family whose subnet holds the gateway; any address
/// for an IPv6 link-local gateway or a point-to-point link).
///
/// The route manager then keeps pinning it: the VPN's own traffic must
/// still leave through it.
pub fn still_usable(
    old: &PhysicalDefault,
    family: Family,
    interfaces: &[Interface],
    policy: &EgressPolicy,
) -> bool {
    let Some(interface) = interfaces.iter().find(|i| i.index == old.interface.index) else {
        return false;
    };
    if !is_physical(interface, policy) {
        return false;
    }
    let mut addresses = interface
        .addresses
        .iter()
        .filter(|a| Family::of(a.addr) == family);
    match old.gateway.ip_addr() {
        Some(IpAddr::V6(gw)) if (gw.segments()[0] & 0xffc0) == 0xfe80 => addresses.next().is_some(),
        Some(gw) => addresses.any(|a| {
            IpPrefix::new_truncating(a.addr, a.prefix_len).is_ok_and(|net| net.contains(gw))
        }),
        None => addresses.next().is_some(),
    }
}

/// Whether an interface may carry the physical egress at all.
pub fn is_physical(interface: &Interface, policy: &EgressPolicy) -> bool {
    interface_skip(interface, policy).is_none()
}

fn skip_reason(
    route: &Route,
    interface: Option<&Interface>,
    policy: &EgressPolicy,
) -> Option<Skip> {
    if !route.flags.contains(RouteFlags::UP) {
        return Some(Skip::NotUp);
    }
    if route.flags.contains(RouteFlags::WASCLONED) {
        return Some(Skip::Cloned);
    }
    if route
        .flags
        .intersects(RouteFlags::REJECT | RouteFlags::BLACKHOLE)
    {
        return Some(Skip::Rejecting);
    }
    if !policy.our_tag.is_empty() && route.flags.intersects(policy.our_tag) {
        return Some(Skip::Ours);
    }
    match interface {
        None => Some(Skip::UnknownInterface),
        Some(interface) => interface_skip(interface, policy),
    }
}

fn interface_skip(interface: &Interface, policy: &EgressPolicy) -> Option<Skip> {
    let stem = interface
        .name
        .trim_end_matches(|c: char| c.is_ascii_digit());
    if let Some(stem) = TUNNEL_LIKE_STEMS.iter().find(|s| **s == stem) {
        return Some(Skip::TunnelLike((*stem).to_string()));
    }
    if policy.vpn_interfaces.contains(&interface.name) {
        return Some(Skip::RegisteredVpn);
    }
    if kind_rank(interface.kind) == u8::MAX {
        return Some(Skip::NotPhysical(interface.kind));
    }
    if !interface.up {
        return Some(Skip::InterfaceDown);
    }
    None
}

/// Preference among physical kinds; `u8::MAX` for kinds that never qualify.
fn kind_rank(kind: InterfaceKind) -> u8 {
    match kind {
        InterfaceKind::Ethernet => 0,
        InterfaceKind::Wifi => 1,
        InterfaceKind::Cellular => 2,
        _ => u8::MAX,
    }
}

#[cfg(test)]
#[path = "egress_tests.rs"]
mod tests;
