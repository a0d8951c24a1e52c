//! Answers to "where would this go?": `get` (like `route -n get`) and
//! `bind-test`.

use helper_proto::{BoundSocket, LookupAnswer, ProbeAnswer, SocketProtocol};

/// Right-aligned labels, as `route -n get` prints them.
fn field(out: &mut String, label: &str, value: &str) {
    out.push_str(&format!("{label:>12}: {value}\n"));
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `egressctl get`.
pub fn render_lookup(answer: &LookupAnswer) -> String {
    let mut out = String::new();
    field(&mut out, "route to", &answer.destination.to_string());
    if let Some(scope) = &answer.scoped_to {
        field(&mut out, "scoped to", scope);
    }
    match &answer.route {
        Some(route) => {
            field(&mut out, "destination", &route.destination);
            field(&mut out, "route", &route.canonical);
            field(&mut out, "flags", &route.flags);
        }
        None => field(&mut out, "destination", "none (unreachable)"),
    }
    if let Some(interface) = &answer.interface {
        let text = match answer.interface_kind {
            Some(kind) => format!("{interface} ({kind})"),
            None => interface.clone(),
        };
        field(&mut out, "interface", &text);
    }
    if let Some(gateway) = &answer.gateway {
        field(&mut out, "gateway", gateway);
    }
    field(&mut out, "via VPN", yes_no(answer.via_vpn));
    out.push('\n');
    out.push_str(&answer.summary);
    out.push('\n');
    out
}

/// What `bind-test` found on the received descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdFacts {
    /// The local port read from the descriptor itself.
    pub local_port: u16,
    /// `SO_BINDTODEVICE`, where the platform has it and it is set.
    pub bound_device: Option<String>,
}

/// `egressctl bind-test`.
pub fn render_bind_test(socket: &BoundSocket, fd: &FdFacts, probe: &ProbeAnswer) -> String {
    let mut out = String::new();
    let protocol = match socket.protocol {
        SocketProtocol::Udp => "UDP",
        SocketProtocol::Tcp => "TCP",
    };
    let mut bound = format!(
        "{} (index {})",
        socket.target.interface, socket.target.index
    );
    if socket.target.borrowed {
        bound.push_str(", borrowed from the other family");
    }
    field(&mut out, "socket", &format!("{protocol} {}", socket.family));
    field(&mut out, "bound to", &bound);
    field(&mut out, "local port", &fd.local_port.to_string());
    if fd.local_port != socket.local_port {
        field(
            &mut out,
            "warning",
            &format!(
                "the helper said port {}, the descriptor says {}",
                socket.local_port, fd.local_port
            ),
        );
    }
    if let Some(device) = &fd.bound_device {
        field(&mut out, "bindtodevice", device);
    }
    field(&mut out, "probe to", &probe.destination.to_string());
    field(
        &mut out,
        "leaves via",
        probe
            .interface
            .as_deref()
            .unwrap_or("nowhere (unreachable)"),
    );
    if let Some(gateway) = &probe.gateway {
        field(&mut out, "gateway", gateway);
    }
    field(&mut out, "via VPN", yes_no(probe.via_vpn));
    out.push('\n');
    out.push_str(&probe.summary);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::table::tests::row;
    use helper_proto::BindTarget;
    use routing_core::model::{Family, InterfaceKind};

    #[test]
    fn a_lookup_reads_like_route_get() {
        let mut route = row(Family::V4, "0/1", "10.8.0.1", "UGSc", "utun4");
        route.canonical = "route add -inet 0.0.0.0/1 -gateway 10.8.0.1 -ifp utun4".into();
        let answer = LookupAnswer {
            destination: "203.0.113.1".parse().unwrap(),
            scoped_to: None,
            route: Some(route),
            interface: Some("utun4".into()),
            interface_kind: Some(InterfaceKind::Tunnel),
            gateway: Some("10.8.0.1".into()),
            via_vpn: true,
            summary: "Traffic to 203.0.113.1 goes through the VPN (utun4).".into(),
        };
        assert_eq!(
            render_lookup(&answer),
            "    route to: 203.0.113.1
 destination: 0/1
       route: route add -inet 0.0.0.0/1 -gateway 10.8.0.1 -ifp utun4
       flags: UGSc
   interface: utun4 (tunnel)
     gateway: 10.8.0.1
     via VPN: yes

Traffic to 203.0.113.1 goes through the VPN (utun4).
"
        );
    }

    #[test]
    fn bind_test_reports_the_socket_and_the_probe() {
        let socket = BoundSocket {
            family: Family::V4,
            protocol: SocketProtocol::Udp,
            target: BindTarget {
                index: 4,
                interface: "en0".into(),
                borrowed: false,
            },
            local_port: 51820,
        };
        let probe = ProbeAnswer {
            destination: "203.0.113.1".parse().unwrap(),
            local_port: 51820,
            bound_to: Some("en0".into()),
            interface: Some("en0".into()),
            gateway: Some("198.51.100.1".into()),
            via_vpn: false,
            summary: "A packet from port 51820 to 203.0.113.1 leaves through en0, not the VPN."
                .into(),
        };
        let fd = FdFacts {
            local_port: 51820,
            bound_device: None,
        };
        assert_eq!(
            render_bind_test(&socket, &fd, &probe),
            "      socket: UDP IPv4
    bound to: en0 (index 4)
  local port: 51820
    probe to: 203.0.113.1
  leaves via: en0
     gateway: 198.51.100.1
     via VPN: no

A packet from port 51820 to 203.0.113.1 leaves through en0, not the VPN.
"
        );
    }
}
