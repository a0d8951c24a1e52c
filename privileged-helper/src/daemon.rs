//! The daemon's life around the route manager: signals, the policy and its
//! reloads, the socket, serving, and the clean stop.
//!
//! Order matters, and is the same for every backend:
//! 1. [`Signals::install`] first, so a SIGTERM or SIGHUP that arrives during
//!    start-up is handled (not the default action, which would kill the
//!    helper with routes in the table);
//! 2. [`Ipc::open`]: load the policy and take the socket (lock, bind) —
//!    a refused policy or a socket another helper serves stops us here,
//!    before any route is touched;
//! 3. the route manager starts (residue flush, desired state);
//! 4. [`serve`] until SIGTERM/SIGINT, or until the app the helper belongs
//!    to is trashed or deleted ([`crate::bundle_watch`]); then stop serving
//!    (subscribers are told), and remove every route we put in. After the
//!    app went away the helper also unregisters itself; either way it exits
//!    0, which launchd does not restart.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::bundle_watch::{self, Watcher};
use crate::ipc::{listener, policy, Policy, Server, ServerConfig};
use crate::manager::ManagerHandle;
use crate::service::ManagerService;

/// Exit code: the socket cannot be served (locked by another helper, an
/// untrusted directory, a refused policy file).
pub const EXIT_CANNOT_SERVE: u8 = 4;

/// The signals the daemon handles, registered before anything else.
#[derive(Debug)]
pub struct Signals {
    term: Signal,
    int: Signal,
    hup: Signal,
}

impl Signals {
    /// Registers SIGTERM, SIGINT and SIGHUP handlers.
    ///
    /// # Errors
    /// When the runtime cannot register a handler.
    pub fn install() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }
}

/// The socket, bound and locked, and the policy it serves under.
#[derive(Debug)]
pub struct Ipc {
    server: Server,
    policy_file: PathBuf,
    policy: watch::Sender<Policy>,
}

impl Ipc {
    /// Loads the policy (`None`: the default file) and takes the socket
    /// (`None`: `$EGRESS_SOCKET`, else the default).
    ///
    /// # Errors
    /// [`EXIT_CANNOT_SERVE`] after logging why.
    pub fn open(policy_file: Option<&Path>, socket: Option<&Path>) -> Result<Ipc, ExitCode> {
        let policy_file =
            policy_file.map_or_else(|| policy::default_path().to_path_buf(), Path::to_path_buf);
        let policy = load_policy(&policy_file).map_err(|e| {
            error!("{e}");
            ExitCode::from(EXIT_CANNOT_SERVE)
        })?;
        let socket = socket
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(helper_proto::SOCKET_ENV).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(helper_proto::DEFAULT_SOCKET));
        if let Some(limit) = listener::raise_fd_limit() {
            info!(limit, "open files");
        }
        let (policy, updates) = watch::channel(policy);
        let server = Server::bind(ServerConfig::new(socket, updates)).map_err(|e| {
            error!("{e}");
            ExitCode::from(EXIT_CANNOT_SERVE)
        })?;
        Ok(Ipc {
            server,
            policy_file,
            policy,
        })
    }
}

/// The policy in `path`, or the default one when there is no such file.
fn load_policy(path: &Path) -> Result<Policy, policy::PolicyError> {
    let policy = match Policy::load(path) {
        Ok(policy) => {
            info!(file = %path.display(), "policy loaded");
            policy
        }
        Err(e) if e.is_missing() => {
            info!(file = %path.display(),
                "no policy file: every local user may read, root and the {} group may change",
                policy::default_admin_group());
            Policy::system_default()
        }
        Err(e) => return Err(e),
    };
    for name in policy.unknown_names() {
        warn!(%name, "the policy names someone this system does not know");
    }
    Ok(policy)
}

/// Reloads the policy on every SIGHUP, keeping the old one if the new one
/// is refused.
async fn reload_on_hangup(mut hangups: Signal, file: PathBuf, policy: watch::Sender<Policy>) {
    while hangups.recv().await.is_some() {
        info!(file = %file.display(), "SIGHUP: reloading the policy");
        let path = file.clone();
        match tokio::task::spawn_blocking(move || load_policy(&path)).await {
            Ok(Ok(new)) => {
                policy.send_replace(new);
            }
            Ok(Err(e)) => error!("{e}; keeping the policy in force"),
            Err(e) => error!(error = %e, "the policy reload failed; keeping the policy in force"),
        }
    }
}

/// Serves clients and runs `extra` alongside the helper, then waits for
/// SIGTERM/SIGINT, for the watched app to go (`app`), or (with
/// `exit_after`) for `extra` to finish; stops serving, and shuts the
/// manager down (removing our routes). When the app went, unregisters.
pub async fn serve(
    handle: ManagerHandle,
    service: ManagerService,
    ipc: Ipc,
    signals: Signals,
    extra: impl Future<Output = ()>,
    exit_after: bool,
    app: Option<Watcher>,
) -> ExitCode {
    let Ipc {
        server,
        policy_file,
        policy,
    } = ipc;
    let Signals {
        mut term,
        mut int,
        hup,
    } = signals;
    let reload = tokio::spawn(reload_on_hangup(hup, policy_file, policy));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(Arc::new(service), async {
        let _ = stopped.await;
    }));
    // Why we stop: a signal (`None`) or the app went away (why).
    let until = async {
        tokio::select! {
            _ = term.recv() => { info!("SIGTERM"); None }
            _ = int.recv() => { info!("SIGINT"); None }
            why = bundle_watch::until_gone(app) => Some(why),
        }
    };
    tokio::pin!(until);
    let app_gone = if exit_after {
        tokio::select! {
            () = extra => None,
            why = &mut until => why,
        }
    } else {
        tokio::join!(extra, &mut until).1
    };
    reload.abort();
    let _ = stop.send(());
    if let Err(e) = serving.await {
        error!(error = %e, "the server failed");
    }
    info!("shutting down: removing our routes");
    if let Err(e) = handle.shutdown().await {
        // Exit 1: launchd starts the helper again, whose start-up flush
        // and, for a trashed app, its watch try once more.
        error!("{e}");
        return ExitCode::from(1);
    }
    if let Some(why) = app_gone {
        bundle_watch::unregister();
        info!("{why}: our routes are removed and the helper has unregistered");
    }
    ExitCode::SUCCESS
}

/// Logs the status (after start-up, or after playing sim events).
pub async fn log_status(handle: &ManagerHandle) {
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
