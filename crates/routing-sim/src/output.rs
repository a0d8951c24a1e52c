//! `write(2)` on a routing socket: `route_output` (darwin-route-socket.md
//! §5.1) and the one broadcast every write ends in (§5.2).
//!
//! The checks run in XNU's order, each failure setting `rtm_errno` in the
//! kernel's copy of the message, which is then broadcast as the echo:
//!
//! | # | Check | errno |
//! |---|---|---|
//! | 0 | Fewer than 8 bytes (`m_pullup(m, sizeof(intptr_t))` fails) | `ENOBUFS`, and **no** broadcast |
//! | 1 | Length < 92 or ≠ `rtm_msglen` | `EINVAL`; the original bytes are broadcast, no errno in them |
//! | 2 | `rtm_version` ≠ 5 | `EPROTONOSUPPORT` |
//! | 3 | `RTM_GET_SILENT` without `SO_USELOOPBACK` | `EINVAL` |
//! | 4 | Not `RTM_GET`, unprivileged socket | `EPERM` |
//! | 5 | `rtm_pid` := the writer's pid | |
//! | 6–12 | Sockaddrs (the kernel's `rt_xaddrs` reading, `request.rs`) | `EINVAL` |
//! | | Dispatch: `RTM_ADD`/`DELETE`/`GET`/`CHANGE`/`LOCK`; any other type | `EOPNOTSUPP` |
//!
//! Successes get `RTF_DONE`. `RTM_GET` and a successful `RTM_DELETE`
//! replace the echo with a report rebuilt from the route (`rt_msg2`), with
//! `RTA_IFP`/`RTA_IFA` only if the request's `rtm_addrs` asked for them.

use routing_core::model::{Family, Route, RouteFlags, RouteKey};

use routing_core::wire::pf_route::consts::RTAX_NETMASK;
use routing_core::wire::pf_route::{report_message, RouteExtras, RouteHeader, RouteHeaderBuffer};

use crate::errno::Errno;
use crate::faults::{Fault, Site};
use crate::kernel::{RouteExtra, SimKernel};
#[cfg(test)]
use crate::msg::Builder;
use crate::msg::{self, RT_MSGHDR_LEN};
use crate::request::{self, Request};
use crate::socket::{Broadcast, SocketId};

/// What a dispatched request produced.
struct Outcome {
    /// The message to broadcast.
    bytes: Vec<u8>,
    /// Its delivery tag.
    tag: i32,
    /// The error, if it failed.
    error: Option<Errno>,
}

impl SimKernel {
    /// Writes one routing message, as `write(2)` on the socket. Returns
    /// the length written, or the Darwin errno `write` fails with.
    ///
    /// # Errors
    /// `EBADF` for a closed socket, `EMSGSIZE` over the send buffer,
    /// `ENOBUFS` under 8 bytes, and every `route_output` errno (§5.9).
    pub fn write(&mut self, sock: SocketId, bytes: &[u8]) -> Result<usize, Errno> {
        let socket = self.sockets.get(sock)?;
        if bytes.len() > socket.sndbuf {
            return Err(Errno::EMSGSIZE);
        }
        let (pid, privileged, loopback) = (socket.pid, socket.privileged, socket.loopback);
        if bytes.len() < 8 {
            // QUIRK(xnu rtsock.c route_output): m_pullup to sizeof(intptr_t)
            // fails first, and nothing is broadcast.
            return Err(Errno::ENOBUFS);
        }
        let rtm_type = bytes[3];
        if let Some(Fault::WriteNoBuffers) = self.peek_write_fault(rtm_type) {
            return Err(Errno::ENOBUFS);
        }
        let msglen = usize::from(u16::from_le_bytes([bytes[0], bytes[1]]));
        let mut only_self = false;
        let outcome = if bytes.len() < RT_MSGHDR_LEN || bytes.len() != msglen {
            Outcome {
                bytes: bytes.to_vec(),
                tag: 0,
                error: Some(Errno::EINVAL),
            }
        } else {
            let mut buf = bytes.to_vec();
            let early = if buf[2] != msg::RTM_VERSION {
                Some(Errno::EPROTONOSUPPORT)
            } else if buf[3] == msg::RTM_GET_SILENT && !loopback {
                Some(Errno::EINVAL)
            } else {
                if buf[3] == msg::RTM_GET_SILENT {
                    only_self = true;
                    buf[3] = msg::RTM_GET;
                }
                (buf[3] != msg::RTM_GET && !privileged).then_some(Errno::EPERM)
            };
            match early {
                Some(e) => fail(buf, e, 0),
                None => {
                    RouteHeaderBuffer::new_unchecked(&mut buf[..]).set_pid(pid);
                    self.route_output(buf)
                }
            }
        };
        let Outcome {
            mut bytes,
            tag,
            error,
        } = outcome;
        // Row 1 leaves the writer's bytes alone; everything else is the
        // kernel's copy and carries the outcome.
        if let Some(e) = error {
            if !is_raw_length_failure(&bytes, msglen) {
                RouteHeaderBuffer::new_unchecked(&mut bytes[..]).set_errno(e.raw());
            }
        } else {
            let mut header = RouteHeaderBuffer::new_unchecked(&mut bytes[..]);
            header.set_flags(header.flags() | RouteFlags::DONE);
        }
        self.deliver_echo(sock, bytes, tag, loopback, only_self)?;
        match error {
            Some(e) => Err(e),
            None => Ok(msglen),
        }
    }

    /// The first write fault that fires for this type, if any.
    fn peek_write_fault(&mut self, rtm_type: u8) -> Option<Fault> {
        self.faults.check(Site::WriteEntry(rtm_type))
    }

    /// Delivers a write's echo or reply: to every socket, or to the writer
    /// only (`RTM_GET_SILENT`), skipping the writer when its loopback is off.
    fn deliver_echo(
        &mut self,
        sock: SocketId,
        bytes: Vec<u8>,
        tag: i32,
        loopback: bool,
        only_self: bool,
    ) -> Result<(), Errno> {
        if only_self {
            let before = self.sockets.get(sock)?.pending();
            let message = Broadcast {
                bytes,
                tag: 0,
                skip: None,
                echo: true,
            };
            self.sockets.deliver_to(&message, |s| s == sock);
            if self.sockets.get(sock)?.pending() == before {
                return Err(Errno::ENOBUFS);
            }
            return Ok(());
        }
        if !loopback && self.sockets.count() <= 1 {
            return Ok(());
        }
        self.broadcast(Broadcast {
            bytes,
            tag,
            skip: (!loopback).then_some(sock),
            echo: true,
        });
        Ok(())
    }

    /// Rows 6–12 and the dispatch, on a message whose header passed.
    fn route_output(&mut self, buf: Vec<u8>) -> Outcome {
        let req = match request::parse(buf) {
            Ok(req) => req,
            Err((e, buf, tag)) => return fail(buf, e, tag),
        };
        if let Some(Fault::WriteFails(e)) = self.faults.check(Site::WriteDispatch(req.rtm_type)) {
            let tag = req.tag;
            return fail(req.buf, e, tag);
        }
        let tag = req.tag;
        let result = match req.rtm_type {
            msg::RTM_ADD => self.rtm_add(&req).map(|()| None),
            msg::RTM_DELETE => self.rtm_delete(&req).map(Some),
            msg::RTM_GET => self.rtm_get(&req).map(Some),
            msg::RTM_CHANGE => self.rtm_change(&req).map(|()| None),
            msg::RTM_LOCK => self.rtm_lock(&req).map(|()| None),
            _ => Err(Errno::EOPNOTSUPP),
        };
        match result {
            Ok(None) => Outcome {
                bytes: req.buf,
                tag,
                error: None,
            },
            Ok(Some((route, extra))) => {
                let family_tag = match route.family() {
                    Family::V4 => 2,
                    Family::V6 => 30,
                };
                Outcome {
                    bytes: self.report(&req, &route, &extra),
                    tag: family_tag,
                    error: None,
                }
            }
            Err(e) => fail(req.buf, e, tag),
        }
    }

    /// `RTM_GET` (§5.3): the route and its extras, or `ESRCH`.
    fn rtm_get(&mut self, req: &Request) -> Result<(Route, RouteExtra), Errno> {
        let key = self.find_for_request(req)?;
        let route = self.table.get(&key).cloned().ok_or(Errno::ESRCH)?;
        Ok((route, self.extra(&key)))
    }

    /// The route an `RTM_GET`/`RTM_CHANGE`/`RTM_LOCK` names: a best match
    /// with the request's scope, exact when a netmask was given.
    pub(crate) fn find_for_request(&self, req: &Request) -> Result<RouteKey, Errno> {
        let dst = req.dst().ok_or(Errno::EAFNOSUPPORT)?;
        let scope = req
            .scope
            .or_else(|| req.sa[0].as_ref().and_then(request::Sockaddr::zone));
        let found = match req.mask_len {
            Some(len) => self.table.lookup_masked(dst, len, scope),
            None => self.table.lookup(dst, scope),
        };
        found.map(Route::key).ok_or(Errno::ESRCH)
    }

    /// The report that replaces the echo of `RTM_GET` and `RTM_DELETE`
    /// (§4.8): the request's header with the route's flags, metrics,
    /// interface and sockaddrs, padded (`rt_msg2`).
    fn report(&self, req: &Request, route: &Route, extra: &RouteExtra) -> Vec<u8> {
        let request =
            RouteHeader::parse(&RouteHeaderBuffer::new_unchecked(&req.buf[..RT_MSGHDR_LEN]));
        let iface = self.interfaces.get(&route.interface.index);
        let wants_if = req.addrs as u32 & (msg::RTA_IFP | msg::RTA_IFA) != 0;
        let ifa = iface.filter(|_| wants_if).and_then(|i| {
            extra.ifa.or_else(|| {
                i.first_address_like(route.destination.addr())
                    .map(|a| a.addr)
            })
        });
        let extras = RouteExtras {
            ifp: iface.filter(|_| wants_if).map(msg::link_address),
            ifa,
            gateway_if_type: msg::gateway_if_type(route, self),
        };
        // The codec's report, with the kernel's metrics (locks, pipes), its
        // index rule and its netmask rule (a scoped ::/0 is forced too).
        let mut m = report_message(req.rtm_type, route, &extras, &request);
        m.header.index = msg::index16(route.interface.index);
        m.header.flags = route.flags;
        m.header.rmx = msg::rmx(route, extra);
        if !route.is_host() {
            m.addrs.set(
                RTAX_NETMASK,
                Some(msg::route_mask(
                    route.family(),
                    route.destination.len(),
                    route.is_scoped(),
                    req.rtm_type != msg::RTM_GET,
                )),
            );
        }
        m.to_bytes()
    }
}

/// A failed request: its buffer, errno and tag.
fn fail(bytes: Vec<u8>, error: Errno, tag: i32) -> Outcome {
    Outcome {
        bytes,
        tag,
        error: Some(error),
    }
}

/// Row 1: the length check failed, so the bytes are the writer's, unedited.
fn is_raw_length_failure(bytes: &[u8], msglen: usize) -> bool {
    bytes.len() < RT_MSGHDR_LEN || bytes.len() != msglen
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;
