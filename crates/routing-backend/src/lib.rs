//! # routing-backend
//!
//! One trait, [`RouteBackend`], and the backends behind it:
//! - the simulated Mac ([`sim`]), on every OS;
//! - macOS, through the `PF_ROUTE` routing socket (`sys::macos`);
//! - Linux, through rtnetlink (`sys::linux`);
//! - an `unsupported` backend that compiles anywhere and says so.
//!
//! The macOS and sim backends share [`session::PfRouteSession`], so the
//! request/reply logic that runs on a Mac runs in tests on Linux too.
//! Errno is turned into meaning once per backend ([`error`]).

#![deny(missing_docs)]

pub mod error;
pub mod event;
pub mod pf_route;
pub mod session;
pub mod sim;
pub mod socket;
pub mod sys;
pub mod unsupported;
pub mod wake;

use std::future::Future;
use std::net::IpAddr;
use std::os::fd::OwnedFd;

use routing_core::model::{Family, Interface, Route, RouteSpec, RouteTable};

pub use error::{Error, ErrorKind, Op, Result};
pub use event::{BackendEvent, RouteChange};
pub use socket::SocketKind;

/// A routing backend: the kernel's routing table, as the route manager
/// sees it. One task owns a backend (`&mut self` everywhere); nobody else
/// writes the table.
///
/// Every route a backend installs carries the backend's *tag* (on macOS a
/// protocol flag, `RTF_PROTO1` by default; on Linux a route protocol
/// number), so [`RouteBackend::is_ours`] can recognise our routes after a
/// crash.
///
/// # Portability
///
/// - **macOS** writes `RTM_ADD`/`RTM_DELETE`/`RTM_GET` on a `PF_ROUTE`
///   socket and dumps with `sysctl(NET_RT_DUMP2)`. A scoped route is
///   `RTF_IFSCOPE` with the interface in `rtm_index`. Every write echoes to
///   every routing socket, ours included, so [`RouteBackend::take_events`]
///   sees our own changes (flagged `ours`). The kernel has no multipath:
///   one entry per (destination, scope), and `EEXIST` when macOS already
///   holds a scoped default of its own.
/// - **The sim** is the macOS backend's logic over a simulated XNU kernel
///   that speaks the same bytes, with scenarios and seeded faults.
/// - **Linux** has no scoped routes; it expresses "scoped to interface I"
///   as a route in Egress's own table plus `oif I` rules, tags what it adds
///   with a route protocol number, and binds sockets with
///   `SO_BINDTOIFINDEX` (`SO_BINDTODEVICE`). Events come from rtnetlink's
///   multicast groups, our own changes included (flagged `ours`).
/// - **Other systems** get a backend that fails every call with
///   [`ErrorKind::Unsupported`].
pub trait RouteBackend: Send {
    /// A short name for status and logs: `macos`, `sim`, `linux`.
    fn name(&self) -> &'static str;

    /// The interfaces, with their kinds, state and addresses
    /// (`ifconfig`, `ip link` + `ip addr`).
    fn interfaces(&mut self) -> impl Future<Output = Result<Vec<Interface>>> + Send;

    /// The whole routing table (`netstat -rn`, `ip route show table all`).
    fn routes(&mut self) -> impl Future<Output = Result<RouteTable>> + Send;

    /// Adds a route, tagged as ours (`route -n add`, `ip route add`).
    ///
    /// # Errors
    /// [`ErrorKind::AlreadyExists`] when the table already has the key (the
    /// caller decides whether to reuse it); [`ErrorKind::Unreachable`] when
    /// the gateway or interface can't carry it; others as they come.
    fn add_route(&mut self, spec: &RouteSpec) -> impl Future<Output = Result<()>> + Send;

    /// Deletes a route (`route -n delete`, `ip route del`).
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] when the table has no such key.
    fn delete_route(&mut self, spec: &RouteSpec) -> impl Future<Output = Result<()>> + Send;

    /// The route the kernel would use for `dst`, unscoped or scoped to an
    /// interface index (`route -n get [-ifscope IF]`, `ip route get [oif]`).
    /// `None` when nothing matches.
    fn get_route(
        &mut self,
        dst: IpAddr,
        scope: Option<u32>,
    ) -> impl Future<Output = Result<Option<Route>>> + Send;

    /// The stream of routing events (route, interface, address, wake). The
    /// first call hands it over; later calls return `None`. Events that
    /// arrive while a request waits for its reply are queued here, not lost;
    /// if the queue overflows, a [`BackendEvent::Lost`] follows.
    fn take_events(&mut self) -> Option<tokio::sync::mpsc::Receiver<BackendEvent>>;

    /// Opens a socket bound to interface `ifindex`, so that its traffic can
    /// only leave there (`IP_BOUND_IF` / `IPV6_BOUND_IF`, `SO_BINDTODEVICE`).
    ///
    /// # Errors
    /// [`ErrorKind::NoSuchInterface`] for an unknown index.
    fn bound_socket(
        &mut self,
        family: Family,
        kind: SocketKind,
        ifindex: u32,
        local_port: u16,
    ) -> Result<OwnedFd>;

    /// Whether a route in the table carries our tag.
    fn is_ours(&self, route: &Route) -> bool;
}
