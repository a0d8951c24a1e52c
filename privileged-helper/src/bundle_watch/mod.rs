//! The helper notices that its app was moved to the Trash or deleted.
//!
//! With `SMAppService` launchd runs the helper from inside the app
//! (`Egress.app/Contents/MacOS/egress-helper`), with `KeepAlive`. When the
//! user drags the app to the Trash, nothing tells the helper: it would go
//! on pinning routes for an app that is gone. So the helper watches the
//! bundle it was started from:
//!
//! - **Which bundle.** `run --bundle PATH`, else the bundle the program
//!   sits in ([`decide::bundle_of`]: `X.app/Contents/MacOS/`); neither, and
//!   the watch is off (a development build, the Linux package).
//! - **How.** Every [`INTERVAL`] it looks at the path (a `stat`) and asks
//!   the kernel where the bundle directory it holds open is now (macOS
//!   `F_GETPATH`, Linux `/proc/self/fd`; a link count of 0 is deleted). So
//!   it knows "moved to `~/.Trash`" from "deleted" from "renamed"
//!   (followed, not mourned). Polling is portable and cheap: three system
//!   calls every 2 s (`stat`, `fstat`, `F_GETPATH` or `readlink`); a kqueue `EVFILT_VNODE` watch would answer sooner,
//!   but the bundle's parent must be watched too and a missed event is
//!   worse than a 2 s delay.
//! - **When.** [`PATIENCE`] looks in a row must find it gone (an updater
//!   may remove the old app just before putting the new one in place; a
//!   bundle that reappears is forgiven). A helper started from inside a
//!   trash acts at once.
//! - **Then** ([`crate::daemon::serve`]): it logs why, stops serving,
//!   removes every route of ours (the manager's shutdown, as on SIGTERM),
//!   unregisters ([`unregister`]) and exits 0, which launchd does not
//!   restart (`KeepAlive` is `SuccessfulExit = false`).
//!
//! The decisions are pure ([`decide`]) and tested on any host; this module
//! only looks.

pub mod decide;

use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::{Mode, OFlags};
use tracing::{debug, info, warn};

use crate::install::launchd::{self, Launchctl, Layout};
use crate::install::LEGACY_PROGRAM;
use decide::{AtPath, Decider, Gone, Observation, Verdict, Whereabouts};

/// How often the bundle is looked at.
pub const INTERVAL: Duration = Duration::from_secs(2);

/// How many looks in a row must find the app gone.
pub const PATIENCE: u32 = 2;

/// The bundle to watch: `explicit` (`run --bundle`, made absolute; it
/// must be a directory), else the bundle this program sits in, else none.
///
/// # Errors
/// A sentence naming `explicit` when it is not a directory.
pub fn bundle_to_watch(explicit: Option<&Path>) -> Result<Option<PathBuf>, String> {
    if let Some(path) = explicit {
        // Canonical, as the kernel names the directory we hold open.
        let canonical =
            std::fs::canonicalize(path).map_err(|e| format!("--bundle {}: {e}", path.display()))?;
        return match std::fs::metadata(&canonical) {
            Ok(meta) if meta.is_dir() => Ok(Some(canonical)),
            Ok(_) => Err(format!(
                "--bundle {}: not a directory (an app bundle is one)",
                path.display()
            )),
            Err(e) => Err(format!("--bundle {}: {e}", path.display())),
        };
    }
    let program = std::env::current_exe().and_then(std::fs::canonicalize);
    Ok(program.ok().as_deref().and_then(decide::bundle_of))
}

/// Watches one bundle.
#[derive(Debug)]
pub struct Watcher {
    decider: Decider,
    /// The bundle's directory, held open so the kernel can say where it
    /// went (`None` if it could not be opened: then only the path counts).
    held: Option<OwnedFd>,
}

impl Watcher {
    /// Starts watching `bundle`.
    pub fn new(bundle: PathBuf) -> Watcher {
        let held = hold(&bundle);
        info!(bundle = %bundle.display(), every = ?INTERVAL,
            "watching the app: if it goes to the Trash, the helper removes its routes and unregisters");
        Watcher {
            decider: Decider::new(bundle, PATIENCE),
            held,
        }
    }

    fn look(&self) -> Observation {
        let at_path = match std::fs::metadata(self.decider.bundle()) {
            Ok(meta) if meta.is_dir() => AtPath::Directory,
            _ => AtPath::Nothing,
        };
        let whereabouts = self.held.as_ref().map_or(Whereabouts::Unknown, whereabouts);
        Observation {
            at_path,
            whereabouts,
        }
    }

    /// Looks every [`INTERVAL`] until the app is gone; returns why, as a
    /// sentence.
    pub async fn gone(mut self) -> String {
        let mut ticks = tokio::time::interval(INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let seen = self.look();
            let bundle = self.decider.bundle().to_path_buf();
            match self.decider.observe(&seen) {
                Verdict::Present => {}
                Verdict::Replaced => {
                    info!(bundle = %bundle.display(), "the app was replaced (an update?): watching the new one");
                    self.held = hold(&bundle);
                }
                Verdict::Moved { from, to } => info!(
                    from = %from.display(), to = %to.display(),
                    "the app was moved: watching it there"),
                Verdict::Doubtful { misses, why } => debug!(
                    misses,
                    "{}; looking again before acting",
                    why.describe(&bundle)
                ),
                Verdict::Gone(why) => return self.reason(&bundle, &why),
            }
        }
    }

    fn reason(&self, bundle: &Path, why: &Gone) -> String {
        let reason = why.describe(bundle);
        warn!("{reason}: removing our routes and unregistering the helper");
        reason
    }
}

/// Waits until the app is gone; forever without a watcher.
pub async fn until_gone(watcher: Option<Watcher>) -> String {
    match watcher {
        Some(watcher) => watcher.gone().await,
        None => std::future::pending().await,
    }
}

/// Opens the bundle's directory to follow it (never through a symlink).
/// `None` when it cannot be opened, or when the kernel names it otherwise
/// than `path` (then every look would see a replaced app): only the path
/// is watched then.
fn hold(path: &Path) -> Option<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = match rustix::fs::open(path, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(e) => {
            debug!(bundle = %path.display(), error = %e,
                "cannot hold the bundle open: only its path is watched");
            return None;
        }
    };
    match whereabouts(&fd) {
        Whereabouts::At(named) if named != path => {
            debug!(bundle = %path.display(), kernel = %named.display(),
                "the kernel names the bundle otherwise: only its path is watched");
            None
        }
        _ => Some(fd),
    }
}

/// Where the directory `fd` is now, as the kernel knows it.
fn whereabouts(fd: &OwnedFd) -> Whereabouts {
    match rustix::fs::fstat(fd) {
        Ok(stat) if stat.st_nlink == 0 => return Whereabouts::Deleted,
        Ok(_) => {}
        Err(_) => return Whereabouts::Unknown,
    }
    current_path(fd.as_fd())
}

#[cfg(any(target_os = "macos", target_os = "ios"))]
fn current_path(fd: std::os::fd::BorrowedFd<'_>) -> Whereabouts {
    use std::os::unix::ffi::OsStringExt;
    match rustix::fs::getpath(fd) {
        Ok(path) => Whereabouts::At(PathBuf::from(std::ffi::OsString::from_vec(
            path.into_bytes(),
        ))),
        Err(_) => Whereabouts::Unknown,
    }
}

#[cfg(target_os = "linux")]
fn current_path(fd: std::os::fd::BorrowedFd<'_>) -> Whereabouts {
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    let Ok(link) = std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())) else {
        return Whereabouts::Unknown;
    };
    match link.as_os_str().as_bytes().strip_suffix(b" (deleted)") {
        Some(_) => Whereabouts::Deleted,
        None => Whereabouts::At(link),
    }
}

#[cfg(not(any(target_os = "macos", target_os = "ios", target_os = "linux")))]
fn current_path(_fd: std::os::fd::BorrowedFd<'_>) -> Whereabouts {
    Whereabouts::Unknown
}

/// After the routes are removed: unregisters the helper so launchd does
/// not start it again.
///
/// - Installed by `egress-helper install` (macOS < 13; this program is
///   [`LEGACY_PROGRAM`]): removes the plist and the program, then asks
///   launchd to boot the service out once we have exited
///   ([`launchd::unregister_self`]).
/// - Registered by the app (`SMAppService`) or started by hand: nothing of
///   ours is outside the bundle; the clean exit that follows is not
///   restarted. The app's registration stays with macOS (see
///   docs/ARCHITECTURE.md).
pub fn unregister() {
    let program = std::env::current_exe().and_then(std::fs::canonicalize);
    if program.as_deref().ok() == Some(Path::new(LEGACY_PROGRAM)) {
        let outcome = launchd::unregister_self(&Layout::under(Path::new("/")), &mut Launchctl);
        for step in &outcome.done {
            info!("unregistering: {step}");
        }
        for problem in &outcome.problems {
            warn!("unregistering: {problem}");
        }
    } else {
        info!(
            "not installed as a LaunchDaemon of its own: nothing to remove; \
               exiting 0, which launchd does not restart"
        );
    }
}
