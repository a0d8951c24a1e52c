//! Installing, registering and starting the helper from the app (issue 7),
//! and what the UI shows when the helper is not there (issue 6 §2).
//!
//! - [`ServiceManager`]: the platform's service manager — status,
//!   register, unregister, restart, open the approval settings. The real
//!   ones are chosen once, in [`platform`]: `SMAppService` on macOS 13+
//!   ([`macos`]), `/Library/LaunchDaemons` before that, systemd on Linux
//!   ([`systemd`]), and [`Unmanaged`] when the app runs against a helper it
//!   did not install (`EGRESS_SOCKET` set, as `scripts/run` does).
//! - [`state`]: pure — the connection and the manager's status become one
//!   [`Setup`] with the actions that can fix it.
//! - [`commands`]: the commands of docs/APP.md over both.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub mod commands;
pub mod group;
#[cfg(target_os = "macos")]
mod macos;
pub mod smerror;
pub mod state;
pub mod systemd;
pub mod versions;

pub use state::{evaluate, Action, Setup, SetupState};

/// Which service manager runs the helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Manager {
    /// `SMAppService` (macOS 13+): the daemon plist inside the bundle.
    AppService,
    /// macOS before 13: `egress-helper install` wrote a plist into
    /// `/Library/LaunchDaemons` (an administrator runs it in a terminal).
    LegacyLaunchd,
    /// Linux: the `.deb`'s `egress-helper.service`.
    Systemd,
    /// A helper the app did not install (a development or sim run).
    Unmanaged,
}

/// What the service manager says about the helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    /// Nothing is installed (no unit file, no legacy plist).
    NotInstalled,
    /// `SMAppService`: the bundle's daemon is not registered.
    NotRegistered,
    /// `SMAppService`: registered, but the user has not allowed it in
    /// System Settings › General › Login Items.
    RequiresApproval,
    /// `SMAppService`: registered, but the plist or the program it names
    /// is missing from the bundle.
    NotFound,
    /// Installed and enabled (launchd or systemd starts it).
    Enabled,
    /// systemd: the unit is enabled, but `systemctl is-active` says it
    /// failed (it crashed or could not start; the journal says why).
    Failed,
    /// systemd: the unit is installed but not enabled.
    Disabled,
    /// systemd: the unit is masked (`systemctl unmask` first).
    Masked,
    /// The manager cannot be asked (systemd is not running, a development
    /// run); the socket alone tells.
    Unknown,
}

/// The platform's service manager. Calls may block (a subprocess, an XPC
/// round trip, a password prompt): the commands run them off the async
/// runtime.
pub trait ServiceManager: Send + Sync + 'static {
    /// Which manager this is.
    fn manager(&self) -> Manager;

    /// The helper's status.
    fn status(&self) -> ServiceStatus;

    /// Whether the helper is installed at all, cheaply (no subprocess):
    /// `Some(false)` turns "not running" into "not installed".
    fn installed(&self) -> Option<bool>;

    /// The group whose members may use the helper by default
    /// (`egress` on Linux, `admin` on macOS).
    fn default_group(&self) -> &'static str;

    /// Registers (macOS) or enables and starts (Linux) the helper.
    ///
    /// # Errors
    /// What the manager refused, in a sentence.
    fn register(&self) -> Result<(), AppError> {
        Err(not_supported(self.manager(), "install the helper"))
    }

    /// Unregisters (macOS) or stops and disables (Linux) the helper; its
    /// SIGTERM handler removes its routes.
    ///
    /// # Errors
    /// What the manager refused, in a sentence.
    fn unregister(&self) -> Result<(), AppError> {
        Err(not_supported(self.manager(), "remove the helper"))
    }

    /// Starts or restarts the helper (so the installed binary runs).
    ///
    /// # Errors
    /// What the manager refused, in a sentence.
    fn restart(&self) -> Result<(), AppError> {
        Err(not_supported(self.manager(), "restart the helper"))
    }

    /// Opens System Settings › Login Items, where the helper is approved.
    ///
    /// # Errors
    /// When there is no such place.
    fn open_approval_settings(&self) -> Result<(), AppError> {
        Err(not_supported(self.manager(), "open the approval settings"))
    }
}

/// The error of an action a manager cannot take.
pub fn not_supported(manager: Manager, what: &str) -> AppError {
    let why = match manager {
        Manager::AppService => "macOS's SMAppService does not offer that",
        Manager::LegacyLaunchd => {
            "on macOS before 13 an administrator does that in Terminal with `egress-helper install` or `uninstall`"
        }
        Manager::Systemd => "systemd does not offer that",
        Manager::Unmanaged => {
            "this helper was not installed by the app (a development run); start and stop it where it was started"
        }
    };
    AppError::new(
        "not_supported",
        format!("Egress cannot {what} here: {why}."),
    )
}

/// A helper the app did not install: nothing to register, the socket
/// alone tells whether it runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unmanaged {
    /// The default group of this platform.
    pub group: &'static str,
}

impl ServiceManager for Unmanaged {
    fn manager(&self) -> Manager {
        Manager::Unmanaged
    }

    fn status(&self) -> ServiceStatus {
        ServiceStatus::Unknown
    }

    fn installed(&self) -> Option<bool> {
        None
    }

    fn default_group(&self) -> &'static str {
        self.group
    }
}

/// The service manager of this machine; [`Unmanaged`] when `EGRESS_SOCKET`
/// points the app at a helper someone started by hand. The one cfg point.
pub fn platform() -> Arc<dyn ServiceManager> {
    let unmanaged = std::env::var_os(helper_proto::SOCKET_ENV).is_some_and(|s| !s.is_empty());
    #[cfg(target_os = "macos")]
    {
        if unmanaged {
            return Arc::new(Unmanaged { group: "admin" });
        }
        macos::manager()
    }
    #[cfg(target_os = "linux")]
    {
        if unmanaged {
            return Arc::new(Unmanaged { group: "egress" });
        }
        Arc::new(systemd::Systemd::system())
    }
    #[cfg(not(any(target_os = "macos", target_os = "linux")))]
    {
        let _ = unmanaged;
        Arc::new(Unmanaged { group: "wheel" })
    }
}
