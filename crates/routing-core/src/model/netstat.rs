//! `netstat -rn`, character for character.
//!
//! The rules come from network_cmds `netstat.tproj/route.c` (741.100.2):
//! the section titles, the `%-*s` column widths (18 for IPv4, 39 for IPv6
//! under `-n`), the flag letters (`%-10.10s`), the right-aligned 14-wide
//! Netif column, the Expire column, the classful short forms of IPv4
//! destinations (`127`, `169.254`, `0/1`, `128.0/1`, `224.0.0/4`), `link#N`
//! gateways, MACs without zero padding, and `fe80::%en0/64` zones.
//! Cloned routes whose parent was `RTF_PRCLONING` are hidden unless
//! [`NetstatOptions::all`] (`-a`) is set.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::flags::RouteFlags;
use super::prefix::Family;
use super::route::{Gateway, Route};
use super::table::has_embedded_scope;

/// What to print, like netstat's flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetstatOptions {
    /// `-a`: also print clones of `RTF_PRCLONING` routes.
    pub all: bool,
    /// `-f inet` / `-f inet6`: one family only.
    pub family: Option<Family>,
}

/// Renders routes (in dump order) as `netstat -rn` prints them.
///
/// `ifname` names an interface index (for the Netif column of routes whose
/// interface has no name, and for IPv6 zones); `now` is the wall-clock time
/// in seconds, for the Expire column.
pub fn render_netstat<'a>(
    routes: impl IntoIterator<Item = &'a Route>,
    ifname: &dyn Fn(u32) -> Option<String>,
    now: i64,
    opts: &NetstatOptions,
) -> String {
    let mut out = String::from("Routing tables\n");
    let mut section = None;
    for route in routes {
        if !opts.all && is_hidden_clone(route) {
            continue;
        }
        let family = route.family();
        if opts.family.is_some_and(|f| f != family) {
            continue;
        }
        if section != Some(family) {
            section = Some(family);
            let w = column_width(family);
            let _ = write!(out, "\n{}:\n", family.netstat_title());
            let _ = writeln!(
                out,
                "{:<w$.w$} {:<w$.w$} {:<10.10} {:>14.14} {:>6}",
                "Destination", "Gateway", "Flags", "Netif", "Expire"
            );
        }
        out.push_str(&render_row(route, ifname, now));
        out.push('\n');
    }
    out
}

/// One row, without the newline.
pub fn render_row(route: &Route, ifname: &dyn Fn(u32) -> Option<String>, now: i64) -> String {
    let w = column_width(route.family());
    let netif = if route.interface.name.is_empty() {
        ifname(route.interface.index).unwrap_or_default()
    } else {
        route.interface.name.clone()
    };
    format!(
        "{:<w$} {:<w$} {:<10.10} {:>14.14} {:>6}",
        destination_text(route, ifname),
        gateway_text(&route.gateway, ifname),
        route.flags.netstat_letters(),
        netif,
        expire_text(route, now)
    )
}

/// The Expire column: seconds left, `!` once past, empty if the route
/// does not expire.
pub fn expire_text(route: &Route, now: i64) -> String {
    match route.expire {
        None => String::new(),
        Some(at) if at - now > 0 => (at - now).to_string(),
        Some(_) => "!".to_string(),
    }
}

/// Whether netstat hides this route without `-a` (a clone of a cloning route).
pub fn is_hidden_clone(route: &Route) -> bool {
    route.flags.contains(RouteFlags::WASCLONED)
        && route.parent_flags.contains(RouteFlags::PRCLONING)
}

/// Destination and Gateway column width under `-n`.
fn column_width(family: Family) -> usize {
    match family {
        Family::V4 => 18,
        Family::V6 => 39,
    }
}

/// The Destination column.
pub fn destination_text(route: &Route, ifname: &dyn Fn(u32) -> Option<String>) -> String {
    match route.destination.addr() {
        IpAddr::V4(addr) => {
            // A host route carries no netmask, which netstat reads as zero.
            let mask = if route.is_host() {
                0
            } else {
                mask_bits(route.destination.len())
            };
            if addr.is_unspecified() && mask == 0 {
                "default".to_string()
            } else if route.is_host() {
                addr.to_string()
            } else {
                classful_netname(addr, mask)
            }
        }
        IpAddr::V6(addr) => {
            // The zone is the one embedded in the key: the route's scope.
            let zone = route.scope().filter(|_| has_embedded_scope(&addr));
            let text = inet6_with_zone(&addr, zone, ifname);
            if route.is_host() {
                text
            } else if route.destination.len() == 0 && addr.is_unspecified() {
                "default".to_string()
            } else {
                format!("{text}/{}", route.destination.len())
            }
        }
    }
}

/// The Gateway column.
pub fn gateway_text(gateway: &Gateway, ifname: &dyn Fn(u32) -> Option<String>) -> String {
    match gateway {
        Gateway::Ip {
            addr: IpAddr::V4(a),
            ..
        } => a.to_string(),
        Gateway::Ip {
            addr: IpAddr::V6(a),
            zone,
        } => inet6_with_zone(a, *zone, ifname),
        Gateway::Link {
            index,
            name,
            lladdr,
        } => {
            if !lladdr.is_empty() {
                // netstat prints Ethernet link addresses as unpadded hex.
                lladdr
                    .iter()
                    .map(|b| format!("{b:x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            } else if let Some(name) = name.as_deref().filter(|n| !n.is_empty()) {
                name.to_string()
            } else {
                format!("link#{index}")
            }
        }
        Gateway::None => String::new(),
    }
}

fn mask_bits(len: u8) -> u32 {
    match len {
        0 => 0,
        l => u32::MAX << (32 - u32::from(l.min(32))),
    }
}

/// netstat's `netname`: the classful short form, then `/len` unless the
/// mask is the class's own.
fn classful_netname(addr: Ipv4Addr, mask: u32) -> String {
    let i = u32::from(addr);
    let o = addr.octets();
    let class_mask = classful_mask(i);
    let mut text = if class_mask == 0xff00_0000 && i & 0x00ff_ffff == 0 {
        format!("{}", o[0])
    } else if class_mask != 0xffff_ff00 && i & 0x0000_ffff == 0 {
        format!("{}.{}", o[0], o[1])
    } else if i & 0x0000_00ff == 0 {
        format!("{}.{}.{}", o[0], o[1], o[2])
    } else {
        addr.to_string()
    };
    text.push_str(&mask_suffix(i, mask));
    text
}

/// `IN_CLASSA_NET`, `IN_CLASSB_NET` or `IN_CLASSC_NET` (classes D and E
/// count as C, as in netstat's `forgemask`).
fn classful_mask(i: u32) -> u32 {
    if i & 0x8000_0000 == 0 {
        0xff00_0000
    } else if i & 0xc000_0000 == 0x8000_0000 {
        0xffff_0000
    } else {
        0xffff_ff00
    }
}

/// netstat's `domask`: nothing for a zero or classful mask, `/len` for a
/// contiguous one. A mask with holes prints as `&0x…`, cut to seven
/// characters as netstat's `snprintf(dst, sizeof(dst), …)` on a pointer does.
fn mask_suffix(i: u32, mask: u32) -> String {
    if mask == 0 || classful_mask(i) == mask {
        return String::new();
    }
    let len = mask.leading_ones();
    if mask.checked_shl(len).unwrap_or(0) == 0 {
        format!("/{len}")
    } else {
        format!("&0x{mask:x}").chars().take(7).collect()
    }
}

/// An IPv6 address as macOS `inet_ntop` prints it, with `%zone` (the
/// interface name, or the index when it has none) when a zone is given.
pub(crate) fn inet6_with_zone(
    addr: &Ipv6Addr,
    zone: Option<u32>,
    ifname: &dyn Fn(u32) -> Option<String>,
) -> String {
    let mut text = inet6_ntop(addr);
    if let Some(zone) = zone.filter(|z| *z != 0) {
        text.push('%');
        text.push_str(&ifname(zone).unwrap_or_else(|| zone.to_string()));
    }
    text
}

/// BSD `inet_ntop` for IPv6: the longest run (first on ties) of two or more
/// zero words becomes `::`; IPv4-compatible (`::a.b.c.d`) and IPv4-mapped
/// (`::ffff:a.b.c.d`) addresses end in dotted quads.
pub fn inet6_ntop(addr: &Ipv6Addr) -> String {
    let words = addr.segments();
    let (mut best, mut cur): ((usize, usize), Option<(usize, usize)>) = ((0, 0), None);
    for (i, w) in words.iter().enumerate() {
        cur = match (*w == 0, cur) {
            (true, None) => Some((i, 1)),
            (true, Some((base, len))) => Some((base, len + 1)),
            (false, _) => None,
        };
        if let Some((base, len)) = cur {
            if len > best.1 {
                best = (base, len);
            }
        }
    }
    if best.1 < 2 {
        best = (usize::MAX, 0);
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if i == best.0 {
            out.push(':');
            i += best.1;
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        let embedded_v4 = best.0 == 0 && (best.1 == 6 || (best.1 == 5 && words[5] == 0xffff));
        if i == 6 && embedded_v4 {
            let o = addr.octets();
            let _ = write!(out, "{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
            return out;
        }
        let _ = write!(out, "{:x}", words[i]);
        i += 1;
    }
    if best.0.saturating_add(best.1) == 8 {
        out.push(':');
    }
    out
}

#[cfg(test)]
#[path = "netstat_tests.rs"]
mod tests;
