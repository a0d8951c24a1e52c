//! Watching the kernel: a second `NETLINK_ROUTE` socket that joins the
//! link, address, route and rule groups, read by one task that turns each
//! notification into a [`BackendEvent`]; and the wake watcher.
//!
//! - `RTM_NEWROUTE`/`RTM_DELROUTE` → [`BackendEvent::Route`], placed in the
//!   model as a dump would place it (so routes of our table carry
//!   `IFSCOPE` and our tag); routes a dump leaves out (the `local` table,
//!   broadcast, multicast) are not reported. A new route that replaced
//!   another (`NLM_F_REPLACE`) is a change. `ours` when the change came
//!   from the backend's request socket (the kernel stamps its port).
//! - `RTM_NEWLINK`/`RTM_DELLINK` → [`BackendEvent::Interface`] (a deleted
//!   link is down).
//! - `RTM_NEWADDR`/`RTM_DELADDR` → [`BackendEvent::Address`].
//! - `RTM_NEWRULE`/`RTM_DELRULE` of others → [`BackendEvent::Unparsed`]
//!   naming the rule: there is no rule event, and a rule can change which
//!   table a lookup uses, so the manager should look again. Our own rule
//!   changes are not reported.
//! - The socket overflowing (`ENOBUFS`: notifications were dropped) or the
//!   event queue filling up → [`BackendEvent::Lost`].

use std::io;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use netlink_packet_core::{NetlinkPayload, NLM_F_REPLACE};
use netlink_packet_route::route::RouteMessage;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_sys::protocols::NETLINK_ROUTE;
use netlink_sys::{AsyncSocket, AsyncSocketExt, TokioSocket};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::debug;

use super::convert::{family_of, KernelRoute, Mapper};
use super::links::link_up;
use super::netlink::{split, Received};
use super::rules::parse_rule;
use crate::error::linux_errno;
use crate::event::{BackendEvent, RouteChange};
use crate::wake::WakeDetector;

/// How many events may wait for the route manager before the oldest are
/// dropped and a [`BackendEvent::Lost`] is sent instead.
const EVENT_QUEUE: usize = 1024;

/// The receive buffer asked for: a burst of route changes (a VPN adding
/// thousands of routes) must not overflow it.
const RECEIVE_BUFFER: usize = 4 << 20;

/// How often the clocks are compared for a wake, and the gap that is one.
const WAKE_POLL: Duration = Duration::from_secs(1);
const WAKE_THRESHOLD_MS: u64 = 5_000;

/// The multicast groups watched (`RTNLGRP_*`).
const GROUPS: [libc::c_uint; 7] = [
    libc::RTNLGRP_LINK,
    libc::RTNLGRP_IPV4_IFADDR,
    libc::RTNLGRP_IPV6_IFADDR,
    libc::RTNLGRP_IPV4_ROUTE,
    libc::RTNLGRP_IPV6_ROUTE,
    libc::RTNLGRP_IPV4_RULE,
    libc::RTNLGRP_IPV6_RULE,
];

/// Opens the watching socket and starts the reader and the wake watcher.
/// `our_port` is the request socket's port. Must be called within a tokio
/// runtime.
pub fn watch(
    mapper: Mapper,
    our_port: u32,
) -> io::Result<(mpsc::Receiver<BackendEvent>, [JoinHandle<()>; 2])> {
    let mut socket = TokioSocket::new(NETLINK_ROUTE)?;
    socket.socket_mut().bind_auto()?;
    for group in GROUPS {
        socket.socket_ref().add_membership(group)?;
    }
    // As root, past net.core.rmem_max; otherwise as much as allowed.
    let fd = socket.socket_ref();
    if rustix::net::sockopt::set_socket_recv_buffer_size_force(fd, RECEIVE_BUFFER).is_err() {
        let _ = fd.set_rx_buf_sz(RECEIVE_BUFFER);
    }
    let (tx, rx) = mpsc::channel(EVENT_QUEUE);
    let reader = tokio::spawn(read_loop(socket, Watcher { mapper, our_port }, tx.clone()));
    let wake = tokio::spawn(wake_loop(tx));
    Ok((rx, [reader, wake]))
}

/// What the reader needs to turn notifications into events.
#[derive(Debug)]
struct Watcher {
    mapper: Mapper,
    our_port: u32,
}

impl Watcher {
    fn event(&self, received: Received) -> Option<BackendEvent> {
        let message = match received.message {
            Ok(message) => message,
            Err(reason) => return Some(BackendEvent::Unparsed { reason }),
        };
        let inner = match message.payload {
            NetlinkPayload::InnerMessage(inner) => inner,
            NetlinkPayload::Overrun(_) => return Some(BackendEvent::Lost),
            _ => return None,
        };
        let ours = received.port != 0 && received.port == self.our_port;
        match inner {
            RouteNetlinkMessage::NewRoute(m) => {
                let change = if received.flags & NLM_F_REPLACE != 0 {
                    RouteChange::Changed
                } else {
                    RouteChange::Added
                };
                self.route_event(change, &m, ours)
            }
            RouteNetlinkMessage::DelRoute(m) => self.route_event(RouteChange::Deleted, &m, ours),
            RouteNetlinkMessage::NewLink(m) => Some(BackendEvent::Interface {
                index: m.header.index,
                up: link_up(&m),
            }),
            RouteNetlinkMessage::DelLink(m) => Some(BackendEvent::Interface {
                index: m.header.index,
                up: false,
            }),
            RouteNetlinkMessage::NewAddress(m) => Some(BackendEvent::Address {
                index: m.header.index,
                family: family_of(m.header.family)?,
                added: true,
            }),
            RouteNetlinkMessage::DelAddress(m) => Some(BackendEvent::Address {
                index: m.header.index,
                family: family_of(m.header.family)?,
                added: false,
            }),
            RouteNetlinkMessage::NewRule(m) | RouteNetlinkMessage::DelRule(m) => {
                let rule = parse_rule(&m);
                if ours
                    || rule
                        .as_ref()
                        .is_some_and(|r| r.protocol == self.mapper.protocol)
                {
                    return None;
                }
                Some(BackendEvent::Unparsed {
                    reason: match rule {
                        Some(rule) => format!(
                            "a routing rule changed (priority {}, table {})",
                            rule.priority, rule.table
                        ),
                        None => "a routing rule changed".to_string(),
                    },
                })
            }
            _ => None,
        }
    }

    /// A route notification as the model would list the route.
    fn route_event(
        &self,
        change: RouteChange,
        m: &RouteMessage,
        ours: bool,
    ) -> Option<BackendEvent> {
        let r = KernelRoute::from_message(m)?;
        if !self.mapper.listed(&r) {
            return None;
        }
        let route = self.mapper.route(&r, self.mapper.scope(&r), &|_| None);
        Some(BackendEvent::Route {
            change,
            destination: route.destination,
            flags: route.flags,
            interface: route.interface.index,
            gateway: route.gateway.ip_addr(),
            ours,
        })
    }
}

/// The reader task. A full event queue drops events and sends
/// [`BackendEvent::Lost`] once there is room again, as does an overflowing
/// socket.
async fn read_loop(socket: TokioSocket, watcher: Watcher, events: mpsc::Sender<BackendEvent>) {
    let mut lost = false;
    loop {
        let batch = match socket.recv_from_full().await {
            Ok((datagram, _from)) => split(&datagram)
                .into_iter()
                .filter_map(|received| watcher.event(received))
                .collect(),
            Err(e) if e.raw_os_error() == Some(linux_errno::ENOBUFS) => {
                debug!("the kernel dropped routing notifications (ENOBUFS)");
                vec![BackendEvent::Lost]
            }
            Err(e) => {
                debug!(error = %e, "netlink read failed; retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        for event in batch {
            if lost && events.try_send(BackendEvent::Lost).is_ok() {
                lost = false;
            }
            match events.try_send(event) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => lost = true,
                Err(mpsc::error::TrySendError::Closed(_)) => return,
            }
        }
    }
}

/// Compares the wall clock with the monotonic one (which stops while the
/// machine sleeps) every [`WAKE_POLL`], and reports a wake when they part.
async fn wake_loop(events: mpsc::Sender<BackendEvent>) {
    let started = Instant::now();
    let mut detector = WakeDetector::new(WAKE_THRESHOLD_MS);
    let mut tick = tokio::time::interval(WAKE_POLL);
    loop {
        tick.tick().await;
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let monotonic = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        if let Some(slept_ms) = detector.observe(wall, monotonic) {
            let wake = BackendEvent::Wake {
                slept_secs: slept_ms / 1000,
            };
            if events.send(wake).await.is_err() {
                return;
            }
        }
    }
}
