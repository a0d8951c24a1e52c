use super::*;
use crate::model::interface::InterfaceRef;
use crate::model::{IpPrefix, Metrics, RouteTable};

fn names(index: u32) -> Option<String> {
    Some(
        match index {
            1 => "lo0",
            4 => "en0",
            15 => "en0",
            18 => "utun3",
            20 => "utun0",
            21 => "utun1",
            22 => "utun2",
            23 => "utun3",
            25 => "utun0",
            30 => "utun5",
            _ => return None,
        }
        .to_string(),
    )
}

fn prefix(dst: &str) -> IpPrefix {
    match dst {
        "default" => IpPrefix::default_for(Family::V4),
        "default6" => IpPrefix::default_for(Family::V6),
        d => d.parse().expect("prefix"),
    }
}

fn gateway(gw: &str) -> Gateway {
    if let Some(idx) = gw.strip_prefix("link#") {
        return Gateway::Link {
            index: idx.parse().expect("idx"),
            name: None,
            lladdr: vec![],
        };
    }
    if let Some(name) = gw.strip_prefix("sdl:") {
        return Gateway::Link {
            index: 0,
            name: Some(name.into()),
            lladdr: vec![],
        };
    }
    if gw.contains(':') && gw.split(':').count() == 6 && !gw.contains("::") {
        let lladdr = gw
            .split(':')
            .map(|b| u8::from_str_radix(b, 16).expect("hex"))
            .collect();
        return Gateway::Link {
            index: 0,
            name: None,
            lladdr,
        };
    }
    let (addr, zone) = match gw.split_once('%') {
        Some((a, z)) => (a, Some(z.parse().expect("zone index"))),
        None => (gw, None),
    };
    Gateway::Ip {
        addr: addr.parse().expect("gateway address"),
        zone,
    }
}

/// A route: destination, gateway, flags, interface index, scope.
fn r(dst: &str, gw: &str, flags: &str, ifindex: u32, scope: Option<u32>) -> Route {
    Route {
        destination: prefix(dst),
        gateway: gateway(gw),
        interface: InterfaceRef {
            index: ifindex,
            name: names(ifindex).unwrap_or_default(),
        },
        scope,
        flags: RouteFlags::from_netstat_letters(flags).expect("flags"),
        parent_flags: RouteFlags::EMPTY,
        expire: None,
        metrics: Metrics::default(),
    }
}

fn render(routes: &[Route]) -> String {
    let table: RouteTable = routes.iter().cloned().collect();
    render_netstat(&table, &names, 1_000, &NetstatOptions::default())
}

fn trimmed(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn ipv6_table_matches_a_real_mac_character_for_character() {
    // darwin-route-socket.md §8 C (gravitational/teleport#66851), in dump order.
    let routes = [
        r("default6", "fe80::%20", "UGcIg", 20, Some(20)),
        r("default6", "fe80::%21", "UGcIg", 21, Some(21)),
        r("default6", "fe80::%22", "UGcIg", 22, Some(22)),
        r("default6", "fe80::%23", "UGcIg", 23, Some(23)),
        r("::1/128", "::1", "UHL", 1, None),
        r(
            "fd6f:74a0:9a49::/64",
            "fe80::2e0:4cff:fe3c:b817%30",
            "Uc",
            30,
            None,
        ),
        r("fd6f:74a0:9a49::1/128", "link#30", "UHL", 1, None),
        r("fe80::/64", "fe80::1%1", "UcI", 1, Some(1)),
        r("fe80::1/128", "link#1", "UHLI", 1, Some(1)),
        r("fe80::/64", "link#15", "UCI", 15, Some(15)),
        r(
            "fe80::71:49e5:33fe:ffca/128",
            "c6:1f:33:8f:52:f2",
            "UHLI",
            1,
            Some(15),
        ),
    ];
    let expected = "Routing tables

Internet6:
Destination                             Gateway                                 Flags               Netif Expire
default                                 fe80::%utun0                            UGcIg               utun0
default                                 fe80::%utun1                            UGcIg               utun1
default                                 fe80::%utun2                            UGcIg               utun2
default                                 fe80::%utun3                            UGcIg               utun3
::1                                     ::1                                     UHL                   lo0
fd6f:74a0:9a49::/64                     fe80::2e0:4cff:fe3c:b817%utun5          Uc                  utun5
fd6f:74a0:9a49::1                       link#30                                 UHL                   lo0
fe80::%lo0/64                           fe80::1%lo0                             UcI                   lo0
fe80::1%lo0                             link#1                                  UHLI                  lo0
fe80::%en0/64                           link#15                                 UCI                   en0
fe80::71:49e5:33fe:ffca%en0             c6:1f:33:8f:52:f2                       UHLI                  lo0";
    assert_eq!(trimmed(&render(&routes)), expected);
}

#[test]
fn rows_keep_netstats_trailing_expire_column() {
    let row = render_row(&r("127.0.0.1/32", "127.0.0.1", "UH", 1, None), &names, 0);
    assert_eq!(
        row,
        format!(
            "{:<18} {:<18} {:<10} {:>14} {:>6}",
            "127.0.0.1", "127.0.0.1", "UH", "lo0", ""
        )
    );
}

#[test]
fn ipv4_destinations_use_classful_short_forms() {
    let cases = [
        ("default", "UGScg", "default"),
        ("0.0.0.0/1", "UGSc", "0/1"),
        ("128.0.0.0/1", "UGSc", "128.0/1"),
        ("127.0.0.0/8", "UCS", "127"),
        ("169.254.0.0/16", "UCS", "169.254"),
        ("172.16.0.0/12", "UCS", "172.16/12"),
        ("172.16.111.0/24", "UCS", "172.16.111/24"),
        ("192.0.2.0/24", "UCS", "192.0.2"),
        ("224.0.0.0/4", "UmCS", "224.0.0/4"),
        ("255.255.255.255/32", "UCS", "255.255.255.255/32"),
        ("0.0.2.0/23", "Uc", "0.0.2/23"),
        ("0.1.0.0/16", "Uc", "0.1/16"),
        ("1.0.0.0/8", "Uc", "1"),
        ("2.0.0.0/7", "Uc", "2/7"),
        ("10.0.0.0/8", "UGSc", "10"),
        ("203.0.113.7/32", "UGHS", "203.0.113.7"),
        ("198.51.100.64/26", "UGSc", "198.51.100.64/26"),
    ];
    for (dst, flags, text) in cases {
        assert_eq!(
            destination_text(&r(dst, "link#4", flags, 4, None), &names),
            text,
            "{dst}"
        );
    }
}

#[test]
fn noncontiguous_masks_print_like_netstats_truncated_hex() {
    assert_eq!(mask_suffix(0x0a00_0000, 0xff00_ff00), "&0xff00");
}

#[test]
fn gateways_print_like_netstat() {
    let cases = [
        ("link#18", "link#18"),
        ("sdl:utun4319", "utun4319"),
        ("bc:67:1c:40:03:f6", "bc:67:1c:40:3:f6"),
        ("198.51.100.1", "198.51.100.1"),
        ("fe80::1%4", "fe80::1%en0"),
        ("fe80::1%99", "fe80::1%99"),
        ("2001:db8::1", "2001:db8::1"),
    ];
    for (gw, text) in cases {
        assert_eq!(gateway_text(&gateway(gw), &names), text, "{gw}");
    }
}

#[test]
fn split_vpn_and_scoped_defaults_look_like_a_real_mac() {
    // Shapes from darwin-route-socket.md §8 A and B.
    let routes = [
        r("0.0.0.0/1", "sdl:utun0", "UScg", 25, None),
        r("default", "link#18", "UCSg", 18, None),
        r("default", "172.20.10.1", "UGScIg", 4, Some(4)),
        r("127.0.0.0/8", "127.0.0.1", "UCS", 1, None),
        r("127.0.0.1/32", "127.0.0.1", "UH", 1, None),
        r("169.254.0.0/16", "link#4", "UCS", 4, None),
    ];
    let text = render(&routes);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(4)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec!["0/1", "utun0", "UScg", "utun0"],
            vec!["default", "link#18", "UCSg", "utun3"],
            vec!["default", "172.20.10.1", "UGScIg", "en0"],
            vec!["127", "127.0.0.1", "UCS", "lo0"],
            vec!["127.0.0.1", "127.0.0.1", "UH", "lo0"],
            vec!["169.254", "link#4", "UCS", "en0"],
        ]
    );
    assert!(text.starts_with("Routing tables\n\nInternet:\nDestination        Gateway            Flags               Netif Expire\n"));
}

#[test]
fn expire_column_counts_down_and_marks_expired_routes() {
    let mut clone = r("8.8.8.8/32", "link#18", "UHW3Ig", 18, Some(18));
    clone.expire = Some(1_011);
    assert!(render_row(&clone, &names, 1_000).ends_with("utun3     11"));
    clone.expire = Some(1_000);
    assert!(render_row(&clone, &names, 1_000).ends_with("utun3      !"));
}

#[test]
fn prcloning_clones_are_hidden_unless_all() {
    let mut clone = r("192.0.2.9/32", "link#4", "UHWIi", 4, Some(4));
    clone.parent_flags = RouteFlags::PRCLONING;
    let table: RouteTable = [clone].into_iter().collect();
    let hidden = render_netstat(&table, &names, 0, &NetstatOptions::default());
    let shown = render_netstat(
        &table,
        &names,
        0,
        &NetstatOptions {
            all: true,
            family: None,
        },
    );
    assert_eq!(hidden, "Routing tables\n");
    assert!(shown.contains("192.0.2.9"));
}

#[test]
fn family_filter_prints_one_section() {
    let routes = [
        r("default", "198.51.100.1", "UGScg", 4, None),
        r("default6", "fe80::1%4", "UGcg", 4, None),
    ];
    let table: RouteTable = routes.into_iter().collect();
    let v6 = render_netstat(
        &table,
        &names,
        0,
        &NetstatOptions {
            all: false,
            family: Some(Family::V6),
        },
    );
    assert!(!v6.contains("Internet:\n") && v6.contains("Internet6:\n"));
}

#[test]
fn inet6_ntop_matches_bsd() {
    let cases = [
        ("::", "::"),
        ("::1", "::1"),
        ("fe80::", "fe80::"),
        ("2001:db8::1", "2001:db8::1"),
        ("2001:db8:0:1::", "2001:db8:0:1::"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("::192.0.2.1", "::192.0.2.1"),
        ("ff02::fb", "ff02::fb"),
        ("8000::", "8000::"),
    ];
    for (addr, text) in cases {
        assert_eq!(inet6_ntop(&addr.parse().expect("v6")), text, "{addr}");
    }
}
