use super::*;
use crate::model::{InterfaceRef, Metrics};

fn iface(index: u32, name: &str, kind: InterfaceKind, up: bool) -> Interface {
    Interface {
        index,
        name: name.into(),
        kind,
        up,
        mtu: 1500,
        lladdr: vec![],
        addresses: vec![],
    }
}

fn mac_interfaces() -> Vec<Interface> {
    vec![
        iface(1, "lo0", InterfaceKind::Loopback, true),
        iface(4, "en0", InterfaceKind::Wifi, true),
        iface(7, "en7", InterfaceKind::Ethernet, true),
        iface(9, "bridge100", InterfaceKind::Bridge, true),
        iface(22, "utun4", InterfaceKind::Tunnel, true),
        iface(30, "ppp0", InterfaceKind::Tunnel, true),
    ]
}

fn default_route(family: Family, ifindex: u32, name: &str, flags: &str) -> Route {
    let flags = RouteFlags::from_netstat_letters(flags).expect("flags");
    let gateway = match family {
        Family::V4 => Gateway::ip("198.51.100.1".parse().expect("ip")),
        Family::V6 => Gateway::Ip {
            addr: "fe80::1".parse().expect("ip"),
            zone: Some(ifindex),
        },
    };
    Route {
        destination: IpPrefix::default_for(family),
        gateway,
        interface: InterfaceRef {
            index: ifindex,
            name: name.into(),
        },
        scope: flags.contains(RouteFlags::IFSCOPE).then_some(ifindex),
        flags,
        parent_flags: RouteFlags::EMPTY,
        expire: None,
        metrics: Metrics::default(),
    }
}

fn policy() -> EgressPolicy {
    EgressPolicy {
        vpn_interfaces: vec![],
        our_tag: RouteFlags::PROTO1,
    }
}

fn chosen(d: &Decision) -> Option<(&str, bool)> {
    d.chosen
        .as_ref()
        .map(|c| (c.interface.name.as_str(), c.from_scoped_default))
}

#[test]
fn the_primary_default_on_wifi_wins() {
    let table: RouteTable = [
        default_route(Family::V4, 4, "en0", "UGScg"),
        default_route(Family::V4, 4, "en0", "UGScIg"),
        default_route(Family::V4, 7, "en7", "UGScIg"),
    ]
    .into_iter()
    .collect();
    let d = choose_physical_default(&table, &mac_interfaces(), Family::V4, &policy());
    assert_eq!(chosen(&d), Some(("en0", false)));
    assert_eq!(
        d.reason(),
        "IPv4 leaves via en0 (wifi), the primary default"
    );
    assert_eq!(d.considered.len(), 3);
}

#[test]
fn a_vpn_owning_the_whole_default_is_never_chosen() {
    let mut vpn_default = default_route(Family::V4, 22, "utun4", "UCSg");
    vpn_default.gateway = Gateway::Link {
        index: 22,
        name: None,
        lladdr: vec![],
    };
    let table: RouteTable = [vpn_default, default_route(Family::V4, 4, "en0", "UGScIg")]
        .into_iter()
        .collect();
    let d = choose_physical_default(&table, &mac_interfaces(), Family::V4, &policy());
    assert_eq!(chosen(&d), Some(("en0", true)));
    assert_eq!(
        d.reason(),
        "IPv4 leaves via en0 (wifi), from macOS's own scoped default: the primary default is on utun4 and a utun interface is a tunnel or virtual link"
    );
}

#[test]
fn registered_vpns_bridges_and_ppp_are_skipped_by_name_or_registration() {
    let mut interfaces = mac_interfaces();
    interfaces.push(iface(12, "en12", InterfaceKind::Ethernet, true));
    let policy = EgressPolicy {
        vpn_interfaces: vec!["en12".into()],
        our_tag: RouteFlags::PROTO1,
    };
    for (index, name, skip) in [
        (12, "en12", Skip::RegisteredVpn),
        (9, "bridge100", Skip::TunnelLike("bridge".into())),
        (30, "ppp0", Skip::TunnelLike("ppp".into())),
    ] {
        let table: RouteTable = [default_route(Family::V4, index, name, "UGScg")]
            .into_iter()
            .collect();
        let d = choose_physical_default(&table, &interfaces, Family::V4, &policy);
        assert_eq!(chosen(&d), None, "{name}");
        assert_eq!(d.considered[0].skipped, Some(skip), "{name}");
    }
}

#[test]
fn our_own_pin_clones_rejects_and_down_interfaces_are_skipped() {
    let mut interfaces = mac_interfaces();
    interfaces[1].up = false; // en0 down
    let cases = [
        (default_route(Family::V4, 7, "en7", "UGSc1Ig"), Skip::Ours),
        (default_route(Family::V4, 7, "en7", "UGHWIi"), Skip::Cloned),
        (
            default_route(Family::V4, 7, "en7", "UGSRc"),
            Skip::Rejecting,
        ),
        (default_route(Family::V4, 7, "en7", "GSc"), Skip::NotUp),
        (
            default_route(Family::V4, 4, "en0", "UGSc"),
            Skip::InterfaceDown,
        ),
        (
            default_route(Family::V4, 99, "en99", "UGSc"),
            Skip::UnknownInterface,
        ),
        (
            default_route(Family::V4, 1, "lo0", "UGSc"),
            Skip::NotPhysical(InterfaceKind::Loopback),
        ),
    ];
    for (route, skip) in cases {
        let table: RouteTable = [route].into_iter().collect();
        let d = choose_physical_default(&table, &interfaces, Family::V4, &policy());
        assert_eq!(d.considered[0].skipped.as_ref(), Some(&skip));
        assert_eq!(chosen(&d), None);
    }
}

#[test]
fn scoped_fallback_prefers_ethernet_over_wifi() {
    let table: RouteTable = [
        default_route(Family::V6, 4, "en0", "UGcIg"),
        default_route(Family::V6, 7, "en7", "UGcIg"),
        default_route(Family::V6, 22, "utun4", "UGcIg"),
    ]
    .into_iter()
    .collect();
    let d = choose_physical_default(&table, &mac_interfaces(), Family::V6, &policy());
    assert_eq!(chosen(&d), Some(("en7", true)));
    assert!(
        d.reason().ends_with("there is no primary default"),
        "{}",
        d.reason()
    );
}

#[test]
fn no_default_at_all_says_so() {
    let d = choose_physical_default(&RouteTable::new(), &mac_interfaces(), Family::V6, &policy());
    assert_eq!(chosen(&d), None);
    assert_eq!(d.reason(), "IPv6 has no default route");
}

#[test]
fn is_physical_matches_the_candidate_rules() {
    let p = policy();
    let interfaces = mac_interfaces();
    let physical: Vec<&str> = interfaces
        .iter()
        .filter(|i| is_physical(i, &p))
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(physical, ["en0", "en7"]);
}

#[test]
fn a_lost_default_stays_usable_while_its_network_is_there() {
    use crate::model::InterfaceAddress;
    let old = |gateway: &str| PhysicalDefault {
        interface: InterfaceRef {
            index: 7,
            name: "en7".into(),
        },
        kind: InterfaceKind::Ethernet,
        gateway: Gateway::ip(gateway.parse().expect("ip")),
        from_scoped_default: false,
    };
    let address = |addr: &str, prefix_len: u8| InterfaceAddress {
        addr: addr.parse().expect("ip"),
        prefix_len,
        peer_or_broadcast: None,
    };
    let mut interfaces = mac_interfaces();
    interfaces[2].addresses = vec![
        address("198.51.100.40", 24),
        address("fe80::2e0:4cff:fe68:a17", 64),
    ];
    let p = policy();
    assert!(still_usable(
        &old("198.51.100.1"),
        Family::V4,
        &interfaces,
        &p
    ));
    assert!(
        !still_usable(&old("203.0.113.1"), Family::V4, &interfaces, &p),
        "the gateway is on no network of the interface any more"
    );
    assert!(still_usable(&old("fe80::1"), Family::V6, &interfaces, &p));
    interfaces[2].addresses.clear();
    assert!(
        !still_usable(&old("198.51.100.1"), Family::V4, &interfaces, &p),
        "no address: the network is gone"
    );
    interfaces[2].addresses = vec![address("198.51.100.40", 24)];
    interfaces[2].up = false;
    assert!(!still_usable(
        &old("198.51.100.1"),
        Family::V4,
        &interfaces,
        &p
    ));
    interfaces.remove(2);
    assert!(!still_usable(
        &old("198.51.100.1"),
        Family::V4,
        &interfaces,
        &p
    ));
}
