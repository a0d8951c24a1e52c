//! The subcommands of this module: `cleanup`, `install`, `uninstall`,
//! `print-plist`, `print-unit`. `main.rs` only dispatches to them.
//!
//! Exit codes, as `run`'s: 0 done; 1 something failed (said on stderr);
//! 2 bad arguments or scenario, or `install`/`uninstall` on a system that
//! installs the helper otherwise; 3 the chosen backend cannot run here.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::ValueEnum;
use routing_backend::session::SessionConfig;
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::Scenario;

use super::cleanup::{read_journal, remove_our_routes, spec_of, Cleanup};
use super::launchd::{self, DryRun, Launchctl, Launchd, Layout, Outcome};
use super::plist::{launch_daemon_plist, Variant};
use super::{default_state_dir, systemd, LEGACY_PROGRAM};

/// Where the cleanup looks for our routes.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CleanupBackend {
    /// The simulated Mac (booted from `--scenario`, after `--play`).
    Sim,
    /// macOS's routing socket.
    Macos,
    /// Linux rtnetlink: routes with protocol 69, and our `oif` rules.
    Linux,
}

impl CleanupBackend {
    /// This system's backend (the sim where there is none).
    pub fn system() -> CleanupBackend {
        if cfg!(target_os = "macos") {
            CleanupBackend::Macos
        } else if cfg!(target_os = "linux") {
            CleanupBackend::Linux
        } else {
            CleanupBackend::Sim
        }
    }
}

/// `egress-helper cleanup`.
#[derive(clap::Args, Debug)]
pub struct CleanupArgs {
    /// Which routing table to clean [default: this system's].
    #[arg(long, value_enum, default_value_t = CleanupBackend::system())]
    pub backend: CleanupBackend,
    /// Where the journal lives (routes it says we installed are removed
    /// too) [default: /var/db/egress on macOS, /var/lib/egress on Linux;
    /// none on the sim].
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// The route flag that tags our routes on macOS: 1 (RTF_PROTO1), 2 or 3.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub proto: u8,
    /// With the sim: the scenario to boot (default: the realistic Mac).
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// With the sim: scenario events to run before cleaning (e.g. `leftovers`).
    #[arg(long, value_delimiter = ',')]
    pub play: Vec<String>,
}

/// `egress-helper install`.
#[derive(clap::Args, Debug)]
pub struct InstallArgs {
    /// Install under this directory instead of `/`: files only, launchctl
    /// is not run (it prints what it would run).
    #[arg(long, default_value = "/")]
    pub prefix: PathBuf,
    /// The helper to install [default: this program].
    #[arg(long)]
    pub binary: Option<PathBuf>,
}

/// `egress-helper uninstall`.
#[derive(clap::Args, Debug)]
pub struct UninstallArgs {
    /// Uninstall from under this directory instead of `/`: files only.
    #[arg(long, default_value = "/")]
    pub prefix: PathBuf,
    /// Also remove the journal, the log and the policy.
    #[arg(long)]
    pub purge: bool,
}

/// `egress-helper print-plist`.
#[derive(clap::Args, Debug)]
pub struct PrintPlistArgs {
    /// The app bundle's plist (SMAppService) instead of the legacy one.
    #[arg(long)]
    pub bundle: bool,
}

/// `egress-helper print-unit`.
#[derive(clap::Args, Debug)]
pub struct PrintUnitArgs {
    /// The helper the unit runs.
    #[arg(long, default_value = systemd::PACKAGED_BINARY)]
    pub binary: String,
}

/// Prints the LaunchDaemon plist.
pub fn print_plist(args: &PrintPlistArgs) -> ExitCode {
    let variant = if args.bundle {
        Variant::Bundle
    } else {
        Variant::Legacy {
            program: LEGACY_PROGRAM.to_string(),
            bundle: None,
        }
    };
    print!("{}", launch_daemon_plist(&variant));
    ExitCode::SUCCESS
}

/// Prints the systemd unit.
pub fn print_unit(args: &PrintUnitArgs) -> ExitCode {
    if !args.binary.starts_with('/') || args.binary.contains(char::is_whitespace) {
        eprintln!("egress-helper: --binary must be an absolute path without spaces");
        return ExitCode::from(2);
    }
    print!("{}", systemd::unit(&args.binary));
    ExitCode::SUCCESS
}

const NOT_HERE: &str = "egress-helper: install and uninstall are for macOS before 13. \
On Linux the Egress package installs the helper as the systemd unit egress-helper.service \
(see `egress-helper print-unit`), enables and starts it; removing the package stops it and \
removes its routes, and purging it removes its state.";

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// The launchd to use, and whether it is a dry run.
fn launchd_for(prefix: &Path) -> Result<(Box<dyn Launchd>, bool), ExitCode> {
    if prefix != Path::new("/") {
        return Ok((Box::new(DryRun::default()), true));
    }
    if !is_root() {
        eprintln!("egress-helper: this changes the system; run it as root (sudo)");
        return Err(ExitCode::from(1));
    }
    Ok((Box::new(Launchctl), false))
}

fn report(outcome: &Outcome) -> ExitCode {
    for step in &outcome.done {
        println!("{step}");
    }
    for problem in &outcome.problems {
        eprintln!("egress-helper: {problem}");
    }
    if outcome.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `egress-helper install`.
pub fn install(args: &InstallArgs) -> ExitCode {
    if !cfg!(target_os = "macos") {
        eprintln!("{NOT_HERE}");
        return ExitCode::from(2);
    }
    let (mut launchd, dry) = match launchd_for(&args.prefix) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    let binary = match args.binary.clone().map_or_else(std::env::current_exe, Ok) {
        Ok(path) => path,
        Err(e) => {
            eprintln!("egress-helper: cannot find this program: {e}; use --binary");
            return ExitCode::from(2);
        }
    };
    let layout = Layout::under(&args.prefix);
    match launchd::install(&layout, &binary, launchd.as_mut()) {
        Ok(outcome) => {
            if dry {
                println!("dry run under {}: launchctl not run", args.prefix.display());
            }
            report(&outcome)
        }
        Err(e) => {
            eprintln!("egress-helper: install failed: {e}");
            ExitCode::from(1)
        }
    }
}

/// `egress-helper uninstall`.
pub fn uninstall(args: &UninstallArgs) -> ExitCode {
    if !cfg!(target_os = "macos") {
        eprintln!("{NOT_HERE}");
        return ExitCode::from(2);
    }
    let (mut launchd, _) = match launchd_for(&args.prefix) {
        Ok(pair) => pair,
        Err(code) => return code,
    };
    let layout = Layout::under(&args.prefix);
    report(&launchd::uninstall(&layout, args.purge, launchd.as_mut()))
}

/// `egress-helper cleanup`: logs warnings to stderr (`EGRESS_LOG` turns
/// them up), says what it removed on stdout.
pub fn cleanup(args: &CleanupArgs) -> ExitCode {
    let filter =
        tracing_subscriber::EnvFilter::try_from_env("EGRESS_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("egress-helper: could not start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(clean(args))
}

fn proto_flag(proto: u8) -> ProtoFlag {
    match proto {
        2 => ProtoFlag::Proto2,
        3 => ProtoFlag::Proto3,
        _ => ProtoFlag::Proto1,
    }
}

async fn clean(args: &CleanupArgs) -> ExitCode {
    let proto = proto_flag(args.proto);
    let session = SessionConfig::default();
    let state_dir = match (&args.state_dir, args.backend) {
        (Some(dir), _) => Some(dir.clone()),
        (None, CleanupBackend::Sim) => None,
        (None, _) => Some(PathBuf::from(default_state_dir())),
    };
    let journal = state_dir.as_deref().and_then(read_journal);
    if args.backend == CleanupBackend::Sim {
        let scenario = match load_scenario(args.scenario.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("egress-helper: {e}");
                return ExitCode::from(2);
            }
        };
        let (mut backend, control) =
            match routing_backend::sim::sim_backend(scenario, proto, session) {
                Ok(pair) => pair,
                Err(e) => {
                    eprintln!("egress-helper: {e}");
                    return ExitCode::from(2);
                }
            };
        let _clock = control.spawn_clock(Duration::from_millis(50));
        for event in &args.play {
            if let Err(e) = control.run_event(event) {
                eprintln!("egress-helper: {e}");
                return ExitCode::from(2);
            }
        }
        return finish(
            remove_our_routes(&mut backend, journal.as_ref()).await,
            None,
        );
    }
    let wanted = if args.backend == CleanupBackend::Macos {
        "macos"
    } else {
        "linux"
    };
    if wanted != std::env::consts::OS {
        eprintln!(
            "egress-helper: the {wanted} backend cleans {wanted}'s routing table; this is {}",
            std::env::consts::OS
        );
        return ExitCode::from(3);
    }
    let mut backend = match routing_backend::sys::system_backend(proto, session) {
        Ok(backend) => backend,
        Err(e) => {
            eprintln!("egress-helper: the {wanted} backend cannot run here: {e}");
            return ExitCode::from(3);
        }
    };
    #[cfg(target_os = "linux")]
    let rules_before = super::cleanup::linux_rules(&mut backend)
        .await
        .unwrap_or_default();
    let routes = remove_our_routes(&mut backend, journal.as_ref()).await;
    #[cfg(target_os = "linux")]
    let rules = Some(super::cleanup::flush_linux_rules(&mut backend, rules_before).await);
    #[cfg(not(target_os = "linux"))]
    let rules = None;
    finish(routes, rules)
}

/// Says what was removed and what is left; 0 when nothing of ours is.
fn finish(
    routes: routing_backend::Result<Cleanup>,
    rules: Option<routing_backend::Result<(Vec<String>, Vec<String>)>>,
) -> ExitCode {
    let cleanup = match routes {
        Ok(cleanup) => cleanup,
        Err(e) => {
            eprintln!("egress-helper: cannot read the routing table: {e}");
            return ExitCode::from(1);
        }
    };
    for spec in &cleanup.removed {
        println!("removed route {spec}");
    }
    for (spec, why) in &cleanup.failed {
        eprintln!("egress-helper: could not remove route {spec}: {why}");
    }
    for route in &cleanup.left {
        eprintln!(
            "egress-helper: still in the table: {} (flags {})",
            spec_of(route),
            route.flags
        );
    }
    let (removed_rules, left_rules) = match rules {
        None => (Vec::new(), Vec::new()),
        Some(Ok(pair)) => pair,
        Some(Err(e)) => {
            eprintln!("egress-helper: cannot read the rules: {e}");
            return ExitCode::from(1);
        }
    };
    for rule in &removed_rules {
        println!("removed rule {rule}");
    }
    for rule in &left_rules {
        eprintln!("egress-helper: rule still present: {rule}");
    }
    let clean = cleanup.is_clean() && left_rules.is_empty();
    println!(
        "cleanup: removed {} route(s) and {} rule(s) of ours; {}",
        cleanup.removed.len(),
        removed_rules.len(),
        if clean {
            "nothing of ours is left"
        } else {
            "some are left (see above)"
        }
    );
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The sim's scenario: the file, or the realistic Mac.
fn load_scenario(path: Option<&Path>) -> Result<Scenario, String> {
    match path {
        None => Scenario::realistic_mac().map_err(|e| e.to_string()),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the scenario {}: {e}", path.display()))?;
            Scenario::parse(&path.display().to_string(), &text).map_err(|e| e.to_string())
        }
    }
}
