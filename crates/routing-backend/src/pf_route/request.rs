//! Route specs as `PF_ROUTE` requests.

use routing_core::model::RouteFlags;
use routing_core::model::{IpPrefix, RouteSpec, SpecGateway};
use routing_core::wire::pf_route::consts::{IFT_OTHER, RTAX_DST, RTAX_GATEWAY, RTAX_NETMASK};
use routing_core::wire::pf_route::{
    scoped_default, ConvertError, NextHop, ProtoFlag, RouteMessage, RouteOp, Sockaddr, SockaddrDl,
};

/// The `RTM_ADD`/`RTM_DELETE` for a spec, tagged with `proto`.
///
/// A scoped default is `UP|STATIC|IFSCOPE|proto` (+`GATEWAY` via a router)
/// with the interface in `rtm_index`; a point-to-point one names the
/// interface with a `sockaddr_dl`, never the host's own address. An
/// exclusion is an unscoped `UP|STATIC|proto` route, `HOST` for a /32 or
/// /128 (no netmask), else with its netmask.
///
/// # Errors
/// [`ConvertError::FamilyMismatch`] when the router is of the other family.
pub fn route_request(
    op: RouteOp,
    spec: &RouteSpec,
    proto: ProtoFlag,
    seq: i32,
    pid: i32,
) -> Result<RouteMessage, ConvertError> {
    let index = u16::try_from(spec.interface.index).unwrap_or(u16::MAX);
    let next_hop = match &spec.gateway {
        SpecGateway::Router { addr, zone } => NextHop::Ip {
            addr: *addr,
            zone: *zone,
        },
        SpecGateway::Interface => {
            NextHop::Link(SockaddrDl::new(index, IFT_OTHER, &spec.interface.name, &[]))
        }
    };
    if spec.scoped && spec.destination.is_default() {
        return scoped_default(op, spec.family(), index, &next_hop, proto, seq, pid);
    }
    let mut message = RouteMessage::new(op.rtm_type());
    let mut flags = RouteFlags::UP | RouteFlags::STATIC | proto.flag();
    let gateway = match next_hop {
        NextHop::Ip { addr, zone } => {
            if routing_core::model::Family::of(addr) != spec.family() {
                return Err(ConvertError::FamilyMismatch);
            }
            flags |= RouteFlags::GATEWAY;
            Sockaddr::from_ip_zone(addr, zone)
        }
        NextHop::Link(sdl) => Sockaddr::Link(sdl),
    };
    if spec.scoped {
        flags |= RouteFlags::IFSCOPE;
        message.header.index = index;
    }
    message.addrs = message
        .addrs
        .with(RTAX_DST, Sockaddr::from_ip(spec.destination.addr()))
        .with(RTAX_GATEWAY, gateway);
    if spec.destination.is_host() {
        flags |= RouteFlags::HOST;
    } else {
        message.addrs = message
            .addrs
            .with(RTAX_NETMASK, Sockaddr::from_ip(netmask(&spec.destination)));
    }
    message.header.flags = flags;
    message.header.seq = seq;
    message.header.pid = pid;
    Ok(message)
}

fn netmask(prefix: &IpPrefix) -> std::net::IpAddr {
    prefix.netmask()
}

#[cfg(test)]
mod tests {
    use super::*;
    use routing_core::model::{Family, InterfaceRef};

    fn spec(dst: &str, gateway: SpecGateway, scoped: bool) -> RouteSpec {
        RouteSpec {
            destination: dst.parse().expect("prefix"),
            gateway,
            interface: InterfaceRef {
                index: 4,
                name: "en0".into(),
            },
            scoped,
        }
    }

    fn router(addr: &str) -> SpecGateway {
        SpecGateway::Router {
            addr: addr.parse().expect("ip"),
            zone: None,
        }
    }

    #[test]
    fn scoped_default_carries_ifscope_the_tag_and_the_index() {
        let m = route_request(
            RouteOp::Add,
            &spec("0.0.0.0/0", router("198.51.100.1"), true),
            ProtoFlag::Proto1,
            7,
            99,
        )
        .expect("request");
        assert_eq!(m.header.flags.netstat_letters(), "UGS1I");
        assert_eq!((m.header.index, m.header.seq, m.header.pid), (4, 7, 99));
    }

    #[test]
    fn exclusions_are_host_routes_without_a_netmask() {
        let m = route_request(
            RouteOp::Add,
            &spec("203.0.113.9/32", router("198.51.100.1"), false),
            ProtoFlag::Proto2,
            1,
            1,
        )
        .expect("request");
        assert_eq!(m.header.flags.netstat_letters(), "UGHS2");
        assert!(m.addrs.netmask().is_none());
        assert_eq!(m.header.index, 0);
    }

    #[test]
    fn a_network_exclusion_has_its_netmask() {
        let m = route_request(
            RouteOp::Add,
            &spec("203.0.113.0/24", router("198.51.100.1"), false),
            ProtoFlag::Proto1,
            1,
            1,
        )
        .expect("request");
        assert_eq!(
            m.addrs.netmask().and_then(Sockaddr::ip),
            Some("255.255.255.0".parse().expect("mask"))
        );
    }

    #[test]
    fn point_to_point_names_the_interface() {
        let m = route_request(
            RouteOp::Add,
            &spec("::/0", SpecGateway::Interface, true),
            ProtoFlag::Proto1,
            1,
            1,
        )
        .expect("request");
        let sdl = m
            .addrs
            .gateway()
            .and_then(Sockaddr::as_link)
            .expect("link gateway");
        assert_eq!((sdl.index(), sdl.name_str()), (4, Some("en0")));
        assert!(!m.header.flags.contains(RouteFlags::GATEWAY));
        assert_eq!(
            Family::V6,
            spec("::/0", SpecGateway::Interface, true).family()
        );
    }

    #[test]
    fn a_router_of_the_other_family_is_refused() {
        let bad = spec("203.0.113.9/32", router("2001:db8::1"), false);
        assert_eq!(
            route_request(RouteOp::Add, &bad, ProtoFlag::Proto1, 1, 1).err(),
            Some(ConvertError::FamilyMismatch)
        );
    }
}
