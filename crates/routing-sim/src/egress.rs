//! "Where would this packet leave?": the route `ip_output`/`ip6_output`
//! would pick for a socket, unbound or bound with `IP_BOUND_IF` /
//! `IPV6_BOUND_IF` (darwin-route-socket.md §3.7, §5.7).
//!
//! - Binding to an index that names no interface fails with `ENXIO`
//!   (`inp_bindif`); index 0 means unbound.
//! - A bound socket does a scoped lookup: only routes on that interface
//!   (the most specific scoped route, an unscoped match on it, or the
//!   unscoped default on it). Nothing there: `EHOSTUNREACH`, as
//!   `ip_output` returns. Binding to the loopback interface relaxes the
//!   lookup to an unscoped one (`ip_output`).
//! - An unbound socket does an unscoped lookup, which may still pick a more
//!   specific *scoped* route on the same interface as the best unscoped
//!   match (the table's `rt_lookup_common` rules).
//! - `RTF_REJECT` routes fail with `EHOSTUNREACH`; a down interface cannot
//!   send (`ENETDOWN`, from `dlil` when `IFF_UP` is clear).
//! - The lookup never clones, so asking does not change the table.

use std::net::IpAddr;

use routing_core::model::{Family, Gateway, InterfaceRef, Route, RouteFlags};

use crate::errno::Errno;
use crate::events::is_link_local_v6;
use crate::kernel::SimKernel;

/// Where a packet would leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Egress {
    /// The interface it leaves through.
    pub interface: InterfaceRef,
    /// The next hop, when the route has an IP gateway; `None` when the
    /// destination is on-link.
    pub gateway: Option<IpAddr>,
    /// The route used.
    pub route: Route,
    /// The source address the packet would carry, if the interface has one
    /// of the family.
    pub source: Option<IpAddr>,
}

impl SimKernel {
    /// The route a packet to `dst` would take from a socket bound to
    /// `bound_if` (an interface index), or from an unbound socket.
    ///
    /// # Errors
    /// `ENXIO` when `bound_if` names no interface; `EHOSTUNREACH` when no
    /// route matches (or it rejects); `ENETDOWN` when its interface is down.
    pub fn egress(&self, dst: IpAddr, bound_if: Option<u32>) -> Result<Egress, Errno> {
        let bound = bound_if.filter(|i| *i != 0);
        if let Some(index) = bound {
            if !self.interfaces.contains_key(&index) {
                return Err(Errno::ENXIO);
            }
        }
        let scope = bound.filter(|i| Some(*i) != self.loopback_index());
        let route = self
            .table
            .lookup(dst, scope)
            .ok_or(Errno::EHOSTUNREACH)?
            .clone();
        if route.flags.contains(RouteFlags::REJECT) {
            return Err(Errno::EHOSTUNREACH);
        }
        let iface = self
            .interfaces
            .get(&route.interface.index)
            .ok_or(Errno::EHOSTUNREACH)?;
        if !iface.is_up() {
            return Err(Errno::ENETDOWN);
        }
        let gateway = match &route.gateway {
            Gateway::Ip { addr, .. } if route.flags.contains(RouteFlags::GATEWAY) => Some(*addr),
            _ => None,
        };
        let source = self.source_for(dst, &route);
        Ok(Egress {
            interface: iface.as_ref(),
            gateway,
            route,
            source,
        })
    }

    /// Source selection, simplified: the host's own address for a local
    /// route; for IPv4 the route's interface address; for IPv6 an address
    /// of the outgoing interface of the destination's scope (link-local
    /// for link-local destinations, otherwise a non-link-local one).
    fn source_for(&self, dst: IpAddr, route: &Route) -> Option<IpAddr> {
        if route.flags.contains(RouteFlags::LOCAL) {
            return Some(dst);
        }
        let iface = self.interfaces.get(&route.interface.index)?;
        match Family::of(dst) {
            Family::V4 => self
                .extra(&route.key())
                .ifa
                .filter(IpAddr::is_ipv4)
                .or_else(|| iface.first_address_like(dst).map(|a| a.addr)),
            Family::V6 => {
                let want_link_local = is_link_local_v6(dst);
                iface
                    .addresses
                    .iter()
                    .map(|a| a.addr)
                    .filter(IpAddr::is_ipv6)
                    .find(|a| is_link_local_v6(*a) == want_link_local)
            }
        }
    }
}

#[cfg(test)]
#[path = "egress_tests.rs"]
mod tests;
