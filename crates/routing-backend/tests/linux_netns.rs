//! The Linux backend against the real kernel, each test inside network
//! namespaces of its own: a "host" namespace with a veth link to a
//! "gateway" namespace (documentation ranges only), where the backend runs
//! on a thread that entered the host namespace with `setns`.
//!
//! ```text
//!  host ns                               gateway ns (arp_ignore=1, rp_filter=1)
//!  veth0 192.0.2.2/24 ───────────────── veth1 192.0.2.1/24
//!        2001:db8:1::2/64                     2001:db8:1::1/64
//!  default via 192.0.2.1, 2001:db8:1::1  lo    203.0.113.9/32, 2001:db8:ff::9/128
//!  tun0 198.51.100.2/24: the "VPN", where a test makes it own the default
//! ```
//!
//! Needs root and `ip`; without them each test prints why and passes.
#![cfg(target_os = "linux")]

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use routing_backend::session::SessionConfig;
use routing_backend::sys::{bound_interface, linux_backend, LinuxBackend, LinuxConfig};
use routing_backend::{BackendEvent, ErrorKind, RouteBackend, RouteChange, SocketKind};
use routing_core::model::{
    Family, Gateway, InterfaceKind, InterfaceRef, IpPrefix, RouteFlags, RouteKey, RouteSpec,
    SpecGateway,
};
use routing_core::wire::pf_route::ProtoFlag;
use serde_json::Value;
use test_support::netns::{self, Namespaces, Ns};
use tokio::sync::mpsc;

/// Two namespaces joined by a veth pair, deleted on drop (even when the
/// test failed, or the set-up stopped half-way).
struct Topology {
    host: Ns,
    gateway: Ns,
    _made: Namespaces,
}

impl Topology {
    /// The topology in the module doc, or `None` (with a message saying
    /// why) where namespaces cannot be made here.
    fn new() -> Option<Topology> {
        if !netns::is_root() {
            eprintln!("skipping: the network-namespace tests need root");
            return None;
        }
        let name = Namespaces::unique_name("egress");
        let mut made = Namespaces::new();
        let host = match made.add(&name) {
            Ok(host) => host,
            Err(e) => {
                eprintln!("skipping: cannot create a network namespace ({e})");
                return None;
            }
        };
        let gateway = made
            .add(&format!("{name}-gw"))
            .unwrap_or_else(|e| panic!("setting up the namespaces failed: {e}"));
        let topology = Topology {
            host,
            gateway,
            _made: made,
        };
        if let Err(e) = topology.build() {
            panic!("setting up the namespaces failed: {e}");
        }
        Some(topology)
    }

    fn build(&self) -> Result<(), String> {
        let (h, g) = (&self.host, &self.gateway);
        for ns in [h, g] {
            ns.sysctl("net.ipv6.conf.default.accept_dad=0")?;
        }
        // The far side answers ARP only for its own link's address, and
        // filters sources strictly.
        g.sysctl("net.ipv4.conf.all.arp_ignore=1")?;
        g.sysctl("net.ipv4.conf.all.rp_filter=1")?;
        h.ip_checked(&format!(
            "link add veth0 type veth peer name veth1 netns {}",
            g.0
        ))?;
        for (ns, link) in [(h, "lo"), (h, "veth0"), (g, "lo"), (g, "veth1")] {
            ns.ip_checked(&format!("link set {link} up"))?;
        }
        h.ip_checked("addr add 192.0.2.2/24 dev veth0")?;
        h.ip_checked("addr add 2001:db8:1::2/64 dev veth0 nodad")?;
        g.ip_checked("addr add 192.0.2.1/24 dev veth1")?;
        g.ip_checked("addr add 2001:db8:1::1/64 dev veth1 nodad")?;
        g.ip_checked("addr add 203.0.113.9/32 dev lo")?;
        g.ip_checked("addr add 2001:db8:ff::9/128 dev lo")?;
        h.ip_checked("route add default via 192.0.2.1")?;
        h.ip_checked("-6 route add default via 2001:db8:1::1")?;
        Ok(())
    }

    /// A tun link "owned by a VPN" with an address, up (without carrier:
    /// no process holds it, so what is routed there is dropped).
    fn add_tun(&self) {
        self.host.ip("tuntap add mode tun name tun0");
        self.host.ip("link set tun0 up");
        self.host.ip("addr add 198.51.100.2/24 dev tun0");
    }

    /// The VPN takes the default: `0/1` + `128/1` (and `::/1` +
    /// `8000::/1`) on tun0, or with `whole`, the main defaults themselves.
    fn vpn_owns_the_default(&self, whole: bool) {
        if whole {
            self.host.ip("route replace default dev tun0");
            self.host.ip("-6 route replace default dev tun0");
        } else {
            for (family, prefix) in [
                ("-4", "0.0.0.0/1"),
                ("-4", "128.0.0.0/1"),
                ("-6", "::/1"),
                ("-6", "8000::/1"),
            ] {
                self.host
                    .ip(&format!("{family} route add {prefix} dev tun0"));
            }
        }
    }

    /// A UDP socket in the gateway namespace, bound to `addr` (port 0).
    fn listen_in_gateway(&self, addr: IpAddr) -> UdpSocket {
        self.gateway.inside_async(move || async move {
            let socket = UdpSocket::bind(SocketAddr::new(addr, 0)).expect("bind in the gateway");
            socket
                .set_read_timeout(Some(Duration::from_millis(1500)))
                .expect("timeout");
            socket
        })
    }
}

fn backend() -> LinuxBackend {
    linux_backend(
        ProtoFlag::Proto1,
        SessionConfig::default(),
        LinuxConfig::default(),
    )
    .expect("the backend opens")
}

async fn interface(backend: &mut LinuxBackend, name: &str) -> InterfaceRef {
    let interfaces = backend.interfaces().await.expect("interfaces");
    let found = interfaces.iter().find(|i| i.name == name).expect(name);
    InterfaceRef {
        index: found.index,
        name: found.name.clone(),
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

fn pin(family: Family, veth0: &InterfaceRef) -> RouteSpec {
    let gateway = match family {
        Family::V4 => "192.0.2.1",
        Family::V6 => "2001:db8:1::1",
    };
    RouteSpec {
        destination: IpPrefix::default_for(family),
        gateway: SpecGateway::Router {
            addr: ip(gateway),
            zone: None,
        },
        interface: veth0.clone(),
        scoped: true,
    }
}

fn exclusion(dst: &str, gateway: &str, veth0: &InterfaceRef) -> RouteSpec {
    RouteSpec {
        destination: dst.parse().expect("prefix"),
        gateway: SpecGateway::Router {
            addr: ip(gateway),
            zone: None,
        },
        interface: veth0.clone(),
        scoped: false,
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

#[test]
fn interfaces_are_typed_by_what_the_kernel_says_they_are() {
    let Some(topology) = Topology::new() else {
        return;
    };
    topology.add_tun();
    topology.host.inside_async(|| async {
        let interfaces = backend().interfaces().await.expect("interfaces");
        let by_name = |name: &str| interfaces.iter().find(|i| i.name == name).expect(name);
        let veth0 = by_name("veth0");
        assert_eq!(veth0.kind, InterfaceKind::Ethernet);
        assert!(veth0.up, "veth0 is up with its peer up");
        assert_eq!((veth0.mtu, veth0.lladdr.len()), (1500, 6));
        assert!(veth0.has_address(ip("192.0.2.2")));
        assert!(veth0.has_address(ip("2001:db8:1::2")));
        let v4 = veth0.addresses.iter().find(|a| a.addr == ip("192.0.2.2"));
        assert_eq!(
            v4.map(|a| (a.prefix_len, a.peer_or_broadcast)),
            Some((24, None))
        );
        let tun0 = by_name("tun0");
        assert_eq!(tun0.kind, InterfaceKind::Tunnel);
        assert!(!tun0.up, "no process holds tun0, so it has no carrier");
        assert!(tun0.lladdr.is_empty());
        assert_eq!(by_name("lo").kind, InterfaceKind::Loopback);
    });
}

/// The routes `ip -j route show table all` lists that the model holds, as
/// (destination, gateway, device, table).
fn ip_routes(host: &Ns) -> Vec<(IpPrefix, Option<IpAddr>, String, String)> {
    let mut out = Vec::new();
    for family in ["-4", "-6"] {
        for r in host.ip_json(&format!("{family} route show table all")) {
            let table = text(&r, "table").unwrap_or_else(|| "main".into());
            let kind = text(&r, "type").unwrap_or_else(|| "unicast".into());
            let listed =
                ["unicast", "blackhole", "unreachable", "prohibit"].contains(&kind.as_str());
            if table == "local" || !listed {
                continue;
            }
            let dst = text(&r, "dst").expect("dst");
            let destination = match dst.as_str() {
                "default" if family == "-4" => IpPrefix::default_for(Family::V4),
                "default" => IpPrefix::default_for(Family::V6),
                d if d.contains('/') => d.parse().expect("prefix"),
                d => IpPrefix::host(ip(d)),
            };
            let gateway = text(&r, "gateway").map(|g| ip(&g));
            out.push((
                destination,
                gateway,
                text(&r, "dev").unwrap_or_default(),
                table,
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn the_table_is_what_ip_route_show_table_all_lists() {
    let Some(topology) = Topology::new() else {
        return;
    };
    topology.add_tun();
    // Something in every corner: another table, a blackhole, a host route,
    // a second default with a higher metric, IPv6 routes of both kinds.
    topology.host.ip("route add default dev tun0 metric 500");
    topology
        .host
        .ip("route add 198.51.100.0/25 via 192.0.2.1 table 100");
    topology.host.ip("route add blackhole 10.99.0.0/16");
    topology
        .host
        .ip("route add 203.0.113.77 via 192.0.2.1 proto static");
    topology
        .host
        .ip("-6 route add 2001:db8:77::/48 via 2001:db8:1::1");
    topology
        .host
        .ip("-6 route add 2001:db8:78::1 dev veth0 table 100");
    let expected = ip_routes(&topology.host);
    let table = topology
        .host
        .inside_async(|| async { backend().routes().await.expect("routes") });
    let mut ours: Vec<(IpPrefix, Option<IpAddr>, String)> = table
        .iter()
        .map(|r| (r.destination, r.gateway.ip_addr(), r.interface.name.clone()))
        .collect();
    ours.sort();
    let theirs: Vec<(IpPrefix, Option<IpAddr>, String)> = expected
        .iter()
        .map(|(d, g, dev, _)| (*d, *g, dev.clone()))
        .collect();
    assert_eq!(ours, theirs, "our dump against ip's");
    // Scoped exactly where the mapping says: other tables, link-local
    // destinations, and the default that lost its key to a lower metric.
    for (destination, gateway, dev, t) in &expected {
        let route = table
            .iter()
            .find(|r| {
                r.destination == *destination
                    && r.gateway.ip_addr() == *gateway
                    && r.interface.name == *dev
            })
            .expect("listed");
        let link_local = destination.addr().to_string().starts_with("fe80");
        let second_default = destination.is_default() && dev == "tun0";
        assert_eq!(
            route.is_scoped(),
            t != "main" || link_local || second_default,
            "{destination} via {gateway:?} dev {dev} table {t}"
        );
    }
}

fn table_routes(host: &Ns, family: &str) -> Vec<Value> {
    host.ip_json(&format!("{family} route show table 17767"))
}

/// Our rules as `ip -j rule` lists them: `PRIORITY oif IF lookup TABLE`.
fn our_rules(host: &Ns, family: &str) -> Vec<String> {
    host.ip_json(&format!("{family} rule show"))
        .iter()
        .filter(|r| text(r, "protocol").as_deref() == Some("69"))
        .map(|r| {
            let suppress = match r.get("suppress_prefixlen") {
                Some(len) => format!(" suppress_prefixlength {len}"),
                None => String::new(),
            };
            format!(
                "{} oif {} lookup {}{suppress}",
                r["priority"],
                text(r, "oif").unwrap_or_default(),
                text(r, "table").unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn a_scoped_default_is_a_route_in_our_table_and_two_rules_that_go_with_it() {
    let Some(topology) = Topology::new() else {
        return;
    };
    let host = topology.host.clone();
    topology.host.inside_async(move || async move {
        let mut backend = backend();
        let veth0 = interface(&mut backend, "veth0").await;
        for family in [Family::V4, Family::V6] {
            backend
                .add_route(&pin(family, &veth0))
                .await
                .expect("pinned");
        }
        // The kernel's view: one default in table 17767, metric = the
        // interface index, and the two rules, all with protocol 69.
        for family in ["-4", "-6"] {
            let routes = table_routes(&host, family);
            assert_eq!(routes.len(), 1, "{routes:?}");
            let r = &routes[0];
            assert_eq!(text(r, "dst").as_deref(), Some("default"));
            assert_eq!(text(r, "dev").as_deref(), Some("veth0"));
            assert_eq!(text(r, "protocol").as_deref(), Some("69"));
            assert_eq!(r["metric"], Value::from(veth0.index));
            assert_eq!(
                our_rules(&host, family),
                [
                    "99 oif veth0 lookup main suppress_prefixlength 0",
                    "100 oif veth0 lookup 17767"
                ]
            );
        }
        // The manager's view: a scoped default of ours next to the OS's.
        let table = backend.routes().await.expect("routes");
        for family in [Family::V4, Family::V6] {
            let destination = IpPrefix::default_for(family);
            let scoped = RouteKey {
                destination,
                scope: Some(veth0.index),
            };
            let route = table.get(&scoped).expect("the scoped default");
            assert!(backend.is_ours(route), "{route:?}");
            assert!(pin(family, &veth0).matches(route), "{route:?}");
            let os = table
                .get(&RouteKey {
                    destination,
                    scope: None,
                })
                .expect("the OS's default");
            assert!(!backend.is_ours(os));
        }
        assert_eq!(backend.rules().await.expect("rules").len(), 4);
        // The same key again is EEXIST, as on XNU.
        let again = backend.add_route(&pin(Family::V4, &veth0)).await;
        assert_eq!(again.map_err(|e| e.kind()), Err(ErrorKind::AlreadyExists));
        // What verification asks.
        let probe = backend
            .get_route(ip("240.0.0.1"), Some(veth0.index))
            .await
            .expect("lookup")
            .expect("a route");
        assert!(pin(Family::V4, &veth0).matches(&probe), "{probe:?}");
        // Deleting a family's pin takes its rules; the other family keeps its own.
        backend
            .delete_route(&pin(Family::V4, &veth0))
            .await
            .expect("unpinned");
        assert!(table_routes(&host, "-4").is_empty());
        assert!(our_rules(&host, "-4").is_empty());
        assert_eq!(our_rules(&host, "-6").len(), 2);
        backend
            .delete_route(&pin(Family::V6, &veth0))
            .await
            .expect("unpinned");
        assert!(backend.rules().await.expect("rules").is_empty());
        let gone = backend.delete_route(&pin(Family::V6, &veth0)).await;
        assert_eq!(gone.map_err(|e| e.kind()), Err(ErrorKind::NotFound));
    });
}

#[test]
fn a_legacy_exclusion_is_a_host_route_of_ours_in_the_main_table() {
    let Some(topology) = Topology::new() else {
        return;
    };
    let host = topology.host.clone();
    host.ip("route add 203.0.113.10/32 via 192.0.2.1");
    topology.host.inside_async(move || async move {
        let mut backend = backend();
        let veth0 = interface(&mut backend, "veth0").await;
        for (dst, gateway) in [
            ("203.0.113.9/32", "192.0.2.1"),
            ("2001:db8:ff::9/128", "2001:db8:1::1"),
        ] {
            let spec = exclusion(dst, gateway, &veth0);
            backend.add_route(&spec).await.expect("excluded");
            let family = if dst.contains(':') { "-6" } else { "-4" };
            let shown = host.ip_json(&format!("{family} route show table main exact {dst}"));
            assert_eq!(shown.len(), 1, "{shown:?}");
            assert_eq!(text(&shown[0], "gateway").as_deref(), Some(gateway));
            assert_eq!(text(&shown[0], "dev").as_deref(), Some("veth0"));
            assert_eq!(text(&shown[0], "protocol").as_deref(), Some("69"));
            let table = backend.routes().await.expect("routes");
            let key = RouteKey {
                destination: spec.destination,
                scope: None,
            };
            let route = table.get(&key).expect("unscoped host route");
            assert!(
                backend.is_ours(route) && route.is_host() && spec.matches(route),
                "{route:?}"
            );
            let again = backend.add_route(&spec).await;
            assert_eq!(again.map_err(|e| e.kind()), Err(ErrorKind::AlreadyExists));
            backend.delete_route(&spec).await.expect("removed");
            assert!(host
                .ip_json(&format!("{family} route show table main exact {dst}"))
                .is_empty());
            let gone = backend.delete_route(&spec).await;
            assert_eq!(gone.map_err(|e| e.kind()), Err(ErrorKind::NotFound));
        }
        // A delete never takes a route that is not ours, even on the same key.
        let theirs = exclusion("203.0.113.10/32", "192.0.2.1", &veth0);
        let refused = backend.delete_route(&theirs).await;
        assert_eq!(refused.map_err(|e| e.kind()), Err(ErrorKind::NotFound));
        assert_eq!(host.ip_json("route show exact 203.0.113.10/32").len(), 1);
        assert!(
            backend.rules().await.expect("rules").is_empty(),
            "exclusions need no rules"
        );
    });
}

#[test]
fn a_scoped_lookup_answers_with_the_pin_while_the_tun_owns_the_default() {
    let Some(topology) = Topology::new() else {
        return;
    };
    topology.add_tun();
    topology.vpn_owns_the_default(false);
    let host = topology.host.clone();
    topology.host.inside_async(move || async move {
        let mut backend = backend();
        let veth0 = interface(&mut backend, "veth0").await;
        let tun0 = interface(&mut backend, "tun0").await;
        let far = [
            (ip("203.0.113.9"), "128.0.0.0/1"),
            (ip("2001:db8:ff::9"), "::/1"),
        ];
        for (dst, half) in far {
            let unscoped = backend
                .get_route(dst, None)
                .await
                .expect("lookup")
                .expect("route");
            assert_eq!(
                unscoped.destination,
                half.parse::<IpPrefix>().expect("prefix")
            );
            assert_eq!(
                (unscoped.interface.index, unscoped.scope),
                (tun0.index, None)
            );
            // Before the pin, a lookup bound to veth0 still finds the main
            // default there (routes on other interfaces never answer).
            let scoped = backend
                .get_route(dst, Some(veth0.index))
                .await
                .expect("lookup")
                .expect("route");
            assert!(
                scoped.is_default() && !scoped.is_scoped() && !backend.is_ours(&scoped),
                "{scoped:?}"
            );
            assert_eq!(scoped.interface, veth0);
        }
        for family in [Family::V4, Family::V6] {
            backend
                .add_route(&pin(family, &veth0))
                .await
                .expect("pinned");
        }
        // The VPN now takes the whole default away from veth0.
        for prefix in ["0.0.0.0/1", "128.0.0.0/1"] {
            host.ip(&format!("route del {prefix}"));
        }
        for prefix in ["::/1", "8000::/1"] {
            host.ip(&format!("-6 route del {prefix}"));
        }
        host.ip("route replace default dev tun0");
        host.ip("-6 route replace default dev tun0");
        for (dst, _) in far {
            let family = Family::of(dst);
            let unscoped = backend
                .get_route(dst, None)
                .await
                .expect("lookup")
                .expect("route");
            assert!(
                unscoped.is_default() && unscoped.interface == tun0,
                "{unscoped:?}"
            );
            let scoped = backend
                .get_route(dst, Some(veth0.index))
                .await
                .expect("lookup")
                .expect("route");
            assert!(
                pin(family, &veth0).matches(&scoped) && backend.is_ours(&scoped),
                "{scoped:?}"
            );
        }
        // On-link destinations stay on-link: the main table's subnet route
        // on the same interface beats the scoped default, as on XNU.
        for (dst, subnet) in [
            (ip("192.0.2.77"), "192.0.2.0/24"),
            (ip("2001:db8:1::77"), "2001:db8:1::/64"),
        ] {
            let scoped = backend
                .get_route(dst, Some(veth0.index))
                .await
                .expect("lookup")
                .expect("route");
            assert_eq!(
                scoped.destination,
                subnet.parse::<IpPrefix>().expect("prefix")
            );
            assert_eq!(
                scoped.gateway,
                Gateway::Link {
                    index: veth0.index,
                    name: None,
                    lladdr: vec![]
                }
            );
        }
        // A lookup bound to an interface with no route at all finds none.
        host.ip("tuntap add mode tun name tun1");
        host.ip("link set tun1 up");
        let tun1 = interface(&mut backend, "tun1").await;
        for (dst, _) in far {
            let none = backend.get_route(dst, Some(tun1.index)).await;
            assert_eq!(none, Ok(None), "{dst} bound to tun1");
        }
    });
}

async fn expect_event(
    events: &mut mpsc::Receiver<BackendEvent>,
    what: &str,
    wanted: impl Fn(&BackendEvent) -> bool,
) -> BackendEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) if wanted(&event) => return event,
            Ok(Some(_)) => {}
            Ok(None) => panic!("the events ended while waiting for {what}"),
            Err(_) => panic!("no event for {what} within 5 s"),
        }
    }
}

/// A route event for `destination`, with what it said.
fn route_event(
    e: &BackendEvent,
    destination: IpPrefix,
) -> Option<(RouteChange, u32, Option<IpAddr>, bool)> {
    match e {
        BackendEvent::Route {
            change,
            destination: d,
            interface,
            gateway,
            ours,
            ..
        } if *d == destination => Some((*change, *interface, *gateway, *ours)),
        _ => None,
    }
}

#[test]
fn changes_made_by_anyone_arrive_as_events() {
    let Some(topology) = Topology::new() else {
        return;
    };
    let host = topology.host.clone();
    topology.host.inside_async(move || async move {
        let mut backend = backend();
        let mut events = backend.take_events().expect("the events");
        assert!(backend.take_events().is_none(), "handed over once");
        let veth0 = interface(&mut backend, "veth0").await;
        let subnet: IpPrefix = "198.51.100.0/24".parse().expect("prefix");
        let via = Some(ip("192.0.2.1"));
        host.ip("route add 198.51.100.0/24 via 192.0.2.1");
        let added = (RouteChange::Added, veth0.index, via, false);
        expect_event(&mut events, "ip route add", |e| {
            route_event(e, subnet) == Some(added)
        })
        .await;
        host.ip("route replace 198.51.100.0/24 dev veth0");
        let changed = (RouteChange::Changed, veth0.index, None, false);
        expect_event(&mut events, "ip route replace", |e| {
            route_event(e, subnet) == Some(changed)
        })
        .await;
        host.ip("route del 198.51.100.0/24");
        let deleted = (RouteChange::Deleted, veth0.index, None, false);
        expect_event(&mut events, "ip route del", |e| {
            route_event(e, subnet) == Some(deleted)
        })
        .await;
        // Our own change is flagged ours, scoped and tagged.
        backend
            .add_route(&pin(Family::V4, &veth0))
            .await
            .expect("pinned");
        let default = IpPrefix::default_for(Family::V4);
        let ours = expect_event(&mut events, "our pin", |e| {
            route_event(e, default).is_some_and(|(.., ours)| ours)
        })
        .await;
        let BackendEvent::Route { flags, change, .. } = ours else {
            unreachable!("a route event")
        };
        assert_eq!(change, RouteChange::Added);
        assert!(flags.contains(RouteFlags::IFSCOPE | ProtoFlag::Proto1.flag()));
        // Another program's rule: look again. Ours (the pin's) are not reported.
        host.ip("rule add fwmark 1 lookup 100 priority 1000");
        let rule = expect_event(&mut events, "ip rule add", |e| {
            matches!(e, BackendEvent::Unparsed { .. })
        })
        .await;
        assert_eq!(
            rule,
            BackendEvent::Unparsed {
                reason: "a routing rule changed (priority 1000, table 100)".into()
            }
        );
        host.ip("addr add 192.0.2.3/24 dev veth0");
        let address = BackendEvent::Address {
            index: veth0.index,
            family: Family::V4,
            added: true,
        };
        expect_event(&mut events, "ip addr add", |e| *e == address).await;
        host.ip("link set veth0 down");
        let down = BackendEvent::Interface {
            index: veth0.index,
            up: false,
        };
        expect_event(&mut events, "ip link set down", |e| *e == down).await;
    });
}

#[test]
fn a_flood_of_changes_is_reported_as_lost_not_dropped_silently() {
    let Some(topology) = Topology::new() else {
        return;
    };
    let host = topology.host.clone();
    let batch = std::env::temp_dir().join(format!("{}.batch", host.0));
    let routes: String = (0..20_000u32)
        .map(|i| format!("route add 10.{}.{}.0/24 via 192.0.2.1\n", i / 256, i % 256))
        .collect();
    std::fs::write(&batch, routes).expect("batch file");
    let file = batch.display().to_string();
    topology.host.inside_async(move || async move {
        let mut backend = backend();
        let mut events = backend.take_events().expect("the events");
        // Nobody reads events while ip adds 20,000 routes: the queue (and
        // likely the socket) overflows, and the manager is told so.
        host.ip(&format!("-batch {file}"));
        expect_event(&mut events, "lost events", |e| *e == BackendEvent::Lost).await;
    });
    let _ = std::fs::remove_file(batch);
}

#[test]
fn a_bound_socket_leaves_on_its_interface_while_the_tun_owns_the_default() {
    let Some(topology) = Topology::new() else {
        return;
    };
    topology.add_tun();
    topology.vpn_owns_the_default(true);
    let receivers = [
        topology.listen_in_gateway(ip("203.0.113.9")),
        topology.listen_in_gateway(ip("2001:db8:ff::9")),
    ];
    let targets: Vec<SocketAddr> = receivers
        .iter()
        .map(|r| r.local_addr().expect("address"))
        .collect();
    topology.host.inside_async(move || async move {
        let mut backend = backend();
        let veth0 = interface(&mut backend, "veth0").await;
        for target in targets {
            let family = Family::of(target.ip());
            backend
                .add_route(&pin(family, &veth0))
                .await
                .expect("pinned");
            let fd = backend
                .bound_socket(family, SocketKind::Udp, veth0.index, 0)
                .expect("a bound socket");
            assert_eq!(
                bound_interface(&fd, family).expect("SO_BINDTOIFINDEX"),
                veth0.index
            );
            let bound = UdpSocket::from(fd);
            bound.send_to(b"bound", target).expect("sent");
            // The same packet from an ordinary socket goes into the tunnel
            // (and, with no VPN process reading it, nowhere).
            let unbound =
                UdpSocket::bind(SocketAddr::new(family.unspecified(), 0)).expect("socket");
            let _ = unbound.send_to(b"unbound", target);
        }
        // A chosen local port, and an interface that does not exist.
        let fd = backend
            .bound_socket(Family::V4, SocketKind::Udp, veth0.index, 47123)
            .expect("bound with a port");
        assert_eq!(
            UdpSocket::from(fd).local_addr().expect("address").port(),
            47123
        );
        let missing = backend.bound_socket(Family::V6, SocketKind::Tcp, 999_999, 0);
        assert_eq!(
            missing.map(|_| ()).map_err(|e| e.kind()),
            Err(ErrorKind::NoSuchInterface)
        );
    });
    for (receiver, source) in receivers.iter().zip(["192.0.2.2", "2001:db8:1::2"]) {
        let mut buffer = [0u8; 64];
        let (n, from) = receiver
            .recv_from(&mut buffer)
            .expect("the bound probe arrived");
        assert_eq!((&buffer[..n], from.ip()), (&b"bound"[..], ip(source)));
        let more = receiver.recv_from(&mut buffer);
        assert!(
            more.is_err(),
            "only the bound probe reaches the gateway: {more:?}"
        );
    }
}

#[test]
fn after_a_crash_rules_follow_the_routes_left_in_our_table() {
    let Some(topology) = Topology::new() else {
        return;
    };
    let host = topology.host.clone();
    // What a crash between deleting a pin and its rules leaves, plus a rule
    // that is not ours.
    host.ip("rule add oif veth0 lookup 17767 priority 100 proto 69");
    host.ip("-6 rule add oif veth0 lookup 17767 priority 100 proto 69");
    host.ip("rule add oif veth0 lookup 17767 priority 300 proto static");
    topology.host.inside_async(move || async move {
        let mut backend = backend();
        assert_eq!(backend.rules().await.expect("rules").len(), 2);
        backend.routes().await.expect("routes");
        assert!(backend.rules().await.expect("rules").is_empty());
        let left = host.ip_json("rule show");
        assert!(left.iter().any(|r| r["priority"] == 300), "{left:?}");
        // A route of ours left in our table without its rules (EEXIST on
        // the next add) gets them back.
        let veth0 = interface(&mut backend, "veth0").await;
        host.ip(&format!(
            "route add default via 192.0.2.1 dev veth0 table 17767 proto 69 metric {}",
            veth0.index
        ));
        let again = backend.add_route(&pin(Family::V4, &veth0)).await;
        assert_eq!(again.map_err(|e| e.kind()), Err(ErrorKind::AlreadyExists));
        assert_eq!(backend.rules().await.expect("rules").len(), 2);
    });
}
