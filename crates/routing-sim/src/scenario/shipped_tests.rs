//! The shipped realistic Mac: it loads, every event runs from a state it
//! is meant for, and independent events converge whatever their order.

use routing_core::model::canonical_text;

use super::*;
use crate::prng::Prng;
use crate::SimKernel;

fn canonical(k: &SimKernel) -> String {
    canonical_text(k.table(), &|i| k.name_of(i), k.wall_now())
}

fn run(events: &[&str]) -> SimKernel {
    let s = Scenario::realistic_mac().unwrap();
    let mut k = s.boot().unwrap();
    for e in events {
        s.run_event(&mut k, e)
            .unwrap_or_else(|err| panic!("{events:?}: {err}"));
    }
    k
}

/// Each sequence starts from the booted Mac.
const SEQUENCES: &[&[&str]] = &[
    &["vpn-up", "vpn-down"],
    &["vpn-up", "egress-pin"],
    &["wifi-to-ethernet", "ethernet-to-wifi"],
    &["wifi-to-ethernet", "unplug-ethernet"],
    &["sleep", "wake"],
    &["ipv6-only"],
    &["no-default"],
    &["remove-bridge100"],
    &["awdl-down"],
    &["vpn-up", "sleep", "wake", "vpn-down"],
];

#[test]
fn the_shipped_scenario_loads_and_every_event_runs_somewhere() {
    let s = Scenario::realistic_mac().unwrap();
    for event in &s.events {
        let used_directly = SEQUENCES
            .iter()
            .any(|seq| seq.contains(&event.name.as_str()));
        let used_by_run = s
            .setup
            .iter()
            .chain(s.events.iter().flat_map(|e| &e.steps))
            .any(|step| matches!(&step.action, Action::Run(n) if *n == event.name));
        assert!(
            used_directly || used_by_run,
            "event {} is never run",
            event.name
        );
    }
    for seq in SEQUENCES {
        run(seq);
    }
}

#[test]
fn the_vpn_comes_and_goes_without_a_trace() {
    assert_eq!(
        canonical(&run(&["vpn-up", "vpn-down"])),
        canonical(&run(&[]))
    );
    let up = canonical(&run(&["vpn-up"]));
    assert!(
        up.contains("route add -inet 0.0.0.0/1 -link utun4 -ifp utun4 -flags UScg"),
        "{up}"
    );
}

#[test]
fn switching_to_ethernet_and_back_restores_the_wifi_table() {
    let back = run(&["wifi-to-ethernet", "ethernet-to-wifi"]);
    assert_eq!(canonical(&back), canonical(&run(&[])));
    let eth = run(&["wifi-to-ethernet"]);
    let en7 = eth.index_of("en7").unwrap();
    assert_eq!(eth.primary(routing_core::model::Family::V4), Some(en7));
    assert_eq!(
        eth.egress("203.0.113.9".parse().unwrap(), None)
            .unwrap()
            .interface
            .name,
        "en7"
    );
}

#[test]
fn sleep_and_wake_bring_the_wifi_routes_back_and_reap_expired_clones() {
    let fresh = canonical(&run(&[]));
    let woken = run(&["sleep", "wake"]);
    let after = canonical(&woken);
    let lost: Vec<&str> = fresh.lines().filter(|l| !after.contains(*l)).collect();
    // The protocol clone (expired during the night) and the other clone of
    // the default (deleted with if_down) are gone; ARP entries came back.
    assert_eq!(lost.len(), 2, "{lost:#?}");
    assert!(lost.iter().all(|l| l.contains("203.0.113.8")), "{lost:#?}");
    assert!(after.contains("-flags UGScg"), "the default is back");
}

#[test]
fn independent_events_converge_in_any_order() {
    let events = [
        "vpn-up",
        "wifi-to-ethernet",
        "remove-bridge100",
        "awdl-down",
    ];
    let reference = canonical(&run(&events));
    let mut prng = Prng::new(0x5eed);
    for _ in 0..12 {
        let mut order = events;
        prng.shuffle(&mut order);
        assert_eq!(canonical(&run(&order)), reference, "order {order:?}");
    }
}
