use super::*;

fn no_files(path: &str) -> Result<String, String> {
    Err(format!("{path}: no such file"))
}

fn cli(args: &str) -> Result<String, Failure> {
    let argv: Vec<String> = args.split_whitespace().map(String::from).collect();
    run(&argv, &no_files)
}

fn with_file(args: &str, text: &'static str) -> Result<String, Failure> {
    let argv: Vec<String> = args.split_whitespace().map(String::from).collect();
    run(&argv, &|_| Ok(text.to_string()))
}

#[test]
fn netstat_prints_the_shipped_mac_like_netstat_rn() {
    let out = cli("netstat").unwrap();
    assert!(out.starts_with("Routing tables\n\nInternet:\n"));
    assert!(out.contains("\nInternet6:\n"));
    assert!(out.contains("default            192.0.2.1          UGScIg"));
    let v4 = cli("netstat -f inet").unwrap();
    assert!(!v4.contains("Internet6"));
    assert!(cli("netstat -a").unwrap().contains("UGHW3Ig"));
    let vpn = cli("netstat --event vpn-up").unwrap();
    assert!(vpn.contains("0/1                utun4              UScg"));
    assert_eq!(
        cli("routes --event vpn-up,wifi-to-ethernet").unwrap(),
        cli("routes --event vpn-up --event wifi-to-ethernet").unwrap()
    );
}

#[test]
fn routes_and_events_list_text() {
    assert!(cli("routes")
        .unwrap()
        .lines()
        .all(|l| l.starts_with("route add ")));
    let events = cli("events").unwrap();
    assert!(events.lines().any(|l| l.starts_with("vpn-up ")));
    assert!(events.lines().any(|l| l.starts_with("wifi-to-ethernet ")));
}

#[test]
fn dump_prints_one_record_per_line() {
    let out = cli("dump --op dump2 -f inet").unwrap();
    let k = Scenario::realistic_mac().unwrap().boot().unwrap();
    let v4 = k.table().family(Family::V4).count();
    assert_eq!(out.lines().count(), v4);
    assert!(
        out.lines().all(|l| l.split(' ').nth(3) == Some("14")),
        "RTM_GET2"
    );
    assert!(cli("dump --op iflist2")
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .contains(" 12 "));
}

#[test]
fn get_prints_like_route_get() {
    let out = cli("get 203.0.113.9").unwrap();
    assert_eq!(
        out.lines().take(6).collect::<Vec<_>>(),
        [
            "   route to: 203.0.113.9",
            "destination: default",
            "       mask: default",
            "    gateway: 192.0.2.1",
            "  interface: en0",
            "      flags: <UP,GATEWAY,DONE,STATIC,PRCLONING,IFSCOPE,GLOBAL>",
        ]
    );
    let scoped = cli("get 2001:db8:abcd::1 --ifscope utun1").unwrap();
    assert!(scoped.contains("    gateway: fe80::%utun1"), "{scoped}");
    let err = cli("get 203.0.113.9 --event no-default").unwrap_err();
    assert_eq!(err.code, 1);
    assert_eq!(
        err.message,
        "route: writing to routing socket: not in table"
    );
}

#[test]
fn egress_says_where_a_packet_leaves() {
    let out = cli("egress 203.0.113.9 --event vpn-up").unwrap();
    assert!(
        out.starts_with("203.0.113.9 leaves through utun4 on-link (source 203.0.113.2)"),
        "{out}"
    );
    let bound = cli("egress 203.0.113.9 --event vpn-up --bound-if en0").unwrap();
    assert!(
        bound.starts_with("203.0.113.9 leaves through en0 via 192.0.2.1 (source 192.0.2.23)"),
        "{bound}"
    );
    let err = cli("egress 203.0.113.9 --bound-if 99").unwrap_err();
    assert_eq!((err.code, err.message.contains("ENXIO")), (1, true));
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1() {
    for bad in [
        "",
        "frobnicate",
        "netstat -f ipx",
        "netstat --bogus",
        "get",
        "get not-an-address",
        "dump --op stats",
        "netstat --event no-such-event",
        "netstat --scenario",
    ] {
        assert_eq!(cli(bad).unwrap_err().code, 2, "{bad:?}");
    }
    let missing = cli("netstat --scenario nowhere.scn").unwrap_err();
    assert_eq!(missing.code, 1);
    assert!(missing.message.contains("cannot read nowhere.scn"));
    let broken = with_file("netstat --scenario my.scn", "interface en0 index x").unwrap_err();
    assert_eq!(broken.code, 1);
    assert_eq!(
        broken.message,
        "my.scn:1:21: expected an index from 1 to 65535"
    );
    assert!(cli("--help").unwrap().starts_with("usage: egress-sim"));
}

#[test]
fn a_scenario_file_replaces_the_shipped_mac() {
    let out = with_file(
        "routes --scenario tiny.scn",
        "interface lo0 index 1 loopback up\n  inet 127.0.0.1/8\n",
    )
    .unwrap();
    assert_eq!(
        out,
        "route add -inet 127.0.0.1/32 -gateway 127.0.0.1 -ifp lo0 -flags UH\n"
    );
}
