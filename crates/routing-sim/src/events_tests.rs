use super::*;
use crate::msg::{RTM_ADD, RTM_DELADDR, RTM_DELETE, RTM_IFINFO, RTM_NEWADDR};
use crate::testkit::{le32, mini_mac, route};

fn types(messages: &[Vec<u8>]) -> Vec<u8> {
    messages.iter().map(|m| m[3]).collect()
}

fn v4(addr: &str, len: u8) -> AddressSpec {
    AddressSpec {
        addr: addr.parse().unwrap(),
        prefix_len: len,
        peer_or_broadcast: None,
    }
}

fn letters(k: &SimKernel, dst: &str, scope: Option<u32>) -> Option<String> {
    let key = RouteKey {
        destination: dst.parse().unwrap(),
        scope,
    };
    k.table().get(&key).map(|r| r.flags.netstat_letters())
}

#[test]
fn an_ipv4_address_sends_newaddr_then_the_subnet_route_tagged_inet() {
    let mut k = mini_mac();
    let all = k.open_socket(1, 0);
    let inet6 = k.open_socket(2, 30);
    let inet = k.open_socket(3, 2);
    k.add_address(4, &v4("198.51.100.7", 24)).unwrap();
    let got = k.drain(all);
    assert_eq!(types(&got), [RTM_NEWADDR, RTM_ADD]);
    assert_eq!(
        got[1].len() % 4,
        3,
        "rt_msg1: the 7-byte netmask is not padded"
    );
    assert_eq!(le32(&got[1], 8), 0x101, "UP|CLONING, no DONE");
    assert_eq!(le32(&got[1], 16), 0, "no pid");
    assert_eq!(k.pending(inet), 2);
    assert_eq!(k.pending(inet6), 0);
    assert_eq!(letters(&k, "198.51.100.0/24", None).as_deref(), Some("UC"));
}

#[test]
fn a_tunnel_address_without_a_peer_makes_no_route_and_no_message() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    k.add_address(9, &v4("203.0.113.2", 32)).unwrap();
    assert_eq!(k.pending(s), 0);
    let with_peer = AddressSpec {
        peer_or_broadcast: Some("203.0.113.1".parse().unwrap()),
        ..v4("203.0.113.3", 32)
    };
    k.add_address(9, &with_peer).unwrap();
    assert_eq!(types(&k.drain(s)), [RTM_NEWADDR, RTM_ADD]);
    assert_eq!(letters(&k, "203.0.113.1/32", None).as_deref(), Some("UH"));
}

#[test]
fn an_ipv6_address_announces_its_loopback_route_and_adds_its_prefix_silently() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    let spec = AddressSpec {
        addr: "2001:db8:1::23".parse().unwrap(),
        prefix_len: 64,
        peer_or_broadcast: None,
    };
    k.add_address(4, &spec).unwrap();
    let got = k.drain(s);
    assert_eq!(types(&got), [RTM_NEWADDR, RTM_ADD]);
    assert_eq!(le32(&got[1], 12), 0x3, "a host route: DST|GATEWAY");
    assert_eq!(
        &got[1][4..6],
        &[4, 0],
        "rtm_index: the address's interface, not lo0"
    );
    let host = k
        .table()
        .get(&RouteKey {
            destination: "2001:db8:1::23/128".parse().unwrap(),
            scope: None,
        })
        .unwrap();
    assert_eq!(host.interface.name, "lo0");
    assert_eq!(host.flags.netstat_letters(), "UHL");
    assert_eq!(letters(&k, "2001:db8:1::/64", None).as_deref(), Some("UC"));
}

#[test]
fn removing_an_address_sends_delete_then_deladdr_unless_the_route_is_static() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    k.add_address(4, &v4("198.51.100.7", 25)).unwrap();
    k.drain(s);
    k.remove_address(4, "198.51.100.7".parse().unwrap())
        .unwrap();
    let got = k.drain(s);
    assert_eq!(types(&got), [RTM_DELETE, RTM_DELADDR]);
    let flags = RouteFlags::from_bits(le32(&got[0], 8));
    assert!(flags.contains(RouteFlags::CONDEMNED) && !flags.contains(RouteFlags::UP));
    // configd's static replacement: rtinit gets EBUSY and says nothing.
    k.add_address(4, &v4("198.51.100.7", 25)).unwrap();
    route(&mut k, s, "delete -net 198.51.100.0/25").unwrap();
    route(
        &mut k,
        s,
        "add -net 198.51.100.0/25 -interface en0 -cloning",
    )
    .unwrap();
    k.drain(s);
    k.remove_address(4, "198.51.100.7".parse().unwrap())
        .unwrap();
    assert_eq!(k.pending(s), 0);
    assert_eq!(letters(&k, "198.51.100.0/25", None).as_deref(), Some("UCS"));
    assert_eq!(
        k.remove_address(4, "198.51.100.7".parse().unwrap()),
        Err(Errno::EADDRNOTAVAIL)
    );
}

#[test]
fn going_down_deletes_the_ipv4_routes_of_the_interface_and_keeps_ipv6() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    route(&mut k, s, "add -ifscope en0 default 192.0.2.1 -proto1").unwrap();
    route(&mut k, s, "add -inet6 default fe80::1%en0").unwrap();
    k.drain(s);
    k.set_link(4, false).unwrap();
    let got = k.drain(s);
    // The kernel's interface route is announced; the others go silently.
    assert_eq!(types(&got), [RTM_DELETE, RTM_DELADDR, RTM_IFINFO]);
    assert_eq!(got[2].len(), 112);
    assert_eq!(le32(&got[2], 4), 0, "no sockaddrs");
    assert_eq!(le32(&got[2], 8), 0x8862, "UP cleared");
    assert_eq!(letters(&k, "0.0.0.0/0", None), None);
    assert_eq!(letters(&k, "0.0.0.0/0", Some(4)), None);
    assert_eq!(letters(&k, "192.0.2.0/24", None), None);
    assert_eq!(letters(&k, "::/0", None).as_deref(), Some("UGScg"));
    assert!(k
        .interface(4)
        .unwrap()
        .has_address("192.0.2.23".parse().unwrap()));
    // Coming back: only the interface route returns.
    k.set_link(4, true).unwrap();
    let got = k.drain(s);
    assert_eq!(types(&got), [RTM_NEWADDR, RTM_ADD, RTM_IFINFO]);
    assert_eq!(
        le32(&got[2], 8),
        0x8863,
        "UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST"
    );
    assert_eq!(letters(&k, "192.0.2.0/24", None).as_deref(), Some("UC"));
    assert_eq!(letters(&k, "0.0.0.0/0", None), None);
}

#[test]
fn going_down_with_a_static_interface_route_announces_nothing_but_ifinfo() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "delete -net 192.0.2.0/24").unwrap();
    route(&mut k, s, "add -net 192.0.2.0/24 -interface en0 -cloning").unwrap();
    k.drain(s);
    k.set_link(4, false).unwrap();
    assert_eq!(types(&k.drain(s)), [RTM_IFINFO]);
    assert_eq!(
        letters(&k, "192.0.2.0/24", None),
        None,
        "in_ifadown took it silently"
    );
}

#[test]
fn ifinfo_reaches_only_protocol_zero_sockets() {
    let mut k = mini_mac();
    let all = k.open_socket(1, 0);
    let inet = k.open_socket(2, 2);
    k.set_link(9, false).unwrap();
    assert_eq!(types(&k.drain(all)), [RTM_IFINFO]);
    assert_eq!(k.pending(inet), 0);
    k.set_link(9, false).unwrap();
    assert_eq!(k.pending(all), 0, "no change, no message");
}

#[test]
fn detaching_purges_addresses_then_every_route_left_on_the_interface() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add -inet6 -net 2001:db8:9::/48 fe80::1%en0").unwrap();
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    k.drain(s);
    k.detach(4).unwrap();
    let got = k.drain(s);
    // if_down: the IPv4 interface route; IFINFO; then each IPv6 address.
    assert_eq!(
        types(&got),
        [RTM_DELETE, RTM_DELADDR, RTM_IFINFO, RTM_DELETE, RTM_DELADDR]
    );
    assert!(
        k.table().iter().all(|r| r.interface.index != 4),
        "{:#?}",
        k.table()
    );
    assert!(k.interface(4).is_none());
    assert_eq!(k.detach(4), Err(Errno::ENXIO));
}

#[test]
fn attach_refuses_duplicates_and_index_zero() {
    let mut k = mini_mac();
    let spec = crate::InterfaceSpec {
        index: 4,
        name: "en9".into(),
        kind: routing_core::model::InterfaceKind::Ethernet,
        if_type: None,
        lladdr: vec![],
        mtu: 1500,
        up: false,
    };
    assert_eq!(k.attach(&spec), Err(Errno::EEXIST));
    let named = crate::InterfaceSpec {
        index: 30,
        name: "en0".into(),
        ..spec.clone()
    };
    assert_eq!(k.attach(&named), Err(Errno::EEXIST));
    let zero = crate::InterfaceSpec { index: 0, ..spec };
    assert_eq!(k.attach(&zero), Err(Errno::EINVAL));
}

#[test]
fn clones_go_with_their_parent_and_an_add_replaces_a_clone() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    let clone = CloneSpec {
        destination: "203.0.113.9".parse().unwrap(),
        interface: 4,
        gateway: Gateway::None,
        flags: RouteFlags::from_netstat_letters("UGHW3Ig").unwrap(),
        expire_in: Some(40),
    };
    k.add_clone(&clone).unwrap();
    assert_eq!(
        letters(&k, "203.0.113.9/32", Some(4)).as_deref(),
        Some("UGHW3Ig")
    );
    assert_eq!(k.add_clone(&clone), Err(Errno::EEXIST));
    route(&mut k, s, "add -ifscope en0 203.0.113.9 192.0.2.1").unwrap();
    // No `g`: RTF_GLOBAL goes on 0.0.0.0/x keys (clones inherit it).
    assert_eq!(
        letters(&k, "203.0.113.9/32", Some(4)).as_deref(),
        Some("UGHSI")
    );
    route(&mut k, s, "delete -ifscope en0 203.0.113.9").unwrap();
    k.add_clone(&clone).unwrap();
    route(&mut k, s, "delete default").unwrap();
    assert_eq!(
        letters(&k, "203.0.113.9/32", Some(4)),
        None,
        "deleted with its parent"
    );
}

#[test]
fn protocol_clones_expire_and_are_reaped_arp_entries_stay() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    let proto = CloneSpec {
        destination: "203.0.113.9".parse().unwrap(),
        interface: 4,
        gateway: Gateway::None,
        flags: RouteFlags::from_netstat_letters("UGHW3Ig").unwrap(),
        expire_in: Some(40),
    };
    let arp = CloneSpec {
        destination: "192.0.2.1".parse().unwrap(),
        gateway: Gateway::Link {
            index: 4,
            name: None,
            lladdr: vec![0, 0, 0x5e, 0, 0x53, 1],
        },
        flags: RouteFlags::from_netstat_letters("UHLWIir").unwrap(),
        ..proto.clone()
    };
    k.add_clone(&proto).unwrap();
    k.add_clone(&arp).unwrap();
    k.advance(39_000);
    assert!(letters(&k, "203.0.113.9/32", Some(4)).is_some());
    k.jump_wall(1);
    assert!(letters(&k, "203.0.113.9/32", Some(4)).is_none());
    assert!(letters(&k, "192.0.2.1/32", Some(4)).is_some());
}
