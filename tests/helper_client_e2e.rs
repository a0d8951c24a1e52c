//! helper-client against the real helper: the IPC server and the route
//! manager on the simulated Mac, over a real socket, fd passing included.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use egress_helper::ipc::{Policy, Server, ServerConfig};
use egress_helper::manager::{self, ManagerConfig};
use egress_helper::service::ManagerService;
use helper_client::{Client, ClientError, SimOutcome};
use helper_proto::{ErrorCode, Event, Mode, RouteFilter, SimAction, SocketProtocol, Topic};
use routing_backend::session::SessionConfig;
use routing_backend::sim::sim_backend;
use routing_core::model::Family;
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::Scenario;
use tokio::sync::{oneshot, watch};

const REALISTIC_MAC: &str = include_str!("../crates/routing-sim/scenarios/realistic-mac.scn");
const SOFTWARE: &str = "integration-tests 0.1.0";

/// A directory only root may write (the helper's listener checks), removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("egress-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("state")).expect("temp dir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("mode");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The helper on the sim, serving at a socket in `dir`; stops when the
/// sender is dropped or fired.
async fn start_helper(dir: &TempDir) -> (PathBuf, oneshot::Sender<()>) {
    let scenario = Scenario::parse("realistic-mac.scn", REALISTIC_MAC).expect("scenario parses");
    let config = SessionConfig {
        attempt_timeout: Duration::from_millis(200),
        ..SessionConfig::default()
    };
    let (backend, control) = sim_backend(scenario, ProtoFlag::Proto1, config).expect("boots");
    let mut manager_config = ManagerConfig::new(dir.0.join("state"));
    manager_config.quiet = Duration::from_millis(20);
    manager_config.max_delay = Duration::from_millis(100);
    manager_config.loss_grace = Duration::from_millis(150);
    manager_config.vpn_interfaces = vec!["utun4".into()];
    let handle = manager::start(backend, manager_config).await;
    let service = Arc::new(ManagerService::new(handle, Some(control), "sim"));
    let socket = dir.0.join("helper.sock");
    let (_policy_tx, policy) = watch::channel(Policy::system_default());
    let server = Server::bind(ServerConfig::new(&socket, policy)).expect("the socket binds");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _keep = _policy_tx;
        server
            .serve(service, async {
                let _ = stopped.await;
            })
            .await;
    });
    (socket, stop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_speaks_with_the_real_helper() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: the helper's socket checks want root here");
        return;
    }
    let dir = TempDir::new("client");
    let (socket, stop) = start_helper(&dir).await;
    let run = async {
        let client = Client::connect(&socket, SOFTWARE).await.expect("connects");
        assert_eq!(client.welcome().backend, "sim");
        assert!(client.welcome().helper.starts_with("egress-helper "));

        let status = client.status().await.expect("status");
        assert_eq!(status.mode, Mode::Advanced);
        let egress = status.families.v4.egress.as_ref().expect("an IPv4 egress");

        let rows = client
            .routes_all(&RouteFilter::default())
            .await
            .expect("routes");
        assert!(rows.iter().any(|r| r.default && r.family == Family::V4));

        let answer = client
            .lookup("203.0.113.1".parse().expect("address"), None)
            .await
            .expect("lookup");
        assert_eq!(answer.interface.as_deref(), Some(egress.interface.as_str()));
        assert!(!answer.via_vpn);

        // A bound socket, passed as a descriptor, and the probe from it.
        let (bound, fd) = client
            .open_bound_socket(Family::V4, SocketProtocol::Udp, None)
            .await
            .expect("a bound socket");
        let udp = UdpSocket::from(fd);
        let port = udp.local_addr().expect("local address").port();
        assert_eq!(port, bound.local_port);
        let probe = client
            .probe(port, "203.0.113.1".parse().expect("address"))
            .await
            .expect("probe");
        assert_eq!(probe.interface.as_deref(), Some(egress.interface.as_str()));

        // Events while the simulated VPN comes up.
        let mut events = client
            .subscribe(&[Topic::Status, Topic::Routes])
            .await
            .expect("subscribes");
        let SimOutcome::Events(list) = client.sim(SimAction::ListEvents).await.expect("events")
        else {
            panic!("not a list of events")
        };
        assert!(list.iter().any(|e| e.name == "vpn-up"));
        let after = client
            .sim(SimAction::Event {
                name: "vpn-up".into(),
            })
            .await
            .expect("vpn-up runs");
        assert!(matches!(after, SimOutcome::Status(_)));
        let event = tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .expect("an event in time")
            .expect("the stream is open");
        assert!(
            matches!(event, Event::Status { .. } | Event::RoutesChanged),
            "{event:?}"
        );
        let answer = client
            .lookup("203.0.113.1".parse().expect("address"), None)
            .await
            .expect("lookup");
        assert!(answer.via_vpn, "{}", answer.summary);

        // An error reply keeps its code and sentence.
        let err = client
            .exclusion_remove("203.0.113.250".parse().expect("prefix"), None)
            .await
            .expect_err("nothing to remove");
        assert_eq!(err.code(), Some(ErrorCode::NotFound), "{err}");

        // Progress frames, then the status after.
        let mut seen = Vec::new();
        let status = client
            .set_mode_with_progress(Mode::Legacy, |done, total| seen.push((done, total)))
            .await
            .expect("switches");
        assert_eq!(status.mode, Mode::Legacy);
        assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "{seen:?}");
        client
    };
    let client = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("finished in time");
    let _ = stop.send(());
    // The helper goes away: the connection says so.
    let err = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match client.status().await {
                Err(e) => return e,
                Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    })
    .await
    .expect("the helper stopped");
    assert!(
        matches!(&err, ClientError::Disconnected) || err.code() == Some(ErrorCode::Unavailable),
        "{err:?}"
    );
}
