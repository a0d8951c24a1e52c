//! `egress-helper install` / `uninstall`: the LaunchDaemon for macOS
//! before 13, where the app cannot use `SMAppService`.
//!
//! `install` copies the helper to [`LEGACY_PROGRAM`] (root:wheel 0755),
//! writes [`LEGACY_PLIST`] (root:wheel 0644, as launchd demands), boots out
//! a helper already loaded (an update), and bootstraps the new one.
//!
//! `uninstall` boots the helper out first (launchd sends SIGTERM, and the
//! helper removes its routes as it stops; `bootout` waits for it), then
//! runs the cleanup for whatever a crashed helper left (doing it the other
//! way round, a running helper would re-pin what the cleanup removed), then
//! removes the plist, the program and the socket directory; `--purge`
//! also removes the journal, the log and the policy.
//!
//! When `install` runs from inside an app bundle, the plist passes that
//! bundle to `run --bundle`; if the app goes to the Trash, the helper
//! removes its routes and [`unregister_self`]: plist and program removed,
//! `launchctl bootout` asked for without waiting for it.
//!
//! Everything the system is asked besides files goes through [`Launchd`],
//! so the order is tested with a fake. All paths are under a prefix (`/`
//! for real; a temporary directory in tests).

use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use rustix::fs::{Mode, OFlags};

use super::plist::{launch_daemon_plist, Variant};
use super::{
    HELPER_LABEL, LEGACY_PLIST, LEGACY_PROGRAM, LOG_FILE, MACOS_POLICY_DIR, MACOS_RUNTIME_DIR,
    MACOS_STATE_DIR,
};

/// launchd's name of the helper's service in the system domain.
pub fn service_target() -> String {
    format!("system/{HELPER_LABEL}")
}

/// What `bootout` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bootout {
    /// The service was loaded and is now stopped and unloaded.
    Stopped,
    /// The service was not loaded.
    NotLoaded,
}

/// What install and uninstall ask of the system besides writing files.
pub trait Launchd {
    /// `launchctl bootout system/LABEL`: stops and unloads the service.
    ///
    /// # Errors
    /// launchctl failed for another reason than "not loaded".
    fn bootout(&mut self, service: &str) -> io::Result<Bootout>;

    /// `launchctl enable system/LABEL`: clears a `launchctl disable`, which
    /// would make `bootstrap` fail.
    ///
    /// # Errors
    /// launchctl failed.
    fn enable(&mut self, service: &str) -> io::Result<()>;

    /// `launchctl bootstrap system PLIST`: loads and starts the service.
    ///
    /// # Errors
    /// launchctl failed.
    fn bootstrap(&mut self, plist: &Path) -> io::Result<()>;

    /// Asks launchd to boot the service out without waiting: for the
    /// service itself, which launchd stops as part of the bootout (waiting
    /// for `launchctl` would wait for our own exit).
    ///
    /// # Errors
    /// launchctl could not be started.
    fn bootout_later(&mut self, service: &str) -> io::Result<()>;

    /// Removes every route of ours (`egress-helper cleanup`); returns what
    /// it said.
    ///
    /// # Errors
    /// Something of ours could not be removed.
    fn remove_routes(&mut self) -> Result<String, String>;
}

/// Where files go and who owns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Prepended to every path (`/` for real).
    pub prefix: PathBuf,
    /// The owner and group given to what is written (`Some((0, 0))`,
    /// root:wheel, as root; `None` leaves the writer's own).
    pub owner: Option<(u32, u32)>,
}

impl Layout {
    /// The paths under `prefix`, owned by root:wheel when we are root.
    pub fn under(prefix: &Path) -> Layout {
        let root = rustix::process::geteuid().is_root();
        Layout {
            prefix: prefix.to_path_buf(),
            owner: root.then_some((0, 0)),
        }
    }

    /// An absolute system path under the prefix.
    pub fn path(&self, absolute: &str) -> PathBuf {
        self.prefix.join(absolute.trim_start_matches('/'))
    }
}

/// What an install or uninstall did, step by step, and what went wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Each step done, as a sentence.
    pub done: Vec<String>,
    /// Each step that failed, as a sentence.
    pub problems: Vec<String>,
}

impl Outcome {
    fn did(&mut self, step: impl Into<String>) {
        self.done.push(step.into());
    }

    fn failed(&mut self, step: impl Into<String>) {
        self.problems.push(step.into());
    }
}

/// Installs the helper at `binary` as the legacy LaunchDaemon.
///
/// # Errors
/// The first step that failed; the steps before it are done (running
/// `install` again completes it).
pub fn install(layout: &Layout, binary: &Path, launchd: &mut dyn Launchd) -> io::Result<Outcome> {
    let mut outcome = Outcome::default();
    let bytes = std::fs::read(binary).map_err(|e| context(e, "read the helper", binary))?;
    let program = layout.path(LEGACY_PROGRAM);
    ensure_dir(layout, parent(&program))?;
    write_atomically(&program, &bytes, 0o755, layout.owner)?;
    outcome.did(format!("installed {} (0755)", program.display()));

    let plist = layout.path(LEGACY_PLIST);
    ensure_dir(layout, parent(&plist))?;
    let text = launch_daemon_plist(&Variant::Legacy {
        program: LEGACY_PROGRAM.to_string(),
        bundle: app_bundle_of(binary),
    });
    write_atomically(&plist, text.as_bytes(), 0o644, layout.owner)?;
    outcome.did(format!("wrote {} (0644)", plist.display()));

    let service = service_target();
    if launchd.bootout(&service)? == Bootout::Stopped {
        outcome.did(format!("stopped the running {service}"));
    }
    launchd.enable(&service)?;
    launchd.bootstrap(&plist)?;
    outcome.did(format!("started {service}"));
    Ok(outcome)
}

/// Removes the legacy LaunchDaemon, our routes, and (with `purge`) the
/// helper's state, log and policy. Goes on after a failed step, so as much
/// as possible is removed; [`Outcome::problems`] says what was not.
pub fn uninstall(layout: &Layout, purge: bool, launchd: &mut dyn Launchd) -> Outcome {
    let mut outcome = Outcome::default();
    let service = service_target();
    match launchd.bootout(&service) {
        Ok(Bootout::Stopped) => outcome.did(format!("stopped {service}")),
        Ok(Bootout::NotLoaded) => outcome.did(format!("{service} was not running")),
        Err(e) => outcome.failed(format!("could not stop {service}: {e}")),
    }
    match launchd.remove_routes() {
        Ok(said) => outcome.did(said),
        Err(e) => outcome.failed(format!("could not remove every route of ours: {e}")),
    }
    let mut doomed = vec![LEGACY_PLIST, LEGACY_PROGRAM, MACOS_RUNTIME_DIR];
    if purge {
        doomed.extend([MACOS_STATE_DIR, LOG_FILE, MACOS_POLICY_DIR]);
    }
    for path in doomed.into_iter().map(|p| layout.path(p)) {
        match remove(&path) {
            Ok(true) => outcome.did(format!("removed {}", path.display())),
            Ok(false) => {}
            Err(e) => outcome.failed(format!("could not remove {}: {e}", path.display())),
        }
    }
    outcome
}

/// The legacy helper unregisters itself (its app was trashed or deleted;
/// its routes are already removed): removes the plist first, so launchd
/// does not load it at the next boot, then the program and the socket
/// directory, then asks launchd to boot the service out (which it does
/// once we have exited). The journal, log and policy stay, as after
/// `uninstall` without `--purge`.
pub fn unregister_self(layout: &Layout, launchd: &mut dyn Launchd) -> Outcome {
    let mut outcome = Outcome::default();
    for path in [LEGACY_PLIST, LEGACY_PROGRAM, MACOS_RUNTIME_DIR].map(|p| layout.path(p)) {
        match remove(&path) {
            Ok(true) => outcome.did(format!("removed {}", path.display())),
            Ok(false) => {}
            Err(e) => outcome.failed(format!("could not remove {}: {e}", path.display())),
        }
    }
    let service = service_target();
    match launchd.bootout_later(&service) {
        Ok(()) => outcome.did(format!("asked launchd to boot out {service}")),
        Err(e) => outcome.failed(format!("could not ask launchd to boot out {service}: {e}")),
    }
    outcome
}

/// The app bundle `binary` sits in, as a string, if it does.
pub fn app_bundle_of(binary: &Path) -> Option<String> {
    let binary = std::fs::canonicalize(binary).ok()?;
    crate::bundle_watch::decide::bundle_of(&binary)?
        .to_str()
        .map(str::to_string)
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or_else(|| Path::new("/"))
}

fn context(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("cannot {what} ({}): {e}", path.display()))
}

/// Creates a missing directory (0755, the layout's owner); an existing one
/// is left as it is.
fn ensure_dir(layout: &Layout, dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| context(e, "create", dir))?;
    std::fs::set_permissions(dir, Permissions::from_mode(0o755))
        .map_err(|e| context(e, "set the mode of", dir))?;
    if let Some((uid, gid)) = layout.owner {
        std::os::unix::fs::chown(dir, Some(uid), Some(gid))
            .map_err(|e| context(e, "chown", dir))?;
    }
    Ok(())
}

/// Writes `bytes` to `path` through a new temporary file in the same
/// directory (never through a symlink), with `mode` and `owner` set before
/// it is renamed into place: launchd never sees a half-written plist.
fn write_atomically(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent(path).join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let write = || -> io::Result<()> {
        let fd = rustix::fs::open(
            &tmp,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )?;
        let mut file = File::from(fd);
        file.write_all(bytes)?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::fchown(&file, Some(uid), Some(gid))?;
        }
        file.set_permissions(Permissions::from_mode(mode))?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        context(e, "write", path)
    })
}

/// Removes a file or a directory tree (not following a symlink); whether
/// there was anything.
fn remove(path: &Path) -> io::Result<bool> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if meta.is_dir() {
        std::fs::remove_dir_all(path)?;
    } else {
        std::fs::remove_file(path)?;
    }
    Ok(true)
}

/// The real thing: `/bin/launchctl`, and `egress-helper cleanup --backend
/// macos` run from this very binary.
#[derive(Debug, Default)]
pub struct Launchctl;

impl Launchctl {
    fn run(args: &[&std::ffi::OsStr]) -> io::Result<std::process::Output> {
        Command::new("/bin/launchctl").args(args).output()
    }
}

/// `launchctl` said the service is not loaded: ESRCH (3) on older macOS,
/// 113 ("Could not find specified service") on newer.
fn not_loaded(code: Option<i32>, stderr: &str) -> bool {
    matches!(code, Some(3 | 113))
        || stderr.contains("No such process")
        || stderr.contains("Could not find specified service")
}

fn failure(what: &str, output: &std::process::Output) -> io::Error {
    io::Error::other(format!(
        "launchctl {what} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    ))
}

impl Launchd for Launchctl {
    fn bootout(&mut self, service: &str) -> io::Result<Bootout> {
        let output = Launchctl::run(&["bootout".as_ref(), service.as_ref()])?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.success() {
            Ok(Bootout::Stopped)
        } else if not_loaded(output.status.code(), &stderr) {
            Ok(Bootout::NotLoaded)
        } else {
            Err(failure("bootout", &output))
        }
    }

    fn enable(&mut self, service: &str) -> io::Result<()> {
        let output = Launchctl::run(&["enable".as_ref(), service.as_ref()])?;
        if output.status.success() {
            Ok(())
        } else {
            Err(failure("enable", &output))
        }
    }

    fn bootstrap(&mut self, plist: &Path) -> io::Result<()> {
        let output = Launchctl::run(&["bootstrap".as_ref(), "system".as_ref(), plist.as_ref()])?;
        if output.status.success() {
            Ok(())
        } else {
            Err(failure("bootstrap", &output))
        }
    }

    fn bootout_later(&mut self, service: &str) -> io::Result<()> {
        use std::os::unix::process::CommandExt;
        use std::process::Stdio;
        // A process group of its own: launchd kills what is left in the
        // job's group when the job exits.
        Command::new("/bin/launchctl")
            .args(["bootout", service])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map(drop)
    }

    fn remove_routes(&mut self) -> Result<String, String> {
        let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
        let output = Command::new(me)
            .args(["cleanup", "--backend", "macos"])
            .output()
            .map_err(|e| format!("cannot run the cleanup: {e}"))?;
        let said = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if output.status.success() {
            Ok(said)
        } else {
            Err(format!(
                "{said} {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }
}

/// A dry run (an install under a prefix other than `/`): says what it
/// would ask launchd, asks nothing.
#[derive(Debug, Default)]
pub struct DryRun {
    /// What would have run, in order.
    pub would: Vec<String>,
}

impl Launchd for DryRun {
    fn bootout(&mut self, service: &str) -> io::Result<Bootout> {
        self.would.push(format!("launchctl bootout {service}"));
        Ok(Bootout::NotLoaded)
    }

    fn enable(&mut self, service: &str) -> io::Result<()> {
        self.would.push(format!("launchctl enable {service}"));
        Ok(())
    }

    fn bootstrap(&mut self, plist: &Path) -> io::Result<()> {
        self.would
            .push(format!("launchctl bootstrap system {}", plist.display()));
        Ok(())
    }

    fn bootout_later(&mut self, service: &str) -> io::Result<()> {
        self.would
            .push(format!("launchctl bootout {service} (not waited for)"));
        Ok(())
    }

    fn remove_routes(&mut self) -> Result<String, String> {
        self.would
            .push("egress-helper cleanup --backend macos".to_string());
        Ok("routes left alone (dry run)".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launchctl_not_loaded_is_recognised_by_code_or_words() {
        assert!(not_loaded(Some(3), ""));
        assert!(not_loaded(Some(113), ""));
        assert!(not_loaded(Some(5), "Boot-out failed: 3: No such process"));
        assert!(not_loaded(Some(1), "Could not find specified service"));
        assert!(!not_loaded(
            Some(5),
            "Boot-out failed: 5: Input/output error"
        ));
        assert!(!not_loaded(None, ""));
    }

    #[test]
    fn paths_go_under_the_prefix() {
        let layout = Layout {
            prefix: PathBuf::from("/tmp/x"),
            owner: None,
        };
        assert_eq!(
            layout.path(LEGACY_PLIST),
            Path::new("/tmp/x/Library/LaunchDaemons/dev.egress.helper.plist")
        );
        let root = Layout {
            prefix: PathBuf::from("/"),
            owner: None,
        };
        assert_eq!(root.path(LOG_FILE), Path::new(LOG_FILE));
    }

    #[test]
    fn the_service_target_is_in_the_system_domain() {
        assert_eq!(service_target(), "system/dev.egress.helper");
    }
}
