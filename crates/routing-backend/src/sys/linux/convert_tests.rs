use std::net::IpAddr;

use netlink_packet_route::route::{
    RouteAttribute, RouteMessage, RouteNextHop, RouteProtocol, RouteScope, RouteType,
};
use routing_core::model::{
    Family, Gateway, InterfaceRef, IpPrefix, RouteFlags, RouteKey, RouteSpec, SpecGateway,
};

use super::*;

const OURS: Mapper = Mapper {
    table: 17767,
    protocol: 0x45,
    tag: RouteFlags::PROTO1,
};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

fn prefix(s: &str) -> IpPrefix {
    s.parse().expect("prefix")
}

/// A kernel route message: `dst via gw dev oif table t proto p metric m`.
fn message(
    dst: &str,
    gw: Option<&str>,
    oif: Option<u32>,
    table: u32,
    proto: u8,
    metric: u32,
) -> RouteMessage {
    let dst = prefix(dst);
    let mut m = RouteMessage::default();
    m.header.address_family = address_family(dst.family());
    m.header.destination_prefix_length = dst.len();
    m.header.table = u8::try_from(table).unwrap_or(0);
    m.header.protocol = RouteProtocol::from(proto);
    m.header.kind = RouteType::Unicast;
    m.attributes.push(RouteAttribute::Table(table));
    if dst.len() > 0 {
        m.attributes
            .push(RouteAttribute::Destination(route_address(dst.addr())));
    }
    if let Some(gw) = gw {
        m.attributes
            .push(RouteAttribute::Gateway(route_address(ip(gw))));
    }
    if let Some(oif) = oif {
        m.attributes.push(RouteAttribute::Oif(oif));
    }
    if metric > 0 {
        m.attributes.push(RouteAttribute::Priority(metric));
    }
    m
}

fn kernel(m: &RouteMessage) -> KernelRoute {
    KernelRoute::from_message(m).expect("an IP route")
}

fn names(index: u32) -> Option<String> {
    match index {
        1 => Some("lo".into()),
        2 => Some("eth0".into()),
        3 => Some("wlan0".into()),
        4 => Some("tun0".into()),
        _ => None,
    }
}

fn key(dst: &str, scope: Option<u32>) -> RouteKey {
    RouteKey {
        destination: prefix(dst),
        scope,
    }
}

#[test]
fn the_main_table_is_unscoped_and_the_preferred_default_claims_the_key() {
    let routes = [
        kernel(&message(
            "0.0.0.0/0",
            Some("198.51.100.1"),
            Some(3),
            RT_TABLE_MAIN,
            16,
            600,
        )),
        kernel(&message(
            "0.0.0.0/0",
            Some("192.0.2.1"),
            Some(2),
            RT_TABLE_MAIN,
            3,
            100,
        )),
        kernel(&message("192.0.2.0/24", None, Some(2), RT_TABLE_MAIN, 2, 0)),
    ];
    let table = OURS.table(&routes, &names);
    let primary = table
        .get(&key("0.0.0.0/0", None))
        .expect("unscoped default");
    assert_eq!(primary.interface.name, "eth0");
    assert_eq!(primary.gateway, Gateway::ip(ip("192.0.2.1")));
    assert_eq!(primary.flags.netstat_letters(), "UGS");
    let other = table
        .get(&key("0.0.0.0/0", Some(3)))
        .expect("wlan0's default, scoped");
    assert_eq!(other.flags.netstat_letters(), "UGI");
    let subnet = table.get(&key("192.0.2.0/24", None)).expect("subnet");
    assert_eq!(
        subnet.gateway,
        Gateway::Link {
            index: 2,
            name: None,
            lladdr: vec![]
        }
    );
    assert_eq!(subnet.flags.netstat_letters(), "U");
}

#[test]
fn our_table_is_scoped_static_and_tagged() {
    let ours = kernel(&message(
        "0.0.0.0/0",
        Some("192.0.2.1"),
        Some(2),
        17767,
        0x45,
        2,
    ));
    let table = OURS.table(&[ours], &names);
    let pin = table.get(&key("0.0.0.0/0", Some(2))).expect("our pin");
    assert_eq!(pin.flags.netstat_letters(), "UGS1I");
    assert!(pin.flags.contains(OURS.tag));
    assert_eq!(
        pin.interface,
        InterfaceRef {
            index: 2,
            name: "eth0".into()
        }
    );
    // A route of ours in the main table (a legacy exclusion) is unscoped.
    let exclusion = kernel(&message(
        "203.0.113.9/32",
        Some("192.0.2.1"),
        Some(2),
        RT_TABLE_MAIN,
        0x45,
        0,
    ));
    let table = OURS.table(&[exclusion], &names);
    let host = table.get(&key("203.0.113.9/32", None)).expect("host route");
    assert_eq!(host.flags.netstat_letters(), "UGHS1");
}

#[test]
fn other_tables_are_scoped_and_interfaceless_entries_left_out() {
    let vpn = kernel(&message("0.0.0.0/0", None, Some(4), 51820, 4, 0));
    let mut unreachable = message("0.0.0.0/0", None, None, 100, 4, 0);
    unreachable.header.kind = RouteType::Unreachable;
    let table = OURS.table(&[vpn, kernel(&unreachable)], &names);
    assert_eq!(table.len(), 1);
    let scoped = table
        .get(&key("0.0.0.0/0", Some(4)))
        .expect("the VPN's table");
    assert_eq!(scoped.interface.name, "tun0");
    assert_eq!(scoped.flags.netstat_letters(), "USI");
}

#[test]
fn local_broadcast_and_multicast_entries_are_left_out() {
    let mut local = message("192.0.2.2/32", None, Some(2), RT_TABLE_LOCAL, 2, 0);
    local.header.kind = RouteType::Local;
    let mut broadcast = message("192.0.2.255/32", None, Some(2), RT_TABLE_LOCAL, 2, 0);
    broadcast.header.kind = RouteType::Broadcast;
    let mut multicast = message("ff00::/8", None, Some(2), RT_TABLE_MAIN, 2, 256);
    multicast.header.kind = RouteType::Multicast;
    let mut blackhole = message("10.0.0.0/8", None, None, RT_TABLE_MAIN, 4, 0);
    blackhole.header.kind = RouteType::BlackHole;
    let mut prohibit = message("10.1.0.0/16", None, None, RT_TABLE_MAIN, 4, 0);
    prohibit.header.kind = RouteType::Prohibit;
    let routes: Vec<KernelRoute> = [local, broadcast, multicast, blackhole, prohibit]
        .iter()
        .map(kernel)
        .collect();
    let table = OURS.table(&routes, &names);
    let kept: Vec<String> = table
        .iter()
        .map(|r| format!("{} {}", r.destination, r.flags.netstat_letters()))
        .collect();
    assert_eq!(kept, ["10.0.0.0/8 USB", "10.1.0.0/16 URS"]);
}

#[test]
fn link_local_routes_are_scoped_to_their_interface() {
    let routes = [
        kernel(&message("fe80::/64", None, Some(2), RT_TABLE_MAIN, 2, 256)),
        kernel(&message("fe80::/64", None, Some(3), RT_TABLE_MAIN, 2, 256)),
        kernel(&message(
            "::/0",
            Some("fe80::1"),
            Some(2),
            RT_TABLE_MAIN,
            9,
            1024,
        )),
    ];
    let table = OURS.table(&routes, &names);
    assert!(table.get(&key("fe80::/64", Some(2))).is_some());
    assert!(table.get(&key("fe80::/64", Some(3))).is_some());
    let default = table.get(&key("::/0", None)).expect("RA default");
    assert_eq!(
        default.gateway,
        Gateway::Ip {
            addr: ip("fe80::1"),
            zone: Some(2)
        }
    );
}

#[test]
fn the_first_next_hop_of_a_multipath_route_is_its_gateway() {
    let mut m = message("0.0.0.0/0", None, None, RT_TABLE_MAIN, 4, 0);
    let mut hop = RouteNextHop::default();
    hop.interface_index = 3;
    hop.attributes
        .push(RouteAttribute::Gateway(route_address(ip("198.51.100.1"))));
    m.attributes.push(RouteAttribute::MultiPath(vec![hop]));
    let r = kernel(&m);
    assert_eq!((r.gateway, r.oif), (Some(ip("198.51.100.1")), Some(3)));
}

fn spec(dst: &str, gateway: SpecGateway, scoped: bool) -> RouteSpec {
    RouteSpec {
        destination: prefix(dst),
        gateway,
        interface: InterfaceRef {
            index: 2,
            name: "eth0".into(),
        },
        scoped,
    }
}

fn router(s: &str) -> SpecGateway {
    SpecGateway::Router {
        addr: ip(s),
        zone: None,
    }
}

#[test]
fn a_scoped_spec_goes_in_our_table_with_the_interface_as_metric() {
    let m = OURS.route_message(&spec("0.0.0.0/0", router("192.0.2.1"), true), true);
    assert_eq!(m.header.table, 0, "17767 does not fit rtm_table");
    assert_eq!(u8::from(m.header.protocol), 0x45);
    assert_eq!(m.header.kind, RouteType::Unicast);
    assert_eq!(m.header.scope, RouteScope::Universe);
    for wanted in [
        RouteAttribute::Table(17767),
        RouteAttribute::Oif(2),
        RouteAttribute::Priority(2),
        RouteAttribute::Gateway(route_address(ip("192.0.2.1"))),
    ] {
        assert!(m.attributes.contains(&wanted), "{wanted:?} in {m:?}");
    }
    // What the kernel echoes back reads as the same key.
    let table = OURS.table(&[kernel(&m)], &names);
    assert!(table.get(&key("0.0.0.0/0", Some(2))).is_some());
}

#[test]
fn deletes_name_our_protocol_and_no_gateway() {
    let m = OURS.route_message(&spec("203.0.113.9/32", router("192.0.2.1"), false), false);
    assert_eq!(m.header.table, 254);
    assert_eq!(m.header.scope, RouteScope::NoWhere);
    assert_eq!(u8::from(m.header.protocol), 0x45);
    assert!(!m
        .attributes
        .iter()
        .any(|a| matches!(a, RouteAttribute::Gateway(_) | RouteAttribute::Priority(_))));
}

#[test]
fn a_point_to_point_spec_is_a_link_scope_route() {
    let m = OURS.route_message(&spec("::/0", SpecGateway::Interface, true), true);
    assert_eq!(m.header.scope, RouteScope::Link);
    assert!(!m
        .attributes
        .iter()
        .any(|a| matches!(a, RouteAttribute::Gateway(_))));
}

#[test]
fn lookups_ask_for_the_fib_entry_on_the_scope() {
    let m = lookup_message(ip("240.0.0.1"), Some(2));
    assert_eq!(m.header.destination_prefix_length, 32);
    assert!(m
        .header
        .flags
        .contains(NlRouteFlags::FibMatch | NlRouteFlags::LookupTable));
    assert!(m.attributes.contains(&RouteAttribute::Oif(2)));
    assert_eq!(lookup_message(ip("2001:db8::1"), None).attributes.len(), 1);
    assert_eq!(
        dump_message(Family::V6).header.address_family,
        AddressFamily::Inet6
    );
}
