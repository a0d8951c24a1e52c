//! `egress-helper cleanup`: removes every route (and, on Linux, every rule)
//! of ours from the table, without starting the route manager.
//!
//! This is the systemd unit's `ExecStopPost=` step and the uninstallers'
//! last word: after a crash (`kill -9`, an OOM kill, a panic) the helper
//! never ran its shutdown, and its pins and exclusions would stay in the
//! table until the next start. It is the start-up residue flush
//! (`manager::lifecycle::flush_residue`) on its own, widened to every route
//! the backend recognises as ours: on Linux everything with route protocol
//! 69, on macOS everything with our `RTF_PROTO` flag, whatever its shape,
//! plus whatever the journal says we installed. It does not apply a
//! desired state and does not write the journal: the user's mode and
//! exclusions survive for the next start.

use std::path::Path;

use routing_backend::{ErrorKind, RouteBackend};
use routing_core::model::{Route, RouteSpec, SpecGateway};
use tracing::{info, warn};

use crate::journal::{Journal, JournalFile};

/// What a cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// The routes removed.
    pub removed: Vec<RouteSpec>,
    /// The routes that could not be removed, and why.
    pub failed: Vec<(RouteSpec, String)>,
    /// Routes of ours still in the table afterwards (read again).
    pub left: Vec<Route>,
}

impl Cleanup {
    /// Whether nothing of ours is left.
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty() && self.left.is_empty()
    }
}

/// The journal in `state_dir`, if one can be read. Unlike the manager's
/// load, an unreadable journal is left where it is (the next start moves
/// it aside and says so).
pub fn read_journal(state_dir: &Path) -> Option<Journal> {
    let file = JournalFile::in_dir(state_dir);
    let bytes = match std::fs::read(file.path()) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            warn!(path = %file.path().display(), error = %e, "cannot read the journal");
            return None;
        }
    };
    match serde_json::from_slice::<Journal>(&bytes) {
        Ok(journal) => Some(journal),
        Err(e) => {
            warn!(path = %file.path().display(), error = %e, "the journal is unreadable; cleaning by tag only");
            None
        }
    }
}

/// A route from the table, as a spec to delete.
pub fn spec_of(route: &Route) -> RouteSpec {
    RouteSpec {
        destination: route.destination,
        gateway: SpecGateway::from(&route.gateway),
        interface: route.interface.clone(),
        scoped: route.is_scoped(),
    }
}

/// Deletes every route `backend` reports as ours, and every route the
/// journal says we installed that is still in the table; then reads the
/// table again and reports what of ours is left.
///
/// # Errors
/// When the table cannot be read (before or after).
pub async fn remove_our_routes<B: RouteBackend>(
    backend: &mut B,
    journal: Option<&Journal>,
) -> routing_backend::Result<Cleanup> {
    let table = backend.routes().await?;
    let mut doomed: Vec<RouteSpec> = table
        .iter()
        .filter(|r| backend.is_ours(r))
        .map(spec_of)
        .collect();
    let installed = journal
        .map(|j| j.routes.iter().filter(|h| !h.reused).collect::<Vec<_>>())
        .unwrap_or_default();
    for held in installed {
        if table.iter().any(|r| held.spec.matches(r)) && !doomed.contains(&held.spec) {
            doomed.push(held.spec.clone());
        }
    }
    // Exclusions (host and network routes) before the pins they lean on.
    doomed.sort_by_key(|spec| spec.destination.is_default());
    let mut cleanup = Cleanup::default();
    for spec in doomed {
        match backend.delete_route(&spec).await {
            Ok(()) => {
                info!(route = %spec, "removed");
                cleanup.removed.push(spec);
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => {
                warn!(route = %spec, error = %e, "could not remove");
                cleanup.failed.push((spec, e.to_string()));
            }
        }
    }
    let table = backend.routes().await?;
    cleanup.left = table
        .iter()
        .filter(|r| backend.is_ours(r))
        .cloned()
        .collect();
    Ok(cleanup)
}

/// Linux: our `oif` rules as `ip rule` prints them (read before
/// [`remove_our_routes`], whose first table read already sweeps orphans).
///
/// # Errors
/// When the rules cannot be read.
#[cfg(target_os = "linux")]
pub async fn linux_rules(
    backend: &mut routing_backend::sys::LinuxBackend,
) -> routing_backend::Result<Vec<String>> {
    Ok(backend
        .rules()
        .await?
        .iter()
        .map(ToString::to_string)
        .collect())
}

/// Linux, after [`remove_our_routes`]: removes our `oif` rules that no
/// route of ours needs any more (all of them, then). Returns the rules of
/// `before` that are gone and the rules of ours still present.
///
/// # Errors
/// When the rules cannot be read.
#[cfg(target_os = "linux")]
pub async fn flush_linux_rules(
    backend: &mut routing_backend::sys::LinuxBackend,
    before: Vec<String>,
) -> routing_backend::Result<(Vec<String>, Vec<String>)> {
    backend.flush_rules().await?;
    let left = linux_rules(backend).await?;
    let removed = before.into_iter().filter(|r| !left.contains(r)).collect();
    Ok((removed, left))
}
