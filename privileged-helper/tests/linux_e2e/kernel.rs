//! What of ours the kernel holds, and the table as `ip` lists it.

use std::net::IpAddr;

use routing_core::model::{Family, IpPrefix};
use serde_json::Value;

use crate::harness::{ip, Ns};

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Our routes (protocol 69) in every table, as `TABLE DST via GW dev DEV`.
pub fn our_routes(host: &Ns) -> Vec<String> {
    let mut out = Vec::new();
    for family in ["-4", "-6"] {
        for r in host.ip_json(&format!("{family} route show table all proto 69")) {
            out.push(format!(
                "{} {} via {} dev {}",
                text(&r, "table").unwrap_or_else(|| "main".into()),
                text(&r, "dst").unwrap_or_default(),
                text(&r, "gateway").unwrap_or_else(|| "-".into()),
                text(&r, "dev").unwrap_or_default()
            ));
        }
    }
    out.sort();
    out
}

/// Our rules (protocol 69), as `FAMILY PRIORITY oif IF lookup TABLE[ suppress_prefixlength N]`.
pub fn our_rules(host: &Ns) -> Vec<String> {
    let mut out = Vec::new();
    for family in ["-4", "-6"] {
        for r in host.ip_json(&format!("{family} rule show")) {
            if text(&r, "protocol").as_deref() != Some("69") {
                continue;
            }
            let suppress = r
                .get("suppress_prefixlen")
                .map(|len| format!(" suppress_prefixlength {len}"))
                .unwrap_or_default();
            out.push(format!(
                "{family} {} oif {} lookup {}{suppress}",
                r["priority"],
                text(&r, "oif").unwrap_or_default(),
                text(&r, "table").unwrap_or_default()
            ));
        }
    }
    out.sort();
    out
}

/// What advanced mode keeps on `link` (via gateways `v4`, `v6`): a
/// default per family in table 17767 and two rules per family.
pub fn advanced_state(link: &str, v4: &str, v6: &str) -> (Vec<String>, Vec<String>) {
    let mut routes = vec![
        format!("17767 default via {v4} dev {link}"),
        format!("17767 default via {v6} dev {link}"),
    ];
    routes.sort();
    let mut rules = Vec::new();
    for family in ["-4", "-6"] {
        rules.push(format!(
            "{family} 99 oif {link} lookup main suppress_prefixlength 0"
        ));
        rules.push(format!("{family} 100 oif {link} lookup 17767"));
    }
    rules.sort();
    (routes, rules)
}

/// The routes `ip -j route show table all` lists that the model holds
/// (the local table and local/broadcast/multicast/throw routes are not),
/// as (destination, gateway, device), sorted.
pub fn ip_route_dump(host: &Ns) -> Vec<(IpPrefix, Option<IpAddr>, String)> {
    let mut out = Vec::new();
    for family in [Family::V4, Family::V6] {
        let flag = if family == Family::V4 { "-4" } else { "-6" };
        for r in host.ip_json(&format!("{flag} route show table all")) {
            let table = text(&r, "table").unwrap_or_else(|| "main".into());
            let kind = text(&r, "type").unwrap_or_else(|| "unicast".into());
            let listed =
                ["unicast", "blackhole", "unreachable", "prohibit"].contains(&kind.as_str());
            if table == "local" || !listed {
                continue;
            }
            let dst = text(&r, "dst").expect("dst");
            let destination = if dst == "default" {
                IpPrefix::default_for(family)
            } else {
                dst.parse().expect("a prefix")
            };
            let gateway = text(&r, "gateway").map(|g| ip(&g));
            out.push((destination, gateway, text(&r, "dev").unwrap_or_default()));
        }
    }
    out.sort();
    out
}

/// A route row's canonical line (`route add -inet DST -gateway GW -ifp IF
/// …`) as (destination, gateway, device); zones dropped, as `ip` prints none.
pub fn canonical_fields(line: &str) -> (IpPrefix, Option<IpAddr>, String) {
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |flag: &str| {
        words
            .iter()
            .position(|w| *w == flag)
            .and_then(|i| words.get(i + 1))
            .copied()
    };
    let unzoned = |s: &str| match s.split_once('%') {
        Some((addr, rest)) => match rest.split_once('/') {
            Some((_, len)) => format!("{addr}/{len}"),
            None => addr.to_string(),
        },
        None => s.to_string(),
    };
    let destination = unzoned(words.get(3).expect("a destination"))
        .parse()
        .unwrap_or_else(|e| panic!("{line}: {e:?}"));
    let gateway = after("-gateway").map(|g| ip(&unzoned(g)));
    let device = after("-ifp").unwrap_or_default().to_string();
    (destination, gateway, device)
}
