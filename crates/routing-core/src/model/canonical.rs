//! A canonical, sorted, one-line-per-route text form for golden tests and
//! diffs: what `route add` would need to recreate each entry, plus the
//! flags the kernel holds.
//!
//! ```text
//! route add -inet 0.0.0.0/0 -gateway 198.51.100.1 -ifp en0 -ifscope en0 -flags UGScIg
//! route add -inet6 fe80::%en0/64 -link link#4 -ifp en0 -ifscope en0 -flags UCI
//! ```
//!
//! Lines are sorted as text, so the form does not depend on the order a
//! table or a kernel lists its routes in.

use std::net::IpAddr;

use super::netstat::{gateway_text, inet6_with_zone};
use super::prefix::Family;
use super::route::{Gateway, Route};
use super::table::has_embedded_scope;

/// One route as a canonical line (no newline). `now` turns an expiry into
/// seconds left (`-expire 40`, or `-expire !` once past).
pub fn canonical_line(route: &Route, ifname: &dyn Fn(u32) -> Option<String>, now: i64) -> String {
    let name = |index: u32| ifname(index).unwrap_or_else(|| format!("#{index}"));
    let family = match route.family() {
        Family::V4 => "-inet",
        Family::V6 => "-inet6",
    };
    let destination = match route.destination.addr() {
        IpAddr::V6(a) if has_embedded_scope(&a) => format!(
            "{}/{}",
            inet6_with_zone(&a, route.scope(), ifname),
            route.destination.len()
        ),
        _ => route.destination.to_string(),
    };
    let gateway = match &route.gateway {
        Gateway::Ip { .. } => format!("-gateway {}", gateway_text(&route.gateway, ifname)),
        Gateway::Link { .. } => format!("-link {}", gateway_text(&route.gateway, ifname)),
        Gateway::None => "-interface".to_string(),
    };
    let interface = if route.interface.name.is_empty() {
        name(route.interface.index)
    } else {
        route.interface.name.clone()
    };
    let mut line = format!("route add {family} {destination} {gateway} -ifp {interface}");
    if let Some(scope) = route.scope() {
        line.push_str(&format!(" -ifscope {}", name(scope)));
    }
    line.push_str(&format!(" -flags {}", route.flags.netstat_letters()));
    if let Some(at) = route.expire {
        let left = at - now;
        if left > 0 {
            line.push_str(&format!(" -expire {left}"));
        } else {
            line.push_str(" -expire !");
        }
    }
    line
}

/// Every route as a canonical line, sorted, each ending in a newline.
pub fn canonical_text<'a>(
    routes: impl IntoIterator<Item = &'a Route>,
    ifname: &dyn Fn(u32) -> Option<String>,
    now: i64,
) -> String {
    let mut lines: Vec<String> = routes
        .into_iter()
        .map(|r| canonical_line(r, ifname, now))
        .collect();
    lines.sort();
    lines.into_iter().map(|l| l + "\n").collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InterfaceRef, Metrics, RouteFlags};

    fn names(index: u32) -> Option<String> {
        (index == 4).then(|| "en0".to_string())
    }

    fn route(dst: &str, gateway: Gateway, flags: &str, scope: Option<u32>) -> Route {
        Route {
            destination: dst.parse().expect("prefix"),
            gateway,
            interface: InterfaceRef {
                index: 4,
                name: "en0".into(),
            },
            scope,
            flags: RouteFlags::from_netstat_letters(flags).expect("flags"),
            parent_flags: RouteFlags::EMPTY,
            expire: None,
            metrics: Metrics::default(),
        }
    }

    #[test]
    fn lines_name_everything_needed_to_recreate_the_route() {
        let scoped = route(
            "0.0.0.0/0",
            Gateway::ip("198.51.100.1".parse().expect("ip")),
            "UGScIg",
            Some(4),
        );
        assert_eq!(
            canonical_line(&scoped, &names, 0),
            "route add -inet 0.0.0.0/0 -gateway 198.51.100.1 -ifp en0 -ifscope en0 -flags UGScIg"
        );
        let link_local = route(
            "fe80::/64",
            Gateway::Link {
                index: 4,
                name: None,
                lladdr: vec![],
            },
            "UCI",
            Some(4),
        );
        assert_eq!(
            canonical_line(&link_local, &names, 0),
            "route add -inet6 fe80::%en0/64 -link link#4 -ifp en0 -ifscope en0 -flags UCI"
        );
        let mut expiring = route("192.0.2.9/32", Gateway::None, "UHW3Ig", Some(7));
        expiring.expire = Some(50);
        assert_eq!(
            canonical_line(&expiring, &names, 10),
            "route add -inet 192.0.2.9/32 -interface -ifp en0 -ifscope #7 -flags UHW3Ig -expire 40"
        );
    }

    #[test]
    fn text_is_sorted_whatever_the_input_order() {
        let a = route(
            "0.0.0.0/0",
            Gateway::ip("198.51.100.1".parse().expect("ip")),
            "UGScg",
            None,
        );
        let b = route(
            "198.51.100.0/24",
            Gateway::Link {
                index: 4,
                name: None,
                lladdr: vec![],
            },
            "UCS",
            None,
        );
        assert_eq!(
            canonical_text([&a, &b], &names, 0),
            canonical_text([&b, &a], &names, 0)
        );
        assert_eq!(canonical_text([&a, &b], &names, 0).lines().count(), 2);
    }
}
