//! The route manager's work: start-up, the loop, reconciling the table
//! with the desired state, verifying pins, and shutting down.

use std::collections::BTreeMap;
use std::time::Duration;

use routing_backend::{BackendEvent, ErrorKind, RouteBackend};
use routing_core::model::{
    choose_physical_default, netstat::gateway_text, EgressPolicy, Family, Gateway, IpPrefix,
    PhysicalDefault, RouteSpec, SpecGateway,
};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{info, warn};

use super::status::{family_warnings, held_status, unix_now, Egress, History, PinState, Status};
use super::{
    validate_exclusion, BindTarget, Command, CommandError, ManagerConfig, ModeOverride,
    RouteManager,
};
use crate::engine::exclusions::{Registered, Registry, Unregistered};
use crate::engine::plan::{self, Mode, Origin, PerFamily, Step};
use crate::engine::triggers::{trigger_for, BurstGuard, Trigger};
use crate::journal::{Journal, JournalFile, Loaded};

/// Progress of a long operation (a mode switch with many exclusions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Steps done.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
}

/// Where verification looks: destinations no local subnet covers, so a
/// scoped lookup can only answer with the scoped default.
const PROBE_V4: &str = "240.0.0.1";
const PROBE_V6: &str = "2001:db8:ffff:ffff::1";

/// How often the journal is written during a long batch.
const JOURNAL_EVERY: usize = 500;

/// How long a journal write may wait to batch registrations.
const JOURNAL_DELAY: Duration = Duration::from_millis(200);

impl<B: RouteBackend> RouteManager<B> {
    pub(super) fn new(backend: B, config: ManagerConfig) -> RouteManager<B> {
        let journal = JournalFile::in_dir(&config.state_dir);
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
            lost_at: PerFamily::default(),
            epoch: Instant::now(),
            history: History::default(),
            journal,
            journal_due: None,
        }
    }

    fn policy(&self) -> EgressPolicy {
        EgressPolicy {
            vpn_interfaces: self.config.vpn_interfaces.clone(),
            our_tag: self.config.tag,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
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
        }
        self.shutdown().await;
    }

    fn next_deadline(&self) -> Option<Instant> {
        let burst = self
            .burst
            .deadline()
            .map(|ms| self.epoch + Duration::from_millis(ms));
        let grace = [self.lost_at.v4, self.lost_at.v6]
            .into_iter()
            .flatten()
            .map(|t| t + self.config.loss_grace)
            .min();
        [burst, grace].into_iter().flatten().min()
    }

    fn on_event(&mut self, event: &BackendEvent) {
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
        }
    }

    async fn on_deadline(&mut self) {
        if self.journal_due.is_some_and(|due| due <= Instant::now()) {
            self.persist();
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

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Status(reply) => {
                let _ = reply.send(self.status());
            }
            Command::SetMode(mode, progress, reply) => {
                let _ = reply.send(self.set_mode(mode, progress).await);
            }
            Command::AddExclusion(prefix, owner, reply) => {
                let _ = reply.send(self.add_exclusion(prefix, &owner).await);
            }
            Command::RemoveExclusion(prefix, owner, reply) => {
                let _ = reply.send(self.remove_exclusion(prefix, &owner).await);
            }
            Command::Exclusions(reply) => {
                let _ = reply.send(self.registry.clone());
            }
            Command::BindTarget(family, zone, reply) => {
                let _ = reply.send(self.bind_target(family, zone));
            }
            Command::BoundSocket(family, kind, reply) => {
                let result = match self.bind_target(family, None) {
                    None => Err(CommandError::NoEgress(family)),
                    Some(target) => self
                        .backend
                        .bound_socket(family, kind, target.index)
                        .map_err(|e| CommandError::Backend(e.to_string())),
                };
                let _ = reply.send(result);
            }
            Command::Routes(reply) => {
                let _ = reply.send(
                    self.backend
                        .routes()
                        .await
                        .map_err(|e| CommandError::Backend(e.to_string())),
                );
            }
            Command::Interfaces(reply) => {
                let _ = reply.send(self.interfaces.clone());
            }
            Command::Lookup(dst, scope, reply) => {
                let result = self.backend.get_route(dst, scope).await;
                let _ = reply.send(result.map_err(|e| CommandError::Backend(e.to_string())));
            }
            Command::Verify(reply) => {
                self.verify().await;
                let _ = reply.send(self.status());
            }
            Command::Refresh(reason, reply) => {
                self.reconcile(&reason, None).await;
                let _ = reply.send(self.status());
            }
            Command::Shutdown(_) => unreachable!("handled by the loop"),
        }
    }

    async fn set_mode(
        &mut self,
        mode: Mode,
        progress: Option<mpsc::Sender<Progress>>,
    ) -> Result<(), CommandError> {
        if let ModeOverride::Forced { by, mode: forced } = &self.config.mode_override {
            if *forced != mode {
                return Err(CommandError::ModeForced(format!(
                    "forced to {forced} by {by}"
                )));
            }
        }
        if self.mode == mode {
            return Ok(());
        }
        let old = self.mode;
        self.mode = mode;
        self.reconcile(&format!("switched from {old} to {mode}"), progress.as_ref())
            .await;
        Ok(())
    }

    async fn add_exclusion(&mut self, prefix: IpPrefix, owner: &str) -> Result<(), CommandError> {
        validate_exclusion(&prefix, &self.interfaces, &self.config.vpn_interfaces)
            .map_err(CommandError::Refused)?;
        if self.registry.register(prefix, owner) == Registered::First && self.mode == Mode::Legacy {
            // One new route: no need to re-read the whole table.
            if let Some(physical) = self.physical.get(prefix.family()).clone() {
                let outcome = self
                    .execute(
                        vec![Step::Add(RouteSpec::exclusion(prefix, &physical))],
                        None,
                    )
                    .await;
                if outcome.contains("failed") {
                    self.history
                        .record(format!("{owner} excluded {prefix}"), outcome);
                }
            }
        }
        self.mark_dirty();
        Ok(())
    }

    async fn remove_exclusion(
        &mut self,
        prefix: IpPrefix,
        owner: &str,
    ) -> Result<(), CommandError> {
        if self.registry.unregister(&prefix, owner) == Unregistered::Last {
            let held: Vec<(RouteSpec, Origin)> = self
                .held
                .iter()
                .filter(|(s, _)| !s.scoped && s.destination == prefix)
                .map(|(s, o)| (s.clone(), *o))
                .collect();
            let steps = held
                .into_iter()
                .map(|(s, o)| {
                    if o == Origin::Installed {
                        Step::Remove(s)
                    } else {
                        Step::Forget(s)
                    }
                })
                .collect();
            self.execute(steps, None).await;
        }
        self.mark_dirty();
        Ok(())
    }

    fn bind_target(&self, family: Family, zone: Option<u32>) -> Option<BindTarget> {
        if let Some(zone) = zone.filter(|z| *z != 0) {
            return Some(BindTarget {
                index: zone,
                borrowed: false,
            });
        }
        let own = self.physical.get(family).as_ref().map(|p| BindTarget {
            index: p.interface.index,
            borrowed: false,
        });
        let other = match family {
            Family::V4 => Family::V6,
            Family::V6 => Family::V4,
        };
        own.or_else(|| {
            self.physical.get(other).as_ref().map(|p| BindTarget {
                index: p.interface.index,
                borrowed: true,
            })
        })
    }

    /// Reads the table, decides the physical default per family, and makes
    /// the table match the mode's desired state.
    pub(super) async fn reconcile(&mut self, why: &str, progress: Option<&mpsc::Sender<Progress>>) {
        let table = match self.backend.interfaces().await {
            Ok(interfaces) => {
                self.interfaces = interfaces;
                self.backend.routes().await
            }
            Err(e) => Err(e),
        };
        let table = match table {
            Ok(table) => table,
            Err(e) => {
                warn!(error = %e, "could not read the routing table");
                self.history
                    .record(why, format!("could not read the routing table: {e}"));
                return;
            }
        };
        let policy = self.policy();
        let before = self.physical.clone();
        for family in [Family::V4, Family::V6] {
            let decision = choose_physical_default(&table, &self.interfaces, family, &policy);
            let chosen = match (decision.chosen.clone(), self.physical.get(family).clone()) {
                (None, Some(old)) => match *self.lost_at.get(family) {
                    Some(t) if t.elapsed() >= self.config.loss_grace => {
                        *self.lost_at.get_mut(family) = None;
                        None
                    }
                    Some(_) => Some(old),
                    None => {
                        *self.lost_at.get_mut(family) = Some(Instant::now());
                        Some(old)
                    }
                },
                (chosen, _) => {
                    *self.lost_at.get_mut(family) = None;
                    chosen
                }
            };
            let status = self.families.get_mut(family);
            status.reason = match (&decision.chosen, &chosen) {
                (None, Some(old)) => format!(
                    "{}; keeping {} for a moment in case it returns",
                    decision.reason(),
                    old.interface
                ),
                _ => decision.reason(),
            };
            *self.physical.get_mut(family) = chosen;
        }
        let desired = plan::desired(self.mode, &self.physical, &self.registry);
        let steps = plan::plan(&desired, &self.held);
        let moved = [Family::V4, Family::V6]
            .into_iter()
            .any(|f| pin_moved(before.get(f), self.physical.get(f)));
        let outcome = self.execute(steps, progress).await;
        self.verify().await;
        self.update_family_egress();
        if moved {
            self.history.repinned();
        }
        info!(trigger = why, outcome = %outcome, "reconciled");
        self.history.record(why, outcome);
        self.persist();
    }

    /// Runs the steps; one failing does not stop the others.
    async fn execute(
        &mut self,
        steps: Vec<Step>,
        progress: Option<&mpsc::Sender<Progress>>,
    ) -> String {
        let total = steps.len();
        let (mut added, mut reused, mut removed, mut failed) = (0, 0, 0, Vec::new());
        for (i, step) in steps.into_iter().enumerate() {
            match step {
                Step::Add(spec) => match self.backend.add_route(&spec).await {
                    Ok(()) => {
                        added += 1;
                        self.held.insert(spec, Origin::Installed);
                    }
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                        info!(route = %spec, "reused the existing route");
                        reused += 1;
                        self.held.insert(spec, Origin::Reused);
                    }
                    Err(e) => {
                        warn!(route = %spec, error = %e, "could not add route");
                        self.note_failure(&spec, &e.to_string());
                        failed.push(format!("{spec}: {e}"));
                    }
                },
                Step::Remove(spec) => match self.backend.delete_route(&spec).await {
                    Ok(()) => {
                        removed += 1;
                        self.held.remove(&spec);
                    }
                    Err(e) if e.kind() == ErrorKind::NotFound => {
                        self.held.remove(&spec);
                    }
                    Err(e) => {
                        warn!(route = %spec, error = %e, "could not remove route");
                        failed.push(format!("{spec}: {e}"));
                    }
                },
                Step::Forget(spec) => {
                    self.held.remove(&spec);
                }
            }
            if let Some(progress) = progress {
                let _ = progress.try_send(Progress { done: i + 1, total });
            }
            if (i + 1) % JOURNAL_EVERY == 0 {
                self.persist();
            }
        }
        if let Some(progress) = progress {
            let _ = progress.send(Progress { done: total, total }).await;
        }
        let mut text = if total == 0 {
            "nothing to change".to_string()
        } else {
            format!("{added} added, {reused} reused, {removed} removed")
        };
        if !failed.is_empty() {
            text.push_str(&format!(
                ", {} failed ({})",
                failed.len(),
                failed.join("; ")
            ));
        }
        text
    }

    fn note_failure(&mut self, spec: &RouteSpec, error: &str) {
        if spec.scoped && spec.destination.is_default() {
            self.families.get_mut(spec.family()).pin =
                PinState::Failed(format!("could not add {spec}: {error}"));
        }
    }

    /// Asks the kernel, with a scoped lookup, whether each pin is what we
    /// think; repairs a pin that is not.
    pub(super) async fn verify(&mut self) {
        for family in [Family::V4, Family::V6] {
            let pin = self
                .held
                .iter()
                .find(|(s, _)| s.scoped && s.destination.is_default() && s.family() == family)
                .map(|(s, o)| (s.clone(), *o));
            let Some((spec, origin)) = pin else {
                if !matches!(self.families.get(family).pin, PinState::Failed(_))
                    || self.mode != Mode::Advanced
                {
                    self.families.get_mut(family).pin = PinState::None;
                }
                continue;
            };
            let probe = match family {
                Family::V4 => PROBE_V4,
                Family::V6 => PROBE_V6,
            };
            let Ok(probe) = probe.parse() else { continue };
            let state = match self
                .backend
                .get_route(probe, Some(spec.interface.index))
                .await
            {
                Ok(Some(route))
                    if spec.matches(&route)
                        || (origin == Origin::Reused && route.key() == spec.key()) =>
                {
                    if origin == Origin::Reused {
                        PinState::Reused
                    } else {
                        PinState::Pinned
                    }
                }
                Ok(Some(route)) => PinState::Stale(format!(
                    "a scoped lookup on {} answers {} via {}",
                    spec.interface,
                    route.destination,
                    gateway_text(&route.gateway, &|_| None)
                )),
                Ok(None) => PinState::Stale(format!(
                    "a scoped lookup on {} finds no route",
                    spec.interface
                )),
                Err(e) => PinState::Stale(format!("the scoped lookup failed: {e}")),
            };
            if let PinState::Stale(why) = &state {
                warn!(route = %spec, %why, "pin is stale; repairing");
                self.history.record(
                    format!("verification of {family}"),
                    format!("stale: {why}; repairing"),
                );
                if origin == Origin::Installed {
                    let _ = self.backend.delete_route(&spec).await;
                }
                self.held.remove(&spec);
                let repaired = match self.backend.add_route(&spec).await {
                    Ok(()) => Some(Origin::Installed),
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => Some(Origin::Reused),
                    Err(_) => None,
                };
                if let Some(origin) = repaired {
                    self.held.insert(spec.clone(), origin);
                }
            }
            self.families.get_mut(family).pin = state;
        }
    }

    fn update_family_egress(&mut self) {
        for family in [Family::V4, Family::V6] {
            let egress = self
                .physical
                .get(family)
                .as_ref()
                .map(|p| egress_of(p, family, &self.interfaces));
            let status = self.families.get_mut(family);
            if status.egress != egress {
                status.since = egress.as_ref().map(|_| unix_now());
            }
            status.egress = egress;
        }
    }

    pub(super) fn status(&mut self) -> Status {
        let (mode_note, switchable) = match &self.config.mode_override {
            ModeOverride::None => (None, true),
            ModeOverride::Forced { mode, by } => (Some(format!("forced to {mode} by {by}")), false),
            ModeOverride::Invalid { error } => (Some(error.clone()), true),
        };
        Status {
            backend: self.backend.name().to_string(),
            mode: self.mode,
            mode_note,
            mode_switchable: switchable,
            families: self.families.clone(),
            exclusions: self.registry.len(),
            held: self
                .held
                .iter()
                .map(|(s, o)| held_status(s, *o == Origin::Reused))
                .collect(),
            timeline: self.history.timeline(),
            repins_last_10_min: self.history.repins_recent(),
            warnings: family_warnings(&self.families),
        }
    }

    /// Writes the journal now.
    fn persist(&mut self) {
        self.journal_due = None;
        let journal = Journal::capture(self.mode, &self.registry, &self.held);
        if let Err(e) = self.journal.store(&journal) {
            warn!(error = %e, path = %self.journal.path().display(), "could not write the journal");
        }
    }

    /// Schedules a journal write: a burst of registrations costs one write
    /// (and one fsync), at most [`JOURNAL_DELAY`] later.
    fn mark_dirty(&mut self) {
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
        info!(removed = mine.len(), "route manager stopped");
    }
}

/// A residual route from the table, as a spec to delete.
fn spec_of(route: &routing_core::model::Route) -> RouteSpec {
    RouteSpec {
        destination: route.destination,
        gateway: SpecGateway::from(&route.gateway),
        interface: route.interface.clone(),
        scoped: route.is_scoped(),
    }
}

/// Whether an existing pin moved (to another interface or gateway, or
/// away); the first pin of a family is not a move.
fn pin_moved(before: &Option<PhysicalDefault>, after: &Option<PhysicalDefault>) -> bool {
    match (before, after) {
        (Some(b), Some(a)) => b.interface.index != a.interface.index || b.gateway != a.gateway,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn egress_of(
    p: &PhysicalDefault,
    family: Family,
    interfaces: &[routing_core::model::Interface],
) -> Egress {
    let names = |index: u32| {
        interfaces
            .iter()
            .find(|i| i.index == index)
            .map(|i| i.name.clone())
    };
    let gateway = match &p.gateway {
        Gateway::Link { .. } | Gateway::None => "link".to_string(),
        g => gateway_text(g, &names),
    };
    let local_addresses = interfaces
        .iter()
        .find(|i| i.index == p.interface.index)
        .map(|i| {
            i.addresses
                .iter()
                .filter(|a| Family::of(a.addr) == family)
                .map(|a| a.addr.to_string())
                .collect()
        })
        .unwrap_or_default();
    Egress {
        index: p.interface.index,
        interface: p.interface.name.clone(),
        kind: p.kind,
        gateway,
        local_addresses,
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
