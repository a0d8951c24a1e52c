//! What `RTM_ADD`, `RTM_DELETE`, `RTM_CHANGE` and `RTM_LOCK` do to the
//! table (darwin-route-socket.md §5.4, §5.5, §5.8), including the
//! interface selection of `ifa_ifwithroute_common_locked` (`route.c`).

use std::net::IpAddr;

use routing_core::model::{Family, IpPrefix, Metrics, Route, RouteFlags, RouteKey};

use crate::errno::Errno;
use crate::events::condemned;
use crate::kernel::{RouteExtra, SimKernel};
use crate::request::{Request, Sockaddr};

/// `RTV_MTU`, `RTV_HOPCOUNT`, `RTV_EXPIRE` and the pipe bits of `rtm_inits`.
const RTV_MTU: u32 = 0x1;
const RTV_HOPCOUNT: u32 = 0x2;
const RTV_EXPIRE: u32 = 0x4;
/// `RTV_RPIPE` … `RTV_RTTVAR`, in `rmx` order from `rmx_recvpipe`.
const RTV_PIPES: [u32; 5] = [0x8, 0x10, 0x20, 0x40, 0x80];

/// An interface address chosen for a route: interface index and address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ifa {
    pub(crate) index: u32,
    /// `None` for the interface's link-layer address (`AF_LINK` ifaddr).
    pub(crate) addr: Option<IpAddr>,
}

impl SimKernel {
    /// `RTM_ADD` (§5.4).
    pub(crate) fn rtm_add(&mut self, req: &Request) -> Result<(), Errno> {
        let gateway_sa = req.sa[1].as_ref().ok_or(Errno::EINVAL)?;
        let dst_sa = req.sa[0].as_ref().ok_or(Errno::EINVAL)?;
        let dst = dst_sa.ip().ok_or(Errno::ESRCH)?;
        let destination = request_prefix(req, dst)?;
        let scope = req.scope.or_else(|| auto_scope(dst_sa));
        let ifa = self
            .ifa_with_route(req.flags, dst, gateway_sa, scope)
            .ok_or(Errno::ENETUNREACH)?;
        let ifa = self.set_if_hints(req, dst, ifa);
        let iface = self.interfaces.get(&ifa.index).ok_or(Errno::ENETUNREACH)?;
        let gateway = gateway_sa.to_gateway().ok_or(Errno::ENETUNREACH)?;
        // rtrequest: RTF_UP, the request's flags, RTF_GLOBAL stripped, the
        // scope only when there is one.
        let user = req
            .flags
            .without(RouteFlags::GLOBAL | RouteFlags::IFSCOPE | RouteFlags::DONE);
        let mut route = Route {
            destination,
            gateway,
            interface: iface.as_ref(),
            scope: None,
            flags: user | RouteFlags::UP,
            parent_flags: RouteFlags::EMPTY,
            expire: None,
            metrics: Metrics {
                mtu: iface.mtu,
                ..Metrics::default()
            },
        };
        if destination.is_host() && req.mask_len.is_none() {
            route.flags |= RouteFlags::HOST;
        }
        route.set_scope(scope);
        let ifa_addr = ifa.addr.unwrap_or(dst);
        self.finish_kernel_flags(&mut route, ifa_addr);
        let mut extra = RouteExtra {
            ifa: ifa.addr,
            ..RouteExtra::default()
        };
        apply_metrics(req, &mut route, &mut extra);
        self.insert_route(route, extra)
    }

    /// `RTM_DELETE` (§5.5): the exact entry, gateway not compared. Returns
    /// the route as reported: `RTF_UP` off, `RTF_CONDEMNED` on.
    pub(crate) fn rtm_delete(&mut self, req: &Request) -> Result<(Route, RouteExtra), Errno> {
        let dst_sa = req.sa[0].as_ref().ok_or(Errno::EINVAL)?;
        let dst = dst_sa.ip().ok_or(Errno::ESRCH)?;
        let key = RouteKey {
            destination: request_prefix(req, dst)?,
            scope: req.scope.or_else(|| auto_scope(dst_sa)),
        };
        let extra = self.extra(&key);
        let route = self.remove_route(&key)?;
        Ok((condemned(route), extra))
    }

    /// `RTM_CHANGE` (§5.8): a new gateway, maybe a new interface, metrics.
    /// The request's flags are not applied.
    pub(crate) fn rtm_change(&mut self, req: &Request) -> Result<(), Errno> {
        let key = self.find_for_request(req)?;
        let mut route = self.table.get(&key).cloned().ok_or(Errno::ESRCH)?;
        let mut extra = self.extra(&key);
        let dst = route.destination.addr();
        if let Some(gw) = req.sa[1].as_ref() {
            route.gateway = gw.to_gateway().ok_or(Errno::EINVAL)?;
        }
        // rt_setif: IFP/IFA, else the gateway, may move the route.
        let hinted = req.sa[4].is_some() || req.sa[5].is_some() || req.sa[1].is_some();
        if hinted {
            let current = Ifa {
                index: route.interface.index,
                addr: extra.ifa,
            };
            let by_gateway = req.sa[1]
                .as_ref()
                .and_then(|gw| self.ifa_with_route(route.flags, dst, gw, route.scope()));
            let chosen = self.set_if_hints(req, dst, by_gateway.unwrap_or(current));
            let allowed = route.scope().is_none_or(|s| s == chosen.index);
            if let (true, Some(iface)) = (allowed, self.interfaces.get(&chosen.index)) {
                route.interface = iface.as_ref();
                extra.ifa = chosen.addr.or(extra.ifa);
            }
        }
        apply_metrics(req, &mut route, &mut extra);
        self.replace_route(&key, route, extra);
        Ok(())
    }

    /// `RTM_LOCK`: only `rmx_locks` changes.
    pub(crate) fn rtm_lock(&mut self, req: &Request) -> Result<(), Errno> {
        let key = self.find_for_request(req)?;
        let locks = (self.extra(&key).locks & !req.inits) | (req.inits & req.rmx.locks);
        if let Some(extra) = self.extras.get_mut(&key) {
            extra.locks = locks;
        }
        Ok(())
    }

    /// Swaps a route in place, keeping its clones, updating the primary
    /// interface as a remove and an add would.
    fn replace_route(&mut self, key: &RouteKey, route: Route, extra: RouteExtra) {
        if self.table.remove(key).is_ok() {
            let new_key = route.key();
            let _ = self.table.insert(route);
            self.extras.remove(key);
            self.extras.insert(new_key, extra);
        }
    }

    /// `rt_setif` after an add: `RTA_IFP` (by index or name) or `RTA_IFA`
    /// (by address) moves the route to that interface, keeping an address
    /// of the destination's family there.
    fn set_if_hints(&self, req: &Request, dst: IpAddr, chosen: Ifa) -> Ifa {
        let by_ifp = match &req.sa[4] {
            Some(Sockaddr::Link { index, name, .. }) => self
                .interfaces
                .get(index)
                .or_else(|| {
                    let name = name.as_deref()?;
                    self.interfaces.values().find(|i| i.name == name)
                })
                .map(|i| i.index),
            _ => None,
        };
        let by_ifa = req.sa[5]
            .as_ref()
            .and_then(Sockaddr::ip)
            .and_then(|a| self.interfaces.values().find(|i| i.has_address(a)))
            .map(|i| i.index);
        match by_ifp.or(by_ifa) {
            Some(index) if index != chosen.index => self
                .interfaces
                .get(&index)
                .and_then(|i| {
                    i.address_covering(dst)
                        .or_else(|| i.first_address_like(dst))
                })
                .map_or(chosen, |a| Ifa {
                    index,
                    addr: Some(a.addr),
                }),
            _ => chosen,
        }
    }

    /// `ifa_ifwithroute_common_locked`: which interface address a route to
    /// `dst` via `gateway` uses, or `None` (`ENETUNREACH`).
    pub(crate) fn ifa_with_route(
        &self,
        flags: RouteFlags,
        dst: IpAddr,
        gateway: &Sockaddr,
        scope: Option<u32>,
    ) -> Option<Ifa> {
        let gw_ip = gateway.ip();
        let gw_zone = gateway.zone();
        let mut ifa = None;
        if !flags.contains(RouteFlags::GATEWAY) {
            if flags.contains(RouteFlags::HOST) {
                ifa = self.ifa_with_dstaddr(dst, None);
            }
            if ifa.is_none() {
                ifa = self.ifa_with_addr(gateway, scope);
            }
        } else if let Some(gw) = gw_ip {
            if scope.is_some() {
                ifa = self.ifa_with_dstaddr(gw, scope);
            }
            if ifa.is_none() {
                ifa = self.ifa_with_dstaddr(gw, None);
            }
        }
        if ifa.is_none() {
            ifa = self.ifa_with_net(gateway, scope);
        }
        if ifa.is_none() {
            ifa = self
                .table
                .lookup(dst, scope)
                .map(|r| self.route_ifa(r, dst));
        }
        // Swap for an address of the destination's family on the interface.
        if let Some(found) = ifa {
            let wrong_family = found.addr.is_none_or(|a| a.is_ipv4() != dst.is_ipv4());
            if wrong_family {
                if let Some(a) = self.ifa_of_ifp_for(dst, found.index) {
                    ifa = Some(Ifa {
                        index: found.index,
                        addr: Some(a),
                    });
                }
            }
        }
        // A route to the gateway itself outranks the interfaces.
        if let Some(gw) = gw_ip {
            let is_own = ifa.is_some_and(|f| f.addr == Some(gw));
            if !is_own {
                let gw_scope = scope.or(gw_zone);
                if let Some(r) = self.table.lookup(gw, gw_scope) {
                    ifa = Some(self.route_ifa(r, gw));
                }
            }
        }
        let ifa = ifa?;
        if scope.is_some_and(|s| s != ifa.index) {
            return None;
        }
        ifa.addr.filter(|a| a.is_ipv4() == dst.is_ipv4())?;
        Some(ifa)
    }

    /// A route's interface address.
    fn route_ifa(&self, route: &Route, hint: IpAddr) -> Ifa {
        let addr = self.extra(&route.key()).ifa.or_else(|| {
            self.interfaces
                .get(&route.interface.index)
                .and_then(|i| i.first_address_like(hint))
                .map(|a| a.addr)
        });
        Ifa {
            index: route.interface.index,
            addr,
        }
    }

    /// `ifa_ifwithdstaddr`: a point-to-point interface whose peer is `addr`.
    fn ifa_with_dstaddr(&self, addr: IpAddr, scope: Option<u32>) -> Option<Ifa> {
        self.interfaces
            .values()
            .filter(|i| i.is_p2p() && scope.is_none_or(|s| s == i.index))
            .find_map(|i| {
                let a = i
                    .addresses
                    .iter()
                    .find(|a| a.peer_or_broadcast == Some(addr))?;
                Some(Ifa {
                    index: i.index,
                    addr: Some(a.addr),
                })
            })
    }

    /// `ifa_ifwithaddr_scoped`: the interface owning the gateway address,
    /// or whose own link address the gateway is.
    fn ifa_with_addr(&self, gateway: &Sockaddr, scope: Option<u32>) -> Option<Ifa> {
        let in_scope = |i: &&crate::iface::SimInterface| scope.is_none_or(|s| s == i.index);
        match gateway {
            Sockaddr::Link {
                index,
                name: Some(name),
                lladdr,
            } => self
                .interfaces
                .values()
                .filter(in_scope)
                .find(|i| i.index == *index && &i.name == name && &i.lladdr == lladdr)
                .map(|i| Ifa {
                    index: i.index,
                    addr: None,
                }),
            _ => {
                let ip = gateway.ip()?;
                let zone = gateway.zone();
                self.interfaces
                    .values()
                    .filter(in_scope)
                    .filter(|i| {
                        !crate::events::is_link_local_v6(ip) || zone.is_none_or(|z| z == i.index)
                    })
                    .find(|i| i.has_address(ip))
                    .map(|i| Ifa {
                        index: i.index,
                        addr: Some(ip),
                    })
            }
        }
    }

    /// `ifa_ifwithnet_scoped`: the interface on whose subnet the gateway
    /// is (most specific wins; a point-to-point peer counts); an `AF_LINK`
    /// gateway names its interface by `sdl_index` alone.
    fn ifa_with_net(&self, gateway: &Sockaddr, scope: Option<u32>) -> Option<Ifa> {
        if let Sockaddr::Link { index, .. } = gateway {
            return self.interfaces.get(index).map(|i| Ifa {
                index: i.index,
                addr: None,
            });
        }
        let ip = gateway.ip()?;
        let zone = gateway.zone();
        let link_local = crate::events::is_link_local_v6(ip);
        self.interfaces
            .values()
            .filter(|i| scope.is_none_or(|s| s == i.index))
            .filter(|i| !link_local || zone == Some(i.index))
            .flat_map(|i| i.addresses.iter().map(move |a| (i, a)))
            .filter(|(_, a)| a.addr.is_ipv4() == ip.is_ipv4())
            .filter_map(|(i, a)| {
                // A point-to-point address with a peer matches only its
                // peer; any other address matches its subnet.
                let hit = match (i.is_p2p(), a.peer_or_broadcast) {
                    (true, Some(peer)) => (peer == ip).then_some(128),
                    _ => IpPrefix::new_truncating(a.addr, a.prefix_len)
                        .ok()
                        .filter(|p| p.contains(ip))
                        .map(|_| a.prefix_len),
                };
                hit.map(|len| (len, i.index, a.addr))
            })
            .max_by_key(|(len, index, _)| (*len, std::cmp::Reverse(*index)))
            .map(|(_, index, addr)| Ifa {
                index,
                addr: Some(addr),
            })
    }

    /// `ifaof_ifpforaddr`: an address of `dst`'s family on the interface,
    /// preferring one whose subnet (or peer) matches `dst`.
    fn ifa_of_ifp_for(&self, dst: IpAddr, index: u32) -> Option<IpAddr> {
        let iface = self.interfaces.get(&index)?;
        iface
            .addresses
            .iter()
            .find(|a| a.peer_or_broadcast == Some(dst) && iface.is_p2p())
            .or_else(|| iface.address_covering(dst))
            .or_else(|| iface.first_address_like(dst))
            .map(|a| a.addr)
    }
}

/// The key a request names: the host prefix for `RTF_HOST` or when no
/// netmask was given, else DST masked (`rt_maskedcopy`).
fn request_prefix(req: &Request, dst: IpAddr) -> Result<IpPrefix, Errno> {
    let family = Family::of(dst);
    let len = match req.mask_len {
        Some(len) if !req.flags.contains(RouteFlags::HOST) => len,
        _ => family.max_len(),
    };
    IpPrefix::new_truncating(dst, len).map_err(|_| Errno::EINVAL)
}

/// The scope an IPv6 link-local destination brings with it (§4.5): its
/// zone, which makes the route `RTF_IFSCOPE`.
fn auto_scope(dst: &Sockaddr) -> Option<u32> {
    match dst {
        Sockaddr::V6(a, Some(zone)) if routing_core::model::table::has_embedded_scope(a) => {
            Some(*zone)
        }
        _ => None,
    }
}

/// `rt_setmetrics` per `rtm_inits`, and the locks per `rmx_locks & inits`.
fn apply_metrics(req: &Request, route: &mut Route, extra: &mut RouteExtra) {
    let rmx = &req.rmx;
    if req.inits & RTV_MTU != 0 {
        route.metrics.mtu = rmx.mtu;
    }
    if req.inits & RTV_HOPCOUNT != 0 {
        route.metrics.hopcount = rmx.hopcount;
    }
    if req.inits & RTV_EXPIRE != 0 {
        route.expire = (rmx.expire != 0).then_some(i64::from(rmx.expire));
    }
    let pipes = [
        rmx.recvpipe,
        rmx.sendpipe,
        rmx.ssthresh,
        rmx.rtt,
        rmx.rttvar,
    ];
    for (i, bit) in RTV_PIPES.iter().enumerate() {
        if req.inits & bit != 0 {
            extra.pipes[i] = pipes[i];
        }
    }
    extra.locks = (extra.locks & !req.inits) | (req.inits & rmx.locks);
}

#[cfg(test)]
#[path = "rtadd_tests.rs"]
mod tests;
