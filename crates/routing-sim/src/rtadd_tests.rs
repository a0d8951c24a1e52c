use super::*;
use routing_core::model::Gateway;

use crate::testkit::{le32, mini_mac, route, route_bytes};
use crate::Errno;

fn get(k: &SimKernel, dst: &str, scope: Option<u32>) -> Route {
    let key = RouteKey {
        destination: dst.parse().unwrap(),
        scope,
    };
    k.table()
        .get(&key)
        .cloned()
        .unwrap_or_else(|| panic!("no {key}"))
}

#[test]
fn the_mtu_comes_from_the_interface_unless_the_request_sets_it() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add -net 203.0.113.0/25 192.0.2.1").unwrap();
    route(&mut k, s, "add -net 203.0.113.128/25 192.0.2.1 -mtu 1280").unwrap();
    assert_eq!(get(&k, "203.0.113.0/25", None).metrics.mtu, 1500);
    assert_eq!(get(&k, "203.0.113.128/25", None).metrics.mtu, 1280);
}

#[test]
fn the_key_is_masked_and_rtf_host_ignores_the_netmask() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    let mut m = route_bytes(&k, "add -net 203.0.113.0/24 192.0.2.1", 1, 1);
    m[92 + 7] = 77; // 203.0.113.77/24
    k.write(s, &m).unwrap();
    assert_eq!(
        get(&k, "203.0.113.0/24", None).flags.netstat_letters(),
        "UGSc"
    );
    let mut host = route_bytes(&k, "add -net 198.51.100.0/24 192.0.2.1", 1, 2);
    let flags = le32(&host, 8) | RouteFlags::HOST.bits();
    host[8..12].copy_from_slice(&flags.to_le_bytes());
    k.write(s, &host).unwrap();
    assert_eq!(
        get(&k, "198.51.100.0/32", None).flags.netstat_letters(),
        "UGHS"
    );
}

#[test]
fn interface_routes_on_arp_links_clone_through_a_null_link_gateway() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add -net 198.51.100.0/24 -interface en0").unwrap();
    let r = get(&k, "198.51.100.0/24", None);
    // in_addroute adds PRCLONING before arp_rtrequest adds CLONING.
    assert_eq!(r.flags.netstat_letters(), "UCSc");
    assert_eq!(
        r.gateway,
        Gateway::Link {
            index: 4,
            name: None,
            lladdr: vec![]
        }
    );
    assert_eq!(r.expire, Some(k.wall_now()), "shown as `!`");
}

#[test]
fn a_scoped_ipv6_default_via_fe80_is_tied_to_the_tunnels_link_local() {
    let mut k = crate::testkit::boot(
        "interface utun0 index 15 tunnel up\n  inet6 fe80::a1b2:c3d4:e5f6:100/64",
    );
    let s = k.open_socket(1, 0);
    route(
        &mut k,
        s,
        "add -inet6 -ifscope utun0 default fe80::%utun0 -nostatic",
    )
    .unwrap();
    let r = get(&k, "::/0", Some(15));
    assert_eq!(r.flags.netstat_letters(), "UGcIg");
    assert_eq!(
        k.extra(&r.key()).ifa,
        Some("fe80::a1b2:c3d4:e5f6:100".parse().unwrap())
    );
    // Unscoped, the same gateway has no route to it: ENETUNREACH.
    assert_eq!(
        route(&mut k, s, "add -inet6 default fe80::1"),
        Err(Errno::ENETUNREACH)
    );
}

#[test]
fn ifp_moves_the_new_route_to_the_named_interface() {
    let mut k = crate::testkit::boot(
        "interface en0 index 4 wifi up\n  inet 192.0.2.23/24\ninterface en7 index 7 ethernet up\n  inet 198.51.100.40/25",
    );
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add -net 203.0.113.0/24 192.0.2.1 -ifp en7").unwrap();
    let r = get(&k, "203.0.113.0/24", None);
    assert_eq!(r.interface.name, "en7");
    assert_eq!(
        k.extra(&r.key()).ifa,
        Some("198.51.100.40".parse().unwrap())
    );
}

#[test]
fn change_replaces_the_gateway_and_moves_the_route_and_the_primary() {
    let mut k = crate::testkit::boot(
        "interface en0 index 4 wifi up\n  inet 192.0.2.23/24\ninterface en7 index 7 ethernet up\n  inet 198.51.100.40/25",
    );
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    assert_eq!(k.primary(Family::V4), Some(4));
    k.drain(s);
    let m = route_bytes(&k, "change default 198.51.100.1", 1, 9);
    k.write(s, &m).unwrap();
    let echo = k.read(s).unwrap();
    let mut want = m.clone();
    want[8..12].copy_from_slice(&(le32(&m, 8) | RouteFlags::DONE.bits()).to_le_bytes());
    assert_eq!(echo, want, "the sender's bytes plus DONE, not a report");
    let r = get(&k, "0.0.0.0/0", None);
    assert_eq!(r.gateway, Gateway::ip("198.51.100.1".parse().unwrap()));
    assert_eq!(r.interface.name, "en7");
    assert_eq!(
        r.flags.netstat_letters(),
        "UGScg",
        "request flags are not applied"
    );
    assert_eq!(k.primary(Family::V4), Some(7));
    assert_eq!(
        route(&mut k, s, "change -net 203.0.113.0/24 192.0.2.1"),
        Err(Errno::ESRCH)
    );
}

#[test]
fn lock_sets_only_the_locks() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    let mut m = route_bytes(&k, "get default", 1, 3);
    m[3] = crate::msg::RTM_LOCK;
    m[32..36].copy_from_slice(&1u32.to_le_bytes()); // rtm_inits: RTV_MTU
    m[36..40].copy_from_slice(&1u32.to_le_bytes()); // rmx_locks: RTV_MTU
    k.write(s, &m).unwrap();
    let key = get(&k, "0.0.0.0/0", None).key();
    assert_eq!(k.extra(&key).locks, 1);
    assert_eq!(get(&k, "0.0.0.0/0", None).metrics.mtu, 1500);
}

#[test]
fn unscoped_zero_address_routes_move_the_primary_interface() {
    let mut k = crate::testkit::boot(
        "interface en0 index 4 wifi up\n  inet 192.0.2.23/24\ninterface utun4 index 9 tunnel up\n  inet 203.0.113.2/32 dest 203.0.113.2",
    );
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    route(&mut k, s, "add -net 0.0.0.0/1 -interface utun4").unwrap();
    assert_eq!(k.primary(Family::V4), Some(9), "§5.4.6: 0/1 takes over");
    route(&mut k, s, "delete -net 0.0.0.0/1").unwrap();
    assert_eq!(k.primary(Family::V4), None, "and deleting it clears it");
}
