//! `route add|delete|change …` lines, read with route(8)'s syntax and
//! turned into the `PF_ROUTE` message route(8) would write.

use std::net::IpAddr;

use routing_core::model::{Family, IpPrefix, RouteFlags};

use routing_core::wire::pf_route::consts::{
    AF_INET, AF_INET6, RTAX_DST, RTAX_GATEWAY, RTAX_IFA, RTAX_IFP, RTAX_NETMASK, RTM_ADD,
    RTM_CHANGE, RTM_DELETE, RTM_GET, RTV_MTU,
};
use routing_core::wire::pf_route::{RawSockaddr, RouteMessage, Sockaddr, SockaddrDl};

use crate::kernel::SimKernel;

/// The verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteVerb {
    /// `route add` (`RTM_ADD`).
    Add,
    /// `route delete` (`RTM_DELETE`).
    Delete,
    /// `route change` (`RTM_CHANGE`).
    Change,
    /// `route get` (`RTM_GET`).
    Get,
}

/// A gateway as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayArg {
    /// An address, with an IPv6 zone name (`fe80::1%en0`).
    Ip(IpAddr, Option<String>),
    /// `link#N`: a link sockaddr with only the index.
    LinkIndex(u32),
    /// An interface name: its own link address, as route(8) passes it for
    /// `-interface en0`.
    Interface(String),
}

/// One route(8) command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteCommand {
    /// The verb.
    pub verb: RouteVerb,
    /// The destination prefix (a host route has the full length).
    pub destination: IpPrefix,
    /// The destination's IPv6 zone (`fe80::%en0/64`), KAME-embedded in the
    /// message as route(8) does.
    pub destination_zone: Option<String>,
    /// Whether it is a host route (`RTF_HOST`, no netmask).
    pub host: bool,
    /// The gateway, if given.
    pub gateway: Option<GatewayArg>,
    /// The flags route(8) sets: `RTF_UP`, `RTF_GATEWAY` unless
    /// `-interface`, `RTF_STATIC` unless `-nostatic`, and the modifiers.
    pub flags: RouteFlags,
    /// `-ifscope IF`.
    pub ifscope: Option<String>,
    /// `-ifp IF`.
    pub ifp: Option<String>,
    /// `-ifa ADDR`.
    pub ifa: Option<IpAddr>,
    /// `-mtu N`.
    pub mtu: Option<u32>,
}

/// Reads the words after `route` (`add -ifscope en0 default 192.0.2.1`).
///
/// # Errors
/// The index of the offending word and a message.
pub fn parse_route_args(words: &[&str]) -> Result<RouteCommand, (usize, String)> {
    let mut i = 0;
    if words.first() == Some(&"-n") {
        i += 1;
    }
    let verb = match words.get(i).copied() {
        Some("add") => RouteVerb::Add,
        Some("delete") => RouteVerb::Delete,
        Some("change") => RouteVerb::Change,
        Some("get") => RouteVerb::Get,
        _ => return Err((i, "expected add, delete, change or get".into())),
    };
    i += 1;
    let mut family: Option<Family> = None;
    let mut net = false;
    let mut host_flag = false;
    let mut interface = false;
    let mut flags = RouteFlags::UP | RouteFlags::STATIC;
    let mut positional: Vec<(usize, &str)> = Vec::new();
    let mut cmd = RouteCommand {
        verb,
        destination: IpPrefix::default_for(Family::V4),
        destination_zone: None,
        host: false,
        gateway: None,
        flags: RouteFlags::EMPTY,
        ifscope: None,
        ifp: None,
        ifa: None,
        mtu: None,
    };
    let mut netmask: Option<u8> = None;
    while i < words.len() {
        let w = words[i];
        let value = |i: usize| {
            words
                .get(i + 1)
                .copied()
                .ok_or((i, format!("{w} needs a value")))
        };
        match w {
            "-inet" => family = Some(Family::V4),
            "-inet6" => family = Some(Family::V6),
            "-net" => net = true,
            "-host" => host_flag = true,
            "-interface" | "-iface" => interface = true,
            "-static" => flags |= RouteFlags::STATIC,
            "-nostatic" => flags = flags.without(RouteFlags::STATIC),
            "-cloning" => flags |= RouteFlags::CLONING,
            "-reject" => flags |= RouteFlags::REJECT,
            "-blackhole" => flags |= RouteFlags::BLACKHOLE,
            "-proto1" => flags |= RouteFlags::PROTO1,
            "-proto2" => flags |= RouteFlags::PROTO2,
            "-proto3" => flags |= RouteFlags::PROTO3,
            "-llinfo" => flags |= RouteFlags::LLINFO,
            "-ifscope" | "-ifp" | "-ifa" | "-netmask" | "-prefixlen" | "-mtu" => {
                let v = value(i)?;
                match w {
                    "-ifscope" => cmd.ifscope = Some(v.to_string()),
                    "-ifp" => cmd.ifp = Some(v.to_string()),
                    "-ifa" => {
                        cmd.ifa = Some(v.parse().map_err(|_| (i + 1, "bad address".to_string()))?)
                    }
                    "-netmask" => {
                        let m: IpAddr =
                            v.parse().map_err(|_| (i + 1, "bad netmask".to_string()))?;
                        let len = routing_core::model::mask_len(m)
                            .ok_or((i + 1, "netmask with holes".to_string()))?;
                        netmask = Some(len);
                    }
                    "-prefixlen" => {
                        netmask = Some(
                            v.parse()
                                .map_err(|_| (i + 1, "bad prefix length".to_string()))?,
                        )
                    }
                    _ => cmd.mtu = Some(v.parse().map_err(|_| (i + 1, "bad MTU".to_string()))?),
                }
                i += 1;
            }
            _ if w.starts_with('-') => return Err((i, format!("unknown modifier {w}"))),
            _ => positional.push((i, w)),
        }
        i += 1;
    }
    let Some(&(dst_at, dst)) = positional.first() else {
        return Err((i, "missing destination".into()));
    };
    let (addr, len) = parse_destination(dst, family).map_err(|m| (dst_at, m))?;
    cmd.destination_zone = dst
        .split_once('%')
        .map(|(_, z)| z.split('/').next().unwrap_or(z).to_string());
    let family = Family::of(addr);
    let explicit_len = len.or(netmask);
    let host = host_flag || (!net && dst != "default" && explicit_len.is_none());
    let len = if host {
        family.max_len()
    } else {
        explicit_len.unwrap_or(0)
    };
    cmd.destination = IpPrefix::new_truncating(addr, len).map_err(|e| (dst_at, e.to_string()))?;
    cmd.host = host;
    if let Some(&(gw_at, gw)) = positional.get(1) {
        cmd.gateway = Some(parse_gateway(gw, interface).map_err(|m| (gw_at, m))?);
    }
    if let Some(&(extra_at, _)) = positional.get(2) {
        return Err((extra_at, "unexpected word".into()));
    }
    if !interface {
        flags |= RouteFlags::GATEWAY;
    }
    if host {
        flags |= RouteFlags::HOST;
    }
    if cmd.ifscope.is_some() {
        flags |= RouteFlags::IFSCOPE;
    }
    cmd.flags = flags;
    Ok(cmd)
}

fn parse_destination(dst: &str, family: Option<Family>) -> Result<(IpAddr, Option<u8>), String> {
    if dst == "default" {
        return Ok((family.unwrap_or(Family::V4).unspecified(), Some(0)));
    }
    let (addr, len) = match dst.rsplit_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().map_err(|_| "bad prefix length")?)),
        None => (dst, None),
    };
    let addr: IpAddr = addr
        .split('%')
        .next()
        .unwrap_or(addr)
        .parse()
        .map_err(|_| format!("bad destination {dst}"))?;
    if family.is_some_and(|f| f != Family::of(addr)) {
        return Err(format!("{dst} is not of the family asked for"));
    }
    Ok((addr, len))
}

fn parse_gateway(gw: &str, interface: bool) -> Result<GatewayArg, String> {
    if let Some(index) = gw.strip_prefix("link#") {
        return index
            .parse()
            .map(GatewayArg::LinkIndex)
            .map_err(|_| format!("bad link index in {gw}"));
    }
    let (addr, zone) = match gw.split_once('%') {
        Some((a, z)) => (a, Some(z.to_string())),
        None => (gw, None),
    };
    match addr.parse() {
        Ok(ip) => Ok(GatewayArg::Ip(ip, zone)),
        Err(_) if interface || gw.chars().all(|c| c.is_ascii_alphanumeric()) => {
            Ok(GatewayArg::Interface(gw.to_string()))
        }
        Err(_) => Err(format!("bad gateway {gw}")),
    }
}

impl RouteCommand {
    /// The message route(8) would write for this command, built with the
    /// codec's [`RouteMessage`] and with the kernel's interface names
    /// resolved. Netmasks are trimmed as route(8) trims them
    /// (`06 02 00 00 ff ff` for a /16, `00 02 00 00` for `default`).
    ///
    /// # Errors
    /// An interface name the kernel does not know.
    pub fn to_message(&self, kernel: &SimKernel, pid: i32, seq: i32) -> Result<Vec<u8>, String> {
        let iface = |name: &str| {
            kernel
                .index_of(name)
                .and_then(|i| kernel.interface(i))
                .ok_or_else(|| format!("no interface named {name}"))
        };
        let index_of = |name: &str| iface(name).map(|i| i.index);
        let link_of = |name: &str| {
            iface(name).map(|i| {
                let index = u16::try_from(i.index).unwrap_or(0);
                Sockaddr::Link(SockaddrDl::new(index, i.if_type, &i.name, &i.lladdr))
            })
        };
        let rtm_type = match self.verb {
            RouteVerb::Add => RTM_ADD,
            RouteVerb::Delete => RTM_DELETE,
            RouteVerb::Change => RTM_CHANGE,
            RouteVerb::Get => RTM_GET,
        };
        let mut m = RouteMessage::new(rtm_type);
        m.header.flags = self.flags;
        m.header.pid = pid;
        m.header.seq = seq;
        if let Some(scope) = &self.ifscope {
            m.header.index = u16::try_from(index_of(scope)?).unwrap_or(0);
        }
        if let Some(mtu) = self.mtu {
            m.header.inits = RTV_MTU;
            m.header.rmx.mtu = mtu;
        }
        let dst_zone = self.destination_zone.as_deref().map(index_of).transpose()?;
        m.addrs.set(
            RTAX_DST,
            Some(Sockaddr::from_ip_zone(self.destination.addr(), dst_zone)),
        );
        let gateway = match &self.gateway {
            None => None,
            Some(GatewayArg::Ip(addr, zone)) => {
                let zone = zone.as_deref().map(index_of).transpose()?;
                Some(Sockaddr::from_ip_zone(*addr, zone))
            }
            Some(GatewayArg::LinkIndex(index)) => {
                let index = u16::try_from(*index).unwrap_or(0);
                Some(Sockaddr::Link(SockaddrDl::null(index, 0)))
            }
            Some(GatewayArg::Interface(name)) => Some(link_of(name)?),
        };
        m.addrs.set(RTAX_GATEWAY, gateway);
        if !self.host {
            m.addrs
                .set(RTAX_NETMASK, Some(route8_mask(&self.destination)));
        }
        m.addrs
            .set(RTAX_IFP, self.ifp.as_deref().map(link_of).transpose()?);
        m.addrs.set(RTAX_IFA, self.ifa.map(Sockaddr::from_ip));
        Ok(m.to_bytes())
    }
}

/// route(8)'s netmask: the family's sockaddr trimmed after its last
/// non-zero byte (the family byte counts), and `sa_len` forced to 0 for
/// an IPv4 `default` (family byte left at 2).
fn route8_mask(prefix: &IpPrefix) -> Sockaddr {
    let (family_byte, skip, bytes) = match prefix.netmask() {
        IpAddr::V4(m) => (AF_INET, 4usize, m.octets().to_vec()),
        IpAddr::V6(m) => (AF_INET6, 8usize, m.octets().to_vec()),
    };
    match bytes.iter().rposition(|b| *b != 0) {
        None if family_byte == AF_INET => Sockaddr::Empty {
            raw: [0, AF_INET, 0, 0],
        },
        None => raw(&[2, family_byte]),
        Some(last) => {
            let mut sa = vec![0u8; skip];
            sa[0] = (skip + last + 1) as u8;
            sa[1] = family_byte;
            sa.extend_from_slice(&bytes[..=last]);
            raw(&sa)
        }
    }
}

fn raw(bytes: &[u8]) -> Sockaddr {
    RawSockaddr::new(bytes).map_or(Sockaddr::EMPTY, Sockaddr::Raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> RouteCommand {
        let words: Vec<&str> = line.split_whitespace().collect();
        parse_route_args(&words).expect("parses")
    }

    #[test]
    fn default_with_gateway_is_a_static_gateway_net_route() {
        let c = parse("add default 192.0.2.1");
        assert_eq!(c.destination, IpPrefix::default_for(Family::V4));
        assert!(!c.host);
        assert_eq!(
            c.flags,
            RouteFlags::UP | RouteFlags::GATEWAY | RouteFlags::STATIC
        );
    }

    #[test]
    fn interface_routes_have_no_gateway_flag_and_scope_sets_ifscope() {
        let c = parse("add -net 0.0.0.0/1 -interface utun4");
        assert!(!c.flags.contains(RouteFlags::GATEWAY));
        assert_eq!(c.gateway, Some(GatewayArg::Interface("utun4".into())));
        let s = parse("add -ifscope en0 default 192.0.2.1 -proto1");
        assert!(s.flags.contains(RouteFlags::IFSCOPE | RouteFlags::PROTO1));
        assert_eq!(s.ifscope.as_deref(), Some("en0"));
    }

    #[test]
    fn bare_addresses_are_hosts_and_inet6_defaults_are_v6() {
        assert!(parse("add 203.0.113.9 192.0.2.1").host);
        let v6 = parse("add -inet6 default fe80::1%en0 -nostatic");
        assert_eq!(v6.destination, IpPrefix::default_for(Family::V6));
        assert!(!v6.flags.contains(RouteFlags::STATIC));
        assert_eq!(
            v6.gateway,
            Some(GatewayArg::Ip(
                "fe80::1".parse().unwrap(),
                Some("en0".into())
            ))
        );
    }

    #[test]
    fn route8_masks_are_trimmed_like_the_real_tool() {
        let p16: IpPrefix = "100.113.0.0/16".parse().unwrap();
        let bytes = |p: &IpPrefix| route8_mask(p).to_bytes();
        assert_eq!(bytes(&p16), vec![6, 2, 0, 0, 0xff, 0xff]);
        assert_eq!(bytes(&IpPrefix::default_for(Family::V4)), vec![0, 2, 0, 0]);
        assert_eq!(bytes(&IpPrefix::default_for(Family::V6)), vec![2, 30]);
        let p48: IpPrefix = "2001:db8:1::/48".parse().unwrap();
        assert_eq!(bytes(&p48)[..2], [14, 30]);
    }

    #[test]
    fn errors_point_at_the_word() {
        let words = ["add", "-bogus", "default"];
        assert_eq!(parse_route_args(&words).unwrap_err().0, 1);
        let words = ["add", "default", "192.0.2.1", "extra"];
        assert_eq!(parse_route_args(&words).unwrap_err().0, 3);
        let words = ["frob"];
        assert_eq!(parse_route_args(&words).unwrap_err().0, 0);
    }
}
