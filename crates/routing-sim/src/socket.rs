//! Routing sockets: receive queues, options, and the broadcast that
//! delivers one message to every socket (darwin-route-socket.md §1, §5.2).
//!
//! - A socket opened with protocol `P != 0` receives only messages tagged
//!   `P`; protocol 0 receives everything. The tag is chosen by whoever
//!   builds the message (see [`crate::output`] and [`crate::events`]).
//! - The writer gets its own echo only while `SO_USELOOPBACK` is on (the
//!   default). With it off, and no other routing socket open, the message
//!   is not built at all.
//! - A full receive buffer drops the message for that socket, silently: no
//!   error on a later read. A message takes its length plus 2 bytes (the
//!   `{len=2, family=PF_ROUTE}` source address `sbappendaddr` stores with
//!   it) of the buffer, 8192 bytes by default.
//! - One `read` returns one message.

use std::collections::{BTreeMap, VecDeque};

use crate::errno::Errno;

/// The default send and receive buffer size (`RAWSNDQ`/`RAWRCVQ`).
pub const DEFAULT_BUFFER: usize = 8192;

/// What each queued message costs besides its bytes: the 2-byte source
/// sockaddr stored in front of it.
const RECORD_OVERHEAD: usize = 2;

/// A routing socket handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketId(pub u32);

/// One routing socket.
#[derive(Debug, Clone)]
pub(crate) struct SimSocket {
    /// The owner's pid, stamped into `rtm_pid` of what it writes.
    pub(crate) pid: i32,
    /// The protocol given to `socket()`: 0 or an address family.
    pub(crate) protocol: i32,
    /// Created by the superuser (`SS_PRIV`).
    pub(crate) privileged: bool,
    /// `SO_USELOOPBACK`.
    pub(crate) loopback: bool,
    /// `SO_RCVBUF`.
    pub(crate) rcvbuf: usize,
    /// `SO_SNDBUF`.
    pub(crate) sndbuf: usize,
    /// Queued messages.
    queue: VecDeque<Vec<u8>>,
    /// Bytes charged against `rcvbuf`.
    queued: usize,
    /// `shutdown(SHUT_RD)`: everything arriving is dropped.
    read_shut: bool,
    /// Messages dropped because the buffer was full.
    dropped: u64,
    /// Reads done so far (delayed messages may wait for a number of them).
    pub(crate) reads: u64,
}

/// A message on its way to the sockets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Broadcast {
    /// The bytes.
    pub(crate) bytes: Vec<u8>,
    /// The delivery tag (`sp_protocol`): 0 or an address family.
    pub(crate) tag: i32,
    /// A socket that must not receive it (a writer with loopback off).
    pub(crate) skip: Option<SocketId>,
    /// Whether it answers a write (an echo or reply), not a notification.
    pub(crate) echo: bool,
}

impl Broadcast {
    /// The `rtm_type` byte (every routing message has it at offset 3).
    pub(crate) fn rtm_type(&self) -> u8 {
        self.bytes.get(3).copied().unwrap_or(0)
    }
}

/// Every open routing socket.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sockets {
    open: BTreeMap<SocketId, SimSocket>,
    next: u32,
}

impl Sockets {
    /// Opens a socket.
    pub(crate) fn open(&mut self, pid: i32, protocol: i32, privileged: bool) -> SocketId {
        self.next += 1;
        let id = SocketId(self.next);
        self.open.insert(
            id,
            SimSocket {
                pid,
                protocol,
                privileged,
                loopback: true,
                rcvbuf: DEFAULT_BUFFER,
                sndbuf: DEFAULT_BUFFER,
                queue: VecDeque::new(),
                queued: 0,
                read_shut: false,
                dropped: 0,
                reads: 0,
            },
        );
        id
    }

    /// A socket, or `EBADF`.
    pub(crate) fn get(&self, id: SocketId) -> Result<&SimSocket, Errno> {
        self.open.get(&id).ok_or(Errno::EBADF)
    }

    /// A socket, or `EBADF`.
    pub(crate) fn get_mut(&mut self, id: SocketId) -> Result<&mut SimSocket, Errno> {
        self.open.get_mut(&id).ok_or(Errno::EBADF)
    }

    /// Closes a socket; its queue is discarded.
    pub(crate) fn close(&mut self, id: SocketId) -> Result<(), Errno> {
        self.open.remove(&id).map(|_| ()).ok_or(Errno::EBADF)
    }

    /// How many routing sockets are open (`route_cb.any_count`).
    pub(crate) fn count(&self) -> usize {
        self.open.len()
    }

    /// The open sockets' ids, ascending.
    pub(crate) fn ids(&self) -> Vec<SocketId> {
        self.open.keys().copied().collect()
    }

    /// Delivers a message to every socket that should get it (`raw_input`).
    pub(crate) fn deliver(&mut self, message: &Broadcast) {
        self.deliver_to(message, |_| true);
    }

    /// Delivers a message to the sockets `pick` chooses among those that
    /// should get it.
    pub(crate) fn deliver_to(&mut self, message: &Broadcast, pick: impl Fn(SocketId) -> bool) {
        for (id, socket) in &mut self.open {
            if Some(*id) == message.skip || !pick(*id) {
                continue;
            }
            if socket.protocol != 0 && socket.protocol != message.tag {
                continue;
            }
            socket.append(&message.bytes);
        }
    }
}

impl SimSocket {
    /// `sbappendaddr`: queue the message if it fits, else drop it silently.
    fn append(&mut self, bytes: &[u8]) {
        if self.read_shut {
            return;
        }
        let cost = bytes.len() + RECORD_OVERHEAD;
        if self.queued + cost > self.rcvbuf {
            self.dropped += 1;
            return;
        }
        self.queued += cost;
        self.queue.push_back(bytes.to_vec());
    }

    /// One message, or `None` when the queue is empty.
    pub(crate) fn pop(&mut self) -> Option<Vec<u8>> {
        self.reads += 1;
        let message = self.queue.pop_front()?;
        self.queued -= message.len() + RECORD_OVERHEAD;
        Some(message)
    }

    /// Messages waiting.
    pub(crate) fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Messages dropped on a full buffer so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// `shutdown(SHUT_RD)`: discard the queue and everything to come.
    pub(crate) fn shut_read(&mut self) {
        self.read_shut = true;
        self.queue.clear();
        self.queued = 0;
    }
}

impl crate::SimKernel {
    /// Opens a routing socket for a privileged process (`socket(PF_ROUTE,
    /// SOCK_RAW, protocol)` as root). `protocol` is 0 (everything) or an
    /// address family to filter on (§5.2). `SO_USELOOPBACK` starts on and
    /// both buffers at 8192 bytes.
    pub fn open_socket(&mut self, pid: i32, protocol: i32) -> SocketId {
        self.sockets.open(pid, protocol, true)
    }

    /// Opens a routing socket for an unprivileged process: it may only
    /// write `RTM_GET` (anything else fails with `EPERM`).
    pub fn open_unprivileged_socket(&mut self, pid: i32, protocol: i32) -> SocketId {
        self.sockets.open(pid, protocol, false)
    }

    /// Reads one message; `None` when nothing is queued (a non-blocking
    /// read would fail with `EAGAIN`) or the socket is closed.
    pub fn read(&mut self, sock: SocketId) -> Option<Vec<u8>> {
        self.try_read(sock).ok()
    }

    /// Reads one message.
    ///
    /// # Errors
    /// `EAGAIN` when nothing is queued, `EBADF` for a closed socket.
    pub fn try_read(&mut self, sock: SocketId) -> Result<Vec<u8>, Errno> {
        let message = self.sockets.get_mut(sock)?.pop();
        self.release_due();
        message.ok_or(Errno::EAGAIN)
    }

    /// Reads one message into a buffer of `len` bytes: a longer message is
    /// truncated and its rest discarded (datagram semantics).
    ///
    /// # Errors
    /// As [`crate::SimKernel::try_read`].
    pub fn read_truncated(&mut self, sock: SocketId, len: usize) -> Result<Vec<u8>, Errno> {
        let mut message = self.try_read(sock)?;
        message.truncate(len);
        Ok(message)
    }

    /// Every message queued on the socket, oldest first.
    pub fn drain(&mut self, sock: SocketId) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| self.read(sock)).collect()
    }

    /// Messages waiting on the socket (0 for a closed socket).
    pub fn pending(&self, sock: SocketId) -> usize {
        self.sockets.get(sock).map_or(0, SimSocket::pending)
    }

    /// Messages dropped so far because the receive buffer was full.
    pub fn dropped(&self, sock: SocketId) -> u64 {
        self.sockets.get(sock).map_or(0, SimSocket::dropped)
    }

    /// `setsockopt(SO_USELOOPBACK)`: whether the socket gets its own echoes.
    ///
    /// # Errors
    /// `EBADF` for a closed socket.
    pub fn set_loopback(&mut self, sock: SocketId, on: bool) -> Result<(), Errno> {
        self.sockets.get_mut(sock)?.loopback = on;
        Ok(())
    }

    /// `setsockopt(SO_RCVBUF)`.
    ///
    /// # Errors
    /// `EBADF` for a closed socket; `EINVAL` for 0.
    pub fn set_rcvbuf(&mut self, sock: SocketId, bytes: usize) -> Result<(), Errno> {
        if bytes == 0 {
            return Err(Errno::EINVAL);
        }
        self.sockets.get_mut(sock)?.rcvbuf = bytes;
        Ok(())
    }

    /// `setsockopt(SO_SNDBUF)`: writes longer than this fail with `EMSGSIZE`.
    ///
    /// # Errors
    /// `EBADF` for a closed socket; `EINVAL` for 0.
    pub fn set_sndbuf(&mut self, sock: SocketId, bytes: usize) -> Result<(), Errno> {
        if bytes == 0 {
            return Err(Errno::EINVAL);
        }
        self.sockets.get_mut(sock)?.sndbuf = bytes;
        Ok(())
    }

    /// `shutdown(SHUT_RD)`: the socket drops everything, as route(8) does
    /// to never read its own messages.
    ///
    /// # Errors
    /// `EBADF` for a closed socket.
    pub fn shutdown_read(&mut self, sock: SocketId) -> Result<(), Errno> {
        self.sockets.get_mut(sock)?.shut_read();
        Ok(())
    }

    /// Closes the socket.
    ///
    /// # Errors
    /// `EBADF` when it is already closed.
    pub fn close(&mut self, sock: SocketId) -> Result<(), Errno> {
        self.sockets.close(sock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(len: usize, tag: i32) -> Broadcast {
        let mut bytes = vec![0u8; len];
        bytes[3] = 1;
        Broadcast {
            bytes,
            tag,
            skip: None,
            echo: false,
        }
    }

    #[test]
    fn protocol_filter_passes_only_matching_tags_to_nonzero_sockets() {
        let mut s = Sockets::default();
        let all = s.open(1, 0, true);
        let inet = s.open(2, 2, true);
        s.deliver(&message(100, 0));
        s.deliver(&message(100, 2));
        s.deliver(&message(100, 30));
        assert_eq!(s.get(all).unwrap().pending(), 3);
        assert_eq!(s.get(inet).unwrap().pending(), 1);
    }

    #[test]
    fn full_buffer_drops_silently_counting_the_source_address() {
        let mut s = Sockets::default();
        let id = s.open(1, 0, true);
        s.get_mut(id).unwrap().rcvbuf = 2 * 102;
        for _ in 0..3 {
            s.deliver(&message(100, 0));
        }
        let sock = s.get_mut(id).unwrap();
        assert_eq!(sock.pending(), 2);
        assert_eq!(sock.dropped(), 1);
        assert!(sock.pop().is_some());
        s.deliver(&message(100, 0));
        assert_eq!(s.get(id).unwrap().pending(), 2, "space freed by a read");
    }

    #[test]
    fn skip_and_shutdown_exclude_a_socket() {
        let mut s = Sockets::default();
        let a = s.open(1, 0, true);
        let b = s.open(2, 0, true);
        let mut m = message(100, 0);
        m.skip = Some(a);
        s.deliver(&m);
        s.get_mut(b).unwrap().shut_read();
        s.deliver(&message(100, 0));
        assert_eq!(s.get(a).unwrap().pending(), 1);
        assert_eq!(s.get(b).unwrap().pending(), 0);
    }
}
