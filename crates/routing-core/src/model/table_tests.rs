use super::*;
use crate::model::{Gateway, InterfaceRef, Metrics};

const LO0: u32 = 1;
const EN0: u32 = 4;
const EN7: u32 = 7;
const UTUN4: u32 = 22;

fn name(index: u32) -> &'static str {
    match index {
        LO0 => "lo0",
        EN0 => "en0",
        EN7 => "en7",
        UTUN4 => "utun4",
        _ => "",
    }
}

/// A route from netstat-like words: destination, gateway, flags, interface.
fn r(dst: &str, gw: &str, flags: &str, ifindex: u32) -> Route {
    let destination: IpPrefix = match dst {
        "default" => IpPrefix::default_for(Family::V4),
        "default6" => IpPrefix::default_for(Family::V6),
        d => d.parse().expect("prefix"),
    };
    let gateway = match gw.strip_prefix("link#") {
        Some(idx) => Gateway::Link {
            index: idx.parse().expect("index"),
            name: None,
            lladdr: vec![],
        },
        None => Gateway::ip(gw.parse().expect("gateway")),
    };
    let flags = RouteFlags::from_netstat_letters(flags).expect("flags");
    Route {
        destination,
        gateway,
        interface: InterfaceRef {
            index: ifindex,
            name: name(ifindex).into(),
        },
        scope: flags.contains(RouteFlags::IFSCOPE).then_some(ifindex),
        flags,
        parent_flags: RouteFlags::EMPTY,
        expire: None,
        metrics: Metrics::default(),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

/// A Mac on Wi-Fi: unscoped default and the OS's own scoped default on en0,
/// the subnet, loopback.
fn wifi_mac() -> RouteTable {
    [
        r("default", "198.51.100.1", "UGScg", EN0),
        r("default", "198.51.100.1", "UGScIg", EN0),
        r("198.51.100.0/24", "link#4", "UCS", EN0),
        r("198.51.100.23/32", "127.0.0.1", "UHS", LO0),
        r("127.0.0.0/8", "127.0.0.1", "UCS", LO0),
        r("127.0.0.1/32", "127.0.0.1", "UH", LO0),
    ]
    .into_iter()
    .collect()
}

/// The same Mac with a VPN owning 0/1 and 128/1 on utun4, added after the
/// physical default (so utun4 became the primary interface).
fn wifi_mac_with_split_vpn() -> RouteTable {
    let mut t = wifi_mac();
    t.insert(r("0.0.0.0/1", "192.0.2.1", "UGSc", UTUN4))
        .expect("0/1");
    t.insert(r("128.0.0.0/1", "192.0.2.1", "UGSc", UTUN4))
        .expect("128/1");
    t
}

fn via(route: Option<&Route>) -> Option<(String, u32, bool)> {
    route.map(|r| (r.destination.to_string(), r.interface.index, r.is_scoped()))
}

#[test]
fn duplicate_key_is_refused_but_other_scopes_coexist() {
    let mut t = wifi_mac();
    let again = r("default", "198.51.100.254", "UGSc", EN0);
    assert_eq!(
        t.insert(again.clone()),
        Err(TableError::Exists(again.key()))
    );
    t.insert(r("default", "203.0.113.1", "UGScI", EN7))
        .expect("en7 scope is a new key");
    assert_eq!(t.len(), 7);
}

#[test]
fn a_clone_with_the_same_key_is_replaced() {
    let mut t = wifi_mac();
    t.insert(r("192.0.2.9/32", "link#4", "UHWIi", EN0))
        .expect("clone");
    t.insert(r("192.0.2.9/32", "198.51.100.1", "UGHSI", EN0))
        .expect("replaces the clone");
    let key = RouteKey {
        destination: "192.0.2.9/32".parse().expect("p"),
        scope: Some(EN0),
    };
    assert_eq!(
        t.get(&key).map(|r| r.flags.netstat_letters()),
        Some("UGHSI".into())
    );
}

#[test]
fn remove_needs_the_exact_key_and_ignores_the_gateway() {
    let mut t = wifi_mac();
    let scoped = RouteKey {
        destination: IpPrefix::default_for(Family::V4),
        scope: Some(EN0),
    };
    let missing = RouteKey {
        destination: IpPrefix::default_for(Family::V4),
        scope: Some(EN7),
    };
    assert_eq!(t.remove(&missing), Err(TableError::NotFound(missing)));
    assert_eq!(t.remove(&scoped).map(|r| r.interface.index), Ok(EN0));
    assert_eq!(t.remove(&scoped), Err(TableError::NotFound(scoped)));
}

#[test]
fn primary_interface_follows_unscoped_zero_address_routes() {
    let mut t = wifi_mac();
    assert_eq!(t.primary(Family::V4), Some(EN0));
    t.insert(r("0.0.0.0/1", "192.0.2.1", "UGSc", UTUN4))
        .expect("0/1");
    assert_eq!(
        t.primary(Family::V4),
        Some(UTUN4),
        "an unscoped 0/1 takes the primary"
    );
    t.remove(&RouteKey {
        destination: "0.0.0.0/1".parse().expect("p"),
        scope: None,
    })
    .expect("rm");
    assert_eq!(
        t.primary(Family::V4),
        None,
        "XNU resets the primary, it does not recompute it"
    );
    assert_eq!(t.primary(Family::V6), None);
}

#[test]
fn iter_follows_radix_order() {
    let mut t = wifi_mac_with_split_vpn();
    t.insert(r("default6", "fe80::1", "UGcIg", EN0))
        .expect("v6 default");
    t.insert(r("fe80::/64", "link#4", "UCI", EN0))
        .expect("fe80 en0");
    t.insert(r("fe80::/64", "::1", "UcI", LO0))
        .expect("fe80 lo0");
    t.insert(r("fe80::1/128", "link#1", "UHLI", LO0))
        .expect("fe80::1 lo0");
    let order: Vec<String> = t
        .iter()
        .map(|r| {
            format!(
                "{}{}%{}",
                r.destination,
                if r.is_scoped() { "I" } else { "" },
                r.interface.name
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            "0.0.0.0/1%utun4",
            "0.0.0.0/0%utun4".replace("utun4", "en0").as_str(),
            "0.0.0.0/0I%en0",
            "127.0.0.0/8%lo0",
            "127.0.0.1/32%lo0",
            "128.0.0.0/1%utun4",
            "198.51.100.0/24%en0",
            "198.51.100.23/32%lo0",
            "::/0I%en0",
            "fe80::/64I%lo0",
            "fe80::1/128I%lo0",
            "fe80::/64I%en0",
        ]
    );
}

#[test]
fn unscoped_lookup_prefers_a_scoped_default_on_the_same_interface() {
    // darwin-route-socket.md §5.7: `route get` shows IFSCOPE in this case.
    let t = wifi_mac();
    assert_eq!(
        via(t.lookup(ip("203.0.113.5"), None)),
        Some(("0.0.0.0/0".into(), EN0, true))
    );
    assert_eq!(
        via(t.lookup(ip("198.51.100.7"), None)),
        Some(("198.51.100.0/24".into(), EN0, false))
    );
}

#[test]
fn split_vpn_catches_unbound_traffic_but_not_a_socket_bound_to_en0() {
    let t = wifi_mac_with_split_vpn();
    for dst in [
        "1.1.1.1",
        "8.8.8.8",
        "127.0.0.2",
        "192.0.2.200",
        "203.0.113.5",
        "255.255.255.254",
    ] {
        let dst = ip(dst);
        let unbound = t.lookup(dst, None).expect("unbound route");
        if dst.is_loopback() {
            assert_eq!(unbound.interface.index, LO0);
            continue;
        }
        assert_eq!(
            unbound.interface.index, UTUN4,
            "unbound {dst} goes into the tunnel"
        );
        let bound = t.lookup(dst, Some(EN0)).expect("bound route");
        assert_eq!(bound.interface.index, EN0, "bound {dst} stays physical");
    }
}

#[test]
fn without_an_unscoped_default_unmatched_destinations_are_unreachable() {
    let mut t = wifi_mac();
    t.remove(&RouteKey {
        destination: IpPrefix::default_for(Family::V4),
        scope: None,
    })
    .expect("rm");
    assert_eq!(via(t.lookup(ip("203.0.113.5"), None)), None);
    assert_eq!(
        via(t.lookup(ip("203.0.113.5"), Some(EN0))),
        Some(("0.0.0.0/0".into(), EN0, true))
    );
}

#[test]
fn scoped_lookup_never_leaves_through_another_interface() {
    let t = wifi_mac_with_split_vpn();
    assert_eq!(
        via(t.lookup(ip("8.8.8.8"), Some(EN7))),
        None,
        "en7 has no route at all"
    );
    assert_eq!(
        via(t.lookup(ip("8.8.8.8"), Some(UTUN4))),
        Some(("0.0.0.0/1".into(), UTUN4, false))
    );
}

#[test]
fn scoped_lookup_falls_back_to_the_unscoped_default_on_that_interface() {
    let mut t = wifi_mac();
    t.remove(&RouteKey {
        destination: IpPrefix::default_for(Family::V4),
        scope: Some(EN0),
    })
    .expect("rm");
    assert_eq!(
        via(t.lookup(ip("203.0.113.5"), Some(EN0))),
        Some(("0.0.0.0/0".into(), EN0, false))
    );
}

#[test]
fn an_unscoped_host_route_beats_a_scoped_network_route() {
    let mut t = wifi_mac();
    t.insert(r("203.0.113.0/24", "198.51.100.2", "UGScI", EN0))
        .expect("scoped net");
    t.insert(r("203.0.113.9/32", "198.51.100.3", "UGHS", EN0))
        .expect("unscoped host");
    assert_eq!(
        via(t.lookup(ip("203.0.113.9"), Some(EN0))),
        Some(("203.0.113.9/32".into(), EN0, false))
    );
    assert_eq!(
        via(t.lookup(ip("203.0.113.8"), Some(EN0))),
        Some(("203.0.113.0/24".into(), EN0, true))
    );
}

#[test]
fn scoped_to_loopback_reaches_an_own_address() {
    let t = wifi_mac();
    assert_eq!(
        via(t.lookup(ip("198.51.100.23"), Some(LO0))),
        Some(("198.51.100.23/32".into(), LO0, false))
    );
}

#[test]
fn link_local_lookups_need_the_scope() {
    let mut t = RouteTable::new();
    t.insert(r("fe80::/64", "link#4", "UCI", EN0)).expect("en0");
    t.insert(r("fe80::/64", "link#7", "UCI", EN7)).expect("en7");
    assert_eq!(
        via(t.lookup(ip("fe80::99"), Some(EN7))),
        Some(("fe80::/64".into(), EN7, true))
    );
    assert_eq!(via(t.lookup(ip("fe80::99"), None)), None);
}

#[test]
fn masked_lookup_returns_only_the_exact_mask_on_the_matched_leaf() {
    let t = wifi_mac_with_split_vpn();
    // The unscoped default on en0 moves the search to en0's scope, where the
    // scoped default of the same key wins (§5.7 step 5 keeps `rn`).
    assert_eq!(
        via(t.lookup_masked(ip("0.0.0.0"), 0, None)),
        Some(("0.0.0.0/0".into(), EN0, true))
    );
    assert_eq!(
        via(t.lookup_masked(ip("0.0.0.1"), 1, None)),
        Some(("0.0.0.0/1".into(), UTUN4, false))
    );
    assert_eq!(
        via(t.lookup_masked(ip("198.51.100.0"), 24, None)),
        Some(("198.51.100.0/24".into(), EN0, false))
    );
    // The best match for .23 is its host route, whose leaf holds no /24.
    assert_eq!(via(t.lookup_masked(ip("198.51.100.23"), 24, None)), None);
    assert_eq!(via(t.lookup_masked(ip("203.0.113.0"), 24, None)), None);
    assert_eq!(
        via(t.lookup_masked(ip("0.0.0.0"), 0, Some(EN0))),
        Some(("0.0.0.0/0".into(), EN0, true))
    );
}

#[test]
fn retain_clears_the_primary_like_remove() {
    let mut t = wifi_mac();
    t.retain(|r| r.interface.index != EN0);
    assert_eq!(t.primary(Family::V4), None);
    assert!(t.iter().all(|r| r.interface.index == LO0));
}

#[test]
fn embedded_scope_classes() {
    for (addr, scoped) in [
        ("fe80::1", true),
        ("febf::1", true),
        ("ff02::1", true),
        ("ff01::1", true),
        ("ff05::1", false),
        ("2001:db8::1", false),
        ("fec0::1", false),
    ] {
        assert_eq!(
            has_embedded_scope(&addr.parse().expect("v6")),
            scoped,
            "{addr}"
        );
    }
}
