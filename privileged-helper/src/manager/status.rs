//! What the route manager reports: mode, egress per family, the timeline.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use helper_proto::Event;
pub use helper_proto::{
    DefaultShape, Egress, FamilyStatus, HeldStatus, PinState, Status, TimelineEntry, VpnDefault,
};
use routing_core::model::egress::TUNNEL_LIKE_STEMS;
use routing_core::model::netstat::destination_text;
use routing_core::model::{
    EgressPolicy, Family, Interface, InterfaceKind, IpPrefix, Route, RouteFlags, RouteSpec,
    RouteTable,
};
use tokio::sync::broadcast;

use crate::engine::plan::PerFamily;

/// How many timeline entries are kept.
pub const TIMELINE_LEN: usize = 100;

/// The window "re-pinned N times" counts over.
pub const REPIN_WINDOW: Duration = Duration::from_secs(600);

/// Seconds since the epoch, now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The timeline and the re-pin history.
#[derive(Debug, Clone, Default)]
pub struct History {
    timeline: VecDeque<TimelineEntry>,
    repins: VecDeque<u64>,
    /// Where each entry is also announced.
    events: Option<broadcast::Sender<Event>>,
}

impl History {
    /// A history that announces each entry on `events`.
    pub fn announcing(events: broadcast::Sender<Event>) -> History {
        History {
            events: Some(events),
            ..History::default()
        }
    }

    /// Records a decision.
    pub fn record(&mut self, trigger: impl fmt::Display, outcome: impl Into<String>) {
        if self.timeline.len() == TIMELINE_LEN {
            self.timeline.pop_front();
        }
        let entry = TimelineEntry {
            at: unix_now(),
            trigger: trigger.to_string(),
            outcome: outcome.into(),
        };
        if let Some(events) = &self.events {
            let _ = events.send(Event::Timeline {
                entry: entry.clone(),
            });
        }
        self.timeline.push_back(entry);
    }

    /// Records that a pin moved.
    pub fn repinned(&mut self) {
        self.repins.push_back(unix_now());
    }

    /// Pins moved in the last ten minutes.
    pub fn repins_recent(&mut self) -> usize {
        let cutoff = unix_now().saturating_sub(REPIN_WINDOW.as_secs());
        while self.repins.front().is_some_and(|t| *t < cutoff) {
            self.repins.pop_front();
        }
        self.repins.len()
    }

    /// The timeline, oldest first.
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        self.timeline.iter().cloned().collect()
    }
}

/// Warnings about the two families' egress.
pub fn family_warnings(families: &PerFamily<FamilyStatus>) -> Vec<String> {
    let mut warnings = Vec::new();
    match (&families.v4.egress, &families.v6.egress) {
        (Some(v4), Some(v6)) if v4.index != v6.index => warnings.push(format!(
            "IPv4 leaves via {} but IPv6 via {}: a dual-stack socket follows IPv6",
            v4.interface, v6.interface
        )),
        (Some(v4), None) => warnings.push(format!(
            "IPv6 has no physical egress; IPv6 sockets are bound to {} (IPv4's)",
            v4.interface
        )),
        (None, Some(v6)) => warnings.push(format!(
            "IPv4 has no physical egress; IPv4 sockets are bound to {} (IPv6's)",
            v6.interface
        )),
        (None, None) => {
            warnings.push("no physical egress: nothing can be pinned until a network is up".into())
        }
        _ => {}
    }
    for family in [Family::V4, Family::V6] {
        if let PinState::Failed(why) | PinState::Stale(why) = &families.get(family).pin {
            warnings.push(format!("{family} pin: {why}"));
        }
    }
    warnings
}

/// Whether `interface` is a tunnel: a tunnel-like name (`utun4`, `wg0`,
/// `ppp0`, …), the tunnel kind, or registered as a VPN interface.
fn is_tunnel(interface: &Interface, policy: &EgressPolicy) -> bool {
    let stem = interface
        .name
        .trim_end_matches(|c: char| c.is_ascii_digit());
    TUNNEL_LIKE_STEMS.contains(&stem)
        || interface.kind == InterfaceKind::Tunnel
        || policy.vpn_interfaces.contains(&interface.name)
}

/// Whether `route` is an unscoped route traffic can use (up, not a clone,
/// not rejecting or blackholing).
fn carries_traffic(route: &Route) -> bool {
    route.flags.contains(RouteFlags::UP)
        && !route.is_scoped()
        && !route
            .flags
            .intersects(RouteFlags::WASCLONED | RouteFlags::REJECT | RouteFlags::BLACKHOLE)
}

/// The tunnels that own a default route in `table`: an unscoped default on
/// a tunnel ([`DefaultShape::Whole`]), or both unscoped halves of the
/// address space on the same tunnel ([`DefaultShape::Split`]). Scoped
/// defaults (macOS's system tunnels keep one each) own nothing. Per
/// family, in interface index order.
pub fn vpn_defaults(
    table: &RouteTable,
    interfaces: &[Interface],
    policy: &EgressPolicy,
) -> Vec<VpnDefault> {
    let name_of = |index: u32| {
        interfaces
            .iter()
            .find(|i| i.index == index)
            .map(|i| i.name.clone())
    };
    let mut found = Vec::new();
    for family in [Family::V4, Family::V6] {
        let halves = half_prefixes(family);
        let mut tunnels: Vec<&Interface> =
            interfaces.iter().filter(|i| is_tunnel(i, policy)).collect();
        tunnels.sort_by_key(|i| i.index);
        for tunnel in tunnels {
            let routes: Vec<&Route> = table
                .family(family)
                .filter(|r| r.interface.index == tunnel.index && carries_traffic(r))
                .collect();
            let text = |r: &Route| destination_text(r, &name_of);
            let whole: Vec<String> = routes
                .iter()
                .filter(|r| r.destination.is_default())
                .map(|r| text(r))
                .collect();
            let split: Vec<String> = halves
                .iter()
                .filter_map(|half| routes.iter().find(|r| r.destination == *half))
                .map(|r| text(r))
                .collect();
            let (shape, routes) = if !whole.is_empty() {
                (DefaultShape::Whole, whole)
            } else if split.len() == halves.len() {
                (DefaultShape::Split, split)
            } else {
                continue;
            };
            found.push(VpnDefault {
                interface: tunnel.name.clone(),
                family,
                shape,
                routes,
            });
        }
    }
    found
}

/// The two halves of a family's address space (`0/1`, `128/1`).
fn half_prefixes(family: Family) -> [IpPrefix; 2] {
    let (low, high): (std::net::IpAddr, std::net::IpAddr) = match family {
        Family::V4 => ([0, 0, 0, 0].into(), [128, 0, 0, 0].into()),
        Family::V6 => (
            std::net::Ipv6Addr::UNSPECIFIED.into(),
            std::net::Ipv6Addr::new(0x8000, 0, 0, 0, 0, 0, 0, 0).into(),
        ),
    };
    [low, high].map(|addr| IpPrefix::new(addr, 1).expect("a /1 of an address with no host bits"))
}

/// A held route for status.
pub fn held_status(spec: &RouteSpec, reused: bool) -> HeldStatus {
    HeldStatus {
        route: spec.to_string(),
        reused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use routing_core::model::InterfaceKind;

    fn egress(index: u32, name: &str) -> Option<Egress> {
        Some(Egress {
            index,
            interface: name.into(),
            kind: InterfaceKind::Wifi,
            gateway: "198.51.100.1".into(),
            local_addresses: vec![],
        })
    }

    fn families(v4: Option<Egress>, v6: Option<Egress>) -> PerFamily<FamilyStatus> {
        PerFamily {
            v4: FamilyStatus {
                egress: v4,
                ..FamilyStatus::default()
            },
            v6: FamilyStatus {
                egress: v6,
                ..FamilyStatus::default()
            },
        }
    }

    #[test]
    fn warns_when_families_disagree_or_one_is_missing() {
        assert!(family_warnings(&families(egress(4, "en0"), egress(4, "en0"))).is_empty());
        assert_eq!(
            family_warnings(&families(egress(4, "en0"), egress(5, "en5"))),
            ["IPv4 leaves via en0 but IPv6 via en5: a dual-stack socket follows IPv6"]
        );
        assert_eq!(
            family_warnings(&families(egress(4, "en0"), None)),
            ["IPv6 has no physical egress; IPv6 sockets are bound to en0 (IPv4's)"]
        );
    }

    #[test]
    fn timeline_is_bounded_and_repins_count() {
        let mut h = History::default();
        for i in 0..(TIMELINE_LEN + 5) {
            h.record("wake", format!("step {i}"));
        }
        assert_eq!(h.timeline().len(), TIMELINE_LEN);
        assert_eq!(
            h.timeline().last().map(|e| e.outcome.clone()),
            Some(format!("step {}", TIMELINE_LEN + 4))
        );
        h.repinned();
        h.repinned();
        assert_eq!(h.repins_recent(), 2);
    }
}
