//! rtnetlink messages to the routing model, and route specs to messages.
//!
//! The model is XNU's: one table, keyed by (destination, interface scope).
//! Linux has many tables chosen by rules, and no scoped routes. The mapping:
//!
//! - **Main table** (254): unscoped. Where several main routes share a
//!   destination (two defaults with different metrics, one subnet on two
//!   links), the one the kernel prefers (lowest metric) is the unscoped
//!   entry and the others are scoped to their interface, as XNU keeps an
//!   interface's route scoped when another interface holds the unscoped one.
//!   Routes to IPv6 link-local destinations (`fe80::/64 dev X`) are scoped
//!   to their interface, as XNU scopes them to their zone.
//! - **Egress's own table** ([`Mapper::table`]): scoped to the route's
//!   interface, with [`RouteFlags::IFSCOPE`]: the Linux twin of a scoped
//!   default (the `oif` rule makes it apply only to sockets bound there).
//! - **Any other table** (a VPN's policy table, say): scoped to the route's
//!   interface too, since it applies only under some rule; routes of other
//!   tables with no interface (`unreachable`, `throw`) are left out.
//! - **Left out of dumps and events**: the `local` table (255) and the
//!   types that only it and multicast routing hold (local, broadcast,
//!   anycast, multicast), `throw` and `nat`. A *lookup* that lands on one
//!   (the host's own address) is still answered, with `LOCAL`,
//!   `BROADCAST` or `MULTICAST`.
//! - **Flags**: `UP` unless the next hop is dead; `GATEWAY` with a gateway;
//!   `HOST` for /32 and /128; `STATIC` for the `boot` and `static`
//!   protocols and ours; `DYNAMIC` for ICMP redirects; `BLACKHOLE` for
//!   blackhole and `REJECT` for unreachable/prohibit routes; and the
//!   manager's tag when the route's protocol is ours.
//! - **Gateway**: the IP next hop (an IPv6 link-local one zoned to the
//!   interface); `link#N` for a route straight onto interface N; the first
//!   next hop of a multipath route. Metrics: only the MTU. The protocol,
//!   metric (priority) and table are not in the model.

use std::cmp::Ordering;
use std::net::IpAddr;

use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags as NlRouteFlags, RouteMessage, RouteMetric,
    RouteNextHopFlags, RouteProtocol, RouteScope, RouteType, RouteVia,
};
use netlink_packet_route::AddressFamily;
use routing_core::model::table::has_embedded_scope;
use routing_core::model::{
    Family, Gateway, InterfaceRef, IpPrefix, Metrics, Route, RouteFlags, RouteSpec, RouteTable,
    SpecGateway,
};

/// `RT_TABLE_MAIN`.
pub const RT_TABLE_MAIN: u32 = 254;
/// `RT_TABLE_LOCAL`.
pub const RT_TABLE_LOCAL: u32 = 255;
/// `RTPROT_REDIRECT`, `RTPROT_BOOT`, `RTPROT_STATIC`.
const RTPROT_REDIRECT: u8 = 1;
const RTPROT_BOOT: u8 = 3;
const RTPROT_STATIC: u8 = 4;

/// Egress's own settings, as the mapping needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapper {
    /// Egress's routing table.
    pub table: u32,
    /// Egress's route protocol number.
    pub protocol: u8,
    /// The model flag that marks our routes (the manager's tag).
    pub tag: RouteFlags,
}

/// A route as the kernel describes it, before it is placed in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelRoute {
    /// The table id (`RTA_TABLE`, else `rtm_table`).
    pub table: u32,
    /// `rtm_protocol`.
    pub protocol: u8,
    /// `rtm_type`.
    pub kind: RouteType,
    /// `RTA_PRIORITY` (the metric), 0 if absent.
    pub metric: u32,
    /// The destination.
    pub destination: IpPrefix,
    /// The IP next hop (`RTA_GATEWAY`, `RTA_VIA`, or the first next hop's).
    pub gateway: Option<IpAddr>,
    /// The outgoing interface (`RTA_OIF`, or the first next hop's).
    pub oif: Option<u32>,
    /// The path MTU metric, 0 if none.
    pub mtu: u32,
    /// Whether the (first) next hop is dead.
    pub dead: bool,
}

fn address(a: &RouteAddress) -> Option<IpAddr> {
    match a {
        RouteAddress::Inet(v4) => Some(IpAddr::V4(*v4)),
        RouteAddress::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    }
}

fn via(v: &RouteVia) -> Option<IpAddr> {
    match v {
        RouteVia::Inet(v4) => Some(IpAddr::V4(*v4)),
        RouteVia::Inet6(v6) => Some(IpAddr::V6(*v6)),
        _ => None,
    }
}

/// The family of a message's `AF_*`, if it is IP.
pub fn family_of(family: AddressFamily) -> Option<Family> {
    match family {
        AddressFamily::Inet => Some(Family::V4),
        AddressFamily::Inet6 => Some(Family::V6),
        _ => None,
    }
}

/// The `AF_*` of a family.
pub fn address_family(family: Family) -> AddressFamily {
    match family {
        Family::V4 => AddressFamily::Inet,
        Family::V6 => AddressFamily::Inet6,
    }
}

impl KernelRoute {
    /// Reads a route message; `None` for families other than IP and for
    /// destinations that make no sense.
    pub fn from_message(m: &RouteMessage) -> Option<KernelRoute> {
        let family = family_of(m.header.address_family)?;
        let mut route = KernelRoute {
            table: u32::from(m.header.table),
            protocol: u8::from(m.header.protocol),
            kind: m.header.kind,
            metric: 0,
            destination: IpPrefix::default_for(family),
            gateway: None,
            oif: None,
            mtu: 0,
            dead: m.header.flags.contains(NlRouteFlags::Dead),
        };
        let mut destination = family.unspecified();
        for attribute in &m.attributes {
            match attribute {
                RouteAttribute::Table(t) => route.table = *t,
                RouteAttribute::Priority(p) => route.metric = *p,
                RouteAttribute::Destination(a) => destination = address(a)?,
                RouteAttribute::Gateway(a) => route.gateway = address(a),
                RouteAttribute::Via(v) => route.gateway = via(v),
                RouteAttribute::Oif(i) => route.oif = Some(*i),
                RouteAttribute::Metrics(metrics) => {
                    for metric in metrics {
                        if let RouteMetric::Mtu(mtu) = metric {
                            route.mtu = *mtu;
                        }
                    }
                }
                RouteAttribute::MultiPath(hops) => {
                    if let Some(first) = hops.first() {
                        route.oif = route.oif.or(Some(first.interface_index));
                        route.dead |= first.flags.contains(RouteNextHopFlags::Dead);
                        for a in &first.attributes {
                            match a {
                                RouteAttribute::Gateway(g) => {
                                    route.gateway = route.gateway.or(address(g));
                                }
                                RouteAttribute::Via(v) => route.gateway = route.gateway.or(via(v)),
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        route.destination = IpPrefix::new(destination, m.header.destination_prefix_length).ok()?;
        Some(route)
    }

    fn is_link_local(&self) -> bool {
        match self.destination.addr() {
            IpAddr::V6(a) => has_embedded_scope(&a),
            IpAddr::V4(_) => false,
        }
    }
}

impl Mapper {
    /// Whether a route from a dump or an event belongs in the model (see the
    /// module doc).
    pub fn listed(&self, r: &KernelRoute) -> bool {
        r.table != RT_TABLE_LOCAL
            && matches!(
                r.kind,
                RouteType::Unicast
                    | RouteType::BlackHole
                    | RouteType::Unreachable
                    | RouteType::Prohibit
            )
    }

    /// Whether a route carries our protocol number.
    pub fn is_ours(&self, r: &KernelRoute) -> bool {
        r.protocol == self.protocol
    }

    /// The interface scope a route takes in the model: none in the main and
    /// local tables (except link-local destinations), its interface in any
    /// other table.
    pub fn scope(&self, r: &KernelRoute) -> Option<u32> {
        let unscoped_table = r.table == RT_TABLE_MAIN || r.table == RT_TABLE_LOCAL;
        if unscoped_table && !r.is_link_local() {
            None
        } else {
            r.oif
        }
    }

    /// The model's flags for a route, before its scope is set.
    pub fn flags(&self, r: &KernelRoute) -> RouteFlags {
        let mut flags = RouteFlags::EMPTY;
        if !r.dead {
            flags |= RouteFlags::UP;
        }
        if r.gateway.is_some() {
            flags |= RouteFlags::GATEWAY;
        }
        if r.destination.is_host() {
            flags |= RouteFlags::HOST;
        }
        flags |= match r.kind {
            RouteType::BlackHole => RouteFlags::BLACKHOLE,
            RouteType::Unreachable | RouteType::Prohibit => RouteFlags::REJECT,
            RouteType::Local => RouteFlags::LOCAL,
            RouteType::Broadcast => RouteFlags::BROADCAST,
            RouteType::Multicast => RouteFlags::MULTICAST,
            _ => RouteFlags::EMPTY,
        };
        flags |= match r.protocol {
            RTPROT_REDIRECT => RouteFlags::DYNAMIC,
            RTPROT_BOOT | RTPROT_STATIC => RouteFlags::STATIC,
            _ => RouteFlags::EMPTY,
        };
        if self.is_ours(r) {
            flags |= RouteFlags::STATIC | self.tag;
        }
        flags
    }

    /// The model's route, with the given scope.
    pub fn route(
        &self,
        r: &KernelRoute,
        scope: Option<u32>,
        names: &dyn Fn(u32) -> Option<String>,
    ) -> Route {
        let gateway = match (r.gateway, r.oif) {
            (Some(addr), oif) => Gateway::Ip {
                addr,
                zone: match addr {
                    IpAddr::V6(a) if has_embedded_scope(&a) => oif,
                    _ => None,
                },
            },
            (None, Some(index)) => Gateway::Link {
                index,
                name: None,
                lladdr: Vec::new(),
            },
            (None, None) => Gateway::None,
        };
        let index = r.oif.unwrap_or(0);
        let mut route = Route {
            destination: r.destination,
            gateway,
            interface: InterfaceRef {
                index,
                name: names(index).unwrap_or_default(),
            },
            scope: None,
            flags: self.flags(r),
            parent_flags: RouteFlags::EMPTY,
            expire: None,
            metrics: Metrics {
                mtu: r.mtu,
                ..Metrics::default()
            },
        };
        route.set_scope(scope);
        route
    }

    /// The model's table from the routes of a dump (see the module doc for
    /// which are left out and how clashing keys are resolved).
    pub fn table(
        &self,
        routes: &[KernelRoute],
        names: &dyn Fn(u32) -> Option<String>,
    ) -> RouteTable {
        let mut listed: Vec<&KernelRoute> = routes.iter().filter(|r| self.listed(r)).collect();
        listed.sort_by(|a, b| self.placement(a, b));
        let mut table = RouteTable::new();
        for r in listed {
            let preferred = self.scope(r);
            if preferred.is_none() && r.table != RT_TABLE_MAIN {
                continue;
            }
            // A main route whose unscoped key is taken is scoped to its
            // interface instead; a route with no free key is left out.
            let mut candidates = vec![preferred];
            if let (None, Some(oif)) = (preferred, r.oif) {
                candidates.push(Some(oif));
            }
            for scope in candidates {
                if table.insert(self.route(r, scope, names)).is_ok() {
                    break;
                }
            }
        }
        table
    }

    /// The order routes claim their keys in: the main table first (lowest
    /// metric first), then ours, then the others.
    fn placement(&self, a: &KernelRoute, b: &KernelRoute) -> Ordering {
        let rank = |r: &KernelRoute| match r.table {
            RT_TABLE_MAIN => 0,
            t if t == self.table => 1,
            _ => 2,
        };
        (rank(a), a.table, a.metric).cmp(&(rank(b), b.table, b.metric))
    }

    /// The table a spec goes in: ours when scoped, main otherwise.
    pub fn table_of(&self, spec: &RouteSpec) -> u32 {
        if spec.scoped {
            self.table
        } else {
            RT_TABLE_MAIN
        }
    }

    /// The request that adds (`add`) or deletes a spec's route. In our
    /// table the metric is the interface index, so one table holds one
    /// route per (destination, interface) and a second add for the same
    /// pair is `EEXIST`, as XNU's (destination, scope) key is. Deletes name
    /// our protocol, so they never remove a route that is not ours.
    pub fn route_message(&self, spec: &RouteSpec, add: bool) -> RouteMessage {
        let family = spec.family();
        let table = self.table_of(spec);
        let mut m = RouteMessage::default();
        m.header.address_family = address_family(family);
        m.header.destination_prefix_length = spec.destination.len();
        m.header.table = u8::try_from(table).unwrap_or(0);
        m.header.protocol = RouteProtocol::from(self.protocol);
        let router = match &spec.gateway {
            SpecGateway::Router { addr, .. } => Some(*addr),
            SpecGateway::Interface => None,
        };
        if add {
            m.header.kind = RouteType::Unicast;
            m.header.scope = if router.is_some() {
                RouteScope::Universe
            } else {
                RouteScope::Link
            };
        } else {
            m.header.scope = RouteScope::NoWhere;
        }
        m.attributes.push(RouteAttribute::Table(table));
        m.attributes.push(RouteAttribute::Destination(route_address(
            spec.destination.addr(),
        )));
        m.attributes.push(RouteAttribute::Oif(spec.interface.index));
        if spec.scoped {
            m.attributes
                .push(RouteAttribute::Priority(spec.interface.index));
        }
        if let (true, Some(addr)) = (add, router) {
            m.attributes
                .push(RouteAttribute::Gateway(route_address(addr)));
        }
        m
    }
}

/// An address as a route attribute.
pub fn route_address(addr: IpAddr) -> RouteAddress {
    match addr {
        IpAddr::V4(a) => RouteAddress::Inet(a),
        IpAddr::V6(a) => RouteAddress::Inet6(a),
    }
}

/// `ip route get [oif SCOPE] fibmatch DST`: the route entry the kernel
/// would use, rules applied, with its table (IPv4 reports the main table
/// for every answer unless asked for the table looked up:
/// `RTM_F_LOOKUP_TABLE`).
pub fn lookup_message(dst: IpAddr, scope: Option<u32>) -> RouteMessage {
    let family = Family::of(dst);
    let mut m = RouteMessage::default();
    m.header.address_family = address_family(family);
    m.header.destination_prefix_length = family.max_len();
    m.header.flags = NlRouteFlags::FibMatch | NlRouteFlags::LookupTable;
    m.attributes
        .push(RouteAttribute::Destination(route_address(dst)));
    if let Some(oif) = scope {
        m.attributes.push(RouteAttribute::Oif(oif));
    }
    m
}

/// A dump request for every route of a family, in every table.
pub fn dump_message(family: Family) -> RouteMessage {
    let mut m = RouteMessage::default();
    m.header.address_family = address_family(family);
    m
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
