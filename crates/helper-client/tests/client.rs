//! The client against a fake helper on a temporary socket.

use std::net::{IpAddr, UdpSocket};
use std::os::fd::AsFd;
use std::time::Duration;

use helper_client::{BackoffPolicy, Client, ClientError, ReconnectingEvents, WatchItem};
use helper_proto::{
    BindTarget, BoundSocket, ErrorBody, ErrorCode, Event, FamilyStatus, LookupAnswer, Mode,
    PerFamily, Request, Response, RouteFilter, RoutePage, RouteRow, ServerMessage, SocketProtocol,
    Status, TimelineEntry, Topic,
};
use routing_core::model::Family;
use test_support::fake_helper::{accept, listen, Conn};
use test_support::frames::frame;
use test_support::TempDir;

const SOFTWARE: &str = "helper-client-tests 0.1.0";
const LIMIT: Duration = Duration::from_secs(10);

/// Runs a test body with a deadline, so a hang fails instead of blocking.
async fn within<T>(body: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, body)
        .await
        .expect("the test finished in time")
}

fn status(mode: Mode) -> Status {
    Status {
        backend: "sim".into(),
        mode,
        mode_note: None,
        mode_switchable: true,
        families: PerFamily {
            v4: FamilyStatus::default(),
            v6: FamilyStatus::default(),
        },
        exclusions: 0,
        held: Vec::new(),
        held_exclusion_routes: 0,
        timeline: Vec::new(),
        repins_last_10_min: 0,
        warnings: Vec::new(),
        vpn: Vec::new(),
    }
}

fn answer(destination: IpAddr, interface: &str) -> LookupAnswer {
    LookupAnswer {
        destination,
        scoped_to: None,
        route: None,
        interface: Some(interface.into()),
        interface_kind: None,
        gateway: None,
        via_vpn: interface.starts_with("utun"),
        summary: format!("{destination} leaves through {interface}"),
    }
}

#[tokio::test]
async fn the_handshake_says_hello_and_keeps_the_welcome() {
    let dir = TempDir::new("handshake");
    let listener = listen(&dir.socket());
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut conn = Conn::new(stream);
        let hello = conn.welcome().await;
        let (id, request) = conn.request().await;
        assert_eq!(request, Request::Status);
        conn.reply(
            id,
            Response::Status {
                status: Box::new(status(Mode::Legacy)),
            },
        )
        .await;
        hello
    });
    within(async {
        let client = Client::connect(dir.socket(), SOFTWARE).await.unwrap();
        assert_eq!(client.welcome(), &test_support::fake_helper::welcome());
        assert_eq!(client.path(), dir.socket());
        assert_eq!(client.status().await.unwrap(), status(Mode::Legacy));
        let hello = server.await.unwrap();
        assert_eq!(hello.software, SOFTWARE);
        assert_eq!(hello.protocol, helper_proto::PROTOCOL);
    })
    .await;
}

#[tokio::test]
async fn an_incompatible_helper_refuses_by_name() {
    let dir = TempDir::new("incompatible");
    let listener = listen(&dir.socket());
    let message = "helper-client-tests 0.1.0 speaks protocol 1.0 but egress-helper 2.0.0 \
                   speaks protocol 2.0; update helper-client-tests";
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut conn = Conn::new(stream);
        conn.recv().await.unwrap();
        conn.send(&ServerMessage::Fatal(ErrorBody::new(
            ErrorCode::IncompatibleVersion,
            message,
        )))
        .await;
    });
    let err = within(Client::connect(dir.socket(), SOFTWARE))
        .await
        .unwrap_err();
    let ClientError::Incompatible(body) = &err else {
        panic!("expected Incompatible, got {err:?}");
    };
    assert_eq!(body.message, message);
    assert_eq!(err.to_string(), message);
    assert_eq!(err.code(), Some(ErrorCode::IncompatibleVersion));
}

#[tokio::test]
async fn replies_find_their_requests_in_any_order() {
    let dir = TempDir::new("order");
    let listener = listen(&dir.socket());
    tokio::spawn(async move {
        let mut conn = accept(&listener).await;
        let first = conn.request().await;
        let second = conn.request().await;
        // Answer the second first, and each with its own destination.
        for (id, request) in [second, first] {
            let Request::Lookup { destination, .. } = request else {
                panic!("expected a lookup, got {request:?}");
            };
            let interface = if destination.is_ipv4() {
                "en0"
            } else {
                "utun4"
            };
            conn.reply(
                id,
                Response::Lookup {
                    answer: answer(destination, interface),
                },
            )
            .await;
        }
    });
    within(async {
        let client = Client::connect(dir.socket(), SOFTWARE).await.unwrap();
        let v4: IpAddr = "203.0.113.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let (a, b) = tokio::join!(client.lookup(v4, None), client.lookup(v6, Some("en0")));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.destination, v4);
        assert_eq!(a.interface.as_deref(), Some("en0"));
        assert!(!a.via_vpn);
        assert_eq!(b.destination, v6);
        assert_eq!(b.interface.as_deref(), Some("utun4"));
        assert!(b.via_vpn);
    })
    .await;
}

#[tokio::test]
async fn progress_frames_reach_the_callback_before_the_reply() {
    let dir = TempDir::new("progress");
    let listener = listen(&dir.socket());
    tokio::spawn(async move {
        let mut conn = accept(&listener).await;
        let (id, request) = conn.request().await;
        assert_eq!(
            request,
            Request::SetMode {
                mode: Mode::Legacy,
                progress: true
            }
        );
        for done in 1..=3 {
            conn.send(&ServerMessage::Progress { id, done, total: 3 })
                .await;
        }
        conn.reply(
            id,
            Response::Status {
                status: Box::new(status(Mode::Legacy)),
            },
        )
        .await;
    });
    within(async {
        let client = Client::connect(dir.socket(), SOFTWARE).await.unwrap();
        let mut seen = Vec::new();
        let after = client
            .set_mode_with_progress(Mode::Legacy, |done, total| seen.push((done, total)))
            .await
            .unwrap();
        assert_eq!(after.mode, Mode::Legacy);
        assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
    })
    .await;
}

#[tokio::test]
async fn a_bound_socket_arrives_as_a_working_descriptor() {
    let dir = TempDir::new("fd");
    let listener = listen(&dir.socket());
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = udp.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut conn = accept(&listener).await;
        let (id, request) = conn.request().await;
        assert_eq!(
            request,
            Request::OpenBoundSocket {
                family: Family::V4,
                protocol: SocketProtocol::Udp,
                local_port: None
            }
        );
        let reply = ServerMessage::Reply {
            id,
            outcome: helper_proto::Outcome::Ok(Response::BoundSocket {
                socket: BoundSocket {
                    family: Family::V4,
                    protocol: SocketProtocol::Udp,
                    target: BindTarget {
                        index: 1,
                        interface: "lo".into(),
                        borrowed: false,
                    },
                    local_port: port,
                },
            }),
        };
        conn.send_with_fd(&reply, udp.as_fd()).await;
        // Our copy closes here; the client's must still work.
        drop(udp);
        // Keep the connection open until the client is done.
        conn.recv().await;
    });
    within(async {
        let client = Client::connect(dir.socket(), SOFTWARE).await.unwrap();
        let (socket, fd) = client
            .open_bound_socket(Family::V4, SocketProtocol::Udp, None)
            .await
            .unwrap();
        assert_eq!(socket.local_port, port);
        let received = UdpSocket::from(fd);
        assert_eq!(received.local_addr().unwrap().port(), port);
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"ping", ("127.0.0.1", port)).unwrap();
        received
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0; 16];
        let (n, from) = received.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(from, sender.local_addr().unwrap());
    })
    .await;
}

#[tokio::test]
async fn a_bound_socket_reply_without_its_descriptor_is_an_error() {
    let dir = TempDir::new("nofd");
    let listener = listen(&dir.socket());
    tokio::spawn(async move {
        let mut conn = accept(&listener).await;
        let (id, _) = conn.request().await;
        conn.reply(
            id,
            Response::BoundSocket {
                socket: BoundSocket {
                    family: Family::V4,
                    protocol: SocketProtocol::Udp,
                    target: BindTarget {
                        index: 1,
                        interface: "lo".into(),
                        borrowed: false,
                    },
                    local_port: 9,
                },
            },
        )
        .await;
        conn.recv().await;
    });
    let err = within(async {
        let client = Client::connect(dir.socket(), SOFTWARE).await.unwrap();
        client
            .open_bound_socket(Family::V4, SocketProtocol::Udp, None)
            .await
            .unwrap_err()
    })
    .await;
    assert!(
        matches!(&err, ClientError::Protocol(m) if m.contains("without its file descriptor")),
        "{err:?}"
    );
}

#[tokio::test]
async fn nothing_at_the_path_is_not_running() {
    let dir = TempDir::new("missing");
    let err = Client::connect(dir.socket(), SOFTWARE).await.unwrap_err();
    let ClientError::NotRunning { path } = &err else {
        panic!("expected NotRunning, got {err:?}");
    };
    assert_eq!(path, &dir.socket());
    assert_eq!(
        err.to_string(),
        format!(
            "the Egress helper is not running: nothing is listening at {}",
            dir.socket().display()
        )
    );
    // A socket file nobody listens on any more: ECONNREFUSED, the same.
    drop(std::os::unix::net::UnixListener::bind(dir.socket()).unwrap());
    let err = Client::connect(dir.socket(), SOFTWARE).await.unwrap_err();
    assert!(matches!(err, ClientError::NotRunning { .. }), "{err:?}");
}

#[tokio::test]
async fn error_replies_and_a_fatal_frame_reach_the_caller() {
    let dir = TempDir::new("fatal");
    let listener = listen(&dir.socket());
    tokio::spawn(async move {
        let mut conn = accept(&listener).await;
        let (id, _) = conn.request().await;
        conn.reply_error(
            id,
            ErrorBody::new(
                ErrorCode::PermissionDenied,
                "flushing routes needs membership of group admin",
            ),
        )
        .await;
        let _pending = conn.request().await;
        conn.send(&ServerMessage::Fatal(ErrorBody::new(
            ErrorCode::Unavailable,
            "the helper is shutting down",
        )))
        .await;
    });
    within(async {
        let client = Client::connect(dir.socket(), SOFTWARE).await.unwrap();
        let err = client.flush(false).await.unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::PermissionDenied));
        assert_eq!(
            err.to_string(),
            "flushing routes needs membership of group admin"
        );
        let err = client.routes(&RouteFilter::default()).await.unwrap_err();
        assert!(matches!(&err, ClientError::Helper(b) if b.code == ErrorCode::Unavailable));
        assert!(err.is_transient());
        // Later requests fail at once with the same reason.
        let err = client.status().await.unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::Unavailable));
    })
    .await;
}

#[tokio::test]
async fn garbage_from_the_helper_is_a_protocol_error() {
    let dir = TempDir::new("garbage");
    let listener = listen(&dir.socket());
    tokio::spawn(async move {
        let mut conn = accept(&listener).await;
        let _ = conn.request().await;
        conn.send_raw(&[0, 0, 0, 5, b'h', b'e', b'l', b'l', b'o'])
            .await;
        conn.recv().await;
    });
    let err = within(async {
        let client = Client::connect(dir.socket(), SOFTWARE).await.unwrap();
        client.status().await.unwrap_err()
    })
    .await;
    assert!(matches!(err, ClientError::Protocol(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("the Egress helper sent something unexpected: not a valid helper message"),
        "{err}"
    );
}

fn row(destination: &str) -> RouteRow {
    RouteRow {
        family: Family::V4,
        destination: destination.into(),
        gateway: "198.51.100.1".into(),
        flags: "UGS".into(),
        netif: "en0".into(),
        expire: String::new(),
        scope: None,
        ours: false,
        cloned: false,
        default: false,
        canonical: format!("route add -inet {destination} -gateway 198.51.100.1"),
    }
}

#[tokio::test]
async fn routes_all_follows_the_pages() {
    let dir = TempDir::new("pages");
    let listener = listen(&dir.socket());
    tokio::spawn(async move {
        let mut conn = accept(&listener).await;
        loop {
            let (id, request) = conn.request().await;
            let Request::Routes { filter } = request else {
                panic!("expected routes, got {request:?}");
            };
            assert!(filter.ours);
            let (rows, next) = match filter.offset {
                0 => (vec![row("10.0.0.1"), row("10.0.0.2")], Some(2)),
                2 => (vec![row("10.0.0.3")], None),
                other => panic!("unexpected offset {other}"),
            };
            let done = next.is_none();
            conn.reply(
                id,
                Response::Routes {
                    page: RoutePage {
                        rows,
                        total: 3,
                        next,
                    },
                },
            )
            .await;
            if done {
                conn.recv().await;
                return;
            }
        }
    });
    within(async {
        let client = Client::connect(dir.socket(), SOFTWARE).await.unwrap();
        let filter = RouteFilter {
            ours: true,
            ..RouteFilter::default()
        };
        let rows = client.routes_all(&filter).await.unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r.destination.as_str()).collect();
        assert_eq!(names, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    })
    .await;
}

fn timeline(trigger: &str) -> Event {
    Event::Timeline {
        entry: TimelineEntry {
            at: 1_700_000_000,
            trigger: trigger.into(),
            outcome: "re-pinned en0".into(),
        },
    }
}

/// One life of the fake helper: welcome, check the subscription, send
/// `events`, then go away.
async fn serve_events(listener: tokio::net::UnixListener, events: Vec<Event>) {
    let mut conn = accept(&listener).await;
    let (id, request) = conn.request().await;
    assert_eq!(
        request,
        Request::Subscribe {
            topics: vec![Topic::Timeline, Topic::Routes]
        }
    );
    conn.reply(
        id,
        Response::Subscribed {
            topics: vec![Topic::Timeline, Topic::Routes],
        },
    )
    .await;
    for event in events {
        conn.send(&ServerMessage::Event { event }).await;
    }
}

#[tokio::test]
async fn the_event_stream_reconnects_after_a_restart() {
    let dir = TempDir::new("reconnect");
    let socket = dir.socket();
    let first = tokio::spawn(serve_events(
        listen(&socket),
        vec![timeline("link-down en1"), Event::RoutesChanged],
    ));
    within(async {
        let client = Client::connect(&socket, SOFTWARE).await.unwrap();
        let policy = BackoffPolicy {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(200),
            deadline: Some(Duration::from_secs(5)),
        };
        let mut events =
            ReconnectingEvents::new(&client, SOFTWARE, &[Topic::Timeline, Topic::Routes], policy)
                .await
                .unwrap();
        drop(client);
        let item = events.next().await.unwrap();
        assert!(
            matches!(&item, WatchItem::Event(e) if *e == timeline("link-down en1")),
            "{item:?}"
        );
        let item = events.next().await.unwrap();
        assert!(
            matches!(&item, WatchItem::Event(Event::RoutesChanged)),
            "{item:?}"
        );
        first.await.unwrap();
        // The helper is gone (its listener too).
        let item = events.next().await.unwrap();
        assert!(
            matches!(&item, WatchItem::Lost(ClientError::Disconnected)),
            "{item:?}"
        );
        assert!(events.client().is_none());
        // It restarts on the same path a little later.
        std::fs::remove_file(&socket).unwrap();
        let restarted = {
            let socket = socket.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                serve_events(listen(&socket), vec![timeline("wake")]).await;
            })
        };
        let item = events.next().await.unwrap();
        assert!(matches!(item, WatchItem::Reconnected), "{item:?}");
        assert_eq!(
            events.client().unwrap().welcome().helper,
            "egress-helper 0.1.0"
        );
        let item = events.next().await.unwrap();
        assert!(
            matches!(&item, WatchItem::Event(e) if *e == timeline("wake")),
            "{item:?}"
        );
        restarted.await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn reconnecting_gives_up_at_the_deadline() {
    let dir = TempDir::new("deadline");
    let policy = BackoffPolicy {
        initial: Duration::from_millis(10),
        max: Duration::from_millis(50),
        deadline: Some(Duration::from_millis(300)),
    };
    let started = std::time::Instant::now();
    let err = within(helper_client::connect_with_backoff(
        dir.socket(),
        SOFTWARE,
        &policy,
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, ClientError::NotRunning { .. }), "{err:?}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn what_a_newer_helper_adds_is_skipped_or_fails_only_its_request() {
    let dir = TempDir::new("newer");
    let listener = listen(&dir.socket());
    tokio::spawn(async move {
        let mut conn = accept(&listener).await;
        let (id, _) = conn.request().await;
        conn.reply(id, Response::Subscribed { topics: vec![] })
            .await;
        // An event of a later minor, then one we know.
        conn.send_raw(&frame(
            br#"{"type":"event","event":{"event":"battery_low","percent":5}}"#,
        ))
        .await;
        conn.send(&ServerMessage::Event {
            event: Event::RoutesChanged,
        })
        .await;
        // A reply of a kind we do not know, then a normal one.
        let (id, _) = conn.request().await;
        conn.send_raw(&frame(
            format!(r#"{{"type":"reply","id":{id},"outcome":{{"ok":{{"kind":"hologram"}}}}}}"#)
                .as_bytes(),
        ))
        .await;
        let (id, _) = conn.request().await;
        conn.reply(
            id,
            Response::Status {
                status: Box::new(status(Mode::Advanced)),
            },
        )
        .await;
        conn.recv().await;
    });
    within(async {
        let client = Client::connect(dir.socket(), SOFTWARE).await.unwrap();
        let mut events = client.subscribe(&[]).await.unwrap();
        assert_eq!(events.next().await, Some(Event::RoutesChanged));
        let err = client.diagnostics().await.unwrap_err();
        assert!(
            matches!(&err, ClientError::Protocol(m) if m.contains("may be newer than this client")),
            "{err:?}"
        );
        assert_eq!(client.status().await.unwrap().mode, Mode::Advanced);
    })
    .await;
}
