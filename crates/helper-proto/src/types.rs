//! What requests carry and replies report.

use std::fmt;
use std::net::IpAddr;

use routing_core::model::{Family, InterfaceKind, IpPrefix};
use serde::{Deserialize, Serialize};

/// The two ways of keeping VPN traffic physical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One scoped default per family, and bound sockets.
    #[default]
    Advanced,
    /// A host route per registered peer via the physical gateway.
    Legacy,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Advanced => "advanced",
            Mode::Legacy => "legacy",
        })
    }
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Mode, String> {
        match s {
            "advanced" => Ok(Mode::Advanced),
            "legacy" => Ok(Mode::Legacy),
            other => Err(format!("unknown mode {other:?}: advanced or legacy")),
        }
    }
}

/// One value per address family.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerFamily<T> {
    /// IPv4's.
    pub v4: T,
    /// IPv6's.
    pub v6: T,
}

impl<T> PerFamily<T> {
    /// The value of a family.
    pub fn get(&self, family: Family) -> &T {
        match family {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        }
    }

    /// The value of a family, mutably.
    pub fn get_mut(&mut self, family: Family) -> &mut T {
        match family {
            Family::V4 => &mut self.v4,
            Family::V6 => &mut self.v6,
        }
    }
}

/// Everything status shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The backend: `macos`, `sim`, `linux`.
    pub backend: String,
    /// The mode in force.
    pub mode: Mode,
    /// Whether the mode is forced, and by what; or the error in the
    /// override variable.
    pub mode_note: Option<String>,
    /// Whether the user may switch the mode.
    pub mode_switchable: bool,
    /// Per family: where traffic leaves and the state of its pin.
    pub families: PerFamily<FamilyStatus>,
    /// How many prefixes are excluded (legacy mode's registrations).
    pub exclusions: usize,
    /// The default routes we hold (the pins); exclusion routes are only counted.
    pub held: Vec<HeldStatus>,
    /// How many exclusion routes (legacy mode) we hold.
    pub held_exclusion_routes: usize,
    /// Recent decisions, newest last.
    pub timeline: Vec<TimelineEntry>,
    /// How many times a pin moved in the last ten minutes.
    pub repins_last_10_min: usize,
    /// Things the user should know (the families disagree, one is missing).
    pub warnings: Vec<String>,
    /// The tunnels that own a default route (a whole unscoped default, or
    /// both halves of a split default), per family. Added in 1.0 as an
    /// optional field: a helper that does not send it means none known.
    #[serde(default)]
    pub vpn: Vec<VpnDefault>,
}

/// A tunnel (VPN) interface that owns a family's default route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpnDefault {
    /// The interface (`utun4`).
    pub interface: String,
    /// The family whose default it owns.
    pub family: Family,
    /// How it owns it.
    pub shape: DefaultShape,
    /// The unscoped routes that make it so, as netstat names their
    /// destinations (`default`; `0/1`, `128.0/1`; `::/1`, `8000::/1`).
    pub routes: Vec<String>,
}

/// How a tunnel owns a default route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultShape {
    /// An unscoped default (`0/0`, `::/0`) on the tunnel.
    Whole,
    /// Both halves (`0/1` + `128/1`, `::/1` + `8000::/1`): more specific
    /// than any default, so they win without replacing it.
    Split,
}

/// One family's egress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyStatus {
    /// The physical egress, if there is one.
    pub egress: Option<Egress>,
    /// The state of this family's pin (advanced mode).
    pub pin: PinState,
    /// Why this egress was chosen, or why there is none.
    pub reason: String,
    /// Since when (seconds since the epoch) this egress has held.
    pub since: Option<u64>,
}

/// A physical egress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Egress {
    /// Interface index.
    pub index: u32,
    /// Interface name.
    pub interface: String,
    /// Wi-Fi, Ethernet, …
    pub kind: InterfaceKind,
    /// The gateway, as text (`198.51.100.1`, `fe80::1%en0`, `link`).
    pub gateway: String,
    /// The interface's addresses of this family.
    pub local_addresses: Vec<String>,
}

/// The state of a family's scoped default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum PinState {
    /// No pin: legacy mode, or no physical default.
    #[default]
    None,
    /// Our scoped default is in place and verified.
    Pinned,
    /// The OS's own scoped default is in place and we use it.
    Reused,
    /// The pin does not match the table (repair pending).
    Stale(String),
    /// The pin could not be installed.
    Failed(String),
}

impl PinState {
    /// One word for the state: `none`, `pinned`, `reused`, `stale`, `failed`.
    pub fn word(&self) -> &'static str {
        match self {
            PinState::None => "none",
            PinState::Pinned => "pinned",
            PinState::Reused => "reused",
            PinState::Stale(_) => "stale",
            PinState::Failed(_) => "failed",
        }
    }
}

/// A route we hold, for status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldStatus {
    /// The route, as `route add` would take it.
    pub route: String,
    /// Whether it is the OS's, reused.
    pub reused: bool,
}

/// One decision in the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When (seconds since the epoch).
    pub at: u64,
    /// What happened to make the engine look (a named reason).
    pub trigger: String,
    /// What it did about it.
    pub outcome: String,
}

/// Which routes to list. Empty means all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RouteFilter {
    /// Only this family.
    pub family: Option<Family>,
    /// Only interface-scoped routes (`I`).
    pub scoped: bool,
    /// Only routes Egress put there (tagged with its flag).
    pub ours: bool,
    /// Only routes through this interface (by name).
    pub interface: Option<String>,
    /// The first row to return (paging).
    pub offset: usize,
    /// At most this many rows ([`crate::MAX_PAGE`] if absent or larger).
    pub limit: Option<usize>,
}

/// One row of the routing table, as `netstat -rn` prints it, plus what a
/// client needs to filter and sort without parsing text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRow {
    /// The family.
    pub family: Family,
    /// Destination column (`default`, `192.0.2`, `fe80::%utun0/64`).
    pub destination: String,
    /// Gateway column (`198.51.100.1`, `link#4`, `a0:ce:c8:1:2:3`).
    pub gateway: String,
    /// Flags column (`UGScIg`).
    pub flags: String,
    /// Netif column.
    pub netif: String,
    /// Expire column (empty when the route does not expire).
    pub expire: String,
    /// The interface the route is scoped to, if scoped.
    pub scope: Option<String>,
    /// Whether it carries Egress's tag.
    pub ours: bool,
    /// Whether it is a cloned host route (`W`), which netstat hides by default.
    pub cloned: bool,
    /// Whether it is a default route (of its scope).
    pub default: bool,
    /// The route as `route add` would take it (canonical text).
    pub canonical: String,
}

/// One page of routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutePage {
    /// The rows, in the kernel's dump order.
    pub rows: Vec<RouteRow>,
    /// Rows matching the filter in all.
    pub total: usize,
    /// The offset of the next page, if there is one.
    pub next: Option<usize>,
}

/// "Which interface would traffic to X take?"
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupAnswer {
    /// The destination asked about.
    pub destination: IpAddr,
    /// The interface the lookup was scoped to, if any.
    pub scoped_to: Option<String>,
    /// The route the kernel would use (none: unreachable).
    pub route: Option<RouteRow>,
    /// The interface traffic would leave through.
    pub interface: Option<String>,
    /// What kind of interface that is.
    pub interface_kind: Option<InterfaceKind>,
    /// The next hop, as text (`link` for a directly connected destination).
    pub gateway: Option<String>,
    /// Whether it leaves through a VPN (tunnel) interface.
    pub via_vpn: bool,
    /// One sentence that says all of the above.
    pub summary: String,
}

/// A registered exclusion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// The prefix kept off the tunnel.
    pub prefix: IpPrefix,
    /// Who registered it (`uid 501: wg0`); it stays until all have removed it.
    pub owners: Vec<String>,
}

/// One page of exclusions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionPage {
    /// The exclusions, by prefix.
    pub exclusions: Vec<Exclusion>,
    /// Exclusions in all.
    pub total: usize,
    /// The offset of the next page, if there is one.
    pub next: Option<usize>,
}

/// The transport of a bound socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SocketProtocol {
    /// A UDP socket (WireGuard's).
    Udp,
    /// A TCP socket (unconnected, bound).
    Tcp,
}

/// The interface a client should bind its own sockets to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindTarget {
    /// Interface index (for `IP_BOUND_IF` / `IPV6_BOUND_IF` / `SO_BINDTOIFINDEX`).
    pub index: u32,
    /// Interface name (for `SO_BINDTODEVICE`).
    pub interface: String,
    /// Whether it was borrowed from the other family (this one has none).
    pub borrowed: bool,
}

/// A socket the helper bound and handed over (its fd rides with the reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundSocket {
    /// The family.
    pub family: Family,
    /// UDP or TCP.
    pub protocol: SocketProtocol,
    /// What it is bound to.
    pub target: BindTarget,
    /// Its local port.
    pub local_port: u16,
}

/// Where a packet from a socket would leave (`egressctl bind-test`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeAnswer {
    /// The destination.
    pub destination: IpAddr,
    /// The socket's local port.
    pub local_port: u16,
    /// The interface the socket is bound to, if the helper bound it.
    pub bound_to: Option<String>,
    /// The interface the packet would leave through.
    pub interface: Option<String>,
    /// The next hop.
    pub gateway: Option<String>,
    /// Whether that is a VPN interface.
    pub via_vpn: bool,
    /// One sentence.
    pub summary: String,
}

/// What a flush removed, or (dry run) would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlushReport {
    /// Whether this was only a preview.
    pub dry_run: bool,
    /// The routes, as `route add` would take them.
    pub routes: Vec<String>,
}

/// Versions and recent history, for a bug report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// `egress-helper 0.1.0`.
    pub helper: String,
    /// The protocol the helper speaks.
    pub protocol: crate::ProtocolVersion,
    /// The backend.
    pub backend: String,
    /// The OS the helper runs on.
    pub os: String,
    /// Seconds the helper has run.
    pub uptime_secs: u64,
    /// The journal as stored (JSON), if there is one.
    pub journal: Option<String>,
    /// Recent decisions, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Recent events from the kernel, oldest first, one line each.
    pub kernel_events: Vec<String>,
}

/// One file of a diagnostics bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleSection {
    /// A file name (`routes.txt`).
    pub name: String,
    /// Its text.
    pub text: String,
}

/// Everything a bug report needs, optionally with addresses replaced by
/// stable placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// Whether addresses were redacted.
    pub redacted: bool,
    /// The files.
    pub sections: Vec<BundleSection>,
}

/// What the simulated Mac should do (sim backend only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum SimAction {
    /// Runs a named scenario event (`vpn-up`, `wifi-to-ethernet`, `sleep`, …).
    Event {
        /// The event's name.
        name: String,
    },
    /// Takes an interface down or up.
    Link {
        /// Its name.
        interface: String,
        /// Up (true) or down.
        up: bool,
    },
    /// Lists the scenario's events.
    ListEvents,
}

/// A scenario event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimEvent {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_json() -> serde_json::Value {
        serde_json::json!({
            "backend": "sim", "mode": "advanced", "mode_note": null, "mode_switchable": true,
            "families": {"v4": {"egress": null, "pin": {"state": "none"}, "reason": "", "since": null},
                         "v6": {"egress": null, "pin": {"state": "none"}, "reason": "", "since": null}},
            "exclusions": 0, "held": [], "held_exclusion_routes": 0, "timeline": [],
            "repins_last_10_min": 0, "warnings": []
        })
    }

    #[test]
    fn a_status_without_vpn_from_an_older_helper_still_parses() {
        let status: Status = serde_json::from_value(status_json()).unwrap();
        assert!(status.vpn.is_empty());
    }

    #[test]
    fn vpn_defaults_are_spelled_as_the_app_reads_them() {
        let mut json = status_json();
        json["vpn"] = serde_json::json!([{
            "interface": "utun4", "family": "v4", "shape": "split", "routes": ["0/1", "128.0/1"]
        }]);
        let status: Status = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            status.vpn,
            [VpnDefault {
                interface: "utun4".into(),
                family: Family::V4,
                shape: DefaultShape::Split,
                routes: vec!["0/1".into(), "128.0/1".into()],
            }]
        );
        assert_eq!(serde_json::to_value(&status).unwrap(), json);
        let bad = serde_json::json!({"interface": "utun4", "family": "v4", "shape": "half", "routes": []});
        assert!(serde_json::from_value::<VpnDefault>(bad).is_err());
    }
}
