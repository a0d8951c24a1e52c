//! [`Message`]: one whole routing message, owned, by header type.
//!
//! Framing rules, checked before anything else (in this order):
//! 1. at least 4 bytes (msglen, version, type);
//! 2. `msglen` equals the slice length: a slice is exactly one message
//!    (use [`super::dump`] for buffers of many);
//! 3. `version` is 5 ([`Error::BadVersion`] otherwise: the layouts below
//!    are only known for version 5, as the kernel's `EPROTONOSUPPORT`);
//! 4. `msglen` covers the fixed header of the type.
//!
//! A type XNU does not define, or one without a known layout (the
//! obsolete `RTM_OLDADD`/`RTM_OLDDEL`, the private `RTM_GET_EXT`), is kept
//! whole as [`Message::Unknown`] and emitted unchanged.

use super::addrs::AddressSet;
use super::consts::*;
use super::error::Error;
use super::header::{MessageBuffer, Route2Header, RouteHeader, RouteHeaderBuffer, RT_MSGHDR_LEN};
use super::ifheader::{
    IfHeader, IfHeader2, IfHeaderBuffer, IfaHeader, IfmaHeader, IfmaHeader2, IFA_MSGHDR_LEN,
    IFMA_MSGHDR2_LEN, IFMA_MSGHDR_LEN, IF_MSGHDR2_LEN, IF_MSGHDR_LEN,
};

/// Checks rules 1-3 of the module doc.
fn frame(b: &[u8]) -> Result<MessageBuffer<&[u8]>, Error> {
    let m = MessageBuffer::new_checked(b)?;
    let msglen = usize::from(m.msglen());
    if msglen != b.len() {
        return Err(Error::LengthMismatch {
            offset: 0,
            msglen,
            have: b.len(),
        });
    }
    if m.version() != RTM_VERSION {
        return Err(Error::BadVersion {
            offset: 0,
            version: m.version(),
        });
    }
    Ok(m)
}

/// `msglen` for an emitted length. Messages never exceed 65535 bytes;
/// a larger repr cannot be emitted faithfully (the length wraps).
fn msglen(len: usize) -> u16 {
    len as u16
}

/// A message with an `rt_msghdr`: `RTM_ADD`, `RTM_DELETE`, `RTM_CHANGE`,
/// `RTM_GET`, `RTM_LOSING`, `RTM_REDIRECT`, `RTM_MISS`, `RTM_LOCK`,
/// `RTM_RESOLVE`, `RTM_GET_SILENT`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RouteMessage {
    /// The header fields.
    pub header: RouteHeader,
    /// The sockaddrs (`rtm_addrs` is theirs).
    pub addrs: AddressSet,
}

/// An `RTM_GET2` record from `NET_RT_DUMP2` (`rt_msghdr2`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Route2Message {
    /// The header fields.
    pub header: Route2Header,
    /// The sockaddrs.
    pub addrs: AddressSet,
}

/// `RTM_IFINFO` (`if_msghdr`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct InterfaceMessage {
    /// The header fields.
    pub header: IfHeader,
    /// The sockaddrs (an `RTA_IFP` in iflist records).
    pub addrs: AddressSet,
}

/// `RTM_IFINFO2` (`if_msghdr2`, `NET_RT_IFLIST2`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Interface2Message {
    /// The header fields.
    pub header: IfHeader2,
    /// The sockaddrs.
    pub addrs: AddressSet,
}

/// `RTM_NEWADDR` / `RTM_DELADDR` (`ifa_msghdr`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AddressMessage {
    /// The header fields (the type among them).
    pub header: IfaHeader,
    /// The sockaddrs (IFA, NETMASK, BRD, sometimes IFP).
    pub addrs: AddressSet,
}

/// `RTM_NEWMADDR` / `RTM_DELMADDR` (`ifma_msghdr`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MulticastMessage {
    /// The header fields (the type among them).
    pub header: IfmaHeader,
    /// The sockaddrs (IFP, IFA, GATEWAY).
    pub addrs: AddressSet,
}

/// `RTM_NEWMADDR2` (`ifma_msghdr2`, `NET_RT_IFLIST2`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Multicast2Message {
    /// The header fields.
    pub header: IfmaHeader2,
    /// The sockaddrs.
    pub addrs: AddressSet,
}

/// A version-5 message of a type without a known layout, kept whole.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownMessage {
    /// The whole message, header included. Emitted as is.
    pub bytes: Vec<u8>,
}

/// One routing message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    /// `rt_msghdr` types.
    Route(RouteMessage),
    /// `RTM_GET2`.
    Route2(Route2Message),
    /// `RTM_IFINFO`.
    Interface(InterfaceMessage),
    /// `RTM_IFINFO2`.
    Interface2(Interface2Message),
    /// `RTM_NEWADDR` / `RTM_DELADDR`.
    Address(AddressMessage),
    /// `RTM_NEWMADDR` / `RTM_DELMADDR`.
    Multicast(MulticastMessage),
    /// `RTM_NEWMADDR2`.
    Multicast2(Multicast2Message),
    /// Any other type.
    Unknown(UnknownMessage),
}

/// Whether `rtm_type` is one of the types that use `rt_msghdr`.
pub fn is_route_type(rtm_type: u8) -> bool {
    matches!(
        rtm_type,
        RTM_ADD
            | RTM_DELETE
            | RTM_CHANGE
            | RTM_GET
            | RTM_LOSING
            | RTM_REDIRECT
            | RTM_MISS
            | RTM_LOCK
            | RTM_RESOLVE
            | RTM_GET_SILENT
    )
}

impl RouteMessage {
    /// A message of the given type with nothing else set.
    pub fn new(rtm_type: u8) -> RouteMessage {
        RouteMessage {
            header: RouteHeader::new(rtm_type),
            addrs: AddressSet::new(),
        }
    }
}

/// parse / buffer_len / emit / to_bytes for the two 92-byte route headers
/// (`rt_msghdr` and `rt_msghdr2` share the layout up to field meanings).
macro_rules! route_message {
    ($msg:ident, $hdr:ident) => {
        impl $msg {
            /// Parses exactly one message (any type byte is accepted here;
            /// [`Message::parse`] dispatches by type).
            ///
            /// # Errors
            /// Framing errors (module doc) and [`Error::Truncated`] sockaddrs.
            pub fn parse(b: &[u8]) -> Result<$msg, Error> {
                frame(b)?;
                let view = RouteHeaderBuffer::new_checked(b)?;
                let addrs = AddressSet::parse(view.addrs(), view.addrs_area())
                    .map_err(|e| e.at(RT_MSGHDR_LEN))?;
                Ok($msg {
                    header: $hdr::parse(&view),
                    addrs,
                })
            }

            /// The message length (`msglen`).
            pub fn buffer_len(&self) -> usize {
                RT_MSGHDR_LEN + self.addrs.buffer_len()
            }

            /// Writes the message into the first `buffer_len()` bytes.
            ///
            /// # Panics
            /// If `b` is shorter than `buffer_len()`.
            pub fn emit(&self, b: &mut [u8]) {
                let len = self.buffer_len();
                let mut view = RouteHeaderBuffer::new_unchecked(&mut b[..len]);
                self.header.emit(&mut view);
                view.set_msglen(msglen(len));
                view.set_addrs(self.addrs.bits());
                self.addrs.emit(&mut b[RT_MSGHDR_LEN..len]);
            }

            /// The message as bytes.
            pub fn to_bytes(&self) -> Vec<u8> {
                let mut v = vec![0; self.buffer_len()];
                self.emit(&mut v);
                v
            }
        }
    };
}

route_message!(RouteMessage, RouteHeader);
route_message!(Route2Message, Route2Header);

/// parse / buffer_len / emit / to_bytes for the interface-header
/// messages, whose headers are `le_struct`s at message offsets.
macro_rules! if_message {
    ($msg:ident, $hdr:ident, $what:literal, $len:expr, $fixed_type:expr) => {
        impl $msg {
            /// Parses exactly one message.
            ///
            /// # Errors
            /// Framing errors (module doc) and [`Error::Truncated`] sockaddrs.
            pub fn parse(b: &[u8]) -> Result<$msg, Error> {
                frame(b)?;
                let view = IfHeaderBuffer::new_checked(b, $what, $len)?;
                let addrs = AddressSet::parse(view.addrs(), &view.as_message()[$len..])
                    .map_err(|e| e.at($len))?;
                Ok($msg {
                    header: $hdr::read(b),
                    addrs,
                })
            }

            /// The message length.
            pub fn buffer_len(&self) -> usize {
                $len + self.addrs.buffer_len()
            }

            /// Writes the message.
            ///
            /// # Panics
            /// If `b` is shorter than `buffer_len()`.
            pub fn emit(&self, b: &mut [u8]) {
                let len = self.buffer_len();
                self.header.write(&mut b[..$len]);
                let mut view = IfHeaderBuffer::new_unchecked(&mut b[..len]);
                view.set_msglen(msglen(len));
                view.set_version(RTM_VERSION);
                if let Some(t) = $fixed_type {
                    view.set_msg_type(t);
                }
                view.set_addrs(self.addrs.bits());
                self.addrs.emit(&mut b[$len..len]);
            }

            /// The message as bytes.
            pub fn to_bytes(&self) -> Vec<u8> {
                let mut v = vec![0; self.buffer_len()];
                self.emit(&mut v);
                v
            }
        }
    };
}

if_message!(
    InterfaceMessage,
    IfHeader,
    "if_msghdr",
    IF_MSGHDR_LEN,
    Some(RTM_IFINFO)
);
if_message!(
    Interface2Message,
    IfHeader2,
    "if_msghdr2",
    IF_MSGHDR2_LEN,
    Some(RTM_IFINFO2)
);
if_message!(
    AddressMessage,
    IfaHeader,
    "ifa_msghdr",
    IFA_MSGHDR_LEN,
    None::<u8>
);
if_message!(
    MulticastMessage,
    IfmaHeader,
    "ifma_msghdr",
    IFMA_MSGHDR_LEN,
    None::<u8>
);
if_message!(
    Multicast2Message,
    IfmaHeader2,
    "ifma_msghdr2",
    IFMA_MSGHDR2_LEN,
    Some(RTM_NEWMADDR2)
);

impl Message {
    /// Parses exactly one message: the slice must be `msglen` bytes long.
    ///
    /// Never panics, whatever the bytes.
    ///
    /// # Errors
    /// See the module doc: [`Error::Truncated`], [`Error::LengthMismatch`],
    /// [`Error::BadVersion`], [`Error::ShorterThanHeader`].
    pub fn parse(b: &[u8]) -> Result<Message, Error> {
        let m = frame(b)?;
        Ok(match m.msg_type() {
            t if is_route_type(t) => Message::Route(RouteMessage::parse(b)?),
            RTM_GET2 => Message::Route2(Route2Message::parse(b)?),
            RTM_IFINFO => Message::Interface(InterfaceMessage::parse(b)?),
            RTM_IFINFO2 => Message::Interface2(Interface2Message::parse(b)?),
            RTM_NEWADDR | RTM_DELADDR => Message::Address(AddressMessage::parse(b)?),
            RTM_NEWMADDR | RTM_DELMADDR => Message::Multicast(MulticastMessage::parse(b)?),
            RTM_NEWMADDR2 => Message::Multicast2(Multicast2Message::parse(b)?),
            _ => Message::Unknown(UnknownMessage { bytes: b.to_vec() }),
        })
    }

    /// The message length `emit` writes.
    pub fn buffer_len(&self) -> usize {
        match self {
            Message::Route(m) => m.buffer_len(),
            Message::Route2(m) => m.buffer_len(),
            Message::Interface(m) => m.buffer_len(),
            Message::Interface2(m) => m.buffer_len(),
            Message::Address(m) => m.buffer_len(),
            Message::Multicast(m) => m.buffer_len(),
            Message::Multicast2(m) => m.buffer_len(),
            Message::Unknown(m) => m.bytes.len(),
        }
    }

    /// Writes the message into the first [`Message::buffer_len`] bytes.
    ///
    /// # Panics
    /// If `b` is shorter than [`Message::buffer_len`].
    pub fn emit(&self, b: &mut [u8]) {
        match self {
            Message::Route(m) => m.emit(b),
            Message::Route2(m) => m.emit(b),
            Message::Interface(m) => m.emit(b),
            Message::Interface2(m) => m.emit(b),
            Message::Address(m) => m.emit(b),
            Message::Multicast(m) => m.emit(b),
            Message::Multicast2(m) => m.emit(b),
            Message::Unknown(m) => b[..m.bytes.len()].copy_from_slice(&m.bytes),
        }
    }

    /// The message as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = vec![0; self.buffer_len()];
        self.emit(&mut v);
        v
    }

    /// The type byte.
    pub fn msg_type(&self) -> u8 {
        match self {
            Message::Route(m) => m.header.rtm_type,
            Message::Route2(_) => RTM_GET2,
            Message::Interface(_) => RTM_IFINFO,
            Message::Interface2(_) => RTM_IFINFO2,
            Message::Address(m) => m.header.rtm_type,
            Message::Multicast(m) => m.header.rtm_type,
            Message::Multicast2(_) => RTM_NEWMADDR2,
            Message::Unknown(m) => m.bytes.get(3).copied().unwrap_or(0),
        }
    }

    /// The sockaddrs, for every known type.
    pub fn addrs(&self) -> Option<&AddressSet> {
        match self {
            Message::Route(m) => Some(&m.addrs),
            Message::Route2(m) => Some(&m.addrs),
            Message::Interface(m) => Some(&m.addrs),
            Message::Interface2(m) => Some(&m.addrs),
            Message::Address(m) => Some(&m.addrs),
            Message::Multicast(m) => Some(&m.addrs),
            Message::Multicast2(m) => Some(&m.addrs),
            Message::Unknown(_) => None,
        }
    }
}

impl From<RouteMessage> for Message {
    fn from(m: RouteMessage) -> Message {
        Message::Route(m)
    }
}

impl From<Route2Message> for Message {
    fn from(m: Route2Message) -> Message {
        Message::Route2(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RouteFlags;

    fn route_bytes() -> Vec<u8> {
        let mut m = RouteMessage::new(RTM_ADD);
        m.header.flags = RouteFlags::UP;
        m.to_bytes()
    }

    #[test]
    fn parse_and_emit_a_bare_header() {
        let b = route_bytes();
        assert_eq!(b.len(), 92);
        let m = Message::parse(&b).expect("parse");
        assert_eq!(m.msg_type(), RTM_ADD);
        assert_eq!(m.to_bytes(), b);
    }

    #[test]
    fn rejects_bad_version() {
        let mut b = route_bytes();
        b[2] = 4;
        assert_eq!(
            Message::parse(&b),
            Err(Error::BadVersion {
                offset: 0,
                version: 4
            })
        );
    }

    #[test]
    fn rejects_msglen_different_from_slice() {
        let mut b = route_bytes();
        b.push(0);
        assert_eq!(
            Message::parse(&b),
            Err(Error::LengthMismatch {
                offset: 0,
                msglen: 92,
                have: 93
            })
        );
    }

    #[test]
    fn rejects_msglen_shorter_than_header() {
        let mut b = route_bytes();
        b.truncate(50);
        b[0] = 50;
        assert!(matches!(
            Message::parse(&b),
            Err(Error::Truncated {
                what: "rt_msghdr",
                need: 92,
                have: 50,
                ..
            })
        ));
    }

    #[test]
    fn rejects_fewer_than_four_bytes() {
        assert!(matches!(
            Message::parse(&[3, 0, 5]),
            Err(Error::Truncated { need: 4, .. })
        ));
    }

    #[test]
    fn unknown_type_is_kept_raw() {
        let b = [8, 0, 5, RTM_GET_EXT, 1, 2, 3, 4];
        let m = Message::parse(&b).expect("parse");
        assert!(matches!(m, Message::Unknown(_)));
        assert_eq!(m.msg_type(), RTM_GET_EXT);
        assert_eq!(m.to_bytes(), b);
    }

    #[test]
    fn get2_uses_rt_msghdr2() {
        let mut m = Route2Message::default();
        m.header.refcnt = 3;
        let b = m.to_bytes();
        assert_eq!(b[3], RTM_GET2);
        assert_eq!(Message::parse(&b), Ok(Message::Route2(m)));
    }

    #[test]
    fn sockaddr_errors_carry_the_message_offset() {
        let mut b = route_bytes();
        b[12] = 0x01; // DST
        b.extend_from_slice(&[16, 2, 0, 0]);
        b[0] = 96;
        assert_eq!(
            Message::parse(&b),
            Err(Error::Truncated {
                what: "sockaddr DST",
                offset: 92,
                need: 16,
                have: 4
            })
        );
    }

    #[test]
    fn interface_messages_round_trip() {
        let mut ifinfo = InterfaceMessage::default();
        ifinfo.header.index = 4;
        ifinfo.header.data.mtu = 1500;
        let b = ifinfo.to_bytes();
        assert_eq!((b.len(), b[3]), (IF_MSGHDR_LEN, RTM_IFINFO));
        assert_eq!(Message::parse(&b), Ok(Message::Interface(ifinfo)));
        let mut ma2 = Multicast2Message::default();
        ma2.header.refcount = 2;
        let b = ma2.to_bytes();
        assert_eq!((b.len(), b[3]), (IFMA_MSGHDR2_LEN, RTM_NEWMADDR2));
        assert_eq!(Message::parse(&b), Ok(Message::Multicast2(ma2)));
    }
}
