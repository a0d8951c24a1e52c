//! Golden tests of the simulated Mac: the shipped scenario, after each
//! event of a sequence, as canonical `route add` lines and as `netstat
//! -rn` prints it. The files live in `tests/golden/sim/`; `UPDATE_GOLDEN=1`
//! rewrites them.

use integration_tests::golden;
use routing_core::model::{canonical_text, render_netstat, NetstatOptions};
use routing_sim::scenario::Scenario;
use routing_sim::SimKernel;

fn canonical(k: &SimKernel) -> String {
    canonical_text(k.table(), &|i| k.name_of(i), k.wall_now())
}

fn netstat(k: &SimKernel, all: bool) -> String {
    let opts = NetstatOptions { all, family: None };
    render_netstat(k.table(), &|i| k.name_of(i), k.wall_now(), &opts)
}

fn section(out: &mut String, title: &str, k: &SimKernel) {
    out.push_str(&format!("==== {title} ====\n\n-- canonical --\n"));
    out.push_str(&canonical(k));
    out.push_str("\n-- netstat -rn --\n");
    out.push_str(&netstat(k, false));
    out.push('\n');
}

/// Boots the shipped Mac, runs `events` in order, and renders the state
/// after the boot and after each event.
fn golden_run(events: &[&str]) -> String {
    let scenario = Scenario::realistic_mac().expect("the shipped scenario parses");
    let mut k = scenario.boot().expect("the shipped scenario boots");
    let mut out = format!(
        "# {} — events: {}\n\n",
        scenario.title,
        if events.is_empty() {
            "(none)".to_string()
        } else {
            events.join(", ")
        }
    );
    section(&mut out, "boot", &k);
    for event in events {
        scenario
            .run_event(&mut k, event)
            .unwrap_or_else(|e| panic!("{e}"));
        section(&mut out, &format!("after {event}"), &k);
    }
    out
}

#[test]
fn realistic_mac_boot() {
    golden::check("sim/realistic-mac.txt", &golden_run(&[]));
}

#[test]
fn realistic_mac_netstat_all() {
    let k = Scenario::realistic_mac().unwrap().boot().unwrap();
    golden::check("sim/realistic-mac-netstat-a.txt", &netstat(&k, true));
}

#[test]
fn vpn_up_and_down() {
    golden::check("sim/vpn-up-down.txt", &golden_run(&["vpn-up", "vpn-down"]));
}

#[test]
fn wifi_to_ethernet_and_back() {
    golden::check(
        "sim/wifi-ethernet.txt",
        &golden_run(&["wifi-to-ethernet", "ethernet-to-wifi"]),
    );
}

#[test]
fn unplugging_ethernet() {
    golden::check(
        "sim/unplug-ethernet.txt",
        &golden_run(&["wifi-to-ethernet", "unplug-ethernet"]),
    );
}

#[test]
fn sleep_and_wake() {
    golden::check("sim/sleep-wake.txt", &golden_run(&["sleep", "wake"]));
}

#[test]
fn ipv6_only_network() {
    golden::check("sim/ipv6-only.txt", &golden_run(&["ipv6-only"]));
}

#[test]
fn no_default_route() {
    golden::check("sim/no-default.txt", &golden_run(&["no-default"]));
}

#[test]
fn removing_an_interface() {
    golden::check(
        "sim/remove-bridge100.txt",
        &golden_run(&["remove-bridge100"]),
    );
}

/// The row of `netstat -rn` whose first columns are these, if any.
fn row<'a>(table: &'a str, destination: &str, gateway: &str) -> Option<&'a str> {
    table.lines().find(|l| {
        let mut cols = l.split_whitespace();
        cols.next() == Some(destination) && cols.next() == Some(gateway)
    })
}

fn flags_and_netif(row: &str) -> (String, String) {
    let cols: Vec<&str> = row.split_whitespace().collect();
    (cols[2].to_string(), cols[3].to_string())
}

/// The shape of the real tables quoted in darwin-route-socket.md §8.
#[test]
fn the_realistic_mac_looks_like_a_real_macs_netstat() {
    let scenario = Scenario::realistic_mac().unwrap();
    let mut k = scenario.boot().unwrap();
    let text = netstat(&k, false);
    let (v4, v6) = text.split_once("Internet6:").expect("two sections");
    // Header and column layout (§6): 18-wide IPv4 columns, 39-wide IPv6.
    assert!(v4.contains("\nInternet:\nDestination        Gateway            Flags"));
    assert!(v6.starts_with(
        "\nDestination                             Gateway                                 Flags"
    ));
    // Sample A: the unscoped default first, then the scoped one.
    let defaults: Vec<(String, String)> = v4
        .lines()
        .filter(|l| l.starts_with("default "))
        .map(flags_and_netif)
        .collect();
    assert_eq!(
        defaults,
        [
            ("UGScg".to_string(), "en0".to_string()),
            ("UGScIg".to_string(), "en0".to_string())
        ]
    );
    let first_v4_row = v4.lines().nth(4).unwrap();
    assert!(first_v4_row.starts_with("default            192.0.2.1          UGScg"));
    // Classful names, link#N gateways, ARP entries and the expired `!`.
    let r = row(v4, "127", "127.0.0.1").expect("127 row");
    assert_eq!(flags_and_netif(r), ("UCS".into(), "lo0".into()));
    let r = row(v4, "169.254", "link#11").expect("169.254 row");
    assert!(r.ends_with('!'), "{r}");
    assert_eq!(
        flags_and_netif(row(v4, "192.0.2.1", "0:0:5e:0:53:1").unwrap()).0,
        "UHLWIir"
    );
    assert_eq!(
        flags_and_netif(row(v4, "224.0.0/4", "link#11").unwrap()).0,
        "UmCS"
    );
    assert_eq!(
        flags_and_netif(row(v4, "255.255.255.255/32", "link#11").unwrap()).0,
        "UCS"
    );
    // Sample C: scoped IPv6 defaults via fe80::%utunN, link-local rows.
    let v6_defaults: Vec<(String, String)> = v6
        .lines()
        .filter(|l| l.starts_with("default "))
        .map(flags_and_netif)
        .collect();
    assert_eq!(v6_defaults[0], ("UGcg".into(), "en0".into()));
    assert_eq!(v6_defaults[1], ("UGcIg".into(), "en0".into()));
    assert!(v6_defaults[2..]
        .iter()
        .all(|(f, n)| f == "UGcIg" && n.starts_with("utun")));
    assert!(row(v6, "default", "fe80::%utun0").is_some());
    assert_eq!(
        flags_and_netif(row(v6, "fe80::%en0/64", "link#11").unwrap()).0,
        "UCI"
    );
    assert_eq!(
        flags_and_netif(row(v6, "fe80::%lo0/64", "fe80::1%lo0").unwrap()).0,
        "UcI"
    );
    assert_eq!(
        flags_and_netif(row(v6, "fe80::1%lo0", "link#1").unwrap()).0,
        "UHLI"
    );
    assert_eq!(
        flags_and_netif(row(v6, "::1", "::1").unwrap()),
        ("UHL".into(), "lo0".into())
    );
    assert_eq!(
        flags_and_netif(row(v6, "ff02::%en0/32", "link#11").unwrap()).0,
        "UmCI"
    );
    // Every default row comes before the other rows of its section.
    for section in [v4, v6] {
        let rows: Vec<&str> = section
            .lines()
            .skip_while(|l| !l.starts_with("Destination"))
            .skip(1)
            .filter(|l| !l.is_empty() && !l.starts_with("Internet"))
            .collect();
        let last_default = rows
            .iter()
            .rposition(|l| l.starts_with("default "))
            .unwrap();
        assert!(rows[..=last_default]
            .iter()
            .all(|l| l.starts_with("default ")));
    }
    // Sample B: a VPN's 0/1 with a named link gateway.
    scenario.run_event(&mut k, "vpn-up").unwrap();
    let text = netstat(&k, false);
    assert_eq!(
        flags_and_netif(row(&text, "0/1", "utun4").unwrap()),
        ("UScg".into(), "utun4".into())
    );
    assert_eq!(
        flags_and_netif(row(&text, "128.0/1", "utun4").unwrap()).0,
        "USc"
    );
    assert_eq!(
        flags_and_netif(row(&text, "203.0.113.2", "203.0.113.2").unwrap()).0,
        "UH"
    );
    // -a shows the clones of the (RTF_PRCLONING) default: sample A's UHW3Ig.
    let all = netstat(&k, true);
    assert!(!text.contains("UGHW3Ig"));
    assert!(all.contains("UGHW3Ig"));
}
