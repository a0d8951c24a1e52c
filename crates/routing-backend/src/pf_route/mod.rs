//! The macOS routing logic, over any [`Platform`]: the real `PF_ROUTE`
//! socket and sysctl on a Mac, or the simulated kernel anywhere.
//!
//! One routing socket per backend. A reader task owns its read side and
//! splits what arrives: messages stamped with our pid (replies to, and
//! echoes of, our own writes) go to the request [`PfRouteSession`];
//! everything else becomes a [`BackendEvent`] for the route manager. So no
//! broadcast is lost while a request waits, and no reply is mistaken for
//! someone else's change.

mod decode;
mod request;

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::time::Duration;

use routing_core::model::{Family, Interface, InterfaceKind, Route, RouteSpec, RouteTable};
use routing_core::wire::pf_route::consts::{
    CTL_NET, NET_RT_DUMP2, NET_RT_IFLIST2, PF_ROUTE, RTM_ADD, RTM_DELETE, RTM_GET, RTM_VERSION,
};
use routing_core::wire::pf_route::{
    get_route, route_from_message, Message, ProtoFlag, RouteHeaderBuffer, RouteOp,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::debug;

pub use decode::{event_from_bytes, interfaces_from_iflist, table_from_dump};
pub use request::route_request;

use crate::error::{darwin_errno, Error, ErrorKind, Op, Result};
use crate::event::BackendEvent;
use crate::session::{PfRouteSession, ReplyHeader, SessionConfig, Transport};
use crate::socket::SocketKind;
use crate::RouteBackend;

/// How many times a sysctl read that lost the race with a growing table is
/// retried (netstat's number).
const SYSCTL_TRIES: usize = 10;

/// How many events may wait for the route manager before the oldest are
/// dropped and a [`BackendEvent::Lost`] is sent instead.
const EVENT_QUEUE: usize = 1024;

/// What the macOS logic needs from below: a routing socket, sysctl, and
/// the few facts only the OS knows.
pub trait Platform: Send + Sync + 'static {
    /// The backend's name for status: `macos`, `sim`.
    fn name(&self) -> &'static str;
    /// The pid the kernel stamps on our messages.
    fn pid(&self) -> i32;
    /// Writes one routing message; `Err` is the Darwin errno.
    fn write(&self, message: &[u8]) -> impl Future<Output = std::result::Result<(), i32>> + Send;
    /// Reads the next routing message, waiting as long as it takes.
    fn read(&self) -> impl Future<Output = std::result::Result<Vec<u8>, i32>> + Send;
    /// `sysctl` with no buffer: the size the MIB's data needs now.
    fn sysctl_size(&self, mib: &[i32; 6]) -> std::result::Result<usize, i32>;
    /// `sysctl` into a buffer of `len` bytes (`ENOMEM` if too small).
    fn sysctl_read(&self, mib: &[i32; 6], len: usize) -> std::result::Result<Vec<u8>, i32>;
    /// The kind of an interface (Wi-Fi, Ethernet, …).
    fn interface_kind(&self, index: u32, name: &str, if_type: u8) -> InterfaceKind;
    /// A socket bound to `ifindex`.
    fn bound_socket(
        &self,
        family: Family,
        kind: SocketKind,
        ifindex: u32,
        local_port: u16,
    ) -> io::Result<OwnedFd>;
    /// The wall clock and a monotonic clock that stops during sleep, in
    /// milliseconds, for wake detection.
    fn clocks(&self) -> (i64, i64);
}

/// How often the clocks are compared for a wake.
const WAKE_POLL: Duration = Duration::from_secs(1);

/// A gap between the clocks of at least this much is a sleep.
const WAKE_THRESHOLD_MS: u64 = 5_000;

/// The session's transport: writes go straight to the platform, replies
/// come from the reader task.
#[derive(Debug)]
struct Demux<P> {
    platform: Arc<P>,
    ours: mpsc::Receiver<Vec<u8>>,
}

impl<P: Platform> Transport for Demux<P> {
    async fn send(&mut self, message: &[u8]) -> std::result::Result<(), i32> {
        self.platform.write(message).await
    }

    async fn recv(&mut self, timeout: Duration) -> std::result::Result<Option<Vec<u8>>, i32> {
        match tokio::time::timeout(timeout, self.ours.recv()).await {
            Ok(Some(message)) => Ok(Some(message)),
            Ok(None) => Err(darwin_errno::ENOTCONN),
            Err(_elapsed) => Ok(None),
        }
    }
}

/// The macOS backend's logic over a platform. See the module doc.
#[derive(Debug)]
pub struct PfRouteBackend<P: Platform> {
    platform: Arc<P>,
    session: PfRouteSession<Demux<P>>,
    proto: ProtoFlag,
    events: Option<mpsc::Receiver<BackendEvent>>,
    /// Our own stray messages (stale replies) read during requests.
    strays: mpsc::Receiver<Vec<u8>>,
    /// Interface names from the last interface list (for `if_indextoname`).
    names: BTreeMap<u32, String>,
    /// The reader and the wake watcher; stopped when the backend is dropped.
    tasks: [JoinHandle<()>; 2],
}

impl<P: Platform> Drop for PfRouteBackend<P> {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn header(bytes: &[u8]) -> Option<ReplyHeader> {
    let h = RouteHeaderBuffer::new_checked(bytes).ok()?;
    (h.version() == RTM_VERSION).then(|| ReplyHeader {
        rtm_type: h.msg_type(),
        seq: h.seq(),
        pid: h.pid(),
        errno: h.errno(),
    })
}

impl<P: Platform> PfRouteBackend<P> {
    /// A backend over `platform`, tagging its routes with `proto`. Must be
    /// called within a tokio runtime (it spawns the reader task).
    pub fn new(platform: P, proto: ProtoFlag, config: SessionConfig) -> PfRouteBackend<P> {
        let platform = Arc::new(platform);
        let (ours_tx, ours_rx) = mpsc::channel(256);
        let (events_tx, events_rx) = mpsc::channel(EVENT_QUEUE);
        let (strays_tx, strays_rx) = mpsc::channel(64);
        let wake = tokio::spawn(wake_loop(platform.clone(), events_tx.clone()));
        let reader = tokio::spawn(read_loop(platform.clone(), ours_tx, events_tx));
        let pid = platform.pid();
        let session = PfRouteSession::new(
            Demux {
                platform: platform.clone(),
                ours: ours_rx,
            },
            pid,
            config,
            strays_tx,
        );
        PfRouteBackend {
            platform,
            session,
            proto,
            events: Some(events_rx),
            strays: strays_rx,
            names: BTreeMap::new(),
            tasks: [reader, wake],
        }
    }

    /// The platform (the sim backend's controls reach the kernel through it).
    pub fn platform(&self) -> &Arc<P> {
        &self.platform
    }

    fn name_of(&self) -> impl Fn(u32) -> Option<String> + '_ {
        |index| self.names.get(&index).cloned()
    }

    /// Our own stray messages carry nothing the manager needs; drop them.
    fn drain_strays(&mut self) {
        while self.strays.try_recv().is_ok() {}
    }

    /// A sysctl read with netstat's retry: probe, read with half again as
    /// much room, and retry when the table grew in between.
    fn sysctl(&self, op: i32) -> Result<Vec<u8>> {
        let mib = [CTL_NET, PF_ROUTE, 0, 0, op, 0];
        let mut last = darwin_errno::ENOMEM;
        for _ in 0..SYSCTL_TRIES {
            let size = self
                .platform
                .sysctl_size(&mib)
                .map_err(|e| Error::from_darwin(Op::Dump, e, "size probe"))?;
            match self.platform.sysctl_read(&mib, size + size / 2) {
                Ok(bytes) => return Ok(bytes),
                Err(darwin_errno::ENOMEM) => last = darwin_errno::ENOMEM,
                Err(e) => return Err(Error::from_darwin(Op::Dump, e, "read")),
            }
        }
        Err(Error::from_darwin(
            Op::Dump,
            last,
            format!("the table kept growing ({SYSCTL_TRIES} tries)"),
        ))
    }

    async fn write_route(&mut self, op: RouteOp, spec: &RouteSpec) -> Result<()> {
        let (what, rtm_type) = match op {
            RouteOp::Add => (Op::Add, RTM_ADD),
            RouteOp::Delete => (Op::Delete, RTM_DELETE),
        };
        let pid = self.platform.pid();
        let proto = self.proto;
        let first = request::route_request(op, spec, proto, 0, pid)
            .map_err(|e| Error::new(what, ErrorKind::InvalidRequest, format!("{spec}: {e}")))?;
        let outcome = self
            .session
            .request(
                what,
                rtm_type,
                |seq| {
                    let mut m = first.clone();
                    m.header.seq = seq;
                    m.to_bytes()
                },
                header,
            )
            .await;
        self.drain_strays();
        match outcome {
            Ok(_) => Ok(()),
            Err(failure) => {
                let retried = failure.attempts > 1;
                let kind = failure.error.kind();
                // A retried add meeting EEXIST, or a retried delete meeting
                // ESRCH, may be our own first attempt having worked: ask.
                if retried
                    && matches!(
                        (op, kind),
                        (RouteOp::Add, ErrorKind::AlreadyExists)
                            | (RouteOp::Delete, ErrorKind::NotFound)
                    )
                {
                    let present = self.exact(spec).await?.is_some_and(|r| spec.matches(&r));
                    if present == (op == RouteOp::Add) {
                        debug!(route = %spec, "a retry met its own first attempt; confirmed by RTM_GET");
                        return Ok(());
                    }
                }
                Err(failure.error.with_context(spec.to_string()))
            }
        }
    }

    /// The route with exactly this spec's key, if any (`RTM_GET` with a mask).
    async fn exact(&mut self, spec: &RouteSpec) -> Result<Option<Route>> {
        let scope = spec.scoped.then_some(spec.interface.index);
        self.get(spec.destination.addr(), Some(spec.destination.len()), scope)
            .await
    }

    async fn get(
        &mut self,
        dst: IpAddr,
        prefix_len: Option<u8>,
        scope: Option<u32>,
    ) -> Result<Option<Route>> {
        let pid = self.platform.pid();
        let scope16 = scope.map(|s| u16::try_from(s).unwrap_or(u16::MAX));
        let outcome = self
            .session
            .request(
                Op::Get,
                RTM_GET,
                |seq| get_route(dst, prefix_len, scope16, seq, pid).to_bytes(),
                header,
            )
            .await;
        self.drain_strays();
        let reply = match outcome {
            Ok(answer) => answer.reply,
            Err(failure) if failure.error.kind() == ErrorKind::NotFound => return Ok(None),
            Err(failure) => return Err(failure.error),
        };
        match Message::parse(&reply) {
            Ok(Message::Route(m)) => route_from_message(&m, &self.name_of())
                .map(Some)
                .map_err(|e| Error::new(Op::Get, ErrorKind::Protocol, e.to_string())),
            Ok(_) => Err(Error::new(
                Op::Get,
                ErrorKind::Protocol,
                "the reply is not a route message",
            )),
            Err(e) => Err(Error::new(Op::Get, ErrorKind::Protocol, e.to_string())),
        }
    }
}

impl<P: Platform> RouteBackend for PfRouteBackend<P> {
    fn name(&self) -> &'static str {
        self.platform.name()
    }

    async fn interfaces(&mut self) -> Result<Vec<Interface>> {
        let bytes = self.sysctl(NET_RT_IFLIST2)?;
        let platform = self.platform.clone();
        let kind = move |index: u32, name: &str, if_type: u8| {
            platform.interface_kind(index, name, if_type)
        };
        let interfaces = interfaces_from_iflist(&bytes, &kind)
            .map_err(|e| Error::new(Op::Dump, ErrorKind::Protocol, e))?;
        self.names = interfaces
            .iter()
            .map(|i| (i.index, i.name.clone()))
            .collect();
        Ok(interfaces)
    }

    async fn routes(&mut self) -> Result<RouteTable> {
        if self.names.is_empty() {
            self.interfaces().await?;
        }
        let bytes = self.sysctl(NET_RT_DUMP2)?;
        table_from_dump(&bytes, &self.name_of())
            .map_err(|e| Error::new(Op::Dump, ErrorKind::Protocol, e))
    }

    async fn add_route(&mut self, spec: &RouteSpec) -> Result<()> {
        self.write_route(RouteOp::Add, spec).await
    }

    async fn delete_route(&mut self, spec: &RouteSpec) -> Result<()> {
        self.write_route(RouteOp::Delete, spec).await
    }

    async fn get_route(&mut self, dst: IpAddr, scope: Option<u32>) -> Result<Option<Route>> {
        self.get(dst, None, scope).await
    }

    fn take_events(&mut self) -> Option<mpsc::Receiver<BackendEvent>> {
        self.events.take()
    }

    fn bound_socket(
        &mut self,
        family: Family,
        kind: SocketKind,
        ifindex: u32,
        local_port: u16,
    ) -> Result<OwnedFd> {
        self.platform
            .bound_socket(family, kind, ifindex, local_port)
            .map_err(|e| {
                let errno = e.raw_os_error().unwrap_or(darwin_errno::ENXIO);
                Error::from_darwin(
                    Op::Socket,
                    errno,
                    format!("{family} {kind} socket bound to interface #{ifindex}"),
                )
            })
    }

    fn is_ours(&self, route: &Route) -> bool {
        route.flags.contains(self.proto.flag())
    }
}

/// The reader task: our pid's messages to the session, the rest to the
/// route manager as events. A full event queue drops events and sends
/// [`BackendEvent::Lost`] once there is room again.
async fn read_loop<P: Platform>(
    platform: Arc<P>,
    ours: mpsc::Sender<Vec<u8>>,
    events: mpsc::Sender<BackendEvent>,
) {
    let pid = platform.pid();
    let mut lost = false;
    loop {
        let bytes = match platform.read().await {
            Ok(bytes) => bytes,
            Err(errno) => {
                debug!(errno, "routing socket read failed; retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if header(&bytes).is_some_and(|h| h.pid == pid) {
            // Only our own writes produce these, and the session reads them
            // while it waits; a full queue means stale echoes, safe to drop.
            if let Err(mpsc::error::TrySendError::Closed(_)) = ours.try_send(bytes) {
                return;
            }
            continue;
        }
        let Some(event) = event_from_bytes(&bytes, pid) else {
            continue;
        };
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

/// Compares the platform's clocks every [`WAKE_POLL`] and reports a wake
/// when the wall clock ran ahead of the monotonic one (the machine slept).
async fn wake_loop<P: Platform>(platform: Arc<P>, events: mpsc::Sender<BackendEvent>) {
    let mut detector = crate::wake::WakeDetector::new(WAKE_THRESHOLD_MS);
    let mut tick = tokio::time::interval(WAKE_POLL);
    loop {
        tick.tick().await;
        let (wall, monotonic) = platform.clocks();
        if let Some(slept_ms) = detector.observe(wall, monotonic) {
            if events
                .send(BackendEvent::Wake {
                    slept_secs: slept_ms / 1000,
                })
                .await
                .is_err()
            {
                return;
            }
        }
    }
}
