//! The route manager against a plain in-memory table: the engine's
//! decisions (pin, reuse, toggle, grace, repair, shutdown) without any
//! kernel. The byte-level behaviour is tested against the simulated Mac.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use egress_helper::engine::plan::Mode;
use egress_helper::manager::{self, ManagerConfig, ManagerHandle, ModeOverride, PinState};
use routing_backend::{BackendEvent, Error, ErrorKind, Op, RouteBackend, RouteChange, SocketKind};
use routing_core::model::{
    Family, Gateway, Interface, InterfaceAddress, InterfaceKind, InterfaceRef, IpPrefix, Metrics,
    Route, RouteFlags, RouteSpec, RouteTable, SpecGateway, TableError,
};
use tokio::sync::mpsc;

#[derive(Debug, Default)]
struct World {
    table: RouteTable,
    interfaces: Vec<Interface>,
    /// Adds of these keys fail with this kind.
    fail_adds: Vec<(IpPrefix, ErrorKind)>,
}

#[derive(Debug, Clone)]
struct TableBackend {
    world: Arc<Mutex<World>>,
    events: Arc<Mutex<Option<mpsc::Receiver<BackendEvent>>>>,
}

fn lock(world: &Arc<Mutex<World>>) -> std::sync::MutexGuard<'_, World> {
    world.lock().expect("world lock")
}

fn route_of(spec: &RouteSpec) -> Route {
    let mut flags = RouteFlags::UP | RouteFlags::STATIC | RouteFlags::PROTO1;
    let gateway = match &spec.gateway {
        SpecGateway::Router { addr, zone } => {
            flags |= RouteFlags::GATEWAY;
            Gateway::Ip {
                addr: *addr,
                zone: *zone,
            }
        }
        SpecGateway::Interface => Gateway::Link {
            index: spec.interface.index,
            name: None,
            lladdr: vec![],
        },
    };
    if spec.destination.is_host() {
        flags |= RouteFlags::HOST;
    }
    let mut route = Route {
        destination: spec.destination,
        gateway,
        interface: spec.interface.clone(),
        scope: None,
        flags,
        parent_flags: RouteFlags::EMPTY,
        expire: None,
        metrics: Metrics::default(),
    };
    route.set_scope(spec.scoped.then_some(spec.interface.index));
    route
}

impl RouteBackend for TableBackend {
    fn name(&self) -> &'static str {
        "table"
    }

    async fn interfaces(&mut self) -> routing_backend::Result<Vec<Interface>> {
        Ok(lock(&self.world).interfaces.clone())
    }

    async fn routes(&mut self) -> routing_backend::Result<RouteTable> {
        Ok(lock(&self.world).table.clone())
    }

    async fn add_route(&mut self, spec: &RouteSpec) -> routing_backend::Result<()> {
        let mut w = lock(&self.world);
        if let Some((_, kind)) = w.fail_adds.iter().find(|(p, _)| *p == spec.destination) {
            return Err(Error::new(Op::Add, *kind, spec.to_string()));
        }
        w.table.insert(route_of(spec)).map_err(|e| match e {
            TableError::Exists(_) => {
                Error::new(Op::Add, ErrorKind::AlreadyExists, spec.to_string())
            }
            TableError::NotFound(_) => Error::new(Op::Add, ErrorKind::Os, spec.to_string()),
        })
    }

    async fn delete_route(&mut self, spec: &RouteSpec) -> routing_backend::Result<()> {
        lock(&self.world)
            .table
            .remove(&spec.key())
            .map(|_| ())
            .map_err(|_| Error::new(Op::Delete, ErrorKind::NotFound, spec.to_string()))
    }

    async fn get_route(
        &mut self,
        dst: std::net::IpAddr,
        scope: Option<u32>,
    ) -> routing_backend::Result<Option<Route>> {
        Ok(lock(&self.world).table.lookup(dst, scope).cloned())
    }

    fn take_events(&mut self) -> Option<mpsc::Receiver<BackendEvent>> {
        self.events.lock().expect("events lock").take()
    }

    fn bound_socket(
        &mut self,
        _: Family,
        _: SocketKind,
        _: u32,
        _: u16,
    ) -> routing_backend::Result<std::os::fd::OwnedFd> {
        Err(Error::new(
            Op::Socket,
            ErrorKind::Unsupported,
            "table backend",
        ))
    }

    fn is_ours(&self, route: &Route) -> bool {
        route.flags.contains(RouteFlags::PROTO1)
    }
}

fn iface(index: u32, name: &str, kind: InterfaceKind, addr: &str, len: u8) -> Interface {
    Interface {
        index,
        name: name.into(),
        kind,
        up: true,
        mtu: 1500,
        lladdr: vec![],
        addresses: vec![InterfaceAddress {
            addr: addr.parse().expect("ip"),
            prefix_len: len,
            peer_or_broadcast: None,
        }],
    }
}

fn os_route(dst: &str, gw: &str, flags: &str, index: u32, name: &str) -> Route {
    let flags = RouteFlags::from_netstat_letters(flags).expect("flags");
    Route {
        destination: if dst == "default" {
            IpPrefix::default_for(Family::V4)
        } else {
            dst.parse().expect("prefix")
        },
        gateway: Gateway::ip(gw.parse().expect("ip")),
        interface: InterfaceRef {
            index,
            name: name.into(),
        },
        scope: flags.contains(RouteFlags::IFSCOPE).then_some(index),
        flags,
        parent_flags: RouteFlags::EMPTY,
        expire: None,
        metrics: Metrics::default(),
    }
}

/// A Mac on Wi-Fi (en0) with USB Ethernet (en7) plugged in but unused, and a
/// VPN (utun4) owning 0/1 + 128/1.
fn mac() -> World {
    let table = [
        os_route("default", "198.51.100.1", "UGScg", 4, "en0"),
        os_route("0.0.0.0/1", "192.0.2.1", "UGSc", 22, "utun4"),
        os_route("128.0.0.0/1", "192.0.2.1", "UGSc", 22, "utun4"),
    ]
    .into_iter()
    .collect();
    World {
        table,
        interfaces: vec![
            iface(4, "en0", InterfaceKind::Wifi, "198.51.100.23", 24),
            iface(7, "en7", InterfaceKind::Ethernet, "203.0.113.23", 24),
            iface(22, "utun4", InterfaceKind::Tunnel, "192.0.2.2", 32),
        ],
        fail_adds: vec![],
    }
}

struct Harness {
    world: Arc<Mutex<World>>,
    events: mpsc::Sender<BackendEvent>,
    handle: ManagerHandle,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn start(world: World, tweak: impl FnOnce(&mut ManagerConfig)) -> Harness {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("egress-manager-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("state dir");
    let world = Arc::new(Mutex::new(world));
    let (tx, rx) = mpsc::channel(64);
    let backend = TableBackend {
        world: world.clone(),
        events: Arc::new(Mutex::new(Some(rx))),
    };
    let mut config = ManagerConfig::new(dir.clone());
    config.quiet = Duration::from_millis(10);
    config.max_delay = Duration::from_millis(50);
    config.loss_grace = Duration::from_millis(200);
    tweak(&mut config);
    let handle = manager::start(backend, config).await;
    Harness {
        world,
        events: tx,
        handle,
        _dir: TempDir(dir),
    }
}

fn ours(world: &Arc<Mutex<World>>) -> Vec<String> {
    lock(world)
        .table
        .iter()
        .filter(|r| r.flags.contains(RouteFlags::PROTO1))
        .map(|r| {
            format!(
                "{}{}%{}",
                r.destination,
                if r.is_scoped() { "I" } else { "" },
                r.interface.name
            )
        })
        .collect()
}

fn default_deleted(index: u32) -> BackendEvent {
    BackendEvent::Route {
        change: RouteChange::Deleted,
        destination: IpPrefix::default_for(Family::V4),
        flags: RouteFlags::GATEWAY | RouteFlags::STATIC,
        interface: index,
        gateway: None,
        ours: false,
    }
}

#[tokio::test]
async fn pins_the_physical_default_not_the_vpn_and_bound_lookups_stay_physical() {
    let h = start(mac(), |_| {}).await;
    assert_eq!(ours(&h.world), ["0.0.0.0/0I%en0"]);
    let status = h.handle.status().await.expect("status");
    assert_eq!(status.families.v4.pin, PinState::Pinned);
    assert_eq!(
        status
            .families
            .v4
            .egress
            .as_ref()
            .map(|e| e.interface.as_str()),
        Some("en0")
    );
    let dst = "203.0.113.200".parse().expect("ip");
    let unbound = h
        .handle
        .lookup(dst, None)
        .await
        .expect("lookup")
        .expect("route");
    let bound = h
        .handle
        .lookup(dst, Some(4))
        .await
        .expect("lookup")
        .expect("route");
    assert_eq!(
        (
            unbound.interface.name.as_str(),
            bound.interface.name.as_str()
        ),
        ("utun4", "en0")
    );
}

#[tokio::test]
async fn an_os_scoped_default_is_reused_and_never_deleted() {
    let mut world = mac();
    world
        .table
        .insert(os_route("default", "198.51.100.1", "UGScIg", 4, "en0"))
        .expect("os scoped default");
    let h = start(world, |_| {}).await;
    let status = h.handle.status().await.expect("status");
    assert_eq!(status.families.v4.pin, PinState::Reused);
    h.handle.shutdown().await.expect("shutdown");
    let still_there = lock(&h.world)
        .table
        .iter()
        .any(|r| r.is_scoped() && r.is_default());
    assert!(still_there, "the OS's route survives our shutdown");
}

#[tokio::test]
async fn toggling_swaps_modes_in_one_operation_with_progress() {
    let h = start(mac(), |_| {}).await;
    for i in 1..=3 {
        let peer: IpPrefix = format!("192.0.2.{}/32", 100 + i).parse().expect("prefix");
        h.handle.add_exclusion(peer, "vpn").await.expect("exclude");
    }
    let (tx, mut rx) = mpsc::channel(64);
    h.handle
        .set_mode(Mode::Legacy, Some(tx))
        .await
        .expect("legacy");
    let mut last = None;
    while let Ok(p) = rx.try_recv() {
        last = Some((p.done, p.total));
    }
    assert_eq!(last, Some((4, 4)), "3 adds and 1 remove");
    assert_eq!(
        ours(&h.world),
        [
            "192.0.2.101/32%en0",
            "192.0.2.102/32%en0",
            "192.0.2.103/32%en0"
        ]
    );
    h.handle
        .set_mode(Mode::Advanced, None)
        .await
        .expect("advanced");
    assert_eq!(ours(&h.world), ["0.0.0.0/0I%en0"]);
}

#[tokio::test]
async fn three_owners_share_one_exclusion() {
    let h = start(mac(), |_| {}).await;
    h.handle.set_mode(Mode::Legacy, None).await.expect("legacy");
    let peer: IpPrefix = "192.0.2.77/32".parse().expect("prefix");
    for owner in ["a", "b", "c"] {
        h.handle.add_exclusion(peer, owner).await.expect("exclude");
    }
    assert_eq!(ours(&h.world).len(), 1);
    for owner in ["a", "a", "b"] {
        h.handle
            .remove_exclusion(peer, owner)
            .await
            .expect("release");
    }
    assert_eq!(
        ours(&h.world).len(),
        1,
        "c still holds it; a twice does not double count"
    );
    h.handle.remove_exclusion(peer, "c").await.expect("release");
    assert!(ours(&h.world).is_empty());
}

#[tokio::test]
async fn refuses_on_link_and_vpn_destinations_with_a_reason() {
    let h = start(mac(), |c| c.vpn_interfaces = vec!["utun4".into()]).await;
    let on_link = h
        .handle
        .add_exclusion("198.51.100.9/32".parse().expect("p"), "x")
        .await
        .expect_err("on-link");
    assert!(
        on_link
            .to_string()
            .contains("local network 198.51.100.0/24"),
        "{on_link}"
    );
    let loopback = h
        .handle
        .add_exclusion("127.0.0.1/32".parse().expect("p"), "x")
        .await
        .expect_err("loopback");
    assert!(loopback.to_string().contains("loopback"), "{loopback}");
}

#[tokio::test]
async fn a_forced_mode_cannot_be_switched_and_says_why() {
    let h = start(mac(), |c| {
        c.mode_override = ModeOverride::from_env_value(Some("1"))
    })
    .await;
    let status = h.handle.status().await.expect("status");
    assert_eq!(status.mode, Mode::Legacy);
    assert!(!status.mode_switchable);
    let err = h
        .handle
        .set_mode(Mode::Advanced, None)
        .await
        .expect_err("forced");
    assert_eq!(
        err.to_string(),
        "the mode is forced to legacy by EGRESS_USE_LEGACY_ROUTING=1"
    );
}

#[tokio::test]
async fn wifi_to_ethernet_repins_after_the_burst() {
    let h = start(mac(), |_| {}).await;
    {
        let mut w = lock(&h.world);
        w.table
            .remove(&routing_core::model::RouteKey {
                destination: IpPrefix::default_for(Family::V4),
                scope: None,
            })
            .expect("rm");
        w.table
            .insert(os_route("default", "203.0.113.1", "UGScg", 7, "en7"))
            .expect("en7 default");
    }
    for _ in 0..20 {
        h.events.send(default_deleted(4)).await.expect("event");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ours(&h.world), ["0.0.0.0/0I%en7"]);
    let status = h.handle.status().await.expect("status");
    assert_eq!(
        status.repins_last_10_min, 1,
        "a burst of 20 events is one re-pin"
    );
    assert!(status
        .timeline
        .iter()
        .any(|e| e.trigger.contains("a default route was deleted")));
}

#[tokio::test]
async fn losing_the_default_waits_for_the_grace_period() {
    let h = start(mac(), |_| {}).await;
    lock(&h.world)
        .table
        .remove(&routing_core::model::RouteKey {
            destination: IpPrefix::default_for(Family::V4),
            scope: None,
        })
        .expect("rm");
    h.events.send(default_deleted(4)).await.expect("event");
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(
        ours(&h.world),
        ["0.0.0.0/0I%en0"],
        "kept during the grace period"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(ours(&h.world).is_empty(), "torn down after it");
}

#[tokio::test]
async fn a_failed_family_does_not_stop_the_other() {
    let mut world = mac();
    world
        .table
        .insert(Route {
            destination: IpPrefix::default_for(Family::V6),
            gateway: Gateway::Ip {
                addr: "fe80::1".parse().expect("ip"),
                zone: Some(4),
            },
            interface: InterfaceRef {
                index: 4,
                name: "en0".into(),
            },
            scope: None,
            flags: RouteFlags::from_netstat_letters("UGcg").expect("flags"),
            parent_flags: RouteFlags::EMPTY,
            expire: None,
            metrics: Metrics::default(),
        })
        .expect("v6 default");
    world
        .fail_adds
        .push((IpPrefix::default_for(Family::V4), ErrorKind::Unreachable));
    let h = start(world, |_| {}).await;
    let status = h.handle.status().await.expect("status");
    assert!(
        matches!(status.families.v4.pin, PinState::Failed(_)),
        "{:?}",
        status.families.v4.pin
    );
    assert_eq!(status.families.v6.pin, PinState::Pinned);
    assert!(
        status.warnings.iter().any(|w| w.starts_with("IPv4 pin:")),
        "{:?}",
        status.warnings
    );
}

#[tokio::test]
async fn restart_flushes_leftovers_and_restores_the_mode() {
    let h = start(mac(), |_| {}).await;
    h.handle
        .add_exclusion("192.0.2.55/32".parse().expect("p"), "vpn")
        .await
        .expect("exclude");
    h.handle.set_mode(Mode::Legacy, None).await.expect("legacy");
    let dir = h._dir.0.clone();
    // A crash: the table as the dead helper left it, with our route still in it.
    let mut world = {
        let dead = lock(&h.world);
        World {
            table: dead.table.clone(),
            interfaces: dead.interfaces.clone(),
            fail_adds: vec![],
        }
    };
    assert_eq!(
        world
            .table
            .iter()
            .filter(|r| r.flags.contains(RouteFlags::PROTO1))
            .count(),
        1,
        "the exclusion is left behind"
    );
    // Plus a stray scoped default of ours from some older run.
    world
        .table
        .insert(route_of(&RouteSpec {
            destination: IpPrefix::default_for(Family::V4),
            gateway: SpecGateway::Router {
                addr: "203.0.113.1".parse().expect("ip"),
                zone: None,
            },
            interface: InterfaceRef {
                index: 7,
                name: "en7".into(),
            },
            scoped: true,
        }))
        .expect("stray");
    let h2 = start(world, |c| c.state_dir = dir.clone()).await;
    let status = h2.handle.status().await.expect("status");
    assert_eq!(status.mode, Mode::Legacy, "the journal keeps the mode");
    assert_eq!(
        ours(&h2.world),
        ["192.0.2.55/32%en0"],
        "the stray pin is gone, the exclusion is back"
    );
}

#[tokio::test]
async fn status_names_the_tunnel_that_owns_the_default_and_how() {
    let mut world = mac();
    // A system tunnel with a scoped default only (as macOS keeps on
    // utun0-3): it owns nothing.
    world
        .interfaces
        .push(iface(15, "utun0", InterfaceKind::Tunnel, "192.0.2.15", 32));
    world
        .table
        .insert(os_route("default", "192.0.2.15", "UGScI", 15, "utun0"))
        .expect("utun0 scoped default");
    let h = start(world, |_| {}).await;
    let split = |shape, routes: &[&str]| helper_proto::VpnDefault {
        interface: "utun4".into(),
        family: Family::V4,
        shape,
        routes: routes.iter().map(|r| r.to_string()).collect(),
    };
    let status = h.handle.status().await.expect("status");
    assert_eq!(
        status.vpn,
        [split(
            helper_proto::DefaultShape::Split,
            &["0/1", "128.0/1"]
        )]
    );

    // The VPN takes the default outright instead.
    {
        let mut w = lock(&h.world);
        for dst in ["0.0.0.0/1", "128.0.0.0/1", "0.0.0.0/0"] {
            w.table
                .remove(&routing_core::model::RouteKey {
                    destination: dst.parse().expect("prefix"),
                    scope: None,
                })
                .expect("rm");
        }
        w.table
            .insert(os_route("default", "192.0.2.1", "UGSc", 22, "utun4"))
            .expect("utun4 default");
    }
    // The kernel says only that utun4 got a default: no re-pin is called
    // for, but the status follows.
    h.events
        .send(tunnel_route(RouteChange::Added, "0.0.0.0/0", 22))
        .await
        .expect("event");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let status = h.handle.status().await.expect("status");
    assert_eq!(
        status.vpn,
        [split(helper_proto::DefaultShape::Whole, &["default"])]
    );

    // Half a split default captures only half the traffic: not reported.
    {
        let mut w = lock(&h.world);
        w.table
            .remove(&routing_core::model::RouteKey {
                destination: IpPrefix::default_for(Family::V4),
                scope: None,
            })
            .expect("rm");
        w.table
            .insert(os_route("0.0.0.0/1", "192.0.2.1", "UGSc", 22, "utun4"))
            .expect("0/1");
        w.table
            .insert(os_route("default", "198.51.100.1", "UGScg", 4, "en0"))
            .expect("en0 default");
    }
    h.events
        .send(tunnel_route(RouteChange::Deleted, "0.0.0.0/0", 22))
        .await
        .expect("event");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let status = h.handle.status().await.expect("status");
    assert!(status.vpn.is_empty(), "{:?}", status.vpn);
}

/// An unscoped route of a tunnel, added or deleted.
fn tunnel_route(change: RouteChange, dst: &str, index: u32) -> BackendEvent {
    BackendEvent::Route {
        change,
        destination: dst.parse().expect("prefix"),
        flags: RouteFlags::UP | RouteFlags::STATIC,
        interface: index,
        gateway: None,
        ours: false,
    }
}
