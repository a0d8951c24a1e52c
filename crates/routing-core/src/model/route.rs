//! Routes: destination, gateway, interface, scope, flags and metrics.

use std::fmt;
use std::net::IpAddr;

use super::flags::RouteFlags;
use super::interface::InterfaceRef;
use super::prefix::{Family, IpPrefix};

/// Where a route sends traffic next.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "type", rename_all = "lowercase"))]
pub enum Gateway {
    /// A next-hop router. An IPv6 link-local next hop carries its zone
    /// (the interface index it is reached on).
    Ip {
        /// The router's address.
        addr: IpAddr,
        /// The IPv6 zone (interface index), if the address is scoped.
        zone: Option<u32>,
    },
    /// A link-layer gateway (`sockaddr_dl`): interface routes (`link#4`,
    /// `utun4`) and ARP/ND entries (a MAC).
    Link {
        /// The interface index in the sockaddr, 0 if unspecified.
        index: u32,
        /// The interface name carried in the sockaddr, if any.
        name: Option<String>,
        /// The link-layer address carried in the sockaddr (a MAC), if any.
        lladdr: Vec<u8>,
    },
    /// No gateway at all.
    None,
}

impl Gateway {
    /// An unscoped IP next hop.
    pub fn ip(addr: IpAddr) -> Gateway {
        Gateway::Ip { addr, zone: None }
    }

    /// The next hop's IP address, if it is one.
    pub fn ip_addr(&self) -> Option<IpAddr> {
        match self {
            Gateway::Ip { addr, .. } => Some(*addr),
            _ => None,
        }
    }
}

/// A route's metrics (`struct rt_metrics` and the counters of `rt_msghdr2`).
/// Zero means "not set" for every field, as in the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Metrics {
    /// Path MTU (`rmx_mtu`).
    pub mtu: u32,
    /// Hop count (`rmx_hopcount`).
    pub hopcount: u32,
    /// Packets sent through the route (`rmx_pksent`, shown as `Use`).
    pub packets_sent: u32,
    /// References held on the route (`rtm_refcnt` in dumps).
    pub refcnt: i32,
}

/// One routing-table entry.
///
/// INVARIANT: `scope.is_some()` exactly when `flags` has
/// [`RouteFlags::IFSCOPE`]; [`Route::set_scope`] keeps the two together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Route {
    /// The destination prefix. Host routes (`RTF_HOST`) have a /32 or /128.
    pub destination: IpPrefix,
    /// The next hop.
    pub gateway: Gateway,
    /// The interface the route sends traffic out of (`rtm_index`).
    pub interface: InterfaceRef,
    /// The interface scope of an `RTF_IFSCOPE` route: the index of the
    /// interface it is scoped to. Almost always the route's own interface,
    /// but XNU's routes to the host's own IPv6 link-local addresses are
    /// scoped to the address's interface while leaving through `lo0`
    /// (`fe80::71:…%en0  c6:1f:…  UHLI  lo0`). For an IPv6 link-local
    /// destination this is also the destination's zone.
    pub scope: Option<u32>,
    /// The route's flags.
    pub flags: RouteFlags,
    /// The cloning parent's flags (`rtm_parentflags`), empty if not a clone.
    pub parent_flags: RouteFlags,
    /// When the route expires, in seconds of wall-clock time
    /// (`rmx_expire`); `None` if it never does.
    pub expire: Option<i64>,
    /// Metrics.
    pub metrics: Metrics,
}

/// What makes two routes the same entry in an XNU table: the destination
/// and the scope. The gateway is not part of the identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteKey {
    /// The destination prefix.
    pub destination: IpPrefix,
    /// The interface scope, `None` for unscoped routes.
    pub scope: Option<u32>,
}

impl Route {
    /// The address family.
    pub fn family(&self) -> Family {
        self.destination.family()
    }

    /// The interface scope (`None` for unscoped routes).
    pub fn scope(&self) -> Option<u32> {
        self.scope
    }

    /// Scopes the route to an interface index, or unscopes it, keeping
    /// [`RouteFlags::IFSCOPE`] in step.
    pub fn set_scope(&mut self, scope: Option<u32>) {
        self.scope = scope;
        self.flags = match scope {
            Some(_) => self.flags.with(RouteFlags::IFSCOPE),
            None => self.flags.without(RouteFlags::IFSCOPE),
        };
    }

    /// Whether the route is scoped to an interface.
    pub fn is_scoped(&self) -> bool {
        self.scope.is_some()
    }

    /// Whether this is a host route (`RTF_HOST`).
    pub fn is_host(&self) -> bool {
        self.flags.contains(RouteFlags::HOST)
    }

    /// Whether this is a /0.
    pub fn is_default(&self) -> bool {
        self.destination.is_default()
    }

    /// The route's identity in the table.
    pub fn key(&self) -> RouteKey {
        RouteKey {
            destination: self.destination,
            scope: self.scope(),
        }
    }
}

impl fmt::Display for RouteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scope {
            Some(scope) => write!(f, "{} scoped to #{scope}", self.destination),
            None => write!(f, "{}", self.destination),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(flags: RouteFlags) -> Route {
        Route {
            destination: "0.0.0.0/0".parse().expect("prefix"),
            gateway: Gateway::ip("192.0.2.1".parse().expect("addr")),
            interface: InterfaceRef {
                index: 4,
                name: "en0".into(),
            },
            scope: flags.contains(RouteFlags::IFSCOPE).then_some(4),
            flags,
            parent_flags: RouteFlags::EMPTY,
            expire: None,
            metrics: Metrics::default(),
        }
    }

    #[test]
    fn set_scope_keeps_the_ifscope_flag_in_step() {
        let mut r = route(RouteFlags::UP);
        assert_eq!(r.scope(), None);
        r.set_scope(Some(4));
        assert!(r.flags.contains(RouteFlags::IFSCOPE));
        assert_eq!(r.scope(), Some(4));
        r.set_scope(None);
        assert!(!r.flags.contains(RouteFlags::IFSCOPE));
    }

    #[test]
    fn scoped_and_unscoped_defaults_are_different_keys() {
        let unscoped = route(RouteFlags::UP).key();
        let scoped = route(RouteFlags::UP | RouteFlags::IFSCOPE).key();
        assert_ne!(unscoped, scoped);
        assert_eq!(unscoped.destination, scoped.destination);
    }
}
