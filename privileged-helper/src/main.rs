//! `egress-helper`: the root helper. See `egress-helper --help`.
//!
//! Exit codes: 0 after a clean shutdown, 1 when the helper failed while
//! running, 2 for bad arguments, 3 when the chosen backend cannot run here.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use egress_helper::manager::{self, ManagerConfig, ManagerHandle, ModeOverride, LEGACY_ENV};
use routing_backend::session::SessionConfig;
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::Scenario;
use tracing::{error, info};

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
    /// Where the journal lives.
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// The route flag that tags our routes: 1 (RTF_PROTO1), 2 or 3.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=3))]
    proto: u8,
    /// An interface that belongs to a VPN and is never physical (repeatable).
    #[arg(long = "vpn-interface")]
    vpn_interfaces: Vec<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum BackendChoice {
    /// The simulated Mac.
    Sim,
    /// macOS's routing socket.
    Macos,
    /// Linux rtnetlink (not available yet).
    Linux,
}

fn default_backend() -> BackendChoice {
    if cfg!(target_os = "macos") {
        BackendChoice::Macos
    } else {
        BackendChoice::Sim
    }
}

/// The system state directory when we may create it (as root), else a
/// per-machine temporary one (an unprivileged run on the sim).
fn default_state_dir() -> PathBuf {
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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("EGRESS_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let Command::Run(args) = cli.command;
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
    let proto = match args.proto {
        2 => ProtoFlag::Proto2,
        3 => ProtoFlag::Proto3,
        _ => ProtoFlag::Proto1,
    };
    let state_dir = args.state_dir.clone().unwrap_or_else(default_state_dir);
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
            let scenario = match &args.scenario {
                None => Scenario::realistic_mac(),
                Some(path) => match std::fs::read_to_string(path) {
                    Ok(text) => Scenario::parse(&path.display().to_string(), &text),
                    Err(e) => {
                        error!(file = %path.display(), error = %e, "cannot read the scenario");
                        return ExitCode::from(2);
                    }
                },
            };
            let scenario = match scenario {
                Ok(s) => s,
                Err(e) => {
                    error!("{e}");
                    return ExitCode::from(2);
                }
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
            let played = {
                let handle = handle.clone();
                let control = control.clone();
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
                    log_status(&handle).await;
                }
            };
            serve(handle, played, args.exit_after_play).await
        }
        BackendChoice::Macos => macos(config, proto, session, args.exit_after_play).await,
        BackendChoice::Linux => {
            error!("the linux backend is not available yet; use --backend sim");
            ExitCode::from(3)
        }
    }
}

/// The system's own backend (`PF_ROUTE` on macOS); elsewhere a clear refusal.
async fn macos(
    config: ManagerConfig,
    proto: ProtoFlag,
    session: SessionConfig,
    exit_after: bool,
) -> ExitCode {
    match routing_backend::sys::system_backend(proto, session) {
        Ok(backend) => {
            let handle = manager::start(backend, config).await;
            let status = {
                let handle = handle.clone();
                async move { log_status(&handle).await }
            };
            serve(handle, status, exit_after).await
        }
        Err(e) => {
            error!(error = %e, "the macos backend cannot run here; use --backend sim");
            ExitCode::from(3)
        }
    }
}

/// Runs `extra` alongside the helper, then waits for a signal (or, with
/// `exit_after`, for `extra` to finish), and shuts down cleanly.
async fn serve(
    handle: ManagerHandle,
    extra: impl std::future::Future<Output = ()>,
    exit_after: bool,
) -> ExitCode {
    let signal = wait_for_signal();
    tokio::pin!(signal);
    if exit_after {
        tokio::select! {
            () = extra => {},
            () = &mut signal => {},
        }
    } else {
        tokio::join!(extra, &mut signal);
    }
    info!("shutting down: removing our routes");
    match handle.shutdown().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            ExitCode::from(1)
        }
    }
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => info!("SIGTERM"),
        _ = int.recv() => info!("SIGINT"),
    }
}

async fn log_status(handle: &ManagerHandle) {
    let Ok(status) = handle.status().await else {
        return;
    };
    for (family, s) in [("IPv4", &status.families.v4), ("IPv6", &status.families.v6)] {
        info!(family, pin = ?s.pin, reason = %s.reason, "status");
    }
    for warning in &status.warnings {
        info!(%warning, "status warning");
    }
    info!(mode = %status.mode, repins = status.repins_last_10_min, held = status.held.len(), "status");
}
