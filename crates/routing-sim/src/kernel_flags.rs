//! The flags and gateway the kernel adds to a new route, whoever asked for
//! it (darwin-route-socket.md §5.4.4): `in_addroute`/`in6_addroute`
//! (`RTF_MULTICAST`, `RTF_PRCLONING`, `RTF_LOCAL`, `RTF_BROADCAST`),
//! `rtrequest` (`RTF_GLOBAL`), and `arp_rtrequest`/`nd6_rtrequest`
//! (`RTF_CLONING` and the null link gateway on links that resolve
//! addresses).

use std::net::IpAddr;

use routing_core::model::{Family, Gateway, Route, RouteFlags};

use crate::iface::SimInterface;
use crate::kernel::SimKernel;

impl SimKernel {
    /// The flags `in_addroute` and `arp_rtrequest` add to an IPv4 route,
    /// and the null link gateway of cloning routes on ARP links.
    pub(crate) fn finish_kernel_flags(&self, route: &mut Route, ifa: IpAddr) {
        let Some(iface) = self.interfaces.get(&route.interface.index) else {
            return;
        };
        let dst = route.destination.addr();
        if dst.is_multicast() {
            route.flags |= RouteFlags::MULTICAST;
        }
        if !route
            .flags
            .intersects(RouteFlags::HOST | RouteFlags::CLONING | RouteFlags::MULTICAST)
        {
            route.flags |= RouteFlags::PRCLONING;
        }
        if route.is_host() && dst == ifa {
            route.flags |= RouteFlags::LOCAL;
        }
        if route.is_host() && is_broadcast_of(iface, dst) {
            route.flags |= RouteFlags::BROADCAST;
        }
        if !route.is_host() && dst.is_unspecified() {
            route.flags |= RouteFlags::GLOBAL;
        }
        // arp_rtrequest / nd6_rtrequest: interface routes on links that
        // resolve addresses clone, through a null link gateway.
        if iface.resolves_addresses() && !route.flags.contains(RouteFlags::GATEWAY) {
            let full = route.destination.len() == route.family().max_len();
            if !route.is_host() && !full {
                route.flags |= RouteFlags::CLONING;
            }
            if route.flags.contains(RouteFlags::CLONING) {
                route.gateway = Gateway::Link {
                    index: iface.index,
                    name: None,
                    lladdr: Vec::new(),
                };
                if route.family() == Family::V4 {
                    // arp_rtrequest: rt_setexpire(rt, MAX(timenow, 1)),
                    // which netstat shows as an already expired `!`.
                    route.expire = Some(self.wall_now());
                }
            }
        }
    }
}

/// Whether `dst` is a broadcast address of one of the interface's IPv4
/// subnets (`in_broadcast`).
fn is_broadcast_of(iface: &SimInterface, dst: IpAddr) -> bool {
    let IpAddr::V4(d) = dst else { return false };
    if d.is_broadcast() {
        return true;
    }
    iface
        .addresses
        .iter()
        .any(|a| a.peer_or_broadcast == Some(dst) && !iface.is_p2p())
}
