//! Issue 5 §2: the whole helper against the real Linux kernel, in network
//! namespaces of each test's own, moving real packets.
//!
//! ```text
//!  host ns (the helper runs here)                  gw1 ns
//!  eth0 192.0.2.2/24, 2001:db8:1::2/64 ─────────── gw 192.0.2.1/24, 2001:db8:1::1/64
//!  main defaults via 192.0.2.1, 2001:db8:1::1      lo: the far hosts 203.0.113.10, .20,
//!                                                      2001:db8:ff::10, ::20
//!                                                  gw2 ns
//!  eth1 198.51.100.2/24, 2001:db8:2::2/64 ──────── gw 198.51.100.1/24, 2001:db8:2::1/64
//!                                                  lo: the same far hosts
//!  tun0 203.0.113.200/32, 2001:db8:ff00::2/128: the "VPN", read by a
//!  thread of this process (TUNSETIFF); it takes the default (whole, or
//!  0/1 + 128/1 and ::/1 + 8000::/1).
//! ```
//!
//! Gateways: `arp_ignore=1`, `rp_filter=1`, no forwarding. The far hosts
//! sit behind both gateways, so where a probe arrives says which link it
//! left on (and a probe into the tun arrives at neither).
//!
//! The helper is `egress-helper run --backend linux --vpn-interface tun0`,
//! a real process started with `ip netns exec`; this process talks to it
//! through its Unix socket (a path works across network namespaces) and
//! sends from the sockets it hands out (a socket stays in the namespace it
//! was made in); plain sockets are made on a thread that entered the host
//! namespace.
//!
//! Needs root, `ip` and /dev/net/tun; without them each test prints
//! `skipped: …` and passes.
#![cfg(target_os = "linux")]

#[path = "linux_e2e/harness.rs"]
#[allow(unsafe_code)] // TUNSETIFF
mod harness;
#[path = "linux_e2e/helper.rs"]
mod helper;
#[path = "linux_e2e/kernel.rs"]
mod kernel;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use harness::*;
use helper::*;
use helper_client::Client;
use helper_proto::{Event, Mode, PinState, RouteFilter, SocketProtocol, Topic};
use kernel::*;
use routing_core::model::{Family, IpPrefix};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

const SETTLE: Duration = Duration::from_secs(10);

fn far(family: Family, port: u16) -> SocketAddr {
    let addr = match family {
        Family::V4 => FAR_V4,
        Family::V6 => FAR_V6,
    };
    SocketAddr::new(ip(addr), port)
}

fn elsewhere(family: Family, port: u16) -> SocketAddr {
    let addr = match family {
        Family::V4 => ELSEWHERE_V4,
        Family::V6 => ELSEWHERE_V6,
    };
    SocketAddr::new(ip(addr), port)
}

/// The host's address on `link` for `family`.
fn source(link: &str, family: Family) -> IpAddr {
    let (v4, v6) = match link {
        "eth0" => ("192.0.2.2", "2001:db8:1::2"),
        _ => ("198.51.100.2", "2001:db8:2::2"),
    };
    ip(if family == Family::V4 { v4 } else { v6 })
}

/// Per family: a probe from a socket the helper bound arrives at the far
/// host through `link`'s gateway (and not the other's, nor the tun); the
/// same probe from an ordinary socket goes into the tun (and reaches no
/// gateway).
async fn bound_and_unbound_probes(net: &Topology, tun: &TunReader, client: &Client, link: &str) {
    let (on, off) = if link == "eth0" { (0, 1) } else { (1, 0) };
    for family in [Family::V4, Family::V6] {
        let listeners = net.far_listeners(family);
        let port = listeners[0].local_addr().expect("an address").port();
        let tag = format!("{}-{family}-{link}", std::process::id());
        let (bound_marker, unbound_marker) = (
            format!("through-the-helper-{tag}").into_bytes(),
            format!("plain-{tag}").into_bytes(),
        );
        let (info, fd) = client
            .open_bound_socket(family, SocketProtocol::Udp, None)
            .await
            .expect("a bound socket");
        assert_eq!(
            (info.target.interface.as_str(), info.target.borrowed),
            (link, false)
        );
        UdpSocket::from(fd)
            .send_to(&bound_marker, far(family, port))
            .expect("sent from the bound socket");
        net.send_unbound(far(family, port), &unbound_marker);

        assert_eq!(
            receive(&listeners[on], &bound_marker, ARRIVES),
            Some(source(link, family)),
            "{family}: the bound probe reaches the far host through {link}"
        );
        assert!(
            tun.saw(&unbound_marker, ARRIVES),
            "{family}: the unbound probe enters the tun"
        );
        assert_eq!(
            receive(&listeners[on], &unbound_marker, STRAYS),
            None,
            "{family}: the unbound probe never leaves physically"
        );
        for marker in [&bound_marker, &unbound_marker] {
            assert_eq!(receive(&listeners[off], marker, Duration::ZERO), None);
        }
        assert!(
            !tun.saw(&bound_marker, Duration::ZERO),
            "{family}: the bound probe never enters the tun"
        );
    }
}

/// The helper's route dump against `ip -j route show table all`, in the
/// fields that map (destination, gateway, device). Retried briefly: the
/// kernel may add a route (a link-local one) between the two reads.
async fn dump_equals_ip(net: &Topology, client: &Client) {
    let mut last = None;
    for _ in 0..5 {
        let rows = client
            .routes_all(&RouteFilter::default())
            .await
            .expect("routes");
        let mut ours: Vec<_> = rows
            .iter()
            .map(|r| canonical_fields(&r.canonical))
            .collect();
        ours.sort();
        let theirs = ip_route_dump(&net.host);
        if ours == theirs {
            assert!(ours.len() >= 10, "a real table: {ours:?}");
            return;
        }
        last = Some((ours, theirs));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (ours, theirs) = last.expect("compared");
    assert_eq!(ours, theirs, "the helper's dump against ip's");
}

/// After a clean stop: exit 0, and nothing of ours in the kernel.
fn stops_cleanly(net: &Topology, helper: &mut Helper) {
    assert_eq!(helper.stop(), Some(0), "a clean shutdown");
    assert_eq!(our_routes(&net.host), Vec::<String>::new());
    assert_eq!(our_rules(&net.host), Vec::<String>::new());
}

fn assert_state(net: &Topology, what: &str, expected: &(Vec<String>, Vec<String>)) {
    assert_eq!(
        &our_routes(&net.host),
        &expected.0,
        "routes of ours: {what}"
    );
    assert_eq!(&our_rules(&net.host), &expected.1, "rules of ours: {what}");
}

fn advanced_mode_under_a_vpn(whole: bool, test: &str) {
    let Some(net) = Topology::new(test) else {
        return;
    };
    net.tun_up();
    let tun = TunReader::attach(&net.host);
    let dir = TempDir::new(test);
    runtime().block_on(async {
        let (mut helper, client) = Helper::start(&net.host, &dir).await;
        assert_eq!(client.welcome().backend, "linux");
        wait_status(&client, "pins on eth0", SETTLE, |s| pinned_on(s, "eth0")).await;
        let pinned = advanced_state("eth0", "192.0.2.1", "2001:db8:1::1");
        assert_state(&net, "pinned", &pinned);

        net.vpn_owns_the_default(whole);
        // The pins stay: the VPN's own traffic must still leave through
        // eth0. (A default on a VPN link is no trigger, so the helper does
        // not even look; the legacy test has it look under a whole-default
        // VPN, through mode switches.)
        tokio::time::sleep(Duration::from_millis(300)).await;
        let status = client.status().await.expect("status");
        assert!(pinned_on(&status, "eth0"), "{status:#?}");
        assert_state(&net, "under the VPN", &pinned);

        bound_and_unbound_probes(&net, &tun, &client, "eth0").await;
        dump_equals_ip(&net, &client).await;
        // The helper's dump knows its pins: a default per family, scoped
        // to eth0, tagged ours.
        let filter = RouteFilter {
            ours: true,
            ..RouteFilter::default()
        };
        let pins: Vec<_> = client
            .routes_all(&filter)
            .await
            .expect("routes")
            .into_iter()
            .map(|r| (r.family, r.default, r.scope, r.gateway))
            .collect();
        let scoped = Some("eth0".to_string());
        assert_eq!(
            pins,
            [
                (Family::V4, true, scoped.clone(), "192.0.2.1".to_string()),
                (Family::V6, true, scoped, "2001:db8:1::1".to_string()),
            ]
        );
        stops_cleanly(&net, &mut helper);
    });
}

#[test]
fn bound_sockets_leave_physical_while_a_vpn_owns_the_whole_default() {
    advanced_mode_under_a_vpn(true, "whole-default");
}

#[test]
fn bound_sockets_leave_physical_while_a_vpn_owns_both_halves() {
    advanced_mode_under_a_vpn(false, "split-default");
}

#[test]
fn legacy_mode_excludes_registered_peers_and_toggles_leave_exactly_the_desired_state() {
    let Some(net) = Topology::new("legacy") else {
        return;
    };
    net.tun_up();
    let tun = TunReader::attach(&net.host);
    let dir = TempDir::new("legacy");
    runtime().block_on(async {
        let (mut helper, client) = Helper::start(&net.host, &dir).await;
        wait_status(&client, "pins on eth0", SETTLE, |s| pinned_on(s, "eth0")).await;
        let advanced = advanced_state("eth0", "192.0.2.1", "2001:db8:1::1");
        net.vpn_owns_the_default(true);

        // One peer registered before the switch (installed by it), one
        // after (installed on its own).
        let far_v6: IpPrefix = FAR_V6.parse().expect("a prefix");
        let far_v4: IpPrefix = FAR_V4.parse().expect("a prefix");
        let added = client.exclusion_add(far_v6, Some("e2e")).await;
        assert!(added.expect("registered").changed);
        let status = client
            .set_mode_with_progress(Mode::Legacy, |_, _| {})
            .await
            .expect("legacy");
        assert_eq!(status.mode, Mode::Legacy);
        client
            .exclusion_add(far_v4, Some("e2e"))
            .await
            .expect("registered");
        let mut routes = vec![
            format!("main {FAR_V4} via 192.0.2.1 dev eth0"),
            format!("main {FAR_V6} via 2001:db8:1::1 dev eth0"),
        ];
        routes.sort();
        let legacy = (routes, Vec::new());
        assert_state(&net, "legacy", &legacy);
        let status = client.status().await.expect("status");
        assert_eq!((status.exclusions, status.held_exclusion_routes), (2, 2));
        assert!(status.held.is_empty(), "no pins in legacy mode");

        // Real packets: a registered peer leaves physically, anything
        // else goes into the tunnel.
        for family in [Family::V4, Family::V6] {
            let listeners = net.far_listeners(family);
            let port = listeners[0].local_addr().expect("an address").port();
            let peer = format!("peer-{family}-{}", std::process::id()).into_bytes();
            let other = format!("other-{family}-{}", std::process::id()).into_bytes();
            net.send_unbound(far(family, port), &peer);
            net.send_unbound(elsewhere(family, port), &other);
            assert_eq!(
                receive(&listeners[0], &peer, ARRIVES),
                Some(source("eth0", family)),
                "{family}: the registered peer is reached through eth0"
            );
            assert!(
                tun.saw(&other, ARRIVES),
                "{family}: another destination goes into the tun"
            );
            assert!(
                !tun.saw(&peer, Duration::ZERO),
                "{family}: the peer's probe is not in the tun"
            );
            assert_eq!(
                receive(&listeners[0], &other, STRAYS),
                None,
                "{family}: another destination never leaves physically"
            );
            assert_eq!(receive(&listeners[1], &peer, Duration::ZERO), None);
        }

        // Both ways, twice: exactly the desired state each time.
        for (mode, expected) in [
            (Mode::Advanced, &advanced),
            (Mode::Legacy, &legacy),
            (Mode::Advanced, &advanced),
        ] {
            let mut steps = 0;
            let status = client
                .set_mode_with_progress(mode, |done, _| steps = steps.max(done))
                .await
                .expect("switched");
            assert_eq!(status.mode, mode);
            assert_eq!(steps, 4, "two routes out, two in");
            assert_state(&net, &format!("after switching to {mode}"), expected);
        }
        let status = client.status().await.expect("status");
        assert!(pinned_on(&status, "eth0"), "{status:#?}");
        assert_eq!((status.exclusions, status.held_exclusion_routes), (2, 0));
        stops_cleanly(&net, &mut helper);
    });
}

#[test]
fn a_network_change_repins_and_new_bound_sockets_leave_on_the_new_link() {
    let Some(net) = Topology::new("network-change") else {
        return;
    };
    net.tun_up();
    let tun = TunReader::attach(&net.host);
    net.vpn_owns_the_default(false);
    let dir = TempDir::new("change");
    runtime().block_on(async {
        let (mut helper, client) = Helper::start(&net.host, &dir).await;
        wait_status(&client, "pins on eth0", SETTLE, |s| pinned_on(s, "eth0")).await;
        let mut events = client
            .subscribe(&[Topic::Status])
            .await
            .expect("subscribed");

        let changed = Instant::now();
        net.host
            .ip("route replace default via 198.51.100.1 dev eth1");
        net.host
            .ip("-6 route replace default via 2001:db8:2::1 dev eth1");
        let repinned = tokio::time::timeout(SETTLE, async {
            loop {
                match events.next().await {
                    Some(Event::Status { status }) if pinned_on(&status, "eth1") => {
                        return changed.elapsed()
                    }
                    Some(_) => {}
                    None => panic!("the events ended"),
                }
            }
        })
        .await
        .expect("re-pinned on eth1 within 10 s");
        eprintln!(
            "re-pinned on eth1 {:.1} ms after the default moved (debounce: 100 ms of quiet)",
            repinned.as_secs_f64() * 1000.0
        );
        assert!(
            repinned < Duration::from_secs(3),
            "re-pinned after {repinned:?}"
        );
        let status = client.status().await.expect("status");
        assert!(status.repins_last_10_min >= 1, "{status:#?}");
        assert_state(
            &net,
            "after the move",
            &advanced_state("eth1", "198.51.100.1", "2001:db8:2::1"),
        );
        bound_and_unbound_probes(&net, &tun, &client, "eth1").await;
        stops_cleanly(&net, &mut helper);
    });
}

/// Ten thousand IPv6 hosts: `2001:db8:ee::1` … `2001:db8:ee::2710`.
fn peers() -> Vec<IpPrefix> {
    (1..=10_000u16)
        .map(|i| {
            IpPrefix::host(IpAddr::V6(Ipv6Addr::new(
                0x2001, 0xdb8, 0xee, 0, 0, 0, 0, i,
            )))
        })
        .collect()
}

#[test]
fn a_helper_killed_mid_toggle_with_10000_exclusions_restarts_without_residue() {
    let Some(net) = Topology::new("crash") else {
        return;
    };
    net.tun_up();
    let _tun = TunReader::attach(&net.host);
    net.vpn_owns_the_default(false);
    let dir = TempDir::new("crash");
    let peers = peers();
    runtime().block_on(async {
        let (mut helper, client) = Helper::start(&net.host, &dir).await;
        wait_status(&client, "pins on eth0", SETTLE, |s| pinned_on(s, "eth0")).await;
        let started = Instant::now();
        let registered = futures_util::stream::iter(peers.iter())
            .map(|p| client.exclusion_add(*p, Some("e2e")))
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        assert!(registered.iter().all(Result::is_ok), "every peer registered");
        assert_eq!(client.status().await.expect("status").exclusions, 10_000);
        eprintln!(
            "10,000 exclusions registered in {:.2} s",
            started.elapsed().as_secs_f64()
        );

        // Into legacy mode, and kill -9 a quarter of the way.
        let mut killed_at = None;
        let switched = client
            .set_mode_with_progress(Mode::Legacy, |done, total| {
                if killed_at.is_none() && done >= total / 4 {
                    helper.kill_9();
                    killed_at = Some((done, total));
                }
            })
            .await;
        let (done, total) = killed_at.expect("progress arrived");
        assert!(switched.is_err(), "the switch never finished: {switched:?}");
        let left = our_routes(&net.host);
        let hosts = left.iter().filter(|r| r.starts_with("main ")).count();
        eprintln!(
            "killed at step {done} of {total}: {hosts} exclusion routes, {} routes and {} rules of ours in all",
            left.len(),
            our_rules(&net.host).len()
        );
        assert!(
            left.iter().any(|r| r.starts_with("17767 ")) && hosts < 10_000,
            "the kill came mid-way (pins still there, exclusions partly added): {} routes",
            left.len()
        );

        // The restart flushes what the dead helper left and restores the
        // journal's state: legacy mode, 10,000 exclusion routes, nothing else.
        let started = Instant::now();
        let client = helper.restart(&net.host, &dir).await;
        let status = client.status().await.expect("status");
        eprintln!(
            "restarted and restored in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        assert_eq!(status.mode, Mode::Legacy);
        assert_eq!(
            (status.exclusions, status.held_exclusion_routes),
            (10_000, 10_000)
        );
        for family in [&status.families.v4, &status.families.v6] {
            assert_eq!(family.pin, PinState::None);
        }
        let expected: BTreeSet<String> = peers
            .iter()
            .map(|p| format!("main {} via 2001:db8:1::1 dev eth0", p.addr()))
            .collect();
        let now: Vec<String> = our_routes(&net.host);
        assert_eq!(now.len(), 10_000, "no duplicates, nothing more");
        let now: BTreeSet<String> = now.into_iter().collect();
        assert_eq!(now.len(), expected.len());
        let stray: Vec<_> = now.difference(&expected).take(5).collect();
        let missing: Vec<_> = expected.difference(&now).take(5).collect();
        assert!(
            stray.is_empty() && missing.is_empty(),
            "stray: {stray:?}; missing: {missing:?}"
        );
        assert_eq!(our_rules(&net.host), Vec::<String>::new(), "no rules left");
        stops_cleanly(&net, &mut helper);
    });
}
