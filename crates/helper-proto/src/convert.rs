//! From the routing model to the rows clients show (pure).

use routing_core::model::netstat::{destination_text, expire_text, gateway_text};
use routing_core::model::{canonical_line, Route, RouteFlags};

use crate::types::{RouteFilter, RouteRow};

/// A route as a row: the same column texts `netstat -rn` prints.
///
/// `ifname` names interface indexes; `now` (seconds since the epoch) is for
/// the Expire column; `ours` says whether the route carries our tag.
pub fn route_row(
    route: &Route,
    ifname: &dyn Fn(u32) -> Option<String>,
    now: i64,
    ours: bool,
) -> RouteRow {
    let netif = if route.interface.name.is_empty() {
        ifname(route.interface.index).unwrap_or_default()
    } else {
        route.interface.name.clone()
    };
    RouteRow {
        family: route.family(),
        destination: destination_text(route, ifname),
        gateway: gateway_text(&route.gateway, ifname),
        flags: route.flags.netstat_letters(),
        netif,
        expire: expire_text(route, now),
        scope: route
            .scope()
            .map(|i| ifname(i).unwrap_or_else(|| format!("#{i}"))),
        ours,
        cloned: route.flags.contains(RouteFlags::WASCLONED),
        default: route.is_default(),
        canonical: canonical_line(route, ifname, now),
    }
}

/// Whether a row passes a filter (paging aside).
pub fn row_matches(row: &RouteRow, filter: &RouteFilter) -> bool {
    filter.family.is_none_or(|f| f == row.family)
        && (!filter.scoped || row.scope.is_some())
        && (!filter.ours || row.ours)
        && filter
            .interface
            .as_deref()
            .is_none_or(|name| row.netif == name || row.scope.as_deref() == Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use routing_core::model::{Family, Gateway, InterfaceRef, IpPrefix, Metrics};

    fn name(index: u32) -> Option<String> {
        match index {
            4 => Some("en0".into()),
            20 => Some("utun3".into()),
            _ => None,
        }
    }

    fn scoped_default() -> Route {
        let mut route = Route {
            destination: "0.0.0.0/0".parse::<IpPrefix>().unwrap(),
            gateway: Gateway::ip("198.51.100.1".parse().unwrap()),
            interface: InterfaceRef {
                index: 4,
                name: "en0".into(),
            },
            scope: None,
            flags: RouteFlags::UP
                | RouteFlags::GATEWAY
                | RouteFlags::STATIC
                | RouteFlags::IFSCOPE
                | RouteFlags::PROTO1,
            parent_flags: RouteFlags::from_bits(0),
            expire: None,
            metrics: Metrics::default(),
        };
        route.set_scope(Some(4));
        route
    }

    #[test]
    fn a_scoped_default_reads_as_netstat_prints_it() {
        let row = route_row(&scoped_default(), &name, 0, true);
        assert_eq!(row.destination, "default");
        assert_eq!(row.gateway, "198.51.100.1");
        assert_eq!(row.flags, "UGS1I");
        assert_eq!(row.netif, "en0");
        assert_eq!(row.scope.as_deref(), Some("en0"));
        assert!(row.default && row.ours && !row.cloned);
        assert_eq!(
            row.canonical,
            "route add -inet 0.0.0.0/0 -gateway 198.51.100.1 -ifp en0 -ifscope en0 -flags UGS1I"
        );
        let mut filter = RouteFilter {
            family: Some(Family::V4),
            scoped: true,
            ours: true,
            interface: Some("en0".into()),
            ..RouteFilter::default()
        };
        assert!(row_matches(&row, &filter));
        filter.interface = Some("utun3".into());
        assert!(!row_matches(&row, &filter));
        filter.interface = None;
        filter.family = Some(Family::V6);
        assert!(!row_matches(&row, &filter));
    }
}
