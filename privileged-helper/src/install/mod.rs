//! Installing and removing the helper as a system service, from one source.
//!
//! - [`plist`]: the macOS LaunchDaemon plist, in the app bundle's variant
//!   (`SMAppService`, macOS 13+) and the legacy `/Library/LaunchDaemons`
//!   one (`egress-helper install`, macOS < 13);
//! - [`systemd`]: the Linux unit `egress-helper.service`;
//! - [`launchd`]: `egress-helper install` / `uninstall` on macOS, over a
//!   small [`launchd::Launchd`] trait so the logic is tested with a fake;
//! - [`cleanup`]: `egress-helper cleanup`, which removes every route and
//!   rule of ours without starting the route manager (the unit's stop
//!   step, and the uninstallers' last word);
//! - [`cli`]: the subcommands (`install`, `uninstall`, `cleanup`,
//!   `print-plist`, `print-unit`).
//!
//! The packaged files (`packaging/`) are this module's output; tests keep
//! them equal.

pub mod cleanup;
pub mod cli;
pub mod launchd;
pub mod plist;
pub mod systemd;

/// The helper's launchd label (and the SMAppService plist's name, with
/// `.plist`).
pub const HELPER_LABEL: &str = "dev.egress.helper";

/// The app's bundle identifier: `identifier` in `src-tauri/tauri.conf.json`
/// (`privileged-helper/tests/bundle_config.rs` keeps the two equal). Not
/// `….app`: Tauri warns that an identifier ending in `.app` clashes with
/// the bundle's extension on macOS.
pub const APP_BUNDLE_ID: &str = "dev.egress.menubar";

/// The helper inside the app bundle, relative to the bundle.
pub const BUNDLE_PROGRAM: &str = "Contents/MacOS/egress-helper";

/// Where the bundle's plist lives, relative to the bundle.
pub const BUNDLE_PLIST: &str = "Contents/Library/LaunchDaemons/dev.egress.helper.plist";

/// The legacy LaunchDaemon plist.
pub const LEGACY_PLIST: &str = "/Library/LaunchDaemons/dev.egress.helper.plist";

/// Where `egress-helper install` copies the helper: a root-owned place, as
/// launchd runs it as root (a binary inside a user-writable app bundle
/// would let that user become root).
pub const LEGACY_PROGRAM: &str = "/Library/PrivilegedHelperTools/dev.egress.helper";

/// The helper's log on macOS (launchd's `StandardErrorPath`).
pub const LOG_FILE: &str = "/var/log/egress-helper.log";

/// The helper's state directory on macOS (the journal).
pub const MACOS_STATE_DIR: &str = "/var/db/egress";

/// The helper's state directory on Linux (systemd's `StateDirectory=egress`).
pub const LINUX_STATE_DIR: &str = "/var/lib/egress";

/// The socket's directory on macOS.
pub const MACOS_RUNTIME_DIR: &str = "/var/run/egress";

/// The policy's directory on macOS.
pub const MACOS_POLICY_DIR: &str = "/Library/Application Support/Egress";

/// The state directory of this system.
pub fn default_state_dir() -> &'static str {
    if cfg!(target_os = "macos") {
        MACOS_STATE_DIR
    } else {
        LINUX_STATE_DIR
    }
}
