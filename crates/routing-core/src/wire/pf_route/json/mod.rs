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

use serde::{Deserialize, Serialize};

use crate::model::netstat::render_row;
use crate::wire::hex::{format_hex, parse_hex};

use super::addrs::AddressSet;
use super::consts::*;
use super::convert::{route_from_message, route_from_message2};
use super::header::{Route2Header, RouteHeader};
use super::ifheader::{IfHeader, IfHeader2, IfaHeader, IfmaHeader, IfmaHeader2};
use super::message::*;

mod addrs;
mod document;

pub use addrs::{addrs_from_json, describe_addrs, AddrsJson, SlotJson, SockaddrJson};
pub use document::{decode_document, parse_addrs_bits, DecodeInput};

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

/// Why a JSON description cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError(pub String);

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JsonError {}

pub(crate) fn hex_compact(b: &[u8]) -> String {
    format_hex(b)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn unhex(s: &str, what: &str) -> Result<Vec<u8>, JsonError> {
    parse_hex(s).map_err(|e| JsonError(format!("{what}: {e}")))
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
