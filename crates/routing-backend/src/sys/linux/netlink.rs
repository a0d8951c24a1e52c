//! The request side of rtnetlink: one `NETLINK_ROUTE` socket that joins no
//! multicast group, so everything it reads is a reply to us.
//!
//! One request at a time (the backend is `&mut self`): each gets a fresh
//! sequence number, and replies carrying another one (left over from a
//! request that timed out) are skipped. A change or a lookup asks for an
//! ACK and reads up to it; a dump reads up to `NLMSG_DONE`, and is started
//! again when the kernel says the table changed under it
//! (`NLM_F_DUMP_INTR`). A reply that does not come within the deadline is
//! [`ErrorKind::TimedOut`].

use std::io;
use std::time::Duration;

use netlink_packet_core::{
    NetlinkBuffer, NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_DUMP,
    NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::protocols::NETLINK_ROUTE;
use netlink_sys::{AsyncSocket, AsyncSocketExt, SocketAddr, TokioSocket};
use tokio::time::Instant;
use tracing::debug;

use crate::error::{linux_errno, Error, ErrorKind, Op, Result};

/// The receive buffer asked for: dumps of large tables arrive faster than
/// one parse, and a small buffer only means more reads.
const RECEIVE_BUFFER: usize = 1 << 20;

/// How often a dump the table changed under is started again.
const DUMP_TRIES: usize = 5;

/// One message of a datagram: its header, and its parse (or why not).
pub(super) struct Received {
    /// `nlmsg_seq`.
    pub seq: u32,
    /// `nlmsg_pid`: the port of the socket whose request caused it (0 for
    /// the kernel's own changes).
    pub port: u32,
    /// `nlmsg_flags`.
    pub flags: u16,
    /// The message, or why it could not be read.
    pub message: std::result::Result<NetlinkMessage<RouteNetlinkMessage>, String>,
}

/// Splits a datagram into its netlink messages. A malformed message is
/// reported in place; framing that makes no sense ends the datagram.
pub(super) fn split(bytes: &[u8]) -> Vec<Received> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let Ok(buffer) = NetlinkBuffer::new_checked(&bytes[offset..]) else {
            break;
        };
        let len = buffer.length() as usize;
        let (seq, port, flags) = (
            buffer.sequence_number(),
            buffer.port_number(),
            buffer.flags(),
        );
        let message =
            NetlinkMessage::deserialize(&bytes[offset..offset + len]).map_err(|e| e.to_string());
        out.push(Received {
            seq,
            port,
            flags,
            message,
        });
        // Messages are aligned to four bytes (NLMSG_ALIGN).
        offset += (len + 3) & !3;
    }
    out
}

/// The request socket.
pub(super) struct Netlink {
    socket: TokioSocket,
    port: u32,
    seq: u32,
    timeout: Duration,
}

impl std::fmt::Debug for Netlink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Netlink")
            .field("port", &self.port)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// What a request brought back.
struct Exchange {
    messages: Vec<RouteNetlinkMessage>,
    interrupted: bool,
    unreadable: usize,
}

impl Netlink {
    /// Opens and binds the socket; each reply must come within `timeout`.
    /// Must be called within a tokio runtime.
    pub fn open(timeout: Duration) -> io::Result<Netlink> {
        let mut socket = TokioSocket::new(NETLINK_ROUTE)?;
        let address = socket.socket_mut().bind_auto()?;
        // A smaller buffer only costs reads.
        let _ = socket.socket_ref().set_rx_buf_sz(RECEIVE_BUFFER);
        Ok(Netlink {
            socket,
            port: address.port_number(),
            seq: 0,
            timeout,
        })
    }

    /// The port the kernel stamps on notifications our requests cause.
    pub fn port(&self) -> u32 {
        self.port
    }

    /// A change or a lookup: the messages the kernel answered with before
    /// its ACK (none for a change, the route for a lookup).
    ///
    /// # Errors
    /// The kernel's errno through [`crate::error::linux_kind`], a timeout,
    /// or a reply that cannot be read.
    pub async fn request(
        &mut self,
        op: Op,
        message: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Vec<RouteNetlinkMessage>> {
        let exchange = self.exchange(op, message, flags | NLM_F_ACK).await?;
        if exchange.unreadable > 0 {
            return Err(Error::new(
                op,
                ErrorKind::Protocol,
                "the kernel's reply could not be read",
            ));
        }
        Ok(exchange.messages)
    }

    /// A dump. Messages that cannot be read are skipped (and logged).
    ///
    /// # Errors
    /// As [`Netlink::request`]; [`ErrorKind::TableGrew`] when every try
    /// was interrupted by changes.
    pub async fn dump(&mut self, message: RouteNetlinkMessage) -> Result<Vec<RouteNetlinkMessage>> {
        for _ in 0..DUMP_TRIES {
            let exchange = self.exchange(Op::Dump, message.clone(), NLM_F_DUMP).await?;
            if exchange.unreadable > 0 {
                debug!(
                    skipped = exchange.unreadable,
                    "skipped unreadable messages in a dump"
                );
            }
            if !exchange.interrupted {
                return Ok(exchange.messages);
            }
            debug!("the table changed during a dump; reading it again");
        }
        Err(Error::new(
            Op::Dump,
            ErrorKind::TableGrew,
            format!("the table kept changing ({DUMP_TRIES} tries)"),
        ))
    }

    async fn exchange(
        &mut self,
        op: Op,
        message: RouteNetlinkMessage,
        flags: u16,
    ) -> Result<Exchange> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = seq;
        let mut request = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(message));
        request.finalize();
        let mut bytes = vec![0u8; request.buffer_len()];
        request.serialize(&mut bytes);
        let deadline = Instant::now() + self.timeout;
        let kernel = SocketAddr::new(0, 0);
        within(op, deadline, self.socket.send_to(&bytes, &kernel)).await?;
        let dump = flags & NLM_F_DUMP == NLM_F_DUMP;
        let mut exchange = Exchange {
            messages: Vec::new(),
            interrupted: false,
            unreadable: 0,
        };
        loop {
            let (datagram, _from) = within(op, deadline, self.socket.recv_from_full()).await?;
            for received in split(&datagram) {
                if received.seq != seq {
                    continue;
                }
                exchange.interrupted |= received.flags & NLM_F_DUMP_INTR != 0;
                let message = match received.message {
                    Ok(message) => message,
                    Err(why) => {
                        debug!(%why, "unreadable netlink message");
                        exchange.unreadable += 1;
                        continue;
                    }
                };
                match message.payload {
                    NetlinkPayload::InnerMessage(inner) => exchange.messages.push(inner),
                    NetlinkPayload::Error(e) => match e.code {
                        Some(code) => return Err(Error::from_linux(op, -code.get(), "")),
                        None if !dump => return Ok(exchange),
                        None => {}
                    },
                    NetlinkPayload::Done(done) if done.code < 0 => {
                        return Err(Error::from_linux(op, -done.code, "the dump failed"))
                    }
                    NetlinkPayload::Done(_) => return Ok(exchange),
                    NetlinkPayload::Overrun(_) => {
                        return Err(Error::from_linux(op, linux_errno::ENOBUFS, "overrun"))
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Runs one socket call, failing at the deadline.
async fn within<T>(
    op: Op,
    deadline: Instant,
    call: impl std::future::Future<Output = io::Result<T>>,
) -> Result<T> {
    match tokio::time::timeout_at(deadline, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(Error::from_linux(
            op,
            e.raw_os_error().unwrap_or(linux_errno::ENOTCONN),
            e.to_string(),
        )),
        Err(_elapsed) => Err(Error::new(
            op,
            ErrorKind::TimedOut,
            "no reply from the kernel",
        )),
    }
}
