//! Routes Egress installs, described independently of any kernel.

use std::fmt;

use super::egress::PhysicalDefault;
use super::interface::InterfaceRef;
use super::prefix::{Family, IpPrefix};
use super::route::{Gateway, Route, RouteKey};

/// A route Egress wants in the table: a scoped default pinned to the
/// physical interface (advanced mode), or an exclusion route via the
/// physical gateway (legacy mode). Backends turn it into kernel requests
/// and tag it as ours.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RouteSpec {
    /// The destination.
    pub destination: IpPrefix,
    /// The next hop: an IP router, or a link (`sockaddr_dl` naming the
    /// interface) on a point-to-point link without one. Never the host's
    /// own address.
    pub gateway: SpecGateway,
    /// The interface the route leaves by.
    pub interface: InterfaceRef,
    /// Whether the route is scoped to that interface (`RTF_IFSCOPE`).
    pub scoped: bool,
}

/// The next hop of a [`RouteSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SpecGateway {
    /// A router, with the zone (interface index) of a link-local IPv6 one.
    Router {
        /// The router's address.
        addr: std::net::IpAddr,
        /// The IPv6 zone, if link-local.
        zone: Option<u32>,
    },
    /// The interface itself (a point-to-point link).
    Interface,
}

impl RouteSpec {
    /// The scoped default of `family` pinned to a physical default.
    pub fn scoped_default(family: Family, physical: &PhysicalDefault) -> RouteSpec {
        RouteSpec {
            destination: IpPrefix::default_for(family),
            gateway: SpecGateway::from(&physical.gateway),
            interface: physical.interface.clone(),
            scoped: true,
        }
    }

    /// An unscoped exclusion route for `prefix` via a physical default.
    pub fn exclusion(prefix: IpPrefix, physical: &PhysicalDefault) -> RouteSpec {
        RouteSpec {
            destination: prefix,
            gateway: SpecGateway::from(&physical.gateway),
            interface: physical.interface.clone(),
            scoped: false,
        }
    }

    /// The family.
    pub fn family(&self) -> Family {
        self.destination.family()
    }

    /// The table key the route will have.
    pub fn key(&self) -> RouteKey {
        RouteKey {
            destination: self.destination,
            scope: self.scoped.then_some(self.interface.index),
        }
    }

    /// Whether `route` in a table is this spec: same key, same interface,
    /// same next hop.
    pub fn matches(&self, route: &Route) -> bool {
        route.key() == self.key()
            && route.interface.index == self.interface.index
            && match (&self.gateway, &route.gateway) {
                (SpecGateway::Router { addr, .. }, Gateway::Ip { addr: a, .. }) => addr == a,
                (SpecGateway::Interface, Gateway::Link { .. } | Gateway::None) => true,
                _ => false,
            }
    }
}

impl From<&Gateway> for SpecGateway {
    /// An IP gateway is a router; a link gateway or none means the
    /// interface itself.
    fn from(gateway: &Gateway) -> SpecGateway {
        match gateway {
            Gateway::Ip { addr, zone } => SpecGateway::Router {
                addr: *addr,
                zone: *zone,
            },
            Gateway::Link { .. } | Gateway::None => SpecGateway::Interface,
        }
    }
}

impl fmt::Display for RouteSpec {
    /// `0.0.0.0/0 via 198.51.100.1 on en0 (scoped)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.destination)?;
        match &self.gateway {
            SpecGateway::Router { addr, .. } => write!(f, " via {addr} on {}", self.interface)?,
            SpecGateway::Interface => write!(f, " via link {}", self.interface)?,
        }
        if self.scoped {
            f.write_str(" (scoped)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InterfaceKind, Metrics, RouteFlags};

    fn physical(gateway: Gateway) -> PhysicalDefault {
        PhysicalDefault {
            interface: InterfaceRef {
                index: 4,
                name: "en0".into(),
            },
            kind: InterfaceKind::Wifi,
            gateway,
            from_scoped_default: false,
        }
    }

    fn table_route(spec: &RouteSpec, gateway: Gateway) -> Route {
        let flags = if spec.scoped {
            RouteFlags::UP | RouteFlags::IFSCOPE
        } else {
            RouteFlags::UP
        };
        Route {
            destination: spec.destination,
            gateway,
            interface: spec.interface.clone(),
            scope: spec.scoped.then_some(spec.interface.index),
            flags,
            parent_flags: RouteFlags::EMPTY,
            expire: None,
            metrics: Metrics::default(),
        }
    }

    #[test]
    fn scoped_default_keys_on_the_physical_interface() {
        let router = Gateway::ip("198.51.100.1".parse().expect("ip"));
        let spec = RouteSpec::scoped_default(Family::V4, &physical(router.clone()));
        assert_eq!(spec.key().scope, Some(4));
        assert!(spec.key().destination.is_default());
        assert_eq!(
            spec.to_string(),
            "0.0.0.0/0 via 198.51.100.1 on en0 (scoped)"
        );
        assert!(spec.matches(&table_route(&spec, router)));
        assert!(!spec.matches(&table_route(
            &spec,
            Gateway::ip("198.51.100.254".parse().expect("ip"))
        )));
    }

    #[test]
    fn a_point_to_point_default_uses_the_interface_not_an_address() {
        let link = Gateway::Link {
            index: 4,
            name: None,
            lladdr: vec![],
        };
        let spec = RouteSpec::scoped_default(Family::V6, &physical(link.clone()));
        assert_eq!(spec.gateway, SpecGateway::Interface);
        assert_eq!(spec.to_string(), "::/0 via link en0 (scoped)");
        assert!(spec.matches(&table_route(&spec, link)));
    }

    #[test]
    fn exclusions_are_unscoped() {
        let spec = RouteSpec::exclusion(
            "203.0.113.9/32".parse().expect("prefix"),
            &physical(Gateway::ip("198.51.100.1".parse().expect("ip"))),
        );
        assert_eq!(spec.key().scope, None);
        assert_eq!(spec.to_string(), "203.0.113.9/32 via 198.51.100.1 on en0");
    }
}
