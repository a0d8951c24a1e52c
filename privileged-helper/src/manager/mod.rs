//! The route manager: the one task that owns the routing backend.
//!
//! Everyone else holds a [`ManagerHandle`] and sends commands; each command
//! carries a one-shot reply. The task's loop waits on three things: a
//! command, a kernel event, or the next deadline (the burst guard's, or the
//! end of a loss grace period).
//!
//! States, per family: *no egress* → *pinned* (our scoped default,
//! verified) or *reused* (macOS's own) → *stale* (verification failed;
//! repaired on the spot) or *failed* (the add was refused; retried on the
//! next trigger). A lost physical default keeps its pin for
//! [`ManagerConfig::loss_grace`] before it is torn down; a new one is
//! pinned at once.

mod announce;
mod commands;
mod config;
mod lifecycle;
mod reconcile;
mod status;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::os::fd::OwnedFd;

use helper_proto::Event;
use routing_backend::{RouteBackend, SocketKind};
use routing_core::model::{Family, Interface, IpPrefix, Route, RouteSpec, RouteTable};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;

pub use config::{ManagerConfig, ModeOverride, LEGACY_ENV};
pub use reconcile::Progress;
pub use status::{unix_now, Egress, FamilyStatus, HeldStatus, PinState, Status, TimelineEntry};

use crate::engine::exclusions::{self, Refusal, Registered, Registry, Unregistered};
use crate::engine::plan::{Mode, Origin, PerFamily};
use crate::engine::triggers::BurstGuard;
use crate::journal::JournalFile;
use status::History;

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// The mode is forced by the environment.
    ModeForced(String),
    /// The prefix may not be excluded.
    Refused(Refusal),
    /// The backend failed.
    Backend(String),
    /// There is no physical interface for that family to bind to.
    NoEgress(Family),
    /// The manager has stopped.
    Stopped,
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandError::ModeForced(by) => write!(f, "the mode is {by}"),
            CommandError::Refused(r) => write!(f, "cannot exclude it: {r}"),
            CommandError::Backend(e) => f.write_str(e),
            CommandError::NoEgress(family) => {
                write!(f, "{family} has no physical interface to bind to")
            }
            CommandError::Stopped => f.write_str("the route manager has stopped"),
        }
    }
}

impl std::error::Error for CommandError {}

/// The interface a client should bind to, per family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindTarget {
    /// The interface index.
    pub index: u32,
    /// Whether it was borrowed from the other family (this one has none).
    pub borrowed: bool,
}

type Reply<T> = oneshot::Sender<T>;

enum Command {
    Status(Reply<Status>),
    SetMode(
        Mode,
        Option<mpsc::Sender<Progress>>,
        Reply<Result<(), CommandError>>,
    ),
    AddExclusion(IpPrefix, String, Reply<Result<Registered, CommandError>>),
    RemoveExclusion(IpPrefix, String, Reply<Result<Unregistered, CommandError>>),
    Exclusions(Reply<Registry>),
    BindTarget(Family, Option<u32>, Reply<Option<BindTarget>>),
    BoundSocket(
        Family,
        SocketKind,
        u16,
        Reply<Result<(OwnedFd, BindTarget), CommandError>>,
    ),
    Routes(Reply<Result<RouteTable, CommandError>>),
    TaggedRoutes(Reply<Result<Vec<(Route, bool)>, CommandError>>),
    Flush(bool, Reply<Result<Vec<RouteSpec>, CommandError>>),
    Diagnostics(Reply<ManagerDiagnostics>),
    Interfaces(Reply<Vec<Interface>>),
    Lookup(
        IpAddr,
        Option<u32>,
        Reply<Result<Option<Route>, CommandError>>,
    ),
    Verify(Reply<Status>),
    Refresh(String, Reply<Status>),
    Shutdown(Reply<()>),
}

/// A cloneable way to talk to the route manager.
#[derive(Debug, Clone)]
pub struct ManagerHandle {
    tx: mpsc::Sender<Command>,
    events: broadcast::Sender<Event>,
    snapshot: watch::Receiver<Option<announce::Snapshot>>,
}

/// What the manager knows that a bug report needs.
#[derive(Debug, Clone)]
pub struct ManagerDiagnostics {
    /// The journal as stored, if there is one.
    pub journal: Option<String>,
    /// Recent kernel events, oldest first.
    pub kernel_events: Vec<String>,
    /// The interfaces as last read.
    pub interfaces: Vec<Interface>,
    /// Interfaces registered as VPN interfaces.
    pub vpn_interfaces: Vec<String>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Command")
    }
}

impl ManagerHandle {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, CommandError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(make(tx))
            .await
            .map_err(|_| CommandError::Stopped)?;
        rx.await.map_err(|_| CommandError::Stopped)
    }

    /// The current status.
    pub async fn status(&self) -> Result<Status, CommandError> {
        self.ask(Command::Status).await
    }

    /// The status as of the manager's last turn, without waiting on it
    /// (a turn ends after every command, event and deadline, so this lags
    /// only while one is under way). `None` if the manager has stopped.
    pub fn status_now(&self) -> Option<Status> {
        if self.tx.is_closed() {
            return None;
        }
        self.snapshot.borrow().as_ref().map(|s| (*s.status).clone())
    }

    /// [`ManagerHandle::status_now`] as an encoded `Response::Status`
    /// (`None` too if it could not be encoded: ask the manager instead).
    pub fn status_encoded(&self) -> Option<bytes::Bytes> {
        if self.tx.is_closed() {
            return None;
        }
        self.snapshot
            .borrow()
            .as_ref()
            .map(|s| s.encoded.clone())
            .filter(|b| !b.is_empty())
    }

    /// Switches mode: removes the old mode's routes and installs the new
    /// one's as one operation, reporting progress if asked.
    pub async fn set_mode(
        &self,
        mode: Mode,
        progress: Option<mpsc::Sender<Progress>>,
    ) -> Result<(), CommandError> {
        self.ask(|r| Command::SetMode(mode, progress, r)).await?
    }

    /// Registers an exclusion; says whether it was the prefix's first owner.
    pub async fn add_exclusion(
        &self,
        prefix: IpPrefix,
        owner: &str,
    ) -> Result<Registered, CommandError> {
        self.ask(|r| Command::AddExclusion(prefix, owner.to_string(), r))
            .await?
    }

    /// Unregisters an exclusion; says whether it was the last owner.
    pub async fn remove_exclusion(
        &self,
        prefix: IpPrefix,
        owner: &str,
    ) -> Result<Unregistered, CommandError> {
        self.ask(|r| Command::RemoveExclusion(prefix, owner.to_string(), r))
            .await?
    }

    /// The registrations.
    pub async fn exclusions(&self) -> Result<Registry, CommandError> {
        self.ask(Command::Exclusions).await
    }

    /// The interface to bind a socket of `family` to; an IPv6 zone in the
    /// destination overrides it.
    pub async fn bind_target(
        &self,
        family: Family,
        zone: Option<u32>,
    ) -> Result<Option<BindTarget>, CommandError> {
        self.ask(|r| Command::BindTarget(family, zone, r)).await
    }

    /// A socket bound to the physical interface of `family` (and to
    /// `local_port`, unless 0), with what it is bound to.
    pub async fn bound_socket(
        &self,
        family: Family,
        kind: SocketKind,
        local_port: u16,
    ) -> Result<(OwnedFd, BindTarget), CommandError> {
        self.ask(|r| Command::BoundSocket(family, kind, local_port, r))
            .await?
    }

    /// The whole table in dump order, each route with whether it carries our tag.
    pub async fn tagged_routes(&self) -> Result<Vec<(Route, bool)>, CommandError> {
        self.ask(Command::TaggedRoutes).await?
    }

    /// Removes routes that carry our tag but that we do not hold (left by
    /// a crashed helper, say); with `dry_run`, only lists them.
    pub async fn flush(&self, dry_run: bool) -> Result<Vec<RouteSpec>, CommandError> {
        self.ask(|r| Command::Flush(dry_run, r)).await?
    }

    /// The journal, recent kernel events and interfaces.
    pub async fn diagnostics(&self) -> Result<ManagerDiagnostics, CommandError> {
        self.ask(Command::Diagnostics).await
    }

    /// Every event from now on (status, timeline, progress, routes changed).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The whole routing table.
    pub async fn routes(&self) -> Result<RouteTable, CommandError> {
        self.ask(Command::Routes).await?
    }

    /// The interfaces as last read.
    pub async fn interfaces(&self) -> Result<Vec<Interface>, CommandError> {
        self.ask(Command::Interfaces).await
    }

    /// The route the kernel would use for `dst`, unscoped or scoped.
    pub async fn lookup(
        &self,
        dst: IpAddr,
        scope: Option<u32>,
    ) -> Result<Option<Route>, CommandError> {
        self.ask(|r| Command::Lookup(dst, scope, r)).await?
    }

    /// Verifies the pins now (and repairs stale ones).
    pub async fn verify(&self) -> Result<Status, CommandError> {
        self.ask(Command::Verify).await
    }

    /// Re-reads the table and re-pins now, for a named reason.
    pub async fn refresh(&self, reason: &str) -> Result<Status, CommandError> {
        self.ask(|r| Command::Refresh(reason.to_string(), r)).await
    }

    /// Removes every route of ours, keeps the journal's mode and
    /// registrations, and stops the task.
    pub async fn shutdown(&self) -> Result<(), CommandError> {
        self.ask(Command::Shutdown).await
    }
}

/// The task's state. Each field says who writes it.
pub struct RouteManager<B: RouteBackend> {
    /// The backend; only this task touches it.
    backend: B,
    config: ManagerConfig,
    /// Written by `set_mode` and start-up (journal, environment).
    mode: Mode,
    /// Written by exclusion commands and start-up.
    registry: Registry,
    /// Routes we hold. Written only by `execute`.
    held: BTreeMap<RouteSpec, Origin>,
    /// Last read by `reconcile`.
    interfaces: Vec<Interface>,
    /// The physical default per family in use. Written by `reconcile`.
    physical: PerFamily<Option<routing_core::model::PhysicalDefault>>,
    /// Per-family status. Written by `reconcile` and `verify`.
    families: PerFamily<FamilyStatus>,
    /// The tunnels that own a default route. Written by `reconcile` and
    /// `refresh_vpn`.
    vpn: Vec<status::VpnDefault>,
    /// When to re-read the table for `vpn` alone: a tunnel's default or
    /// split-default half changed, which does not call for a reconcile.
    vpn_due: Option<Instant>,
    /// When each family lost its physical default, while in grace.
    lost_at: PerFamily<Option<Instant>>,
    burst: BurstGuard,
    epoch: Instant,
    history: History,
    announce: announce::Announcer,
    journal: JournalFile,
    /// When the journal must be written (batched registrations).
    journal_due: Option<Instant>,
}

impl<B: RouteBackend> std::fmt::Debug for RouteManager<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteManager")
            .field("backend", &self.backend.name())
            .field("mode", &self.mode)
            .finish()
    }
}

/// Starts the route manager on the current tokio runtime: loads the
/// journal, flushes our residue, applies the desired state, and returns a
/// handle once that is done.
pub async fn start<B: RouteBackend + 'static>(backend: B, config: ManagerConfig) -> ManagerHandle {
    let (tx, rx) = mpsc::channel(64);
    let mut manager = RouteManager::new(backend, config);
    let events = manager.announce.sender();
    let snapshot = manager.announce.snapshots();
    manager.startup().await;
    let status = manager.status();
    manager.announce.status(status);
    tokio::spawn(manager.run(rx));
    ManagerHandle {
        tx,
        events,
        snapshot,
    }
}

/// Checks a prefix against the interfaces and overlays (the registered VPN
/// interfaces' own subnets).
fn validate_exclusion(
    prefix: &IpPrefix,
    interfaces: &[Interface],
    vpn_names: &[String],
) -> Result<(), Refusal> {
    let overlays: Vec<IpPrefix> = interfaces
        .iter()
        .filter(|i| vpn_names.contains(&i.name))
        .flat_map(|i| i.addresses.iter())
        .filter_map(|a| IpPrefix::new_truncating(a.addr, a.prefix_len).ok())
        .collect();
    let physical: Vec<Interface> = interfaces
        .iter()
        .filter(|i| !vpn_names.contains(&i.name))
        .cloned()
        .collect();
    exclusions::validate(prefix, &physical, &overlays)
}
