//! Reconciling the table with the desired state: reading it, choosing the
//! physical default per family (with the loss grace), executing the plan,
//! and verifying each pin with a scoped lookup.

use routing_backend::{ErrorKind, RouteBackend};
use routing_core::model::{
    choose_physical_default, netstat::gateway_text, still_usable, EgressPolicy, Family, Gateway,
    PhysicalDefault, RouteSpec,
};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{info, warn};

use super::status::{unix_now, vpn_defaults, Egress, PinState};
use super::RouteManager;
use crate::engine::plan::{self, Mode, Origin, Step};

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

impl<B: RouteBackend> RouteManager<B> {
    pub(super) fn policy(&self) -> EgressPolicy {
        EgressPolicy {
            vpn_interfaces: self.config.vpn_interfaces.clone(),
            our_tag: self.config.tag,
        }
    }

    pub(super) fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
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
        self.vpn = vpn_defaults(&table, &self.interfaces, &policy);
        self.vpn_due = None;
        let before = self.physical.clone();
        for family in [Family::V4, Family::V6] {
            let decision = choose_physical_default(&table, &self.interfaces, family, &policy);
            let chosen = match (decision.chosen.clone(), self.physical.get(family).clone()) {
                // A VPN replaced the default outright (and the OS keeps no
                // scoped default of its own) but the network is still
                // there: keep pinning it, for the VPN's own traffic must
                // still leave through it.
                (None, Some(old))
                    if vpn_took_default(&table, family, &self.backend)
                        && still_usable(&old, family, &self.interfaces, &policy) =>
                {
                    *self.lost_at.get_mut(family) = None;
                    Some(old)
                }
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
                (None, Some(old)) if self.lost_at.get(family).is_none() => format!(
                    "{}; keeping {} via {}: it is still up and on that network",
                    decision.reason(),
                    old.interface,
                    gateway_word(&old.gateway)
                ),
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

    /// Re-reads the table for the tunnels that own a default, and nothing
    /// else (no re-pin: a VPN's routes do not move the physical egress).
    pub(super) async fn refresh_vpn(&mut self) {
        self.vpn_due = None;
        // The interfaces afresh too (a tunnel may be new), for this only:
        // the engine's own view changes only in `reconcile`.
        let read = match self.backend.interfaces().await {
            Ok(interfaces) => self.backend.routes().await.map(|t| (interfaces, t)),
            Err(e) => Err(e),
        };
        match read {
            Ok((interfaces, table)) => self.vpn = vpn_defaults(&table, &interfaces, &self.policy()),
            Err(e) => warn!(error = %e, "could not read the routing table for the VPN's defaults"),
        }
    }

    /// Runs the steps; one failing does not stop the others.
    pub(super) async fn execute(
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
            self.announce.progress(i + 1, total);
            if (i + 1) % JOURNAL_EVERY == 0 {
                self.persist();
            }
        }
        if let Some(progress) = progress {
            let _ = progress.send(Progress { done: total, total }).await;
        }
        if added + removed > 0 {
            self.announce.routes_written();
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

    pub(super) fn note_failure(&mut self, spec: &RouteSpec, error: &str) {
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
                // Keep a failed add visible while the family still has a
                // physical default to pin; otherwise there is nothing to pin.
                let failed = matches!(self.families.get(family).pin, PinState::Failed(_));
                if !failed || self.mode != Mode::Advanced || self.physical.get(family).is_none() {
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
            let state = match state {
                PinState::Stale(why) => self.repair(family, spec, origin, why).await,
                state => state,
            };
            self.families.get_mut(family).pin = state;
        }
    }

    /// Replaces a stale pin: delete ours (never the OS's), add it again.
    async fn repair(
        &mut self,
        family: Family,
        spec: RouteSpec,
        origin: Origin,
        why: String,
    ) -> PinState {
        warn!(route = %spec, %why, "pin is stale; repairing");
        if origin == Origin::Installed {
            let _ = self.backend.delete_route(&spec).await;
        }
        self.held.remove(&spec);
        let (state, outcome) = match self.backend.add_route(&spec).await {
            Ok(()) => {
                self.held.insert(spec, Origin::Installed);
                (PinState::Pinned, "repaired".to_string())
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                self.held.insert(spec, Origin::Reused);
                (
                    PinState::Reused,
                    "repaired (reusing the route now there)".to_string(),
                )
            }
            Err(e) => (
                PinState::Failed(format!("{why}; the repair failed: {e}")),
                format!("the repair failed: {e}"),
            ),
        };
        self.history.record(
            format!("verification of {family}"),
            format!("stale: {why}; {outcome}"),
        );
        state
    }

    pub(super) fn update_family_egress(&mut self) {
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

/// A gateway in a sentence.
fn gateway_word(gateway: &Gateway) -> String {
    gateway
        .ip_addr()
        .map_or_else(|| "the link".to_string(), |g| g.to_string())
}

/// Whether the family's primary default exists but is not physical (a VPN
/// owns it), as opposed to there being no default at all.
fn vpn_took_default<B: RouteBackend>(
    table: &routing_core::model::RouteTable,
    family: Family,
    backend: &B,
) -> bool {
    table
        .family(family)
        .any(|r| r.is_default() && !r.is_scoped() && !backend.is_ours(r))
}
