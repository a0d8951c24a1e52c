//! The helper-setup commands of docs/APP.md: the state with its actions,
//! and each action, which reports what it achieved (after unregistering:
//! is the helper gone and its socket removed?).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tauri::State;

use super::group::socket_group;
use super::state::{evaluate, Action, Setup, SetupState};
use super::{Manager, ServiceManager};
use crate::commands::AppState;
use crate::connection::ConnState;
use crate::error::AppError;
use crate::helper::Helper;

/// How often the connection is looked at while an action settles.
const POLL: Duration = Duration::from_millis(100);

/// The helper and its service manager, for the setup commands.
#[derive(Clone)]
pub struct Registration {
    /// The helper connection.
    pub helper: Arc<dyn Helper>,
    /// The service manager.
    pub manager: Arc<dyn ServiceManager>,
    /// This app's software string.
    pub app: String,
    /// How long an action may take to show (the helper stopping, or
    /// answering again).
    pub settle: Duration,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("manager", &self.manager.manager())
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

/// Runs a blocking call of the manager off the async runtime.
async fn blocking<T: Send + 'static>(
    manager: &Arc<dyn ServiceManager>,
    f: impl FnOnce(&dyn ServiceManager) -> T + Send + 'static,
) -> Result<T, AppError> {
    let manager = Arc::clone(manager);
    tauri::async_runtime::spawn_blocking(move || f(&*manager))
        .await
        .map_err(|e| AppError::new("internal", format!("the service manager call failed: {e}")))
}

/// The button's words, for errors.
fn label(action: Action) -> &'static str {
    match action {
        Action::Register => "Installing the helper",
        Action::Unregister => "Removing the helper",
        Action::Restart => "Restarting the helper",
        Action::OpenApprovalSettings => "Opening Login Items",
        Action::Update => "Updating the helper",
    }
}

impl Registration {
    /// The state now, with its actions.
    pub async fn setup(&self) -> Result<Setup, AppError> {
        let connection = self.helper.connection();
        let status = blocking(&self.manager, |m| m.status()).await?;
        let group = if connection.state == ConnState::NotPermitted {
            socket_group(Path::new(&connection.socket))
                .unwrap_or_else(|| self.manager.default_group().to_string())
        } else {
            self.manager.default_group().to_string()
        };
        Ok(evaluate(
            self.manager.manager(),
            status,
            &connection,
            &self.app,
            &group,
        ))
    }

    /// Takes `action` if the state offers it, waits for it to show, and
    /// returns the state after with a notice of what happened.
    pub async fn act(&self, action: Action) -> Result<Setup, AppError> {
        let before = self.setup().await?;
        if !before.actions.contains(&action) {
            return Err(AppError::new(
                "not_available",
                format!(
                    "{} is not possible now: the helper's state is {} under {}.",
                    label(action),
                    state_words(before.state),
                    manager_words(before.manager)
                ),
            ));
        }
        blocking(&self.manager, move |m| match action {
            Action::Register => m.register(),
            Action::Unregister => m.unregister(),
            // Update: the manager runs the installed program afresh
            // (macOS: unregister + register; systemd: restart).
            Action::Restart | Action::Update => m.restart(),
            Action::OpenApprovalSettings => m.open_approval_settings(),
        })
        .await??;
        let notice = match action {
            Action::Unregister => self.wait_gone(&before.socket).await,
            Action::OpenApprovalSettings => {
                "System Settings is open at Login Items: turn Egress on under \
                 “Allow in the Background”."
                    .to_string()
            }
            Action::Register | Action::Restart | Action::Update => {
                self.wait_answering(action, before.helper.as_deref()).await
            }
        };
        let mut after = self.setup().await?;
        after.notice = Some(notice);
        Ok(after)
    }

    /// After unregistering: waits for the connection to end and the socket
    /// to disappear (the helper removes its routes and its socket on
    /// SIGTERM), and says which happened.
    async fn wait_gone(&self, socket: &str) -> String {
        let deadline = Instant::now() + self.settle;
        loop {
            let connected = self.helper.connection().state == ConnState::Connected;
            let socket_left = Path::new(socket).exists();
            if !connected && !socket_left {
                return "The helper is removed: it stopped, removed its routes, and its socket is gone."
                    .to_string();
            }
            if Instant::now() >= deadline {
                return if connected {
                    format!(
                        "The helper is unregistered, but it still answers at {socket}; it may \
                         take a moment to stop."
                    )
                } else {
                    format!(
                        "The helper stopped (its connection ended), but its socket file is still \
                         at {socket}."
                    )
                };
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// After starting or updating: waits for the helper to answer (a
    /// different one, for an update) and says which happened.
    async fn wait_answering(&self, action: Action, before: Option<&str>) -> String {
        let deadline = Instant::now() + self.settle;
        loop {
            let c = self.helper.connection();
            let fresh = action != Action::Update || c.helper.as_deref() != before;
            if c.state == ConnState::Connected && fresh {
                let helper = c.helper.unwrap_or_else(|| "the helper".to_string());
                return format!("{helper} is running.");
            }
            if Instant::now() >= deadline {
                let status = blocking(&self.manager, |m| m.status()).await;
                if matches!(status, Ok(super::ServiceStatus::RequiresApproval)) {
                    return "The helper is registered; macOS asks you to approve it in Login Items."
                        .to_string();
                }
                return "The helper was started but has not answered yet; Egress keeps trying."
                    .to_string();
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

fn state_words(state: SetupState) -> &'static str {
    match state {
        SetupState::Ok => "running",
        SetupState::UpdateAvailable => "running (an update is available)",
        SetupState::NotInstalled => "not installed",
        SetupState::NeedsApproval => "waiting for approval",
        SetupState::NotFound => "registered without its program",
        SetupState::NotRunning => "not running",
        SetupState::PermissionDenied => "permission denied",
        SetupState::Incompatible => "incompatible",
        SetupState::Connecting => "connecting",
    }
}

fn manager_words(manager: Manager) -> &'static str {
    match manager {
        Manager::AppService => "macOS's Service Management",
        Manager::LegacyLaunchd => "launchd (installed from Terminal)",
        Manager::Systemd => "systemd",
        Manager::Unmanaged => "a helper started by hand",
    }
}

type Reply<T> = Result<T, AppError>;

/// The helper's state, its versions, and what the app can do about it.
#[tauri::command]
pub async fn helper_setup(state: State<'_, AppState>) -> Reply<Setup> {
    state.registration().setup().await
}

/// Registers (macOS) or enables and starts (Linux) the helper.
#[tauri::command]
pub async fn register_helper(state: State<'_, AppState>) -> Reply<Setup> {
    state.registration().act(Action::Register).await
}

/// Unregisters (macOS) or stops and disables (Linux) the helper, then
/// checks that it is gone.
#[tauri::command]
pub async fn unregister_helper(state: State<'_, AppState>) -> Reply<Setup> {
    state.registration().act(Action::Unregister).await
}

/// Starts or restarts the helper.
#[tauri::command]
pub async fn restart_helper(state: State<'_, AppState>) -> Reply<Setup> {
    state.registration().act(Action::Restart).await
}

/// Runs the installed helper in place of an older running one.
#[tauri::command]
pub async fn update_helper(state: State<'_, AppState>) -> Reply<Setup> {
    state.registration().act(Action::Update).await
}

/// Opens System Settings › Login Items (macOS).
#[tauri::command]
pub async fn open_approval_settings(state: State<'_, AppState>) -> Reply<Setup> {
    state.registration().act(Action::OpenApprovalSettings).await
}
