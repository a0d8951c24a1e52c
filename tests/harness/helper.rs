//! The helper on the simulated Mac, serving a real socket in a temporary
//! directory: the IPC server, the route manager and the service, exactly as
//! `egress-helper run --backend sim` wires them, with short debounce times.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use egress_helper::ipc::{Policy, Server, ServerConfig};
use egress_helper::manager::{self, ManagerConfig};
use egress_helper::service::ManagerService;
use routing_backend::session::SessionConfig;
use routing_backend::sim::{sim_backend, SimControl};
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::Scenario;
use tokio::sync::{oneshot, watch};

/// The Mac that ships with Egress.
pub const REALISTIC_MAC: &str =
    include_str!("../../crates/routing-sim/scenarios/realistic-mac.scn");

/// A directory others may enter but not write (the listener's rule for
/// root), removed with everything in it on drop — also when a test fails.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh `egress-<name>-<pid>` under the system temporary directory
    /// (with an empty `state` directory in it).
    pub fn new(name: &str) -> TempDir {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("egress-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).expect("temp dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("mode");
        TempDir(dir)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    /// Removes the directory. A route manager still stopping on another
    /// thread may write its journal into it meanwhile, so removal is
    /// retried for up to a second until the directory is really gone.
    fn drop(&mut self) {
        for _ in 0..20 {
            let _ = std::fs::remove_dir_all(&self.0);
            if !self.0.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A running helper. Dropping it stops the server (and so the helper).
#[derive(Debug)]
pub struct Helper {
    /// Where it listens.
    pub socket: PathBuf,
    /// The simulated Mac under it.
    pub control: SimControl,
    /// Send a new policy to reload it (as SIGHUP does).
    pub policy: watch::Sender<Policy>,
    stop: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl Helper {
    /// Stops the server and waits until it has closed its socket.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = served.await;
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Options for [`start`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Scenario events appended to the realistic Mac (DSL text).
    pub extra_events: String,
    /// The policy.
    pub policy: Policy,
    /// Whether the service gets the sim's controls.
    pub sim_controls: bool,
    /// The server's connection limit.
    pub max_connections: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            extra_events: String::new(),
            policy: Policy::system_default(),
            sim_controls: true,
            max_connections: 1024,
        }
    }
}

/// Starts the helper on the sim in `dir`, serving `dir/helper.sock`.
pub async fn start(dir: &TempDir, options: Options) -> Helper {
    let text = format!("{REALISTIC_MAC}\n{}", options.extra_events);
    let scenario = Scenario::parse("realistic-mac.scn+test", &text).expect("scenario parses");
    let config = SessionConfig {
        attempt_timeout: Duration::from_millis(200),
        ..SessionConfig::default()
    };
    let (backend, control) = sim_backend(scenario, ProtoFlag::Proto1, config).expect("boots");
    let mut manager_config = ManagerConfig::new(dir.path().join("state"));
    manager_config.quiet = Duration::from_millis(20);
    manager_config.max_delay = Duration::from_millis(100);
    manager_config.loss_grace = Duration::from_millis(150);
    manager_config.vpn_interfaces = vec!["utun4".into()];
    let handle = manager::start(backend, manager_config).await;
    let sim = options.sim_controls.then(|| control.clone());
    let service = Arc::new(ManagerService::new(handle, sim, "sim"));
    let socket = dir.path().join("helper.sock");
    let (policy_tx, policy) = watch::channel(options.policy);
    let mut server_config = ServerConfig::new(&socket, policy);
    server_config.max_connections = options.max_connections;
    let server = Server::bind(server_config).expect("the socket binds");
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(async move {
        server
            .serve(service, async {
                let _ = stopped.await;
            })
            .await;
    });
    Helper {
        socket,
        control,
        policy: policy_tx,
        stop: Some(stop),
        served: Some(served),
    }
}
