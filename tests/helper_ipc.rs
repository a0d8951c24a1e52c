//! The whole helper over its socket, on the simulated Mac: every request
//! and the events they cause, a thousand clients at once, simulation
//! controls only on the sim, and a second user who may read but not change.

use std::time::Duration;

use helper_client::{Client, ClientError, SimOutcome};
use helper_proto::{Access, ErrorCode, Event, Mode, RouteFilter, SimAction, SocketProtocol, Topic};
use integration_tests::helper::{self, Options, TempDir};
use routing_core::model::Family;

const SOFTWARE: &str = "helper-ipc-tests 0.1.0";

/// Another network's leftovers: a tagged host route no helper holds.
const LEFTOVER: &str = r#"
event leftover "A crashed helper left an exclusion behind (tagged RTF_PROTO1)"
    route add -host 203.0.113.200 192.0.2.1 -proto1
end
"#;

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

async fn connect(socket: &std::path::Path) -> Client {
    Client::connect(socket, SOFTWARE).await.expect("connects")
}

/// Collects events until `want` says stop (or 5 s pass).
async fn events_until(
    events: &mut helper_client::EventStream,
    mut want: impl FnMut(&Event) -> bool,
) -> Vec<Event> {
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(event) = events.next().await {
            let done = want(&event);
            seen.push(event);
            if done {
                break;
            }
        }
    })
    .await;
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_over_the_socket() {
    let dir = TempDir::new("ipc-every");
    let helper = helper::start(
        &dir,
        Options {
            extra_events: LEFTOVER.into(),
            ..Options::default()
        },
    )
    .await;
    let c = connect(&helper.socket).await;
    assert_eq!(c.welcome().access, Access::Change);
    assert_eq!(c.welcome().backend, "sim");

    // Status: the realistic Mac leaves through Wi-Fi.
    let status = c.status().await.expect("status");
    assert_eq!(status.mode, Mode::Advanced);
    let v4 = status.families.v4.egress.clone().expect("IPv4 egress");
    assert_eq!(v4.interface, "en0");

    // Routes: filtered, and paged consistently.
    let all = c.routes_all(&RouteFilter::default()).await.expect("routes");
    let page = c
        .routes(&RouteFilter {
            limit: Some(5),
            ..RouteFilter::default()
        })
        .await
        .expect("a page");
    assert_eq!(page.rows.len(), 5);
    assert_eq!(page.total, all.len());
    assert_eq!(page.next, Some(5));
    assert_eq!(page.rows[..], all[..5]);
    let scoped_v6 = c
        .routes_all(&RouteFilter {
            family: Some(Family::V6),
            scoped: true,
            ..RouteFilter::default()
        })
        .await
        .expect("scoped IPv6 routes");
    assert!(!scoped_v6.is_empty());
    assert!(scoped_v6
        .iter()
        .all(|r| r.family == Family::V6 && r.scope.is_some() && r.flags.contains('I')));
    let ours = RouteFilter {
        ours: true,
        ..RouteFilter::default()
    };
    assert!(
        c.routes_all(&ours).await.expect("ours").is_empty(),
        "macOS's own scoped defaults are reused, not ours"
    );

    // Lookups: unscoped, scoped, and a name that does not exist.
    let dst = "203.0.113.1".parse().expect("address");
    let answer = c.lookup(dst, None).await.expect("lookup");
    assert_eq!(answer.interface.as_deref(), Some("en0"));
    assert_eq!(answer.gateway.as_deref(), Some("192.0.2.1"));
    assert!(!answer.via_vpn);
    assert!(answer.summary.contains("en0"), "{}", answer.summary);
    let scoped = c.lookup(dst, Some("en0")).await.expect("scoped lookup");
    assert_eq!(scoped.scoped_to.as_deref(), Some("en0"));
    assert_eq!(scoped.interface.as_deref(), Some("en0"));
    let err = c
        .lookup(dst, Some("nope0"))
        .await
        .expect_err("no such interface");
    assert_eq!(err.code(), Some(ErrorCode::InvalidArgument));
    assert!(err.to_string().contains("\"nope0\""), "{err}");

    // Exclusions with owners; an on-link prefix is refused.
    let peer = "203.0.113.7/32".parse().expect("prefix");
    let first = c.exclusion_add(peer, Some("wg0")).await.expect("add");
    assert!(first.changed);
    assert_eq!(first.total, 1);
    let second = c
        .exclusion_add(peer, Some("relay"))
        .await
        .expect("add again");
    assert!(!second.changed, "a second owner changes no route");
    let listed = c.exclusions_all().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].owners, ["uid 0: relay", "uid 0: wg0"]);
    let err = c
        .exclusion_add("192.0.2.50/32".parse().expect("prefix"), None)
        .await
        .expect_err("on-link");
    assert_eq!(err.code(), Some(ErrorCode::Refused));

    // Legacy mode, with progress and the events it causes.
    let mut events = c.subscribe(&[]).await.expect("subscribes");
    let mut progress = Vec::new();
    let status = c
        .set_mode_with_progress(Mode::Legacy, |done, total| progress.push((done, total)))
        .await
        .expect("legacy");
    assert_eq!(status.mode, Mode::Legacy);
    assert_eq!(status.held_exclusion_routes, 1);
    assert_eq!(progress.last().map(|p| p.0), progress.last().map(|p| p.1));
    let mut seen = events_until(
        &mut events,
        |e| matches!(e, Event::Status { status } if status.mode == Mode::Legacy),
    )
    .await;
    // Our own writes are announced like the kernel's (the Route Inspector
    // refreshes on it), after the status that says what happened.
    seen.extend(events_until(&mut events, |e| matches!(e, Event::RoutesChanged)).await);
    assert!(
        matches!(seen.last(), Some(Event::RoutesChanged)),
        "no routes_changed after our own writes: {seen:?}"
    );
    assert!(
        seen.iter().any(|e| matches!(
            e,
            Event::ModeProgress {
                mode: Mode::Legacy,
                ..
            }
        )),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|e| matches!(e, Event::Timeline { entry } if entry.trigger.contains("legacy"))),
        "{seen:?}"
    );
    let ours_now = c.routes_all(&ours).await.expect("ours");
    assert_eq!(ours_now.len(), 1, "{ours_now:?}");
    assert_eq!(ours_now[0].destination, "203.0.113.7");
    assert!(ours_now[0].canonical.contains("-gateway 192.0.2.1"));

    // Removing: the shared owner first, then the last, then nothing left.
    assert!(
        !c.exclusion_remove(peer, Some("wg0"))
            .await
            .expect("rm")
            .changed
    );
    assert!(
        c.exclusion_remove(peer, Some("relay"))
            .await
            .expect("rm")
            .changed
    );
    let err = c
        .exclusion_remove(peer, Some("relay"))
        .await
        .expect_err("gone");
    assert_eq!(err.code(), Some(ErrorCode::NotFound));
    assert!(c.routes_all(&ours).await.expect("ours").is_empty());

    // Binding: the index to bind to, and a socket on a chosen port.
    let targets = c.bind_info().await.expect("bind info");
    let t4 = targets.v4.expect("an IPv4 target");
    assert_eq!((t4.interface.as_str(), t4.index), ("en0", v4.index));
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        probe.local_addr().expect("addr").port()
    };
    let (bound, fd) = c
        .open_bound_socket(Family::V4, SocketProtocol::Tcp, Some(port))
        .await
        .expect("a bound TCP socket");
    assert_eq!(bound.local_port, port);
    let listener = std::net::TcpListener::from(fd);
    assert_eq!(listener.local_addr().expect("addr").port(), port);
    let probe = c.probe(port, dst).await.expect("probe");
    assert_eq!(probe.bound_to.as_deref(), Some("en0"));
    assert_eq!(probe.interface.as_deref(), Some("en0"));

    // Flush: the preview lists exactly the leftover, then it goes.
    let SimOutcome::Status(_) = c
        .sim(SimAction::Event {
            name: "leftover".into(),
        })
        .await
        .expect("leftover planted")
    else {
        panic!("a sim event answers with the status")
    };
    let preview = c.flush(true).await.expect("dry run");
    assert!(preview.dry_run);
    assert_eq!(preview.routes.len(), 1, "{:?}", preview.routes);
    assert!(preview.routes[0].contains("203.0.113.200"));
    assert_eq!(
        c.routes_all(&ours).await.expect("ours").len(),
        1,
        "a preview removes nothing"
    );
    let flushed = c.flush(false).await.expect("flush");
    assert_eq!(flushed.routes, preview.routes);
    assert!(c.flush(true).await.expect("dry run").routes.is_empty());

    // Diagnostics and the bundle, plain and redacted.
    let d = c.diagnostics().await.expect("diagnostics");
    assert!(d.helper.starts_with("egress-helper "));
    assert!(d.journal.as_deref().is_some_and(|j| j.contains("legacy")));
    assert!(!d.kernel_events.is_empty());
    let plain = c.bundle(false).await.expect("bundle");
    let names: Vec<&str> = plain.sections.iter().map(|s| s.name.as_str()).collect();
    for want in [
        "versions.txt",
        "status.json",
        "routes.txt",
        "rules.txt",
        "journal.json",
        "events.txt",
    ] {
        assert!(names.contains(&want), "{names:?}");
    }
    let text = |b: &helper_proto::Bundle| {
        b.sections
            .iter()
            .filter(|s| s.name != "versions.txt")
            .map(|s| s.text.clone())
            .collect::<String>()
    };
    assert!(text(&plain).contains("192.0.2.1"));
    let redacted = c.bundle(true).await.expect("redacted bundle");
    assert!(redacted.redacted);
    let r = text(&redacted);
    for secret in [
        "192.0.2.1",
        "192.0.2.23",
        "203.0.113.200",
        "2001:db8:1::23",
        "a6:83:e7:2b:4c:11",
    ] {
        assert!(!r.contains(secret), "{secret} leaked");
    }
    assert!(r.contains("[v4#"));

    // Simulation controls: Wi-Fi down (after the loss grace, IPv4 has no
    // egress through it), and up again.
    let SimOutcome::Status(_) = c
        .sim(SimAction::Link {
            interface: "en0".into(),
            up: false,
        })
        .await
        .expect("en0 down")
    else {
        panic!("a sim action answers with the status")
    };
    let mut left_en0 = false;
    for _ in 0..100 {
        let s = c.status().await.expect("status");
        if s.families.v4.egress.as_ref().map(|e| e.interface.as_str()) != Some("en0") {
            left_en0 = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(left_en0, "a downed en0 stops carrying IPv4");
    c.sim(SimAction::Link {
        interface: "en0".into(),
        up: true,
    })
    .await
    .expect("en0 up");
    let err = c
        .sim(SimAction::Event {
            name: "meteor-strike".into(),
        })
        .await
        .expect_err("no such event");
    assert_eq!(err.code(), Some(ErrorCode::InvalidArgument));

    let status = c.set_mode(Mode::Advanced).await.expect("advanced again");
    assert_eq!(status.mode, Mode::Advanced);
    helper.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulation_controls_exist_only_on_the_sim() {
    let dir = TempDir::new("ipc-nosim");
    let helper = helper::start(
        &dir,
        Options {
            sim_controls: false,
            ..Options::default()
        },
    )
    .await;
    let c = connect(&helper.socket).await;
    let err = c.sim(SimAction::ListEvents).await.expect_err("not a sim");
    assert_eq!(err.code(), Some(ErrorCode::NotSupported), "{err}");
    assert!(err.to_string().contains("only on the sim backend"), "{err}");
    helper.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_clients_are_served_at_once() {
    egress_helper::ipc::listener::raise_fd_limit();
    let dir = TempDir::new("ipc-thousand");
    let helper = helper::start(
        &dir,
        Options {
            max_connections: 1100,
            ..Options::default()
        },
    )
    .await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..1000 {
        let socket = helper.socket.clone();
        tasks.spawn(async move {
            let c = Client::connect(&socket, SOFTWARE).await?;
            let status = c.status().await?;
            Ok::<_, ClientError>((c, status.mode))
        });
    }
    let mut clients = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (client, mode) = joined.expect("task").expect("served");
        assert_eq!(mode, Mode::Advanced);
        clients.push(client);
    }
    assert_eq!(clients.len(), 1000, "all held open at once");
    // With all of them connected, one more request is still prompt.
    let started = std::time::Instant::now();
    clients[0].status().await.expect("status");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(clients);
    helper.stop().await;
}

/// Run as root: starts the helper with the default policy and runs
/// [`as_a_second_user`] as `nobody` (uid 65534) against it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_user_may_read_but_not_change() {
    if !is_root() {
        eprintln!("skipped: switching to a second uid needs root (CI runs as root)");
        return;
    }
    let dir = TempDir::new("ipc-nobody");
    let helper = helper::start(&dir, Options::default()).await;
    let exe = std::env::current_exe().expect("the test binary");
    let socket = helper.socket.clone();
    let output = tokio::task::spawn_blocking(move || {
        use std::os::unix::process::CommandExt;
        std::process::Command::new(exe)
            .args(["--ignored", "--exact", "as_a_second_user", "--nocapture"])
            .env("EGRESS_TEST_SOCKET", socket)
            .uid(65534)
            .gid(65534)
            .output()
            .expect("the test binary runs as nobody")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("second user: reads work, changes denied"),
        "the child did not run its checks:\n{stdout}\n{stderr}"
    );
    // Nothing the second user tried changed anything.
    let c = connect(&helper.socket).await;
    assert_eq!(c.status().await.expect("status").mode, Mode::Advanced);
    assert!(c.exclusions_all().await.expect("list").is_empty());
    helper.stop().await;
}

/// The second user's half of [`a_second_user_may_read_but_not_change`].
#[tokio::test(flavor = "current_thread")]
#[ignore = "run as uid 65534 by a_second_user_may_read_but_not_change"]
async fn as_a_second_user() {
    let socket = std::env::var_os("EGRESS_TEST_SOCKET").expect("EGRESS_TEST_SOCKET");
    assert_eq!(rustix::process::getuid().as_raw(), 65534, "runs as nobody");
    let c = Client::connect(&socket, SOFTWARE)
        .await
        .expect("nobody may connect");
    assert_eq!(c.welcome().peer.uid, 65534, "the kernel says who we are");
    assert_eq!(c.welcome().access, Access::Read);
    let needs = c
        .welcome()
        .change_requires
        .clone()
        .expect("says what changing takes");
    c.status().await.expect("reads status");
    c.routes_all(&RouteFilter::default())
        .await
        .expect("reads routes");
    c.lookup("203.0.113.1".parse().expect("address"), None)
        .await
        .expect("looks up");
    let events = c.subscribe(&[Topic::Status]).await.expect("subscribes");
    assert_eq!(events.topics(), [Topic::Status]);
    let denied = [
        c.set_mode(Mode::Legacy).await.map(|_| ()),
        c.exclusion_add("203.0.113.7/32".parse().expect("prefix"), None)
            .await
            .map(|_| ()),
        c.open_bound_socket(Family::V4, SocketProtocol::Udp, None)
            .await
            .map(|_| ()),
        c.flush(false).await.map(|_| ()),
        c.sim(SimAction::Event {
            name: "vpn-up".into(),
        })
        .await
        .map(|_| ()),
    ];
    for result in denied {
        let err = result.expect_err("a reader may not change");
        assert_eq!(err.code(), Some(ErrorCode::PermissionDenied), "{err}");
        assert!(err.to_string().contains("65534"), "names the uid: {err}");
    }
    let err = c.set_mode(Mode::Legacy).await.expect_err("denied");
    assert!(
        err.to_string().contains(needs.trim_end_matches('.')),
        "says what it takes ({needs}): {err}"
    );
    c.flush(true).await.expect("a preview is a read");
    println!("second user: reads work, changes denied");
}
