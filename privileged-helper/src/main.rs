//! `egress-helper`: the root helper. See `egress-helper --help`.
//!
//! `egress-helper run` serves clients on a Unix socket (`--socket`, else
//! `$EGRESS_SOCKET`, else `helper_proto::DEFAULT_SOCKET`) under a policy
//! (`--policy`; a missing file is the default policy). SIGHUP reloads the
//! policy (a bad new one is logged and the old one kept); SIGINT/SIGTERM
//! stop serving (subscribers are told), then remove every route we put in.
//!
//! Exit codes:
//! - 0: a clean shutdown (also after the app was trashed or deleted: the
//!   helper removed its routes and unregistered; see `bundle_watch`);
//! - 1: the helper failed while running;
//! - 2: bad arguments, scenario or log file;
//! - 3: the chosen backend cannot run here;
//! - 4: the socket cannot be served: another helper serves it, its
//!   directory cannot be trusted, or the policy file is refused.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use egress_helper::bundle_watch;
use egress_helper::daemon::{self, Ipc, Signals};
use egress_helper::install;
use egress_helper::manager::{self, ManagerConfig, ModeOverride, LEGACY_ENV};
use egress_helper::service::ManagerService;
use routing_backend::session::SessionConfig;
use routing_backend::sim::SimControl;
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::Scenario;
use tracing::{error, info};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Parser, Debug)]
#[command(
    name = "egress-helper",
    version,
    about = "Keeps a VPN's own traffic on the physical network (runs as root)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Runs the helper until SIGINT or SIGTERM, then removes its routes.
    Run(RunArgs),
    /// Removes every route (and on Linux every rule) of ours, then exits:
    /// the systemd unit's stop step, also after a crash.
    Cleanup(install::cli::CleanupArgs),
    /// macOS before 13: installs the helper as a LaunchDaemon
    /// (/Library/LaunchDaemons) and starts it.
    Install(install::cli::InstallArgs),
    /// macOS before 13: stops the LaunchDaemon, removes our routes and its files.
    Uninstall(install::cli::UninstallArgs),
    /// Prints the LaunchDaemon plist (legacy, or the app bundle's with --bundle).
    PrintPlist(install::cli::PrintPlistArgs),
    /// Prints the systemd unit egress-helper.service.
    PrintUnit(install::cli::PrintUnitArgs),
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Which routing table to drive. `sim` is a simulated Mac: safe anywhere.
    #[arg(long, value_enum, default_value_t = default_backend())]
    backend: BackendChoice,
    /// The sim's scenario file (default: the realistic Mac that ships with Egress).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// With the sim: scenario events to play, one per second, after start
    /// (e.g. `vpn-up,wifi-to-ethernet`).
    #[arg(long, value_delimiter = ',')]
    play: Vec<String>,
    /// Stop after playing the events (and their re-pins) instead of waiting for a signal.
    #[arg(long)]
    exit_after_play: bool,
    /// Where the journal lives [default: /var/db/egress on macOS,
    /// /var/lib/egress elsewhere; with the sim, a per-user temporary
    /// directory, never the system one].
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// The route flag that tags our routes: 1 (RTF_PROTO1), 2 or 3.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=3))]
    proto: u8,
    /// An interface that belongs to a VPN and is never physical (repeatable).
    #[arg(long = "vpn-interface")]
    vpn_interfaces: Vec<String>,
    /// The socket clients connect to [default: $EGRESS_SOCKET, else
    /// /var/run/egress/helper.sock on macOS, /run/egress/helper.sock elsewhere].
    #[arg(long)]
    socket: Option<PathBuf>,
    /// Who may read and who may change (TOML) [default:
    /// /Library/Application Support/Egress/policy.toml on macOS,
    /// /etc/egress/policy.toml elsewhere]. A missing file is the default
    /// policy: every local user may read, root and the admin group may change.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Also log to this file (appended), besides stderr.
    #[arg(long)]
    log_file: Option<PathBuf>,
    /// The app bundle this helper belongs to: when it is moved to the
    /// Trash or deleted, the helper removes its routes, unregisters and
    /// exits 0 [default: the bundle this program sits in
    /// (`X.app/Contents/MacOS/`), if any; else no watch].
    #[arg(long, value_name = "PATH")]
    bundle: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum BackendChoice {
    /// The simulated Mac.
    Sim,
    /// macOS's routing socket.
    Macos,
    /// Linux rtnetlink: Egress's own table and `oif` rules.
    Linux,
}

fn default_backend() -> BackendChoice {
    if cfg!(target_os = "macos") {
        BackendChoice::Macos
    } else {
        // Linux users choose `--backend linux` (the systemd unit does):
        // running without arguments is the safe simulation.
        BackendChoice::Sim
    }
}

/// Where the journal lives when `--state-dir` is not given.
///
/// A real backend uses the system directory when we may create it (as
/// root), else a temporary one. The sim never uses the system directory:
/// its journal describes a simulated Mac, and a real helper reading it at
/// its next start would switch the real machine to the sim's mode. Its
/// default is per user, so two users' sims do not share (or fight over) a
/// 0700 directory.
fn default_state_dir(backend: BackendChoice) -> PathBuf {
    if backend == BackendChoice::Sim {
        let uid = nix::unistd::Uid::current();
        return std::env::temp_dir().join(format!("egress-helper-sim-{uid}"));
    }
    let system = if cfg!(target_os = "macos") {
        "/var/db/egress"
    } else {
        "/var/lib/egress"
    };
    if std::fs::create_dir_all(system).is_ok() {
        PathBuf::from(system)
    } else {
        std::env::temp_dir().join("egress-helper")
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Command::Run(args) => args,
        Command::Cleanup(args) => return install::cli::cleanup(&args),
        Command::Install(args) => return install::cli::install(&args),
        Command::Uninstall(args) => return install::cli::uninstall(&args),
        Command::PrintPlist(args) => return install::cli::print_plist(&args),
        Command::PrintUnit(args) => return install::cli::print_unit(&args),
    };
    let log_file = match args.log_file.as_deref().map(open_log).transpose() {
        Ok(file) => file,
        Err(e) => {
            eprintln!("egress-helper: {e}");
            return ExitCode::from(2);
        }
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("EGRESS_LOG").unwrap_or_else(|_| "info".into());
    let to_file = log_file.map(|file| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(Arc::new(file))
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(to_file)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            error!(error = %e, "could not start the runtime");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: RunArgs) -> ExitCode {
    let signals = match Signals::install() {
        Ok(signals) => signals,
        Err(e) => {
            error!(error = %e, "cannot handle signals");
            return ExitCode::from(1);
        }
    };
    let app = match bundle_watch::bundle_to_watch(args.bundle.as_deref()) {
        Ok(bundle) => bundle.map(bundle_watch::Watcher::new),
        Err(e) => {
            error!("{e}");
            return ExitCode::from(2);
        }
    };
    let ipc = match Ipc::open(args.policy.as_deref(), args.socket.as_deref()) {
        Ok(ipc) => ipc,
        Err(code) => return code,
    };
    let proto = match args.proto {
        2 => ProtoFlag::Proto2,
        3 => ProtoFlag::Proto3,
        _ => ProtoFlag::Proto1,
    };
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| default_state_dir(args.backend));
    // The journal's directory is the helper's alone (0700).
    let created = std::fs::create_dir_all(&state_dir).and_then(|()| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&state_dir, std::fs::Permissions::from_mode(0o700))
    });
    if let Err(e) = created {
        error!(dir = %state_dir.display(), error = %e, "cannot create the state directory");
        return ExitCode::from(1);
    }
    let mut config = ManagerConfig::new(state_dir);
    config.tag = proto.flag();
    config.vpn_interfaces = args.vpn_interfaces.clone();
    config.mode_override = ModeOverride::from_env_value(std::env::var(LEGACY_ENV).ok().as_deref());
    let session = SessionConfig::default();
    match args.backend {
        BackendChoice::Sim => {
            let scenario = match load_scenario(args.scenario.as_deref()) {
                Ok(s) => s,
                Err(code) => return code,
            };
            info!(scenario = %scenario.title, "booting the simulated Mac");
            let (backend, control) =
                match routing_backend::sim::sim_backend(scenario, proto, session) {
                    Ok(pair) => pair,
                    Err(e) => {
                        error!("{e}");
                        return ExitCode::from(2);
                    }
                };
            let _clock = control.spawn_clock(Duration::from_millis(50));
            let handle = manager::start(backend, config).await;
            let service = ManagerService::new(handle.clone(), Some(control.clone()), "sim");
            let played = {
                let handle = handle.clone();
                let events = args.play.clone();
                async move {
                    for event in events {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        info!(%event, "simulating");
                        if let Err(e) = control.run_event(&event) {
                            error!("{e}");
                        }
                    }
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    daemon::log_status(&handle).await;
                }
            };
            daemon::serve(
                handle,
                service,
                ipc,
                signals,
                played,
                args.exit_after_play,
                app,
            )
            .await
        }
        BackendChoice::Macos | BackendChoice::Linux => {
            let wanted = if args.backend == BackendChoice::Macos {
                "macos"
            } else {
                "linux"
            };
            if wanted != std::env::consts::OS {
                error!(
                    "the {wanted} backend drives {wanted}'s routing table; this is {}: use --backend sim",
                    std::env::consts::OS
                );
                return ExitCode::from(3);
            }
            match routing_backend::sys::system_backend(proto, session) {
                Ok(backend) => {
                    let handle = manager::start(backend, config).await;
                    let service = ManagerService::new(handle.clone(), None::<SimControl>, wanted);
                    let status = {
                        let handle = handle.clone();
                        async move { daemon::log_status(&handle).await }
                    };
                    daemon::serve(
                        handle,
                        service,
                        ipc,
                        signals,
                        status,
                        args.exit_after_play,
                        app,
                    )
                    .await
                }
                Err(e) => {
                    error!(error = %e, "the {wanted} backend cannot run here; use --backend sim");
                    ExitCode::from(3)
                }
            }
        }
    }
}

/// The sim's scenario: the file, or the realistic Mac.
fn load_scenario(path: Option<&Path>) -> Result<Scenario, ExitCode> {
    let parsed = match path {
        None => Scenario::realistic_mac(),
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Scenario::parse(&path.display().to_string(), &text),
            Err(e) => {
                error!(file = %path.display(), error = %e, "cannot read the scenario");
                return Err(ExitCode::from(2));
            }
        },
    };
    parsed.map_err(|e| {
        error!("{e}");
        ExitCode::from(2)
    })
}

/// Opens the log file for appending (never through a symlink).
fn open_log(path: &Path) -> Result<std::fs::File, String> {
    use rustix::fs::{Mode, OFlags};
    rustix::fs::open(
        path,
        OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o640),
    )
    .map(std::fs::File::from)
    .map_err(|e| format!("cannot open the log file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sim_never_defaults_to_the_system_state_directory() {
        let sim = default_state_dir(BackendChoice::Sim);
        assert!(sim.starts_with(std::env::temp_dir()), "{}", sim.display());
        assert!(
            sim.to_string_lossy()
                .ends_with(&format!("-{}", nix::unistd::Uid::current())),
            "per user: {}",
            sim.display()
        );
    }
}
