//! The route manager on the simulated Mac, measured (std-only harness):
//!
//! 1. Re-pin latency: from a network switch to the new pin being confirmed
//!    (the manager's status shows it), minus the debounce quiet period.
//!    Goal: p99 < 100 ms.
//! 2. Legacy toggle with 10,000 registered peers: the time to switch to
//!    legacy (10,000 routes in) and back (10,000 out), and the route counts;
//!    advanced mode holds exactly 2 routes whatever the peer count.
//!
//! `cargo bench -p privileged-helper --bench engine`

use std::time::{Duration, Instant};

use egress_helper::engine::plan::Mode;
use egress_helper::manager::{self, ManagerConfig, ManagerHandle, PinState};
use routing_backend::session::SessionConfig;
use routing_backend::sim::{sim_backend, SimControl};
use routing_core::model::{IpPrefix, RouteFlags};
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::Scenario;

const QUIET: Duration = Duration::from_millis(100);

async fn start(name: &str) -> (ManagerHandle, SimControl, std::path::PathBuf) {
    let scenario = Scenario::realistic_mac().expect("the shipped Mac");
    let (backend, control) =
        sim_backend(scenario, ProtoFlag::Proto1, SessionConfig::default()).expect("boots");
    let dir = std::env::temp_dir().join(format!("egress-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("state dir");
    let mut config = ManagerConfig::new(dir.clone());
    config.quiet = QUIET;
    config.vpn_interfaces = vec!["utun4".into()];
    (manager::start(backend, config).await, control, dir)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn repin_latency() {
    let (handle, control, dir) = start("repin").await;
    control.run_event("vpn-up").expect("vpn");
    let mut samples = Vec::new();
    for i in 0..60 {
        let (event, target) = if i % 2 == 0 {
            ("wifi-to-ethernet", "en7")
        } else {
            ("ethernet-to-wifi", "en0")
        };
        let started = Instant::now();
        control.run_event(event).expect("switch");
        loop {
            let status = handle.status().await.expect("status");
            let v4 = &status.families.v4;
            let on_target = v4.egress.as_ref().is_some_and(|e| e.interface == target);
            if on_target && matches!(v4.pin, PinState::Pinned | PinState::Reused) {
                break;
            }
            if started.elapsed() > Duration::from_secs(5) {
                panic!("no re-pin to {target} within 5 s");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        samples.push(started.elapsed().saturating_sub(QUIET));
    }
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.5), percentile(&samples, 0.99));
    println!("re-pin latency after a {QUIET:?} debounce, {} switches: p50 {p50:?}, p99 {p99:?} (goal p99 < 100ms)", samples.len());
    let _ = std::fs::remove_dir_all(dir);
}

fn ours(control: &SimControl) -> usize {
    control.with_kernel(|k| {
        k.table()
            .iter()
            .filter(|r| r.flags.contains(RouteFlags::PROTO1))
            .count()
    })
}

async fn legacy_toggle() {
    let (handle, control, dir) = start("toggle").await;
    control.run_event("vpn-up").expect("vpn");
    let peers = 10_000u32;
    let started = Instant::now();
    // 198.18.0.0/15 is the range set aside for benchmarks (RFC 2544); the
    // sim sends nothing anywhere.
    for i in 0..peers {
        let prefix: IpPrefix =
            format!("198.{}.{}.{}/32", 18 + i / 65_536, (i / 256) % 256, i % 256)
                .parse()
                .expect("prefix");
        handle
            .add_exclusion(prefix, "bench")
            .await
            .expect("exclude");
    }
    let registering = started.elapsed();
    let advanced_routes = ours(&control);
    let advanced_pins = handle.status().await.expect("status").held.len();
    let to_legacy = Instant::now();
    handle.set_mode(Mode::Legacy, None).await.expect("legacy");
    let to_legacy = to_legacy.elapsed();
    let legacy_routes = ours(&control);
    let to_advanced = Instant::now();
    handle
        .set_mode(Mode::Advanced, None)
        .await
        .expect("advanced");
    let to_advanced = to_advanced.elapsed();
    let back_routes = ours(&control);
    let registered = handle.exclusions().await.expect("list").len();
    println!(
        "legacy toggle, {registered} peers registered in {registering:?}: advanced holds {advanced_pins} pins \
         ({advanced_routes} tagged by us, the rest macOS's own, reused); to legacy {to_legacy:?} -> {legacy_routes} routes ({:.0} routes/s); back to advanced {to_advanced:?} -> {back_routes} route(s)",
        f64::from(u32::try_from(legacy_routes).unwrap_or(u32::MAX)) / to_legacy.as_secs_f64()
    );
    handle.shutdown().await.expect("shutdown");
    let _ = std::fs::remove_dir_all(dir);
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        repin_latency().await;
        legacy_toggle().await;
    });
}
