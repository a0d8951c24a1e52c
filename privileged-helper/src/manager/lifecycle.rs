//! The route manager's life: start-up (journal, residue flush), the loop
//! over commands, events and deadlines, the journal, and shutdown.

use std::collections::BTreeMap;
use std::time::Duration;

use routing_backend::{BackendEvent, ErrorKind, RouteBackend};
use routing_core::model::{Family, RouteSpec, SpecGateway};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{info, warn};

use super::announce::Announcer;
use super::status::History;
use super::{Command, ManagerConfig, ModeOverride, RouteManager};
use crate::engine::exclusions::Registry;
use crate::engine::plan::{Mode, Origin, PerFamily};
use crate::engine::triggers::{trigger_for, BurstGuard, Trigger};
use crate::journal::{Journal, JournalFile, Loaded};

/// How long a journal write may wait to batch registrations.
const JOURNAL_DELAY: Duration = Duration::from_millis(200);

/// How long after a tunnel's default route changed the table is re-read
/// for the status's `vpn` (a VPN adds its routes in a burst).
const VPN_SETTLE: Duration = Duration::from_millis(250);

impl<B: RouteBackend> RouteManager<B> {
    pub(super) fn new(backend: B, config: ManagerConfig) -> RouteManager<B> {
        let journal = JournalFile::in_dir(&config.state_dir);
        let announce = Announcer::new();
        RouteManager {
            backend,
            burst: BurstGuard::new(config.quiet, config.max_delay),
            config,
            mode: Mode::Advanced,
            registry: Registry::new(),
            held: BTreeMap::new(),
            interfaces: Vec::new(),
            physical: PerFamily::default(),
            families: PerFamily::default(),
            vpn: Vec::new(),
            vpn_due: None,
            lost_at: PerFamily::default(),
            epoch: Instant::now(),
            history: History::announcing(announce.sender()),
            announce,
            journal,
            journal_due: None,
        }
    }

    /// Loads the journal, flushes our residue, applies the desired state.
    pub(super) async fn startup(&mut self) {
        match self.journal.load() {
            Ok(Loaded::Journal(j)) => {
                self.mode = j.mode.into();
                self.registry = j.registry();
                self.held = j.held();
                info!(mode = %self.mode, exclusions = self.registry.len(), "journal loaded");
            }
            Ok(Loaded::Missing) => info!("no journal yet; starting clean"),
            Ok(Loaded::MovedAside { to, reason }) => {
                warn!(to = %to.display(), %reason, "unreadable journal moved aside; starting clean");
                self.history.record(
                    "start",
                    format!("the journal was unreadable ({reason}) and was moved aside"),
                );
            }
            Err(e) => warn!(error = %e, "journal could not be read; starting clean"),
        }
        if let ModeOverride::Forced { mode, by } = &self.config.mode_override {
            info!(%mode, %by, "mode forced by the environment");
            self.mode = *mode;
        }
        if let ModeOverride::Invalid { error } = &self.config.mode_override {
            warn!(%error, "ignoring the mode override");
        }
        let flushed = self.flush_residue(false).await;
        self.history.record(
            "start",
            format!("flushed {} residual route(s)", flushed.len()),
        );
        self.reconcile("start", None).await;
    }

    /// Deletes every route of ours in the table (tagged scoped defaults and
    /// tagged host routes) and whatever the journal says we installed; or,
    /// with `dry_run`, only lists them.
    pub(super) async fn flush_residue(&mut self, dry_run: bool) -> Vec<RouteSpec> {
        let Ok(table) = self.backend.routes().await else {
            return Vec::new();
        };
        let mut doomed: Vec<RouteSpec> = table
            .iter()
            .filter(|r| self.backend.is_ours(r))
            .filter(|r| (r.is_scoped() && r.is_default()) || r.is_host())
            .map(spec_of)
            .collect();
        for (spec, origin) in &self.held {
            if *origin == Origin::Installed
                && table.iter().any(|r| spec.matches(r))
                && !doomed.contains(spec)
            {
                doomed.push(spec.clone());
            }
        }
        if dry_run {
            return doomed;
        }
        for spec in &doomed {
            match self.backend.delete_route(spec).await {
                Ok(()) => info!(route = %spec, "flushed residual route"),
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => warn!(route = %spec, error = %e, "could not flush residual route"),
            }
        }
        self.held.clear();
        doomed
    }

    /// The loop: commands, events, deadlines.
    pub(super) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut events = self.backend.take_events();
        loop {
            let deadline = self.next_deadline();
            tokio::select! {
                command = commands.recv() => match command {
                    None => break,
                    Some(Command::Shutdown(reply)) => {
                        self.shutdown().await;
                        let _ = reply.send(());
                        return;
                    }
                    Some(command) => self.handle(command).await,
                },
                Some(event) = recv(&mut events) => self.on_event(&event),
                () = sleep_until(deadline) => self.on_deadline().await,
            }
            self.after_turn();
        }
        self.shutdown().await;
    }

    pub(super) fn next_deadline(&self) -> Option<Instant> {
        let burst = self
            .burst
            .deadline()
            .map(|ms| self.epoch + Duration::from_millis(ms));
        let grace = [self.lost_at.v4, self.lost_at.v6]
            .into_iter()
            .flatten()
            .map(|t| t + self.config.loss_grace)
            .min();
        let routes = self.announce.routes_deadline();
        // A batched journal write is a deadline too: without it the
        // journal waited for the next unrelated one.
        [burst, grace, routes, self.journal_due, self.vpn_due]
            .into_iter()
            .flatten()
            .min()
    }

    /// After each turn of the loop: tell subscribers what changed.
    fn after_turn(&mut self) {
        let status = self.status();
        self.announce.status(status);
        self.announce.routes_if_due();
    }

    pub(super) fn on_event(&mut self, event: &BackendEvent) {
        self.announce.kernel(event, super::status::unix_now());
        let interesting = |index: u32| {
            self.interfaces
                .iter()
                .find(|i| i.index == index)
                .is_none_or(|i| {
                    routing_core::model::egress::is_physical(i, &self.policy()) || !i.up
                })
        };
        if let Some(trigger) = trigger_for(event, self.config.tag, interesting) {
            let now = self.now_ms();
            self.burst.push(trigger, now);
        } else if moves_a_vpn_default(event) && self.vpn_due.is_none() {
            self.vpn_due = Some(Instant::now() + VPN_SETTLE);
        }
    }

    pub(super) async fn on_deadline(&mut self) {
        if self.journal_due.is_some_and(|due| due <= Instant::now()) {
            self.persist();
        }
        if self.vpn_due.is_some_and(|due| due <= Instant::now()) {
            self.refresh_vpn().await;
        }
        let now = self.now_ms();
        let triggers = self.burst.fire(now).unwrap_or_default();
        let grace_over = [Family::V4, Family::V6].into_iter().any(|f| {
            self.lost_at
                .get(f)
                .is_some_and(|t| t.elapsed() >= self.config.loss_grace)
        });
        if triggers.is_empty() && !grace_over {
            return;
        }
        let why = if triggers.is_empty() {
            "the grace period for a lost default ended".to_string()
        } else {
            triggers
                .iter()
                .map(Trigger::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        };
        self.reconcile(&why, None).await;
    }

    /// Writes the journal now.
    pub(super) fn persist(&mut self) {
        self.journal_due = None;
        let journal = Journal::capture(self.mode, &self.registry, &self.held);
        if let Err(e) = self.journal.store(&journal) {
            warn!(error = %e, path = %self.journal.path().display(), "could not write the journal");
        }
    }

    /// Schedules a journal write: a burst of registrations costs one write
    /// (and one fsync), at most [`JOURNAL_DELAY`] later.
    pub(super) fn mark_dirty(&mut self) {
        self.journal_due
            .get_or_insert_with(|| Instant::now() + JOURNAL_DELAY);
    }

    /// Removes every route we installed; keeps the mode and registrations.
    pub(super) async fn shutdown(&mut self) {
        let mine: Vec<RouteSpec> = self
            .held
            .iter()
            .filter(|(_, o)| **o == Origin::Installed)
            .map(|(s, _)| s.clone())
            .collect();
        for spec in &mine {
            if let Err(e) = self.backend.delete_route(spec).await {
                if e.kind() != ErrorKind::NotFound {
                    warn!(route = %spec, error = %e, "could not remove route at shutdown");
                }
            }
        }
        self.held.clear();
        self.persist();
        self.announce.stopping();
        info!(removed = mine.len(), "route manager stopped");
    }
}

/// A residual route from the table, as a spec to delete.
pub(super) fn spec_of(route: &routing_core::model::Route) -> RouteSpec {
    RouteSpec {
        destination: route.destination,
        gateway: SpecGateway::from(&route.gateway),
        interface: route.interface.clone(),
        scoped: route.is_scoped(),
    }
}

async fn recv<T>(rx: &mut Option<mpsc::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Whether `event` adds or deletes an unscoped route that can make a
/// tunnel own a default (a `/0`, or half of the address space), not ours.
fn moves_a_vpn_default(event: &BackendEvent) -> bool {
    matches!(
        event,
        BackendEvent::Route { change, destination, flags, ours: false, .. }
            if *change != routing_backend::RouteChange::Other
                && destination.len() <= 1
                && !flags.intersects(routing_core::model::RouteFlags::IFSCOPE)
    )
}
