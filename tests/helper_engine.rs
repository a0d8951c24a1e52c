//! The helper's routing engine on the simulated Mac, through real PF_ROUTE
//! bytes: golden scenarios (the engine's view and our routes after each
//! step), the no-loop property, and toggles.

use std::time::Duration;

use egress_helper::engine::plan::Mode;
use egress_helper::manager::{self, ManagerConfig, ManagerHandle, PinState, Status};
use integration_tests::golden;
use integration_tests::helper::TempDir;
use routing_backend::session::SessionConfig;
use routing_backend::sim::{sim_backend, SimControl};
use routing_core::model::{canonical_line, Family, IpPrefix, RouteFlags};
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::Scenario;

const REALISTIC_MAC: &str = include_str!("../crates/routing-sim/scenarios/realistic-mac.scn");

/// Events the shipped Mac lacks, for the engine's own scenarios.
const EXTRA_EVENTS: &str = r#"
event single-nic "A Mac with one network service: macOS keeps no scoped defaults of its own"
    route delete -ifscope en0 default
    route delete -inet6 -ifscope en0 default
end

event tether "A phone tethers over a point-to-point cellular link with no router address; Wi-Fi goes away"
    interface pdp_ip0 index 40 cellular up
    inet 198.51.100.66/32 dest 198.51.100.65
    route delete default
    route add default -interface pdp_ip0
end

event leftovers "A crashed helper left its pins and an exclusion behind (tagged RTF_PROTO1)"
    route add -ifscope en7 default 198.51.100.1 -proto1 expect ENETUNREACH
    route add -host 203.0.113.200 192.0.2.1 -proto1
    route add -inet6 -host 2001:db8:ffff::9 fe80::1%en0 -proto1
end

event steal-pin "Another program deletes Egress's scoped default behind its back"
    route delete -ifscope en0 default
end

event default-back "A default route appears again after none (a new network)"
    route add default 192.0.2.1
end
"#;

struct Engine {
    handle: ManagerHandle,
    control: SimControl,
    _dir: TempDir,
}

/// Boots the realistic Mac (after `before` events), starts the engine.
async fn boot(name: &str, before: &[&str]) -> Engine {
    boot_with(name, before, |_| {}).await
}

/// [`boot`], with the manager's settings adjusted.
async fn boot_with(name: &str, before: &[&str], tweak: impl FnOnce(&mut ManagerConfig)) -> Engine {
    let text = format!("{REALISTIC_MAC}\n{EXTRA_EVENTS}");
    let scenario = Scenario::parse("realistic-mac.scn+extra", &text).expect("scenario parses");
    let config = SessionConfig {
        attempt_timeout: Duration::from_millis(200),
        ..SessionConfig::default()
    };
    let (backend, control) = sim_backend(scenario, ProtoFlag::Proto1, config).expect("boots");
    for event in before {
        control.run_event(event).expect("set-up event");
    }
    let dir = TempDir::new(&format!("engine-{name}"));
    let mut manager_config = ManagerConfig::new(dir.path().join("state"));
    manager_config.quiet = Duration::from_millis(20);
    manager_config.max_delay = Duration::from_millis(100);
    manager_config.loss_grace = Duration::from_millis(150);
    manager_config.vpn_interfaces = vec!["utun4".into()];
    tweak(&mut manager_config);
    let handle = manager::start(backend, manager_config).await;
    Engine {
        handle,
        control,
        _dir: dir,
    }
}

impl Engine {
    /// Runs an event and lets the engine react (burst guard, grace).
    async fn event(&self, name: &str) {
        self.control.run_event(name).expect("event runs");
        tokio::time::sleep(Duration::from_millis(450)).await;
    }

    async fn status(&self) -> Status {
        self.handle.status().await.expect("status")
    }

    /// The engine's view and our routes in the kernel, as text.
    async fn snapshot(&self, step: &str) -> String {
        let status = self.status().await;
        let mut out = format!("## {step}\nmode {}\n", status.mode);
        for (family, s) in [
            (Family::V4, &status.families.v4),
            (Family::V6, &status.families.v6),
        ] {
            let egress = s.egress.as_ref().map_or("none".to_string(), |e| {
                format!("{} ({}) via {}", e.interface, e.kind, e.gateway)
            });
            out.push_str(&format!("{family}: {egress}; pin {}\n", pin_text(&s.pin)));
            out.push_str(&format!("  why: {}\n", s.reason));
        }
        for w in &status.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        let (names, ours): (Vec<(u32, String)>, Vec<String>) = self.control.with_kernel(|k| {
            let names = k
                .interfaces()
                .iter()
                .map(|i| (i.index, i.name.clone()))
                .collect();
            let now = k.wall_now();
            let name_of = |index: u32| k.name_of(index);
            let ours = k
                .table()
                .iter()
                .filter(|r| r.flags.contains(RouteFlags::PROTO1))
                .map(|r| canonical_line(r, &name_of, now))
                .collect();
            (names, ours)
        });
        let _ = names;
        out.push_str(&format!("ours in the kernel ({}):\n", ours.len()));
        for line in ours {
            out.push_str(&format!("  {line}\n"));
        }
        out
    }
}

fn pin_text(pin: &PinState) -> String {
    match pin {
        PinState::None => "none".into(),
        PinState::Pinned => "pinned".into(),
        PinState::Reused => "reused".into(),
        PinState::Stale(why) => format!("stale ({why})"),
        PinState::Failed(why) => format!("failed ({why})"),
    }
}

/// Runs the steps, snapshotting after each, and checks the golden file.
async fn golden_steps(name: &str, before: &[&str], steps: &[&str]) -> Engine {
    let engine = boot(name, before).await;
    let mut text = engine
        .snapshot(&format!(
            "start{}",
            if before.is_empty() {
                String::new()
            } else {
                format!(" after {}", before.join(", "))
            }
        ))
        .await;
    for step in steps {
        engine.event(step).await;
        text.push('\n');
        text.push_str(&engine.snapshot(step).await);
    }
    golden::check(&format!("helper/{name}.txt"), &text);
    engine
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_mac_reuses_macos_scoped_defaults() {
    let engine = golden_steps("fresh-mac", &[], &[]).await;
    let status = engine.status().await;
    assert_eq!(
        (
            status.families.v4.pin.clone(),
            status.families.v6.pin.clone()
        ),
        (PinState::Reused, PinState::Reused)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_nic_gets_our_own_pins() {
    let engine = golden_steps("single-nic", &["single-nic"], &[]).await;
    let status = engine.status().await;
    assert_eq!(
        (
            status.families.v4.pin.clone(),
            status.families.v6.pin.clone()
        ),
        (PinState::Pinned, PinState::Pinned)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpn_up_changes_nothing_and_cannot_capture_bound_traffic() {
    let engine = golden_steps("vpn-up", &["single-nic"], &["vpn-up"]).await;
    let v4 = engine
        .handle
        .bind_target(Family::V4, None)
        .await
        .expect("bind")
        .expect("a target");
    let v6 = engine
        .handle
        .bind_target(Family::V6, None)
        .await
        .expect("bind")
        .expect("a target");
    for i in 0..64u32 {
        let v4_dst = std::net::IpAddr::from([1 + (i * 37 % 220) as u8, (i * 11) as u8, 7, 9]);
        let v6_dst = std::net::IpAddr::from([0x2001, 0xdb8, 0x100 + i as u16, 0, 0, 0, 0, 9]);
        for (dst, target) in [(v4_dst, v4.index), (v6_dst, v6.index)] {
            let bound = engine
                .control
                .egress(dst, Some(target))
                .expect("a bound socket has a route");
            assert_eq!(bound.interface.name, "en0", "bound {dst} stays physical");
            let unbound = engine
                .control
                .egress(dst, None)
                .expect("an unbound socket has a route");
            assert_eq!(
                unbound.interface.name, "utun4",
                "unbound {dst} goes into the VPN"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pin_follows_wifi_to_ethernet_and_back() {
    golden_steps(
        "wifi-ethernet",
        &["single-nic"],
        &["wifi-to-ethernet", "unplug-ethernet"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ipv6_only_network_keeps_only_the_ipv6_pin() {
    let engine = golden_steps("ipv6-only", &["single-nic"], &["ipv6-only"]).await;
    let status = engine.status().await;
    assert_eq!(
        (
            status.families.v4.pin.clone(),
            status.families.v6.pin.clone()
        ),
        (PinState::None, PinState::Pinned)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_default_at_all_then_one_appears() {
    golden_steps("no-default", &[], &["no-default", "default-back"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_point_to_point_default_is_pinned_through_the_interface() {
    let engine = golden_steps("point-to-point", &["single-nic"], &["tether"]).await;
    let held = engine.status().await.held;
    assert!(
        held.iter()
            .any(|h| h.route == "0.0.0.0/0 via link pdp_ip0 (scoped)"),
        "{held:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_leftovers_are_flushed_at_start() {
    let engine = golden_steps("crash-leftovers", &["single-nic", "leftovers"], &[]).await;
    let leftovers: Vec<IpPrefix> = ["203.0.113.200/32", "2001:db8:ffff::9/128"]
        .iter()
        .map(|p| p.parse().expect("p"))
        .collect();
    let still = engine.control.with_kernel(|k| {
        k.table()
            .iter()
            .filter(|r| leftovers.contains(&r.destination))
            .count()
    });
    assert_eq!(still, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn toggle_with_three_owners_sharing_one_prefix() {
    let engine = boot("toggle", &["single-nic", "vpn-up"]).await;
    let mut text = engine.snapshot("start").await;
    let peer: IpPrefix = "203.0.113.9/32".parse().expect("prefix");
    let other: IpPrefix = "2001:db8:2::9/128".parse().expect("prefix");
    for owner in ["wireguard", "relay", "cli"] {
        engine
            .handle
            .add_exclusion(peer, owner)
            .await
            .expect("exclude");
    }
    engine
        .handle
        .add_exclusion(other, "wireguard")
        .await
        .expect("exclude");
    engine
        .handle
        .set_mode(Mode::Legacy, None)
        .await
        .expect("legacy");
    text.push_str(&format!(
        "\n{}",
        engine.snapshot("legacy with 3 owners of one prefix").await
    ));
    let via_peer = engine.control.egress(peer.addr(), None).expect("route");
    let via_other = engine
        .control
        .egress("203.0.113.10".parse().expect("ip"), None)
        .expect("route");
    assert_eq!(
        (
            via_peer.interface.name.as_str(),
            via_other.interface.name.as_str()
        ),
        ("en0", "utun4")
    );
    engine
        .handle
        .remove_exclusion(peer, "relay")
        .await
        .expect("release");
    engine
        .handle
        .remove_exclusion(peer, "relay")
        .await
        .expect("release twice");
    text.push_str(&format!(
        "\n{}",
        engine.snapshot("relay released (twice)").await
    ));
    engine
        .handle
        .set_mode(Mode::Advanced, None)
        .await
        .expect("advanced");
    text.push_str(&format!("\n{}", engine.snapshot("back to advanced").await));
    engine
        .handle
        .set_mode(Mode::Legacy, None)
        .await
        .expect("legacy again");
    text.push_str(&format!("\n{}", engine.snapshot("legacy again").await));
    golden::check("helper/toggle.txt", &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_default_route_flaps_cost_one_repin() {
    // A maximum delay longer than the storm: the whole storm is one burst.
    let engine = boot_with("flaps", &["single-nic"], |c| {
        c.max_delay = Duration::from_secs(30)
    })
    .await;
    for _ in 0..500 {
        engine
            .control
            .run_event("wifi-to-ethernet")
            .expect("to ethernet");
        engine
            .control
            .run_event("ethernet-to-wifi")
            .expect("back to wifi");
    }
    engine
        .control
        .run_event("wifi-to-ethernet")
        .expect("to ethernet");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let status = engine.status().await;
    assert_eq!(
        status
            .families
            .v4
            .egress
            .as_ref()
            .map(|e| e.interface.as_str()),
        Some("en7")
    );
    assert_eq!(
        status.repins_last_10_min, 1,
        "1,001 network switches in a burst are one re-pin"
    );
}

/// Our tagged routes in the kernel, as canonical lines.
fn ours_in_kernel(control: &SimControl) -> Vec<String> {
    control.with_kernel(|k| {
        let now = k.wall_now();
        let name_of = |index: u32| k.name_of(index);
        k.table()
            .iter()
            .filter(|r| r.flags.contains(RouteFlags::PROTO1))
            .map(|r| canonical_line(r, &name_of, now))
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_events_in_seeded_random_orders_converge() {
    let events = [
        "vpn-up",
        "wifi-to-ethernet",
        "remove-bridge100",
        "awdl-down",
    ];
    let mut finals = Vec::new();
    for seed in [1u64, 7, 42, 1234] {
        let mut order = events.to_vec();
        // A small seeded shuffle (Fisher–Yates over an LCG).
        let mut state = seed;
        for i in (1..order.len()).rev() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            order.swap(i, (state >> 33) as usize % (i + 1));
        }
        let engine = boot(&format!("order-{seed}"), &["single-nic"]).await;
        for event in &order {
            engine.control.run_event(event).expect("event");
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
        tokio::time::sleep(Duration::from_millis(450)).await;
        let status = engine.status().await;
        let egress = status.families.v4.egress.map(|e| e.interface);
        finals.push((ours_in_kernel(&engine.control), egress, order));
    }
    for (ours, egress, order) in &finals[1..] {
        assert_eq!(
            (ours, egress),
            (&finals[0].0, &finals[0].1),
            "order {order:?} ended elsewhere than {:?}",
            finals[0].2
        );
    }
    assert_eq!(finals[0].1.as_deref(), Some("en7"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_never_leak_or_double_install_a_tagged_route() {
    use routing_sim::{Fault, FaultRule};
    for seed in [3u64, 99] {
        let engine = boot(&format!("faults-{seed}"), &["single-nic", "vpn-up"]).await;
        engine.control.with_kernel(|k| {
            let faults = k.faults_mut();
            *faults = routing_sim::FaultPlan::new(seed);
            faults.add(FaultRule::new(Fault::WriteNoBuffers).per_million(150_000));
            faults.add(FaultRule::new(Fault::DropMessage).per_million(100_000));
            faults.add(FaultRule::new(Fault::GrowAfterProbe(3)).per_million(300_000));
        });
        let peers: Vec<IpPrefix> = (100..140)
            .map(|i| format!("203.0.113.{i}/32").parse().expect("prefix"))
            .collect();
        for (i, peer) in peers.iter().enumerate() {
            engine
                .handle
                .add_exclusion(*peer, if i % 2 == 0 { "a" } else { "b" })
                .await
                .expect("exclude");
        }
        for mode in [Mode::Legacy, Mode::Advanced, Mode::Legacy] {
            engine.handle.set_mode(mode, None).await.expect("switch");
        }
        // Converge: faults may have failed some steps; a refresh retries them.
        engine.control.with_kernel(|k| k.faults_mut().clear());
        engine
            .handle
            .refresh("test: converge")
            .await
            .expect("refresh");
        let ours = ours_in_kernel(&engine.control);
        let wanted: Vec<String> = peers.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            ours.len(),
            wanted.len(),
            "exactly the exclusions, once each (seed {seed}): {ours:#?}"
        );
        for peer in &wanted {
            assert_eq!(
                ours.iter()
                    .filter(|l| l.contains(&format!(" {peer} ")))
                    .count(),
                1,
                "{peer} once"
            );
        }
        engine.handle.shutdown().await.expect("shutdown");
        assert!(
            ours_in_kernel(&engine.control).is_empty(),
            "nothing of ours left after shutdown (seed {seed})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_finds_a_stolen_pin_stale_and_repairs_it() {
    let engine = boot("stale", &["single-nic"]).await;
    assert_eq!(engine.status().await.families.v4.pin, PinState::Pinned);
    engine.control.run_event("steal-pin").expect("steal");
    assert!(
        !ours_in_kernel(&engine.control)
            .iter()
            .any(|l| l.contains("-inet 0.0.0.0/0")),
        "gone from the kernel"
    );
    let status = engine.handle.verify().await.expect("verify");
    assert_eq!(
        status.families.v4.pin,
        PinState::Pinned,
        "repaired on the spot"
    );
    assert!(
        status
            .timeline
            .iter()
            .any(|e| e.outcome.starts_with("stale")),
        "{:?}",
        status.timeline
    );
    assert!(
        ours_in_kernel(&engine.control)
            .iter()
            .any(|l| l.contains("-inet 0.0.0.0/0")),
        "back in the kernel"
    );
}
