//! helper-client against the real helper: the IPC server and the route
//! manager on the simulated Mac, over a real socket, fd passing included.

use std::net::UdpSocket;
use std::time::Duration;

use helper_client::{Client, ClientError, SimOutcome};
use helper_proto::{ErrorCode, Event, Mode, RouteFilter, SimAction, SocketProtocol, Topic};
use integration_tests::helper::{self, Options, TempDir};
use routing_core::model::Family;

const SOFTWARE: &str = "integration-tests 0.1.0";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_speaks_with_the_real_helper() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: the helper's socket checks want root here");
        return;
    }
    let dir = TempDir::new("e2e-client");
    let helper = helper::start(&dir, Options::default()).await;
    let socket = helper.socket.clone();
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
    drop(helper);
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
