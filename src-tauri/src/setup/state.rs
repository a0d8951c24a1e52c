//! The helper's availability as one state with its actions: the
//! connection (does it answer?) and the service manager (is it installed,
//! approved, enabled?) combined. Pure.

use serde::{Deserialize, Serialize};

use super::versions::{helper_is_older, refusing_helper};
use super::{Manager, ServiceStatus};
use crate::connection::{ConnState, Connection};

/// What the UI shows about the helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetupState {
    /// Connected, the same release as the app (or newer).
    Ok,
    /// Connected, but the helper is an older release than the app.
    UpdateAvailable,
    /// No helper is installed or registered.
    NotInstalled,
    /// Registered, waiting for the user's approval in Login Items.
    NeedsApproval,
    /// Registered, but its program is missing from the bundle.
    NotFound,
    /// Installed, but nothing answers at the socket.
    NotRunning,
    /// The socket keeps this user out.
    PermissionDenied,
    /// The helper speaks another protocol major.
    Incompatible,
    /// Connecting (at start, or after the helper went away).
    Connecting,
}

/// Something the user can do about the state, from the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// macOS: register the bundle's daemon; Linux: enable and start the unit.
    Register,
    /// macOS: unregister; Linux: stop and disable (the helper removes its routes).
    Unregister,
    /// Start or restart the helper.
    Restart,
    /// Open System Settings › Login Items.
    OpenApprovalSettings,
    /// Run the installed (newer) helper instead of the running one.
    Update,
}

/// The `Setup` object of docs/APP.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Setup {
    /// The state to show.
    pub state: SetupState,
    /// Who runs the helper.
    pub manager: Manager,
    /// What that manager says.
    pub service: ServiceStatus,
    /// What the app can do about it, most useful first.
    pub actions: Vec<Action>,
    /// This app (`egress-app 0.1.0`).
    pub app: String,
    /// The helper (`egress-helper 0.1.0`), when known.
    pub helper: Option<String>,
    /// The group that lets a user in (permission denied).
    pub group: Option<String>,
    /// The helper's socket.
    pub socket: String,
    /// The connection's own sentence, when not connected.
    pub message: Option<String>,
    /// What the last action did (set by the action commands).
    pub notice: Option<String>,
}

/// The state and actions for `connection` under `manager` reporting
/// `service`. `app` is this app's software string; `group` the group that
/// admits users (the socket's, or the platform default).
pub fn evaluate(
    manager: Manager,
    service: ServiceStatus,
    connection: &Connection,
    app: &str,
    group: &str,
) -> Setup {
    let helper = match connection.state {
        ConnState::Incompatible => connection
            .helper
            .clone()
            .or_else(|| connection.message.as_deref().and_then(refusing_helper)),
        _ => connection.helper.clone(),
    };
    let state = match connection.state {
        ConnState::Connected => {
            if helper.as_deref().is_some_and(|h| helper_is_older(h, app)) {
                SetupState::UpdateAvailable
            } else {
                SetupState::Ok
            }
        }
        ConnState::NotPermitted => SetupState::PermissionDenied,
        ConnState::Incompatible => SetupState::Incompatible,
        ConnState::NotRunning | ConnState::NotInstalled | ConnState::Connecting => match service {
            ServiceStatus::NotInstalled | ServiceStatus::NotRegistered => SetupState::NotInstalled,
            ServiceStatus::RequiresApproval => SetupState::NeedsApproval,
            ServiceStatus::NotFound => SetupState::NotFound,
            _ if connection.state == ConnState::Connecting => SetupState::Connecting,
            _ if connection.state == ConnState::NotInstalled => SetupState::NotInstalled,
            _ => SetupState::NotRunning,
        },
    };
    Setup {
        state,
        manager,
        service,
        actions: actions(manager, service, state),
        app: app.to_string(),
        helper,
        group: (state == SetupState::PermissionDenied).then(|| group.to_string()),
        socket: connection.socket.clone(),
        message: connection.message.clone(),
        notice: None,
    }
}

/// What the app can do in `state`.
pub fn actions(manager: Manager, service: ServiceStatus, state: SetupState) -> Vec<Action> {
    use Action::*;
    use SetupState as S;
    match manager {
        // Nothing the app installed; a terminal does it (the UI says how).
        Manager::Unmanaged | Manager::LegacyLaunchd => Vec::new(),
        Manager::AppService => match state {
            S::NotInstalled => vec![Register],
            S::NeedsApproval => vec![OpenApprovalSettings, Unregister],
            // Registering again points launchd at the bundle's program.
            S::NotFound => vec![Update, Unregister],
            S::NotRunning => vec![Restart, Unregister],
            S::Incompatible | S::UpdateAvailable => vec![Update, Unregister],
            S::Ok => vec![Unregister],
            S::PermissionDenied | S::Connecting => Vec::new(),
        },
        Manager::Systemd => match (state, service) {
            (S::NotRunning, ServiceStatus::Disabled) => vec![Register],
            (S::NotRunning, ServiceStatus::Enabled | ServiceStatus::Failed) => vec![Restart],
            // The package installed a newer binary: a restart runs it.
            (
                S::Incompatible | S::UpdateAvailable,
                ServiceStatus::Enabled | ServiceStatus::Failed,
            ) => vec![Update],
            (S::Incompatible | S::UpdateAvailable, ServiceStatus::Disabled) => vec![Register],
            (S::Ok, ServiceStatus::Enabled) => vec![Unregister],
            _ => Vec::new(),
        },
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
