//! `route -n get`, done the way route(8) does it: an `RTM_GET` built with
//! the codec's [`get_route`], written to a routing socket, the reply picked
//! out by the codec's [`ReplyMatcher`] (type, sequence number, pid),
//! decoded with [`Message::parse`] and printed in route(8)'s layout. Used
//! by `egress-sim get`.

use std::fmt::Write as _;
use std::net::IpAddr;

use routing_core::model::netstat::inet6_ntop;
use routing_core::model::{Gateway, Route, RouteFlags};
use routing_core::wire::pf_route::{
    get_route, route_from_message, Message, Reply, ReplyMatcher, RtMetrics,
};

use crate::kernel::SimKernel;
use crate::Errno;

/// The pid `route get` writes with.
const ROUTE_PID: i32 = 4242;

/// Looks `dst` up through the routing socket and prints the answer like
/// `route -n get [-ifscope IF] DST`.
///
/// # Errors
/// route(8)'s message for a failed lookup (`not in table` for `ESRCH`).
pub fn route_get(
    kernel: &mut SimKernel,
    dst: IpAddr,
    scope: Option<u32>,
) -> Result<String, String> {
    let scope = scope.map(|s| u16::try_from(s).unwrap_or(u16::MAX));
    let request = get_route(dst, None, scope, 1, ROUTE_PID);
    let matcher = ReplyMatcher::for_request(&request);
    let sock = kernel.open_socket(ROUTE_PID, 0);
    let written = kernel.write(sock, &request.to_bytes());
    let reply = kernel
        .drain(sock)
        .into_iter()
        .filter_map(|bytes| Message::parse(&bytes).ok())
        .find(|m| matcher.classify(m) != Reply::NotOurs);
    let _ = kernel.close(sock);
    if let Err(e) = written {
        let text = if e == Errno::ESRCH {
            "not in table"
        } else {
            e.message()
        };
        return Err(format!("route: writing to routing socket: {text}"));
    }
    match reply {
        Some(Message::Route(m)) => {
            let names = |i: u32| kernel.name_of(i);
            let route = route_from_message(&m, &names).map_err(|e| format!("route: {e}"))?;
            Ok(format_reply(kernel, dst, &route, &m.header.rmx))
        }
        _ => Err("route: no reply".to_string()),
    }
}

fn format_reply(kernel: &SimKernel, dst: IpAddr, route: &Route, rmx: &RtMetrics) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "   route to: {}", addr_text(dst, None, kernel));
    let key = route.destination.addr();
    let destination = if key.is_unspecified() {
        "default".to_string()
    } else {
        addr_text(key, route.scope(), kernel)
    };
    let _ = writeln!(out, "destination: {destination}");
    if !route.is_host() {
        let text = if route.destination.len() == 0 {
            "default".to_string()
        } else {
            route.destination.netmask().to_string()
        };
        let _ = writeln!(out, "       mask: {text}");
    }
    let gateway = match &route.gateway {
        Gateway::Ip { addr, zone } => Some(addr_text(*addr, *zone, kernel)),
        Gateway::Link { name: Some(n), .. } if route.flags.contains(RouteFlags::GATEWAY) => {
            Some(n.clone())
        }
        _ => None,
    };
    if let Some(g) = gateway {
        let _ = writeln!(out, "    gateway: {g}");
    }
    if let Some(name) = kernel.name_of(route.interface.index) {
        let _ = writeln!(out, "  interface: {name}");
    }
    let _ = writeln!(out, "      flags: <{}>", route.flags.route_names());
    let _ = writeln!(
        out,
        " recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire"
    );
    let expire = if rmx.expire == 0 {
        0
    } else {
        i64::from(rmx.expire) - kernel.wall_now()
    };
    let _ = writeln!(
        out,
        "{:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} ",
        rmx.recvpipe,
        rmx.sendpipe,
        rmx.ssthresh,
        rmx.rtt / 1000,
        rmx.rttvar / 1000,
        rmx.hopcount,
        rmx.mtu,
        expire
    );
    out
}

fn addr_text(addr: IpAddr, zone: Option<u32>, kernel: &SimKernel) -> String {
    match (addr, zone) {
        (IpAddr::V6(a), Some(z)) => format!(
            "{}%{}",
            inet6_ntop(&a),
            kernel.name_of(z).unwrap_or_else(|| z.to_string())
        ),
        (IpAddr::V6(a), None) => inet6_ntop(&a),
        (a, _) => a.to_string(),
    }
}
