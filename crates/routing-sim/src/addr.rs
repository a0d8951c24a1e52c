//! Addresses coming and going (`SIOCAIFADDR`, `SIOCDIFADDR`): the routes
//! the kernel makes for them (`in_ifinit` → `rtinit` for IPv4,
//! `in6_ifloop_request` and the nd6 prefix for IPv6) and the
//! `rt_newaddrmsg` notifications. The behaviour is tabled in
//! [`crate::events`].

use std::net::IpAddr;

use routing_core::model::{Family, Gateway, IpPrefix, Metrics, Route, RouteFlags, RouteKey};

use crate::errno::Errno;
use crate::events::{condemned, is_link_local_v6, AddressSpec};
use crate::iface::SimAddress;
use crate::kernel::{RouteExtra, SimKernel};
use crate::msg;

impl SimKernel {
    /// Configures an address (`SIOCAIFADDR`); see the module table for
    /// the routes and messages.
    ///
    /// # Errors
    /// `ENXIO` for an unknown interface; `EEXIST` when the interface has
    /// the address already; `EINVAL` for a prefix length too long.
    pub fn add_address(&mut self, index: u32, spec: &AddressSpec) -> Result<(), Errno> {
        let family = Family::of(spec.addr);
        if spec.prefix_len > family.max_len() {
            return Err(Errno::EINVAL);
        }
        let iface = self.interfaces.get_mut(&index).ok_or(Errno::ENXIO)?;
        if iface.has_address(spec.addr) {
            return Err(Errno::EEXIST);
        }
        // in_ifinit: a broadcast link's address gets its subnet broadcast.
        let peer_or_broadcast = spec.peer_or_broadcast.or_else(|| {
            let broadcast_link = iface.flags & crate::iface::iff::BROADCAST != 0;
            match spec.addr {
                IpAddr::V4(a) if broadcast_link && spec.prefix_len < 31 => {
                    let host_bits = u32::MAX >> spec.prefix_len;
                    Some(IpAddr::V4((u32::from(a) | host_bits).into()))
                }
                _ => None,
            }
        });
        let ifa_flags = if spec.addr.is_ipv4() && iface.resolves_addresses() {
            RouteFlags::CLONING.bits()
        } else {
            0
        };
        iface.addresses.push(SimAddress {
            addr: spec.addr,
            prefix_len: spec.prefix_len,
            peer_or_broadcast,
            ifa_flags,
            has_route: false,
        });
        match family {
            Family::V4 => self.add_interface_route_v4(index, spec.addr),
            Family::V6 => self.add_address_routes_v6(index, spec.addr),
        }
        Ok(())
    }

    /// Removes an address (`SIOCDIFADDR`); see the module table.
    ///
    /// # Errors
    /// `ENXIO` for an unknown interface; `EADDRNOTAVAIL` when the
    /// interface does not have the address.
    pub fn remove_address(&mut self, index: u32, addr: IpAddr) -> Result<(), Errno> {
        let iface = self.interfaces.get(&index).ok_or(Errno::ENXIO)?;
        if !iface.has_address(addr) {
            return Err(Errno::EADDRNOTAVAIL);
        }
        match Family::of(addr) {
            Family::V4 => self.scrub_interface_route_v4(index, addr),
            Family::V6 => self.remove_address_routes_v6(index, addr),
        }
        if let Some(iface) = self.interfaces.get_mut(&index) {
            iface.addresses.retain(|a| a.addr != addr);
        }
        Ok(())
    }

    /// `rtinit(RTM_ADD)` for an IPv4 address, with its messages.
    pub(crate) fn add_interface_route_v4(&mut self, index: u32, addr: IpAddr) {
        let Some(iface) = self.interfaces.get(&index) else {
            return;
        };
        let Some(sa) = iface.addresses.iter().find(|a| a.addr == addr).cloned() else {
            return;
        };
        let mut flags = RouteFlags::UP;
        let (destination, gateway) = if iface.is_loopback() {
            flags |= RouteFlags::HOST;
            (IpPrefix::host(addr), Gateway::ip(addr))
        } else if iface.is_p2p() {
            let Some(peer) = sa.peer_or_broadcast else {
                // No destination, no route, no messages (in_ifinit returns 0).
                return;
            };
            flags |= RouteFlags::HOST;
            (IpPrefix::host(peer), Gateway::ip(addr))
        } else {
            let Ok(net) = IpPrefix::new_truncating(addr, sa.prefix_len) else {
                return;
            };
            (net, Gateway::ip(addr))
        };
        let mut route = Route {
            destination,
            gateway,
            interface: iface.as_ref(),
            scope: None,
            flags: flags | RouteFlags::from_bits(sa.ifa_flags),
            parent_flags: RouteFlags::EMPTY,
            expire: None,
            metrics: Metrics {
                mtu: iface.mtu,
                ..Metrics::default()
            },
        };
        self.finish_kernel_flags(&mut route, addr);
        let extra = RouteExtra {
            ifa: Some(addr),
            ..RouteExtra::default()
        };
        if self.insert_route(route.clone(), extra).is_err() {
            return; // EEXIST: in_ifinit shrugs, and nothing is announced.
        }
        self.mark_has_route(index, addr, true);
        self.announce_address(msg::RTM_NEWADDR, index, addr, Some(&route));
    }

    /// `in_ifscrub`: deletes the IPv4 interface route of an address when
    /// it is there, uses the address and is not static, with messages.
    pub(crate) fn scrub_interface_route_v4(&mut self, index: u32, addr: IpAddr) {
        let Some(iface) = self.interfaces.get(&index).cloned() else {
            return;
        };
        let Some(sa) = iface.addresses.iter().find(|a| a.addr == addr).cloned() else {
            return;
        };
        if !sa.has_route {
            return;
        }
        self.mark_has_route(index, addr, false);
        let dst = if iface.is_loopback() {
            Some(IpPrefix::host(addr))
        } else if iface.is_p2p() {
            sa.peer_or_broadcast.map(IpPrefix::host)
        } else {
            IpPrefix::new_truncating(addr, sa.prefix_len).ok()
        };
        let Some(dst) = dst else { return };
        let key = RouteKey {
            destination: dst,
            scope: None,
        };
        let Some(route) = self.table.get(&key) else {
            return;
        };
        if self.extra(&key).ifa != Some(addr) || route.flags.contains(RouteFlags::STATIC) {
            return; // ENETUNREACH / EBUSY: rtinit leaves it, and says nothing.
        }
        if let Ok(removed) = self.remove_route(&key) {
            let removed = condemned(removed);
            self.announce_address(msg::RTM_DELADDR, index, addr, Some(&removed));
        }
    }

    /// `in6_ifloop_request(RTM_ADD)` plus the on-link prefix route.
    fn add_address_routes_v6(&mut self, index: u32, addr: IpAddr) {
        let Some(iface) = self.interfaces.get(&index).cloned() else {
            return;
        };
        let Some(sa) = iface.addresses.iter().find(|a| a.addr == addr).cloned() else {
            return;
        };
        let link_local = is_link_local_v6(addr);
        let scope = link_local.then_some(index);
        let lo = self
            .loopback_index()
            .and_then(|i| self.interfaces.get(&i))
            .unwrap_or(&iface);
        let gateway = if iface.is_loopback() && !link_local {
            Gateway::ip(addr)
        } else {
            Gateway::Link {
                index,
                name: None,
                lladdr: iface.lladdr.clone(),
            }
        };
        let mut host = Route {
            destination: IpPrefix::host(addr),
            gateway,
            interface: lo.as_ref(),
            scope: None,
            flags: RouteFlags::UP | RouteFlags::HOST | RouteFlags::LLINFO | RouteFlags::LOCAL,
            parent_flags: RouteFlags::EMPTY,
            expire: None,
            metrics: Metrics {
                mtu: lo.mtu,
                ..Metrics::default()
            },
        };
        host.set_scope(scope);
        let extra = RouteExtra {
            ifa: Some(addr),
            ..RouteExtra::default()
        };
        let added = self.insert_route(host.clone(), extra.clone()).is_ok();
        // The on-link prefix: silent (nd6_rtmsg → rt_missmsg, never delivered).
        if sa.prefix_len < 128 && sa.peer_or_broadcast.is_none() {
            if let Ok(prefix) = IpPrefix::new_truncating(addr, sa.prefix_len) {
                let (gateway, flags) = if iface.resolves_addresses() {
                    let null = Gateway::Link {
                        index,
                        name: None,
                        lladdr: Vec::new(),
                    };
                    (null, RouteFlags::UP | RouteFlags::CLONING)
                } else {
                    let via = iface.link_local_v6().unwrap_or(addr);
                    let zone = is_link_local_v6(via).then_some(index);
                    let gw = Gateway::Ip { addr: via, zone };
                    (gw, RouteFlags::UP | RouteFlags::PRCLONING)
                };
                let mut route = Route {
                    destination: prefix,
                    gateway,
                    interface: iface.as_ref(),
                    scope: None,
                    flags,
                    parent_flags: RouteFlags::EMPTY,
                    expire: None,
                    metrics: Metrics {
                        mtu: iface.mtu,
                        ..Metrics::default()
                    },
                };
                route.set_scope(scope);
                let _ = self.insert_route(route, extra);
            }
        }
        if added {
            self.announce_address(msg::RTM_NEWADDR, index, addr, Some(&host));
        }
    }

    /// `in6_purgeaddr`: the host route (announced) and, when no other
    /// address of the interface is in it, the prefix route (silent).
    fn remove_address_routes_v6(&mut self, index: u32, addr: IpAddr) {
        let Some(iface) = self.interfaces.get(&index) else {
            return;
        };
        let Some(sa) = iface.addresses.iter().find(|a| a.addr == addr).cloned() else {
            return;
        };
        let scope = is_link_local_v6(addr).then_some(index);
        if let Ok(prefix) = IpPrefix::new_truncating(addr, sa.prefix_len) {
            let shared = iface
                .addresses
                .iter()
                .any(|a| a.addr != addr && a.addr.is_ipv6() && prefix.contains(a.addr));
            if sa.prefix_len < 128 && !shared {
                let key = RouteKey {
                    destination: prefix,
                    scope,
                };
                if self
                    .table
                    .get(&key)
                    .is_some_and(|r| r.interface.index == index)
                {
                    let _ = self.remove_route(&key);
                }
            }
        }
        let key = RouteKey {
            destination: IpPrefix::host(addr),
            scope,
        };
        if let Ok(removed) = self.remove_route(&key) {
            let removed = condemned(removed);
            self.announce_address(msg::RTM_DELADDR, index, addr, Some(&removed));
        }
    }

    fn mark_has_route(&mut self, index: u32, addr: IpAddr, value: bool) {
        if let Some(a) = self
            .interfaces
            .get_mut(&index)
            .and_then(|i| i.addresses.iter_mut().find(|a| a.addr == addr))
        {
            a.has_route = value;
        }
    }
}
