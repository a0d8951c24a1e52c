//! The sockaddr half of the JSON description: slots and sockaddrs.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::model::Family;

use super::super::addrs::AddressSet;
use super::super::consts::*;
use super::super::convert::mask_len;
use super::super::link::SockaddrDl;
use super::super::sockaddr::{RawSockaddr, Sockaddr, SockaddrIn, SockaddrIn6};
use super::{hex_compact, unhex, JsonError};

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
