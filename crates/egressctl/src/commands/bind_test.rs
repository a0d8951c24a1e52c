//! `egressctl bind-test`: a socket the helper bound, and where it leads.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, UdpSocket};

use helper_proto::SocketProtocol;
use routing_core::model::Family;
use serde_json::json;

use super::Context;
use crate::failure::Failure;
use crate::output::lookup::{render_bind_test, FdFacts};
use crate::output::print_json;

/// Where the probe goes when `--to` is absent (documentation addresses).
fn default_destination(family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::new(203, 0, 113, 1)),
        Family::V6 => IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
    }
}

/// Opens a bound UDP socket through the helper and probes from it.
pub async fn bind_test(cx: &Context, family: Family, to: Option<IpAddr>) -> Result<(), Failure> {
    let destination = to.unwrap_or_else(|| default_destination(family));
    let client = cx.connect().await?;
    let (socket, fd) = client
        .open_bound_socket(family, SocketProtocol::Udp, None)
        .await?;
    let udp = UdpSocket::from(fd);
    let local = udp
        .local_addr()
        .map_err(|e| Failure::Local(format!("the received socket has no local address: {e}")))?;
    let facts = FdFacts {
        local_port: local.port(),
        bound_device: bound_device(&udp),
    };
    let probe = client.probe(facts.local_port, destination).await?;
    if cx.json {
        return print_json(&json!({
            "socket": socket,
            "fd_local_port": facts.local_port,
            "bound_device": facts.bound_device,
            "probe": probe,
        }));
    }
    print!("{}", render_bind_test(&socket, &facts, &probe));
    Ok(())
}

/// `SO_BINDTODEVICE` of the socket, if set.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn bound_device(socket: &UdpSocket) -> Option<String> {
    use nix::sys::socket::{getsockopt, sockopt::BindToDevice};
    let name = getsockopt(socket, BindToDevice).ok()?;
    let name = name.to_string_lossy().trim_end_matches('\0').to_string();
    (!name.is_empty()).then_some(name)
}

/// Other systems bind by index (`IP_BOUND_IF`); the helper reports it.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn bound_device(_socket: &UdpSocket) -> Option<String> {
    None
}
