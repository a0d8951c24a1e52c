//! The helper under systemd (Linux): the `.deb` installs and enables
//! `egress-helper.service`. Status from the unit file, `systemctl
//! is-enabled` and, for an enabled unit, `systemctl is-active` (failed?); starting, restarting, enabling and disabling through
//! `pkexec systemctl …` (polkit asks for the password, no terminal
//! needed). Programs run through a [`Runner`], so tests use a fake.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use super::{Manager, ServiceManager, ServiceStatus};
use crate::error::AppError;

/// The unit the package installs.
pub const UNIT: &str = "egress-helper.service";

/// What a finished program said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Runs a program to completion.
pub trait Runner: Send + Sync + 'static {
    /// Runs `program` with `args` and waits for it.
    ///
    /// # Errors
    /// When it cannot be started (`NotFound`: not installed).
    fn run(&self, program: &str, args: &[&str]) -> io::Result<Output>;
}

/// The real runner.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRunner;

impl Runner for SystemRunner {
    fn run(&self, program: &str, args: &[&str]) -> io::Result<Output> {
        let out = Command::new(program).args(args).output()?;
        Ok(Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

/// A runner that finds no program (for tests that must not run any).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRunner;

impl Runner for NoRunner {
    fn run(&self, program: &str, _args: &[&str]) -> io::Result<Output> {
        Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{program}: not run"),
        ))
    }
}

/// Where systemd keeps units, and how to tell it is running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Directories a unit file may be in (the package's is
    /// `/usr/lib/systemd/system`).
    pub unit_dirs: Vec<PathBuf>,
    /// Exists while systemd is the running init (`sd_booted`).
    pub booted: PathBuf,
}

impl Paths {
    /// The paths under `root` (`/` for the real system).
    pub fn under(root: &Path) -> Paths {
        Paths {
            unit_dirs: [
                "etc/systemd/system",
                "usr/lib/systemd/system",
                "lib/systemd/system",
            ]
            .iter()
            .map(|d| root.join(d))
            .collect(),
            booted: root.join("run/systemd/system"),
        }
    }
}

/// The helper's systemd unit.
pub struct Systemd {
    paths: Paths,
    runner: Arc<dyn Runner>,
}

impl std::fmt::Debug for Systemd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Systemd")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl Systemd {
    /// The unit on this machine, with real programs.
    pub fn system() -> Systemd {
        Systemd::new(Paths::under(Path::new("/")), Arc::new(SystemRunner))
    }

    /// The unit under `paths`, programs run by `runner`.
    pub fn new(paths: Paths, runner: Arc<dyn Runner>) -> Systemd {
        Systemd { paths, runner }
    }

    fn unit_present(&self) -> bool {
        self.paths.unit_dirs.iter().any(|d| d.join(UNIT).exists())
    }

    /// `pkexec systemctl ARGS… egress-helper.service`, its failure in words.
    fn privileged(&self, args: &[&str]) -> Result<(), AppError> {
        let mut full = vec!["systemctl"];
        full.extend_from_slice(args);
        full.push(UNIT);
        let shown = format!("sudo {}", full.join(" "));
        let out = self.runner.run("pkexec", &full).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                AppError::new(
                    "not_supported",
                    format!(
                        "pkexec (polkit) is not installed, so Egress cannot ask for the \
                         password; run `{shown}` in a terminal"
                    ),
                )
            } else {
                AppError::new("internal", format!("pkexec could not be started: {e}"))
            }
        })?;
        match out.code {
            Some(0) => Ok(()),
            // pkexec: 126 = the dialog was dismissed, 127 = not authorized.
            Some(126) => Err(AppError::new(
                "cancelled",
                "The password prompt was dismissed; nothing changed.",
            )),
            Some(127) => Err(AppError::new(
                "not_permitted",
                format!(
                    "polkit did not authorize it (a wrong password, or no polkit agent \
                     runs in this session); run `{shown}` in a terminal"
                ),
            )),
            code => {
                let why = first_line(&out.stderr).unwrap_or("no reason given");
                let code = code.map_or_else(|| "a signal".to_string(), |c| format!("code {c}"));
                Err(AppError::new(
                    "failed",
                    format!("`{shown}` failed ({code}): {why}"),
                ))
            }
        }
    }
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

/// What `systemctl is-enabled` printed, as a status.
pub fn enabled_status(word: &str) -> ServiceStatus {
    match word.trim() {
        "enabled" | "enabled-runtime" | "static" | "alias" | "indirect" | "generated" => {
            ServiceStatus::Enabled
        }
        "disabled" | "linked" | "linked-runtime" => ServiceStatus::Disabled,
        "masked" | "masked-runtime" => ServiceStatus::Masked,
        "not-found" => ServiceStatus::NotInstalled,
        _ => ServiceStatus::Unknown,
    }
}

impl ServiceManager for Systemd {
    fn manager(&self) -> Manager {
        Manager::Systemd
    }

    fn status(&self) -> ServiceStatus {
        if !self.unit_present() {
            return ServiceStatus::NotInstalled;
        }
        if !self.paths.booted.is_dir() {
            // No running systemd (a container, WSL): the socket tells.
            return ServiceStatus::Unknown;
        }
        let enabled = match self.runner.run("systemctl", &["is-enabled", UNIT]) {
            Ok(out) => enabled_status(first_line(&out.stdout).unwrap_or("")),
            Err(e) => {
                tracing::warn!(error = %e, "systemctl is-enabled");
                return ServiceStatus::Unknown;
            }
        };
        if enabled != ServiceStatus::Enabled {
            return enabled;
        }
        match self.runner.run("systemctl", &["is-active", UNIT]) {
            Ok(out) if first_line(&out.stdout) == Some("failed") => ServiceStatus::Failed,
            _ => ServiceStatus::Enabled,
        }
    }

    fn installed(&self) -> Option<bool> {
        Some(self.unit_present())
    }

    fn default_group(&self) -> &'static str {
        "egress"
    }

    fn register(&self) -> Result<(), AppError> {
        self.privileged(&["enable", "--now"])
    }

    fn unregister(&self) -> Result<(), AppError> {
        self.privileged(&["disable", "--now"])
    }

    fn restart(&self) -> Result<(), AppError> {
        self.privileged(&["restart"])
    }
}

#[cfg(test)]
#[path = "systemd_tests.rs"]
mod tests;
