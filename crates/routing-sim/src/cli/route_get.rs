//! `route -n get`, done the way route(8) does it: an `RTM_GET` written to a
//! routing socket, the reply matched by pid and sequence number, printed in
//! route(8)'s layout. Used by the `egress-sim get` command.

use std::fmt::Write as _;
use std::net::IpAddr;

use routing_core::model::{mask_len, RouteFlags};

use crate::kernel::SimKernel;
use crate::msg;
use crate::request::{self, Sockaddr};

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
    let mut h = msg::rt_header(msg::RTM_GET);
    let mut flags = RouteFlags::UP | RouteFlags::GATEWAY | RouteFlags::HOST | RouteFlags::STATIC;
    if let Some(scope) = scope {
        flags |= RouteFlags::IFSCOPE;
        h[4..6].copy_from_slice(&u16::try_from(scope).unwrap_or(0).to_le_bytes());
    }
    msg::put_u32(&mut h, 8, flags.bits());
    msg::put_i32(&mut h, 16, ROUTE_PID);
    msg::put_i32(&mut h, 20, 1);
    let addrs = [
        Some(msg::sa_ip(dst, None)),
        None,
        None,
        None,
        Some(msg::sa_dl(0, 0, "", &[])),
        None,
        None,
        None,
    ];
    let bits = msg::assemble(&mut h, &addrs, msg::Builder::Msg2);
    msg::put_i32(&mut h, 12, bits);
    let sock = kernel.open_socket(ROUTE_PID, 0);
    let written = kernel.write(sock, &h);
    let reply = kernel.drain(sock).into_iter().find(|m| {
        m.len() >= msg::RT_MSGHDR_LEN && msg::get_i32(m, 16) == ROUTE_PID && m[3] == msg::RTM_GET
    });
    let _ = kernel.close(sock);
    if let Err(e) = written {
        let text = if e == crate::Errno::ESRCH {
            "not in table".to_string()
        } else {
            e.message().to_string()
        };
        return Err(format!("route: writing to routing socket: {text}"));
    }
    let reply = reply.ok_or("route: no reply")?;
    format_reply(kernel, dst, reply)
}

fn format_reply(kernel: &SimKernel, dst: IpAddr, reply: Vec<u8>) -> Result<String, String> {
    let index = u32::from(u16::from_le_bytes([reply[4], reply[5]]));
    let flags = RouteFlags::from_bits(msg::get_i32(&reply, 8) as u32);
    let rmx: Vec<u32> = (0..14)
        .map(|i| msg::get_i32(&reply, 36 + 4 * i) as u32)
        .collect();
    let parsed = request::parse(reply).map_err(|(e, _, _)| format!("route: bad reply: {e}"))?;
    let mut out = String::new();
    let _ = writeln!(out, "   route to: {}", addr_text(dst, None, kernel));
    let key = parsed.sa[0].as_ref().and_then(Sockaddr::ip);
    let destination = match key {
        Some(a) if a.is_unspecified() => "default".to_string(),
        Some(a) => addr_text(a, parsed.sa[0].as_ref().and_then(Sockaddr::zone), kernel),
        None => "?".to_string(),
    };
    let _ = writeln!(out, "destination: {destination}");
    if let Some(len) = parsed.mask_len {
        let mask = routing_core::model::IpPrefix::new_truncating(dst, len)
            .map(|p| p.netmask())
            .ok();
        let text = match mask {
            Some(m) if mask_len(m) == Some(0) => "default".to_string(),
            Some(m) => m.to_string(),
            None => "?".to_string(),
        };
        let _ = writeln!(out, "       mask: {text}");
    }
    match &parsed.sa[1] {
        Some(Sockaddr::Link {
            index,
            name,
            lladdr,
        }) if lladdr.is_empty() => {
            let text = name.clone().unwrap_or_else(|| format!("link#{index}"));
            if flags.contains(RouteFlags::GATEWAY) {
                let _ = writeln!(out, "    gateway: {text}");
            }
        }
        Some(sa) => {
            if let Some(ip) = sa.ip() {
                let _ = writeln!(out, "    gateway: {}", addr_text(ip, sa.zone(), kernel));
            }
        }
        None => {}
    }
    if let Some(name) = kernel.name_of(index) {
        let _ = writeln!(out, "  interface: {name}");
    }
    let _ = writeln!(out, "      flags: <{}>", flags.route_names());
    let _ = writeln!(
        out,
        " recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire"
    );
    let expire = i64::from(rmx[3] as i32);
    let expire = if expire == 0 {
        0
    } else {
        expire - kernel.wall_now()
    };
    let _ = writeln!(
        out,
        "{:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} ",
        rmx[4],
        rmx[5],
        rmx[6],
        rmx[7] / 1000,
        rmx[8] / 1000,
        rmx[2],
        rmx[1],
        expire
    );
    Ok(out)
}

fn addr_text(addr: IpAddr, zone: Option<u32>, kernel: &SimKernel) -> String {
    match (addr, zone) {
        (IpAddr::V6(a), Some(z)) => format!(
            "{}%{}",
            routing_core::model::netstat::inet6_ntop(&a),
            kernel.name_of(z).unwrap_or_else(|| z.to_string())
        ),
        (IpAddr::V6(a), None) => routing_core::model::netstat::inet6_ntop(&a),
        (a, _) => a.to_string(),
    }
}
