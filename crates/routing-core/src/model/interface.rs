//! Network interfaces as the routing table sees them.

use std::fmt;
use std::net::IpAddr;

/// What sort of link an interface is. Decides, among other things, whether
/// it may carry the physical egress (a tunnel never may).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum InterfaceKind {
    /// Wi-Fi (`en0` on most Macs).
    Wifi,
    /// Wired Ethernet, including USB and Thunderbolt adapters.
    Ethernet,
    /// A point-to-point tunnel: `utun`, `ipsec`, `ppp`, `gif`, `stf`, tun, WireGuard.
    Tunnel,
    /// The loopback interface.
    Loopback,
    /// A software bridge (`bridge100` for Internet Sharing).
    Bridge,
    /// Apple Wireless Direct Link and its low-latency twin (`awdl0`, `llw0`).
    Awdl,
    /// A cellular data link (`pdp_ip0`).
    Cellular,
    /// Anything else (`anpi0`, `ap1`, `gif0` placeholders, …).
    Other,
}

impl InterfaceKind {
    /// A best guess from a macOS interface name. Wi-Fi and Ethernet both
    /// use `en*`, so `en*` gives [`InterfaceKind::Ethernet`]; the OS (or a
    /// scenario file) says which `en` is Wi-Fi.
    pub fn guess_from_macos_name(name: &str) -> InterfaceKind {
        let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
        match stem {
            "lo" => InterfaceKind::Loopback,
            "utun" | "ipsec" | "ppp" | "gif" | "stf" | "tun" | "tap" | "wg" => {
                InterfaceKind::Tunnel
            }
            "bridge" => InterfaceKind::Bridge,
            "awdl" | "llw" => InterfaceKind::Awdl,
            "pdp_ip" => InterfaceKind::Cellular,
            "en" => InterfaceKind::Ethernet,
            _ => InterfaceKind::Other,
        }
    }

    /// A short lowercase word for display and scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            InterfaceKind::Wifi => "wifi",
            InterfaceKind::Ethernet => "ethernet",
            InterfaceKind::Tunnel => "tunnel",
            InterfaceKind::Loopback => "loopback",
            InterfaceKind::Bridge => "bridge",
            InterfaceKind::Awdl => "awdl",
            InterfaceKind::Cellular => "cellular",
            InterfaceKind::Other => "other",
        }
    }

    /// The inverse of [`InterfaceKind::as_str`].
    pub fn from_str_opt(s: &str) -> Option<InterfaceKind> {
        [
            InterfaceKind::Wifi,
            InterfaceKind::Ethernet,
            InterfaceKind::Tunnel,
            InterfaceKind::Loopback,
            InterfaceKind::Bridge,
            InterfaceKind::Awdl,
            InterfaceKind::Cellular,
            InterfaceKind::Other,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for InterfaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An address configured on an interface.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InterfaceAddress {
    /// The address. An IPv6 link-local address is scoped to its interface.
    pub addr: IpAddr,
    /// The prefix length of the subnet the address sits in.
    pub prefix_len: u8,
    /// The broadcast address (broadcast links) or the far end
    /// (point-to-point links), if any.
    pub peer_or_broadcast: Option<IpAddr>,
}

/// An interface: the name, index, kind, state and addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Interface {
    /// The kernel's interface index (`if_nametoindex`).
    pub index: u32,
    /// The name (`en0`).
    pub name: String,
    /// The kind of link.
    pub kind: InterfaceKind,
    /// Whether the interface is administratively and operationally up.
    pub up: bool,
    /// The MTU.
    pub mtu: u32,
    /// The link-layer address (a MAC for Ethernet and Wi-Fi), empty if none.
    pub lladdr: Vec<u8>,
    /// The configured addresses, in the order they were added.
    pub addresses: Vec<InterfaceAddress>,
}

impl Interface {
    /// Whether this interface has `addr` as one of its own addresses.
    pub fn has_address(&self, addr: IpAddr) -> bool {
        self.addresses.iter().any(|a| a.addr == addr)
    }
}

/// A reference to an interface from a route: the index, and the name the
/// table knew when the route was read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InterfaceRef {
    /// The interface index.
    pub index: u32,
    /// The interface name, empty when the index no longer names an interface.
    pub name: String,
}

impl fmt::Display for InterfaceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "#{}", self.index)
        } else {
            f.write_str(&self.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_kinds_from_macos_names() {
        let cases = [
            ("lo0", InterfaceKind::Loopback),
            ("en0", InterfaceKind::Ethernet),
            ("en7", InterfaceKind::Ethernet),
            ("utun4319", InterfaceKind::Tunnel),
            ("ipsec0", InterfaceKind::Tunnel),
            ("ppp0", InterfaceKind::Tunnel),
            ("bridge100", InterfaceKind::Bridge),
            ("awdl0", InterfaceKind::Awdl),
            ("llw0", InterfaceKind::Awdl),
            ("pdp_ip0", InterfaceKind::Cellular),
            ("anpi1", InterfaceKind::Other),
        ];
        for (name, kind) in cases {
            assert_eq!(InterfaceKind::guess_from_macos_name(name), kind, "{name}");
        }
    }

    #[test]
    fn kind_words_round_trip() {
        for word in [
            "wifi", "ethernet", "tunnel", "loopback", "bridge", "awdl", "cellular", "other",
        ] {
            let kind = InterfaceKind::from_str_opt(word).expect("known word");
            assert_eq!(kind.as_str(), word);
        }
        assert_eq!(InterfaceKind::from_str_opt("modem"), None);
    }
}
