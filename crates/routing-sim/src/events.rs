//! Kernel-originated changes: interfaces attach, come up, go down and
//! detach; addresses come and go; the link layer clones host routes. Each
//! change sends the routing-socket messages XNU sends for it
//! (darwin-route-socket.md §5.6), built like `rt_msg1` (unpadded).
//!
//! # What XNU does, and so what this module does
//!
//! | Change | Table | Messages |
//! |---|---|---|
//! | IPv4 address added (`in_ifinit` → `rtinit`) | The interface route: the subnet on broadcast links (`UC`, null link gateway, expiry "now" on ARP links), a host route to the peer on point-to-point links with a destination, the address itself on loopback (`UH`). | `RTM_NEWADDR`, then `RTM_ADD`, tagged `AF_INET`. **None at all** when no route could be made (a `utun` address without a peer, or a subnet another interface already routes): `rt_newaddrmsg` only runs after `rtinit` succeeded. |
//! | IPv6 address added (`in6_ifloop_request`) | A host route to the address through `lo0` (`UHL`, scoped if link-local), and the on-link prefix route (`UC` on ND links, `Uc` via the link-local address otherwise). | `RTM_NEWADDR` + `RTM_ADD` of the host route, tagged `AF_INET6`. The prefix route is announced by `nd6_rtmsg` → `rt_missmsg`, which no routing socket receives (§5.2), so it arrives silently. |
//! | IPv4 address removed (`in_ifscrub`) | The interface route, unless it is `RTF_STATIC` (`EBUSY`) or uses another address. | `RTM_DELETE` then `RTM_DELADDR`, or none when the route stayed. |
//! | IPv6 address removed (`in6_ifremloop`) | The host route; the prefix route (silently) when no other address uses it. | `RTM_DELETE` then `RTM_DELADDR`. |
//! | Interface down (`if_down`) | See [`SimKernel::set_link`]: IPv4 routes through its addresses are deleted; IPv6 routes stay. | `RTM_DELETE` + `RTM_DELADDR` per IPv4 interface route, then `RTM_IFINFO`. |
//! | Interface up (`if_up`) | IPv4 interface routes come back; nothing else does. | `RTM_NEWADDR` + `RTM_ADD` per IPv4 address, then `RTM_IFINFO`. |
//! | Interface detached (`ifnet_detach`) | Down, addresses purged, then every route left on it deleted (`if_rtproto_del`). | As for down, then `RTM_DELETE` + `RTM_DELADDR` per IPv6 address; nothing for the IPv4 addresses (their routes went with `if_down`) nor for the remaining routes. |

use std::net::IpAddr;

use routing_core::model::{Family, Gateway, IpPrefix, Metrics, Route, RouteFlags, RouteKey};

use crate::errno::Errno;
use crate::iface::{InterfaceSpec, SimAddress, SimInterface};
use crate::kernel::{RouteExtra, SimKernel};
use crate::msg;
use crate::socket::Broadcast;

/// `AF_INET`, the delivery tag of IPv4 notifications.
const AF_INET: i32 = 2;
/// `AF_INET6`.
const AF_INET6: i32 = 30;

/// An address to configure on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSpec {
    /// The address (no zone: the interface is the zone).
    pub addr: IpAddr,
    /// The prefix length.
    pub prefix_len: u8,
    /// The broadcast address (broadcast links) or the peer (point-to-point).
    pub peer_or_broadcast: Option<IpAddr>,
}

/// A host route the link layer or the inet layer cloned from a cloning
/// route: an ARP/ND entry (`UHLWIir`) or a per-destination clone (`UHW3Ig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloneSpec {
    /// The destination host.
    pub destination: IpAddr,
    /// The interface the parent route leaves through.
    pub interface: u32,
    /// The gateway: a MAC for ARP/ND entries; [`Gateway::None`] takes the
    /// parent's gateway.
    pub gateway: Gateway,
    /// The clone's flags (`RTF_WASCLONED` and `RTF_HOST` are added).
    pub flags: RouteFlags,
    /// Seconds until it expires, if it does.
    pub expire_in: Option<i64>,
}

impl SimKernel {
    /// Attaches an interface; it comes up at once if the spec says so.
    ///
    /// # Errors
    /// `EINVAL` for index 0; `EEXIST` when the index or the name is taken.
    pub fn attach(&mut self, spec: &InterfaceSpec) -> Result<(), Errno> {
        if spec.index == 0 || spec.index > u32::from(u16::MAX) {
            return Err(Errno::EINVAL);
        }
        if self.interfaces.contains_key(&spec.index) || self.index_of(&spec.name).is_some() {
            return Err(Errno::EEXIST);
        }
        let iface = SimInterface::new(spec, self.wall_now());
        self.interfaces.insert(spec.index, iface);
        self.attach_order.push(spec.index);
        if spec.up {
            self.set_link(spec.index, true)?;
        }
        Ok(())
    }

    /// Brings an interface up or down (`if_up` / `if_down`), sending
    /// `RTM_IFINFO` when the state changes.
    ///
    /// QUIRK(xnu `bsd/net/if.c` `if_updown`, `bsd/netinet/raw_ip.c`
    /// `rip_ctlinput`): going down, `pfctlinput(PRC_IFDOWN)` reaches only
    /// the IPv4 raw protocol. For each IPv4 address holding its interface
    /// route, `in_ifscrub` deletes that route (with `RTM_DELETE` +
    /// `RTM_DELADDR`, though the address stays) and `in_ifadown(ifa, 1)`
    /// then deletes, without any message, every other IPv4 route whose
    /// interface address is that address, static ones included: defaults,
    /// scoped defaults, ARP entries. IPv6 routes are not touched (no
    /// `PRC_IFDOWN` handler in netinet6), but a down interface cannot send
    /// ([`SimKernel::egress`] fails with `ENETDOWN`). Coming up,
    /// `PRC_IFUP` re-adds only the IPv4 interface routes (`rtinit`); the
    /// other routes stay gone until their owner (configd) adds them again.
    ///
    /// # Errors
    /// `ENXIO` for an unknown index.
    pub fn set_link(&mut self, index: u32, up: bool) -> Result<(), Errno> {
        let iface = self.interfaces.get_mut(&index).ok_or(Errno::ENXIO)?;
        if iface.is_up() == up {
            return Ok(());
        }
        if up {
            iface.flags |= crate::iface::iff::UP;
        } else {
            iface.flags &= !crate::iface::iff::UP;
        }
        let addrs: Vec<SimAddress> = iface.addresses.clone();
        for addr in addrs.iter().filter(|a| a.addr.is_ipv4()) {
            if up && !addr.has_route {
                self.add_interface_route_v4(index, addr.addr);
            } else if !up && addr.has_route {
                self.scrub_interface_route_v4(index, addr.addr);
                let doomed: Vec<RouteKey> = self
                    .table
                    .iter()
                    .filter(|r| r.family() == Family::V4)
                    .filter(|r| self.extra(&r.key()).ifa == Some(addr.addr))
                    .map(Route::key)
                    .collect();
                for key in doomed {
                    let _ = self.remove_route(&key);
                }
            }
        }
        let now = self.wall_now();
        if let Some(iface) = self.interfaces.get_mut(&index) {
            iface.last_change = now;
            let bytes = crate::ifmsg::ifinfo(iface);
            self.broadcast(Broadcast {
                bytes,
                tag: 0,
                skip: None,
                echo: false,
            });
        }
        Ok(())
    }

    /// Detaches an interface (`ifnet_detach`): down, addresses purged
    /// (IPv4, then IPv6, as `if_purgeaddrs` does), then every route left on
    /// it deleted without a message (`if_rtproto_del`).
    ///
    /// QUIRK(xnu `bsd/net/dlil.c` `ifnet_detach`, `if_purgeaddrs`): the
    /// IPv4 interface routes already went with `if_down`, which cleared
    /// `IFA_ROUTE`, so purging the IPv4 addresses sends **no**
    /// `RTM_DELADDR`; each IPv6 address sends `RTM_DELETE` + `RTM_DELADDR`.
    ///
    /// # Errors
    /// `ENXIO` for an unknown index.
    pub fn detach(&mut self, index: u32) -> Result<(), Errno> {
        self.set_link(index, false)?;
        let addrs: Vec<IpAddr> = self
            .interfaces
            .get(&index)
            .map(|i| i.addresses.iter().map(|a| a.addr).collect())
            .unwrap_or_default();
        // in_purgeaddrs, then in6_purgeaddrs.
        for addr in addrs.iter().filter(|a| a.is_ipv4()) {
            let _ = self.remove_address(index, *addr);
        }
        for addr in addrs.iter().filter(|a| a.is_ipv6()) {
            let _ = self.remove_address(index, *addr);
        }
        let doomed: Vec<RouteKey> = self
            .table
            .iter()
            .filter(|r| r.interface.index == index)
            .map(Route::key)
            .collect();
        for key in doomed {
            let _ = self.remove_route(&key);
        }
        self.interfaces.remove(&index);
        self.attach_order.retain(|i| *i != index);
        Ok(())
    }

    /// Adds a clone of the route `destination` resolves through on the
    /// interface, as ARP/ND or the inet layer would (no message: clones
    /// are announced by `rt_missmsg`, which no routing socket receives).
    ///
    /// # Errors
    /// `ENXIO` for an unknown interface; `ESRCH` when no route on that
    /// interface covers the destination; `EEXIST` when the clone exists.
    pub fn add_clone(&mut self, spec: &CloneSpec) -> Result<(), Errno> {
        let iface = self.interfaces.get(&spec.interface).ok_or(Errno::ENXIO)?;
        let iref = iface.as_ref();
        let mtu = iface.mtu;
        let parent = self
            .table
            .lookup(spec.destination, Some(spec.interface))
            .filter(|r| r.interface.index == spec.interface)
            .ok_or(Errno::ESRCH)?
            .clone();
        let flags = spec.flags | RouteFlags::WASCLONED | RouteFlags::HOST | RouteFlags::UP;
        let gateway = match &spec.gateway {
            Gateway::None => parent.gateway.clone(),
            other => other.clone(),
        };
        let scope = flags
            .contains(RouteFlags::IFSCOPE)
            .then_some(spec.interface);
        let ifa = self.extra(&parent.key()).ifa;
        let route = Route {
            destination: IpPrefix::host(spec.destination),
            gateway,
            interface: iref,
            scope,
            flags,
            parent_flags: parent.flags,
            expire: spec.expire_in.map(|s| self.wall_now().saturating_add(s)),
            metrics: Metrics {
                mtu,
                ..Metrics::default()
            },
        };
        let extra = RouteExtra {
            ifa,
            parent: Some(parent.key()),
            ..RouteExtra::default()
        };
        if self.table.get(&route.key()).is_some() {
            return Err(Errno::EEXIST);
        }
        self.insert_route(route, extra)
    }

    /// `rt_newaddrmsg`: NEWADDR then RTM_ADD, or RTM_DELETE then DELADDR.
    pub(crate) fn announce_address(
        &mut self,
        addr_type: u8,
        index: u32,
        addr: IpAddr,
        route: Option<&Route>,
    ) {
        let Some(iface) = self.interfaces.get(&index) else {
            return;
        };
        let Some(sa) = iface.addresses.iter().find(|a| a.addr == addr) else {
            return;
        };
        let tag = match Family::of(addr) {
            Family::V4 => AF_INET,
            Family::V6 => AF_INET6,
        };
        let addr_msg = crate::ifmsg::ifa_msg1(addr_type, iface, sa, self);
        let route_msg = route.map(|r| {
            let route_type = if addr_type == msg::RTM_NEWADDR {
                msg::RTM_ADD
            } else {
                msg::RTM_DELETE
            };
            msg::route_msg1(route_type, r, index, self)
        });
        let mut messages = vec![addr_msg];
        if let Some(m) = route_msg {
            if addr_type == msg::RTM_NEWADDR {
                messages.push(m);
            } else {
                messages.insert(0, m);
            }
        }
        for bytes in messages {
            self.broadcast(Broadcast {
                bytes,
                tag,
                skip: None,
                echo: false,
            });
        }
    }
}

/// A deleted route as XNU reports it: `RTF_UP` and `RTF_ROUTER` cleared,
/// `RTF_CONDEMNED` set (darwin-route-socket.md §5.5).
pub(crate) fn condemned(mut route: Route) -> Route {
    route.flags = route
        .flags
        .without(RouteFlags::UP | RouteFlags::ROUTER)
        .with(RouteFlags::CONDEMNED);
    route
}

/// Whether an IPv6 address is link-local unicast (`fe80::/10`).
pub(crate) fn is_link_local_v6(addr: IpAddr) -> bool {
    matches!(addr, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80)
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
