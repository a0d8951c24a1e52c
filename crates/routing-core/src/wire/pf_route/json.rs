//! JSON descriptions of routing messages, for tools (`pfroute decode`)
//! and back (`pfroute encode`).
//!
//! The description is **lossless**: every header field is there as a
//! number, every sockaddr keeps the bytes that are not otherwise
//! described (`sin_zero`, sdl data, raw sockaddrs), and the address set
//! keeps padding, absent bits and trailing bytes. So
//! `message_from_json(describe(m)) == m` for every parsed message.
//!
//! Fields only for people (`flags`, `errno`, `addrs.names`, each slot's
//! `text`, a decoded IPv6 `zone`, sdl `name`/`lladdr`, `netstat`) are
//! ignored when encoding; the numbers and byte fields are authoritative.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::model::{netstat::render_row, Family};
use crate::wire::hex::{format_hex, parse_hex};

use super::addrs::AddressSet;
use super::consts::*;
use super::convert::{mask_len, route_from_message, route_from_message2};
use super::header::{Route2Header, RouteHeader};
use super::ifheader::{IfHeader, IfHeader2, IfaHeader, IfmaHeader, IfmaHeader2};
use super::link::SockaddrDl;
use super::message::*;
use super::sockaddr::{RawSockaddr, Sockaddr, SockaddrIn, SockaddrIn6};

/// A decoded file: messages (one, or a dump), or an addrs-only payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DocumentJson {
    /// The messages, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<MessageJson>,
    /// An addrs-only payload (the bytes after a header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addrs: Option<AddrsJson>,
}

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageJson {
    /// The type's C name (`RTM_GET`), or its number for unknown types.
    #[serde(rename = "type")]
    pub msg_type: String,
    /// `msglen` (recomputed when encoding).
    pub msglen: usize,
    /// `rtm_flags` by name (`UP,GATEWAY,DONE`), route messages only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<String>,
    /// `rtm_errno` by name, when non-zero.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno: Option<String>,
    /// The header fields, by header struct.
    pub header: HeaderJson,
    /// The sockaddrs (absent for unknown types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addrs: Option<AddrsJson>,
    /// A `netstat -rn` row for route messages that describe a route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netstat: Option<String>,
}

/// The header, tagged by C struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "struct", content = "fields", rename_all = "snake_case")]
pub enum HeaderJson {
    /// `rt_msghdr`.
    RtMsghdr(RouteHeader),
    /// `rt_msghdr2`.
    RtMsghdr2(Route2Header),
    /// `if_msghdr`.
    IfMsghdr(IfHeader),
    /// `if_msghdr2`.
    IfMsghdr2(IfHeader2),
    /// `ifa_msghdr`.
    IfaMsghdr(IfaHeader),
    /// `ifma_msghdr`.
    IfmaMsghdr(IfmaHeader),
    /// `ifma_msghdr2`.
    IfmaMsghdr2(IfmaHeader2),
    /// A message of unknown type, whole, as hex.
    Unknown {
        /// The whole message.
        hex: String,
    },
}

/// The sockaddrs of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddrsJson {
    /// `rtm_addrs` (recomputed when encoding, from the slots and `absent_bits`).
    pub bits: u32,
    /// The bits by name (`DST|GATEWAY|NETMASK`).
    pub names: String,
    /// Set bits without a sockaddr.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub absent_bits: u32,
    /// Padding bytes present after the last sockaddr when it is not fully padded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_pad: Option<u8>,
    /// Bytes after the last sockaddr, as hex.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub trailing: String,
    /// The present slots in bit order.
    pub slots: Vec<SlotJson>,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// One address slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotJson {
    /// The slot (`DST`, `GATEWAY`, …).
    pub slot: String,
    /// The sockaddr.
    pub sockaddr: SockaddrJson,
    /// Non-zero padding bytes after it, as hex.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pad: String,
    /// Human text: `fe80::1%en0`, `link#4`, `/24` for a netmask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A sockaddr, tagged by family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family")]
pub enum SockaddrJson {
    /// `sockaddr_in`.
    #[serde(rename = "AF_INET")]
    Inet {
        /// `sin_addr`.
        addr: Ipv4Addr,
        /// `sin_port`.
        port: u16,
        /// `sin_zero` as hex, when not all zero.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        zero: String,
    },
    /// `sockaddr_in6`.
    #[serde(rename = "AF_INET6")]
    Inet6 {
        /// `sin6_addr` as on the wire (embedded zone included).
        addr: Ipv6Addr,
        /// `sin6_port`.
        port: u16,
        /// `sin6_flowinfo`.
        flowinfo: u32,
        /// `sin6_scope_id`.
        scope_id: u32,
        /// The decoded zone (embedded or scope id), for reading.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone: Option<u32>,
    },
    /// `sockaddr_dl`.
    #[serde(rename = "AF_LINK")]
    Link {
        /// `sdl_index`.
        index: u16,
        /// `sdl_type`.
        if_type: u8,
        /// `sdl_nlen`.
        nlen: u8,
        /// `sdl_alen`.
        alen: u8,
        /// `sdl_slen`.
        slen: u8,
        /// Every byte after the 8-byte header, as hex (authoritative).
        data: String,
        /// The name, for reading.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The link address in colon hex, for reading.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        lladdr: String,
    },
    /// A zero-length sockaddr: its 4 bytes.
    #[serde(rename = "empty")]
    Empty {
        /// The 4 bytes as hex.
        raw: String,
    },
    /// Anything else, byte for byte.
    #[serde(rename = "raw")]
    Raw {
        /// `sa_family` (for reading).
        af: u8,
        /// The bytes, `sa_len` first, as hex.
        bytes: String,
    },
}

/// Why a JSON description cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(pub String);

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

fn hex_compact(b: &[u8]) -> String {
    format_hex(b)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn unhex(s: &str, what: &str) -> Result<Vec<u8>, JsonError> {
    parse_hex(s).map_err(|e| JsonError(format!("{what}: {e}")))
}

/// The zone text: `%name` if the resolver knows the index, else `%index`.
fn zone_text(zone: u32, names: &dyn Fn(u32) -> Option<String>) -> String {
    names(zone).unwrap_or_else(|| zone.to_string())
}

fn sockaddr_json(sa: &Sockaddr) -> SockaddrJson {
    match sa {
        Sockaddr::Inet(s) => SockaddrJson::Inet {
            addr: s.addr,
            port: s.port,
            zero: if s.zero == [0; 8] {
                String::new()
            } else {
                hex_compact(&s.zero)
            },
        },
        Sockaddr::Inet6(s) => SockaddrJson::Inet6 {
            addr: s.addr,
            port: s.port,
            flowinfo: s.flowinfo,
            scope_id: s.scope_id,
            zone: s.zone(),
        },
        Sockaddr::Link(l) => SockaddrJson::Link {
            index: l.index(),
            if_type: l.if_type(),
            nlen: l.nlen(),
            alen: l.alen(),
            slen: l.slen(),
            data: hex_compact(l.data()),
            name: l.name_str().map(str::to_string),
            lladdr: l
                .lladdr()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":"),
        },
        Sockaddr::Empty { raw } => SockaddrJson::Empty {
            raw: hex_compact(raw),
        },
        Sockaddr::Raw(r) => SockaddrJson::Raw {
            af: r.family(),
            bytes: hex_compact(r.as_bytes()),
        },
    }
}

fn sockaddr_from_json(j: &SockaddrJson) -> Result<Sockaddr, JsonError> {
    Ok(match j {
        SockaddrJson::Inet { addr, port, zero } => {
            let mut z = [0u8; 8];
            let bytes = unhex(zero, "sin_zero")?;
            if bytes.len() > 8 {
                return Err(JsonError("sin_zero: more than 8 bytes".into()));
            }
            z[..bytes.len()].copy_from_slice(&bytes);
            Sockaddr::Inet(SockaddrIn {
                port: *port,
                addr: *addr,
                zero: z,
            })
        }
        SockaddrJson::Inet6 {
            addr,
            port,
            flowinfo,
            scope_id,
            ..
        } => Sockaddr::Inet6(SockaddrIn6 {
            port: *port,
            flowinfo: *flowinfo,
            addr: *addr,
            scope_id: *scope_id,
        }),
        SockaddrJson::Link {
            index,
            if_type,
            nlen,
            alen,
            slen,
            data,
            ..
        } => SockaddrDl::from_parts(
            *index,
            *if_type,
            *nlen,
            *alen,
            *slen,
            &unhex(data, "sdl data")?,
        )
        .map(Sockaddr::Link)
        .ok_or_else(|| JsonError("sockaddr_dl: lengths do not fit its data".into()))?,
        SockaddrJson::Empty { raw } => {
            let b = unhex(raw, "empty sockaddr")?;
            match b.as_slice() {
                [0, f, x, y] => Sockaddr::Empty {
                    raw: [0, *f, *x, *y],
                },
                _ => {
                    return Err(JsonError(
                        "empty sockaddr: need 4 bytes starting with 00".into(),
                    ))
                }
            }
        }
        SockaddrJson::Raw { bytes, .. } => RawSockaddr::new(&unhex(bytes, "raw sockaddr")?)
            .map(Sockaddr::Raw)
            .ok_or_else(|| JsonError("raw sockaddr: need 1 to 255 bytes".into()))?,
    })
}

fn slot_text(
    i: usize,
    sa: &Sockaddr,
    set: &AddressSet,
    names: &dyn Fn(u32) -> Option<String>,
) -> Option<String> {
    if i == RTAX_NETMASK || i == RTAX_GENMASK {
        let family = match set.dst().or(set.ifa()).and_then(Sockaddr::ip) {
            Some(a) => Family::of(a),
            None => return None,
        };
        return mask_len(family, sa).ok().map(|l| format!("/{l}"));
    }
    match sa {
        Sockaddr::Link(l) if i == RTAX_GATEWAY => Some(l.netstat_text()),
        Sockaddr::Link(l) => Some(
            l.name_str()
                .map_or_else(|| l.netstat_text(), str::to_string),
        ),
        _ => sa.ip_zone().map(|(a, z)| match z {
            Some(z) => format!("{a}%{}", zone_text(z, names)),
            None => a.to_string(),
        }),
    }
}

/// Describes an address set.
pub fn describe_addrs(set: &AddressSet, names: &dyn Fn(u32) -> Option<String>) -> AddrsJson {
    AddrsJson {
        bits: set.bits(),
        names: AddressSet::bit_names(set.bits()),
        absent_bits: set.absent_bits(),
        last_pad: set.last_pad(),
        trailing: hex_compact(set.trailing()),
        slots: set
            .iter()
            .map(|(i, sa)| {
                let pad = set.padding(i);
                let used = (sa.padded_len() - sa.wire_len()).min(3);
                SlotJson {
                    slot: RTAX_NAMES[i].to_string(),
                    sockaddr: sockaddr_json(sa),
                    pad: if pad[..used].iter().all(|&b| b == 0) {
                        String::new()
                    } else {
                        hex_compact(&pad[..used])
                    },
                    text: slot_text(i, sa, set, names),
                }
            })
            .collect(),
    }
}

/// The address set a description stands for.
///
/// # Errors
/// A [`JsonError`] naming the bad field.
pub fn addrs_from_json(j: &AddrsJson) -> Result<AddressSet, JsonError> {
    let mut set = AddressSet::new();
    for s in &j.slots {
        let i = RTAX_NAMES
            .iter()
            .position(|n| *n == s.slot)
            .ok_or_else(|| JsonError(format!("unknown slot {:?}", s.slot)))?;
        set.set(i, Some(sockaddr_from_json(&s.sockaddr)?));
        let pad = unhex(&s.pad, "pad")?;
        let mut p = [0u8; 3];
        let n = pad.len().min(3);
        p[..n].copy_from_slice(&pad[..n]);
        set.set_padding(i, p);
    }
    set.set_absent_bits(j.absent_bits);
    set.set_last_pad(j.last_pad);
    set.set_trailing(unhex(&j.trailing, "trailing")?);
    Ok(set)
}

fn type_name(t: u8) -> String {
    rtm_type_name(t).map_or_else(|| format!("{t:#04x}"), str::to_string)
}

/// Describes a message. `names` resolves interface indexes (zones,
/// netstat's Netif); see [`names_from_messages`] for one built from the
/// messages themselves. The netstat row's Expire column is relative to
/// time 0: the pure crate has no clock.
pub fn describe(m: &Message, names: &dyn Fn(u32) -> Option<String>) -> MessageJson {
    let addrs = m.addrs().map(|a| describe_addrs(a, names));
    let (header, flags, errno, netstat) = match m {
        Message::Route(r) => (
            HeaderJson::RtMsghdr(r.header),
            Some(r.header.flags.route_names()),
            (r.header.errno != 0).then(|| {
                errno_name(r.header.errno)
                    .map_or_else(|| r.header.errno.to_string(), str::to_string)
            }),
            route_from_message(r, names)
                .ok()
                .map(|route| render_row(&route, names, 0)),
        ),
        Message::Route2(r) => (
            HeaderJson::RtMsghdr2(r.header),
            Some(r.header.flags.route_names()),
            None,
            route_from_message2(r, names)
                .ok()
                .map(|route| render_row(&route, names, 0)),
        ),
        Message::Interface(i) => (HeaderJson::IfMsghdr(i.header), None, None, None),
        Message::Interface2(i) => (HeaderJson::IfMsghdr2(i.header), None, None, None),
        Message::Address(a) => (HeaderJson::IfaMsghdr(a.header), None, None, None),
        Message::Multicast(a) => (HeaderJson::IfmaMsghdr(a.header), None, None, None),
        Message::Multicast2(a) => (HeaderJson::IfmaMsghdr2(a.header), None, None, None),
        Message::Unknown(u) => (
            HeaderJson::Unknown {
                hex: hex_compact(&u.bytes),
            },
            None,
            None,
            None,
        ),
    };
    MessageJson {
        msg_type: type_name(m.msg_type()),
        msglen: m.buffer_len(),
        flags,
        errno,
        header,
        addrs,
        netstat,
    }
}

/// The message a description stands for.
///
/// # Errors
/// A [`JsonError`] naming the bad field.
pub fn message_from_json(j: &MessageJson) -> Result<Message, JsonError> {
    let addrs = || -> Result<AddressSet, JsonError> {
        j.addrs
            .as_ref()
            .map_or_else(|| Ok(AddressSet::new()), addrs_from_json)
    };
    Ok(match &j.header {
        HeaderJson::RtMsghdr(h) => Message::Route(RouteMessage {
            header: *h,
            addrs: addrs()?,
        }),
        HeaderJson::RtMsghdr2(h) => Message::Route2(Route2Message {
            header: *h,
            addrs: addrs()?,
        }),
        HeaderJson::IfMsghdr(h) => Message::Interface(InterfaceMessage {
            header: *h,
            addrs: addrs()?,
        }),
        HeaderJson::IfMsghdr2(h) => Message::Interface2(Interface2Message {
            header: *h,
            addrs: addrs()?,
        }),
        HeaderJson::IfaMsghdr(h) => Message::Address(AddressMessage {
            header: *h,
            addrs: addrs()?,
        }),
        HeaderJson::IfmaMsghdr(h) => Message::Multicast(MulticastMessage {
            header: *h,
            addrs: addrs()?,
        }),
        HeaderJson::IfmaMsghdr2(h) => Message::Multicast2(Multicast2Message {
            header: *h,
            addrs: addrs()?,
        }),
        HeaderJson::Unknown { hex } => Message::Unknown(UnknownMessage {
            bytes: unhex(hex, "unknown message")?,
        }),
    })
}

/// Interface names learnt from the named `sockaddr_dl`s in messages
/// (IFP of RTM_GET replies and iflist records, named gateways).
pub fn names_from_messages<'m>(
    messages: impl IntoIterator<Item = &'m Message>,
) -> BTreeMap<u32, String> {
    let mut names = BTreeMap::new();
    for m in messages {
        for (_, sa) in m.addrs().into_iter().flat_map(AddressSet::iter) {
            if let Some(l) = sa.as_link() {
                if let (Some(n), i) = (l.name_str(), l.index()) {
                    if i != 0 {
                        names.insert(u32::from(i), n.to_string());
                    }
                }
            }
        }
    }
    names
}

/// Encodes a document: the messages back to back, or the addrs payload.
///
/// # Errors
/// A [`JsonError`] naming the bad field.
pub fn encode_document(doc: &DocumentJson) -> Result<Vec<u8>, JsonError> {
    if let Some(a) = &doc.addrs {
        let set = addrs_from_json(a)?;
        let mut out = vec![0; set.buffer_len()];
        set.emit(&mut out);
        return Ok(out);
    }
    let messages = doc
        .messages
        .iter()
        .map(message_from_json)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(super::dump::emit_dump(&messages))
}
