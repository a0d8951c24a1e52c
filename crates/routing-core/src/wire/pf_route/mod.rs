//! The macOS `PF_ROUTE` routing-socket codec (darwin-route-socket.md).
//!
//! # API tour
//!
//! - **Parse one message**: [`Message::parse`]`(&[u8]) -> Result<Message, Error>`;
//!   the slice must be exactly `msglen` long. Match on
//!   [`Message::Route`] (`rt_msghdr`: ADD/DELETE/CHANGE/GET/…),
//!   [`Message::Route2`] (`RTM_GET2` dump records), the interface
//!   messages, or [`Message::Unknown`] (kept raw).
//! - **Emit**: `buffer_len()`, `emit(&mut [u8])`, `to_bytes()` on every
//!   repr. `emit(parse(b)) == b`.
//! - **Sockaddrs**: [`RouteMessage::addrs`] is an [`AddressSet`] of
//!   [`Sockaddr`] slots by `RTAX_*` index (`dst()`, `gateway()`,
//!   `netmask()`, `ifp()`, `ifa()`…); [`Sockaddr`] is `Inet`, `Inet6`,
//!   `Link(`[`SockaddrDl`]`)`, `Empty` (zero length, 4 raw bytes) or `Raw`.
//! - **Dumps** (`sysctl NET_RT_DUMP2`, `NET_RT_IFLIST2`): [`Dump::new`]`(&buf)`
//!   yields `Result<Message, Error>` per record; [`RawMessages`] frames
//!   without parsing; [`parse_dump`] / [`emit_dump`].
//! - **Requests**: [`scoped_default`], [`host_exclusion`], [`get_route`]
//!   with [`RouteOp`], [`NextHop`], [`ProtoFlag`].
//! - **Replies**: [`ReplyMatcher::classify`] / `classify_bytes` →
//!   [`Reply`]`::{NotOurs, Ok{done}, Errno(e)}`; errno is read at offset 24.
//! - **Model**: [`route_from_message`], [`route_from_message2`] →
//!   [`model::Route`](crate::model::Route); [`dump2_record`],
//!   [`report_message`], [`route_notification`], [`kernel_netmask`] for
//!   building kernel-side messages from a route.
//! - **Text**: [`json`] describes messages for tools (`pfroute decode`),
//!   and reads them back (`encode`); [`crate::wire::hex`] reads and writes hex.
//!
//! Constants keep their C names in [`consts`].

pub mod addrs;
pub mod build;
pub mod bytes;
pub mod consts;
pub mod convert;
pub mod dump;
mod endian;
pub mod error;
pub mod header;
pub mod ifheader;
#[cfg(feature = "serde")]
pub mod json;
pub mod link;
pub mod message;
pub mod reply;
pub mod sockaddr;

pub use addrs::AddressSet;
pub use build::{get_route, host_exclusion, scoped_default, NextHop, ProtoFlag, RouteOp};
pub use bytes::SaBytes;
pub use convert::{
    dump2_record, guess_if_type, kernel_netmask, mask_len, report_message, route_from_message,
    route_from_message2, route_notification, ConvertError, RouteExtras,
};
pub use dump::{emit_dump, parse_dump, Dump, RawMessages};
pub use error::Error;
pub use header::{
    MessageBuffer, Route2Header, RouteHeader, RouteHeaderBuffer, RtMetrics, RT_MSGHDR_LEN,
};
pub use ifheader::{
    IfData, IfData64, IfHeader, IfHeader2, IfHeaderBuffer, IfaHeader, IfmaHeader, IfmaHeader2,
    IFA_MSGHDR_LEN, IFMA_MSGHDR2_LEN, IFMA_MSGHDR_LEN, IF_MSGHDR2_LEN, IF_MSGHDR_LEN,
};
pub use link::SockaddrDl;
pub use message::{
    AddressMessage, Interface2Message, InterfaceMessage, Message, Multicast2Message,
    MulticastMessage, Route2Message, RouteMessage, UnknownMessage,
};
pub use reply::{Reply, ReplyMatcher};
pub use sockaddr::{roundup32, RawSockaddr, Sockaddr, SockaddrIn, SockaddrIn6};

#[cfg(test)]
mod proptests;
