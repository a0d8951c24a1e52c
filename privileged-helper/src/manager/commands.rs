//! The route manager's commands: mode, exclusions, binding, status.

use routing_backend::RouteBackend;
use routing_core::model::{Family, IpPrefix, RouteSpec};
use tokio::sync::mpsc;

use super::reconcile::Progress;
use super::status::{family_warnings, held_status, Status};
use super::{
    validate_exclusion, BindTarget, Command, CommandError, ManagerDiagnostics, ModeOverride,
    RouteManager,
};
use crate::engine::exclusions::{Registered, Unregistered};
use crate::engine::plan::{Mode, Origin, Step};

impl<B: RouteBackend> RouteManager<B> {
    pub(super) async fn handle(&mut self, command: Command) {
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
            Command::BoundSocket(family, kind, port, reply) => {
                let result = match self.bind_target(family, None) {
                    None => Err(CommandError::NoEgress(family)),
                    Some(target) => self
                        .backend
                        .bound_socket(family, kind, target.index, port)
                        .map(|fd| (fd, target))
                        .map_err(|e| CommandError::Backend(e.to_string())),
                };
                let _ = reply.send(result);
            }
            Command::TaggedRoutes(reply) => {
                let result = match self.backend.routes().await {
                    Ok(table) => Ok(table
                        .iter()
                        .map(|r| (r.clone(), self.backend.is_ours(r)))
                        .collect()),
                    Err(e) => Err(CommandError::Backend(e.to_string())),
                };
                let _ = reply.send(result);
            }
            Command::Flush(dry_run, reply) => {
                let _ = reply.send(self.flush_stray(dry_run).await);
            }
            Command::Diagnostics(reply) => {
                let _ = reply.send(ManagerDiagnostics {
                    journal: std::fs::read_to_string(self.journal.path()).ok(),
                    kernel_events: self.announce.kernel_log(),
                    interfaces: self.interfaces.clone(),
                    vpn_interfaces: self.config.vpn_interfaces.clone(),
                });
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

    pub(super) async fn set_mode(
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
        self.announce.switching(mode);
        self.reconcile(&format!("switched from {old} to {mode}"), progress.as_ref())
            .await;
        self.announce.switched();
        Ok(())
    }

    /// Routes with our tag that we do not hold: deleted, or with
    /// `dry_run` only listed.
    pub(super) async fn flush_stray(
        &mut self,
        dry_run: bool,
    ) -> Result<Vec<RouteSpec>, CommandError> {
        let table = self
            .backend
            .routes()
            .await
            .map_err(|e| CommandError::Backend(e.to_string()))?;
        let stray: Vec<RouteSpec> = table
            .iter()
            .filter(|r| self.backend.is_ours(r))
            .filter(|r| !self.held.keys().any(|spec| spec.matches(r)))
            .map(super::lifecycle::spec_of)
            .collect();
        if dry_run {
            return Ok(stray);
        }
        let mut removed = Vec::with_capacity(stray.len());
        for spec in stray {
            match self.backend.delete_route(&spec).await {
                Ok(()) => removed.push(spec),
                Err(e) if e.kind() == routing_backend::ErrorKind::NotFound => {}
                Err(e) => return Err(CommandError::Backend(e.to_string())),
            }
        }
        self.history.record(
            "flush requested",
            format!("removed {} residual route(s)", removed.len()),
        );
        Ok(removed)
    }

    pub(super) async fn add_exclusion(
        &mut self,
        prefix: IpPrefix,
        owner: &str,
    ) -> Result<Registered, CommandError> {
        validate_exclusion(&prefix, &self.interfaces, &self.config.vpn_interfaces)
            .map_err(CommandError::Refused)?;
        let registered = self.registry.register(prefix, owner);
        if registered == Registered::First && self.mode == Mode::Legacy {
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
        Ok(registered)
    }

    pub(super) async fn remove_exclusion(
        &mut self,
        prefix: IpPrefix,
        owner: &str,
    ) -> Result<Unregistered, CommandError> {
        let unregistered = self.registry.unregister(&prefix, owner);
        if unregistered == Unregistered::Last {
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
        if unregistered != Unregistered::NotRegistered {
            self.mark_dirty();
        }
        Ok(unregistered)
    }

    pub(super) fn bind_target(&self, family: Family, zone: Option<u32>) -> Option<BindTarget> {
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
                .filter(|(s, _)| s.destination.len() == 0)
                .map(|(s, o)| held_status(s, *o == Origin::Reused))
                .collect(),
            held_exclusion_routes: self
                .held
                .keys()
                .filter(|s| s.destination.len() != 0)
                .count(),
            timeline: self.history.timeline(),
            repins_last_10_min: self.history.repins_recent(),
            warnings: family_warnings(&self.families),
            vpn: self.vpn.clone(),
        }
    }
}
