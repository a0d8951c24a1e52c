use super::*;
use crate::scenario::Scenario;
use crate::testkit::{mini_mac, route};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The shipped realistic Mac after `events`.
fn realistic(events: &[&str]) -> SimKernel {
    let scenario = Scenario::realistic_mac().unwrap();
    let mut k = scenario.boot().unwrap();
    for e in events {
        scenario.run_event(&mut k, e).unwrap();
    }
    k
}

/// Many destinations spread over the IPv4 space, from every /8 but
/// loopback and multicast, plus documentation addresses.
fn many_v4() -> Vec<IpAddr> {
    (1u8..=223)
        .filter(|o| *o != 127)
        .map(|o| IpAddr::V4(std::net::Ipv4Addr::new(o, o.wrapping_mul(7), 3, 9)))
        .chain(["203.0.113.9", "198.51.100.7"].map(ip))
        .collect()
}

#[test]
fn binding_to_a_missing_index_is_enxio() {
    let k = mini_mac();
    assert_eq!(k.egress(ip("192.0.2.9"), Some(77)), Err(Errno::ENXIO));
}

#[test]
fn no_route_is_ehostunreach() {
    let k = mini_mac();
    assert_eq!(k.egress(ip("203.0.113.9"), None), Err(Errno::EHOSTUNREACH));
}

#[test]
fn an_on_link_destination_leaves_without_a_gateway_from_the_interface_address() {
    let k = mini_mac();
    let e = k.egress(ip("192.0.2.77"), None).unwrap();
    assert_eq!(e.interface.name, "en0");
    assert_eq!(e.gateway, None);
    assert_eq!(e.source, Some(ip("192.0.2.23")));
}

#[test]
fn the_no_loop_property_bound_sockets_stay_physical_while_the_vpn_owns_the_rest() {
    let k = realistic(&["vpn-up"]);
    let en0 = k.index_of("en0").unwrap();
    for dst in many_v4() {
        let bound = k.egress(dst, Some(en0)).unwrap();
        assert_eq!(bound.interface.name, "en0", "bound {dst}");
        assert_eq!(bound.gateway, Some(ip("192.0.2.1")), "bound {dst}");
        let unbound = k.egress(dst, None).unwrap();
        assert_eq!(unbound.interface.name, "utun4", "unbound {dst}");
    }
    let v6 = ip("2001:db8:abcd::1");
    assert_eq!(k.egress(v6, Some(en0)).unwrap().interface.name, "en0");
    assert_eq!(k.egress(v6, None).unwrap().interface.name, "utun4");
}

#[test]
fn a_scoped_lookup_never_returns_another_interfaces_route() {
    let k = realistic(&["vpn-up"]);
    let utun0 = k.index_of("utun0").unwrap();
    // utun0 has only IPv6: a v4 socket bound to it has no route at all.
    assert_eq!(
        k.egress(ip("203.0.113.9"), Some(utun0)),
        Err(Errno::EHOSTUNREACH)
    );
    let e = k.egress(ip("2001:db8:abcd::1"), Some(utun0)).unwrap();
    assert_eq!(e.interface.name, "utun0");
}

#[test]
fn unbound_lookups_take_a_more_specific_scoped_route_on_the_same_interface() {
    // §5.7: with an unscoped default on en0 and en0's scoped default, an
    // unscoped lookup returns the scoped one.
    let k = realistic(&[]);
    let e = k.egress(ip("203.0.113.200"), None).unwrap();
    assert!(e.route.is_scoped(), "{:?}", e.route);
    assert_eq!(e.interface.name, "en0");
}

#[test]
fn binding_to_loopback_relaxes_to_an_unscoped_lookup() {
    let k = realistic(&[]);
    let lo0 = k.index_of("lo0").unwrap();
    assert_eq!(
        k.egress(ip("203.0.113.9"), Some(lo0))
            .unwrap()
            .interface
            .name,
        "en0"
    );
}

#[test]
fn a_down_interface_cannot_carry_traffic() {
    let mut k = realistic(&[]);
    let en0 = k.index_of("en0").unwrap();
    k.set_link(en0, false).unwrap();
    // IPv4 routes through en0 went with if_down; IPv6 ones stayed but en0 is down.
    assert_eq!(k.egress(ip("203.0.113.9"), None), Err(Errno::EHOSTUNREACH));
    assert_eq!(k.egress(ip("2001:db8:abcd::1"), None), Err(Errno::ENETDOWN));
}

#[test]
fn rejecting_routes_are_ehostunreach_and_local_addresses_leave_through_lo0() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add -net 203.0.113.0/24 192.0.2.1 -reject").unwrap();
    assert_eq!(k.egress(ip("203.0.113.9"), None), Err(Errno::EHOSTUNREACH));
    let own = k.egress(ip("fe80::aa"), Some(4)).unwrap();
    assert_eq!(own.interface.name, "lo0");
    assert_eq!(own.source, Some(ip("fe80::aa")));
}

#[test]
fn asking_does_not_change_the_table() {
    let k = realistic(&["vpn-up"]);
    let before = k.table().clone();
    for dst in many_v4() {
        let _ = k.egress(dst, None);
    }
    assert_eq!(k.table(), &before);
}
