//! The real server on a temporary socket, driven by a raw client.

use std::io::IoSliceMut;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Instant;

use helper_proto::{
    Access, ErrorCode, Event, Hello, ProtocolVersion, Request, Response, ServerMessage,
    SocketProtocol, TimelineEntry, Topic,
};
use routing_core::model::Family;
use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
use tokio::io::{AsyncWriteExt, Interest};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::*;
use crate::ipc::testkit::{FakeService, RawClient, TempDir, PATIENCE};

/// The uid a root test runs its "other user" client as.
const NOBODY: u32 = 65534;

struct Harness {
    _dir: TempDir,
    socket: PathBuf,
    service: Arc<FakeService>,
    policy: watch::Sender<Policy>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Harness {
    async fn start(policy: Policy, tune: impl FnOnce(&mut ServerConfig)) -> Harness {
        Harness::start_with(FakeService::new(4096), policy, tune).await
    }

    async fn start_with(
        service: Arc<FakeService>,
        policy: Policy,
        tune: impl FnOnce(&mut ServerConfig),
    ) -> Harness {
        let dir = TempDir::new("ipc");
        let socket = dir.path().join("helper.sock");
        let (policy_tx, policy_rx) = watch::channel(policy);
        let mut config = ServerConfig::new(&socket, policy_rx);
        tune(&mut config);
        let server = Server::bind(config).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(service.clone(), async {
            let _ = stopped.await;
        }));
        Harness {
            _dir: dir,
            socket,
            service,
            policy: policy_tx,
            stop: Some(stop),
            task,
        }
    }

    async fn client(&self) -> RawClient {
        RawClient::connect(&self.socket).await
    }

    async fn ready(&self) -> RawClient {
        let mut client = self.client().await;
        client.hello().await;
        client
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(PATIENCE, &mut self.task)
            .await
            .expect("the server did not stop")
            .unwrap();
    }
}

fn open_policy() -> Policy {
    Policy::parse(Path::new("test.toml"), "[read]\neveryone = true\n").unwrap()
}

/// Everyone reads; changing needs a group nobody is in.
fn read_only_policy() -> Policy {
    Policy::parse(
        Path::new("test.toml"),
        "[read]\neveryone = true\n[change]\ngroups = [\"no-such-group-egress-test\"]\n",
    )
    .unwrap()
    .without_helper_uid()
}

fn set_mode(progress: bool) -> Request {
    Request::SetMode {
        mode: helper_proto::Mode::Legacy,
        progress,
    }
}

fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[tokio::test]
async fn a_hello_is_welcomed_and_requests_are_served() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut client = h.client().await;
    let welcome = client.hello().await;
    assert_eq!(welcome.protocol, helper_proto::PROTOCOL);
    assert_eq!(
        welcome.helper,
        format!("egress-helper {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(welcome.backend, "sim");
    assert_eq!(welcome.peer.uid, euid());
    assert_eq!(welcome.peer.pid, Some(std::process::id() as i32));
    assert_eq!(welcome.access, Access::Change);
    assert_eq!(welcome.change_requires, None);

    client.request(1, Request::Status).await;
    let Ok(Response::Status { status }) = client.reply(1).await else {
        panic!("no status")
    };
    assert_eq!(status.backend, "sim");

    // Progress comes with the request's id, before its reply.
    client.request(2, set_mode(true)).await;
    for done in 1..=3 {
        assert_eq!(
            client.recv().await,
            Some(ServerMessage::Progress {
                id: 2,
                done,
                total: 3
            })
        );
    }
    let Ok(Response::Status { status }) = client.reply(2).await else {
        panic!("no status")
    };
    assert_eq!(status.mode, helper_proto::Mode::Legacy);

    // A service that fails answers an error, not a hang.
    client.request(3, Request::BindInfo).await;
    assert_eq!(
        client.reply(3).await.unwrap_err().code,
        ErrorCode::NotSupported
    );
    h.stop().await;
}

#[tokio::test]
async fn another_major_version_is_refused_naming_both() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut client = h.client().await;
    let hello = Hello {
        protocol: ProtocolVersion { major: 2, minor: 0 },
        software: "egressctl 9.0.0".into(),
    };
    client
        .send(&helper_proto::ClientMessage::Hello(hello))
        .await;
    let error = client.fatal().await;
    assert_eq!(error.code, ErrorCode::IncompatibleVersion);
    assert!(
        error.message.starts_with(&format!(
            "egressctl 9.0.0 speaks protocol 2.0 but egress-helper {} speaks protocol 1.0",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        error.message
    );
    h.stop().await;
}

#[tokio::test]
async fn a_request_before_the_hello_is_fatal() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut client = h.client().await;
    client.request(1, Request::Status).await;
    let error = client.fatal().await;
    assert_eq!(error.code, ErrorCode::HandshakeRequired);
    assert_eq!(error.message, "the first frame must be a hello");
    // An unknown op before the hello is no better.
    let mut client = h.client().await;
    client
        .send_payload(br#"{"type":"request","id":1,"request":{"op":"nope"}}"#)
        .await;
    assert_eq!(client.fatal().await.code, ErrorCode::HandshakeRequired);
    assert_eq!(
        h.service.calls.load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    h.stop().await;
}

#[tokio::test]
async fn an_oversize_frame_is_fatal_before_it_is_read() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut client = h.client().await;
    let too_big = (helper_proto::MAX_FRAME as u32 + 1).to_be_bytes();
    client.send_bytes(&too_big).await;
    let error = client.fatal().await;
    assert_eq!(error.code, ErrorCode::FrameTooLarge);
    assert_eq!(error.message, "a frame was over the 1048576-byte limit");
    // After the handshake too.
    let mut client = h.ready().await;
    client.send_bytes(&u32::MAX.to_be_bytes()).await;
    assert_eq!(client.fatal().await.code, ErrorCode::FrameTooLarge);
    h.stop().await;
}

#[tokio::test]
async fn garbage_is_fatal_and_says_what_was_wrong() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut client = h.client().await;
    client.send_payload(b"\xff\xfe\x00garbage").await;
    let error = client.fatal().await;
    assert_eq!(error.code, ErrorCode::MalformedFrame);
    assert_eq!(error.message, "the frame is not UTF-8 (at byte 0)");
    let mut client = h.ready().await;
    client
        .send_payload(b"{\"type\": \"request\", \"id\": ")
        .await;
    let error = client.fatal().await;
    assert_eq!(error.code, ErrorCode::MalformedFrame);
    assert!(!error.message.contains("request\""), "{}", error.message);
    // An empty frame is garbage too.
    let mut client = h.ready().await;
    client.send_payload(b"").await;
    assert_eq!(client.fatal().await.code, ErrorCode::MalformedFrame);
    h.stop().await;
}

#[tokio::test]
async fn a_bad_request_with_an_id_is_answered_and_the_connection_lives() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut client = h.ready().await;
    client
        .send_payload(br#"{"type":"request","id":9,"request":{"op":"launch_missiles"}}"#)
        .await;
    let error = client.reply(9).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::BadRequest);
    assert!(
        error.message.contains("launch_missiles"),
        "{}",
        error.message
    );
    client
        .send_payload(br#"{"type":"request","id":10,"request":{"op":"exclusion_add","prefix":"10.0.0.0/33"}}"#)
        .await;
    assert_eq!(
        client.reply(10).await.unwrap_err().code,
        ErrorCode::BadRequest
    );
    client.request(11, Request::Status).await;
    assert!(client.reply(11).await.is_ok());
    // Without an id there is no one to answer.
    client
        .send_payload(br#"{"type":"request","request":{"op":"status"}}"#)
        .await;
    assert_eq!(client.fatal().await.code, ErrorCode::BadRequest);
    // A second hello is a confused client.
    let mut client = h.ready().await;
    client
        .send(&helper_proto::ClientMessage::Hello(Hello::new("again 1")))
        .await;
    assert_eq!(client.fatal().await.code, ErrorCode::BadRequest);
    h.stop().await;
}

#[tokio::test]
async fn half_a_frame_then_silence_times_out() {
    let h = Harness::start(open_policy(), |c| {
        c.handshake_timeout = Duration::from_millis(200);
        c.idle_timeout = Duration::from_millis(400);
    })
    .await;
    let mut client = h.client().await;
    client.send_bytes(&[0, 0, 0, 100]).await;
    client.send_bytes(b"{\"type\":").await;
    let started = Instant::now();
    let error = client.fatal().await;
    assert_eq!(error.code, ErrorCode::HandshakeTimeout);
    assert_eq!(error.message, "no hello arrived within 200 ms");
    assert!(started.elapsed() < Duration::from_secs(5));

    // After the hello, half a frame is idleness.
    let mut client = h.ready().await;
    client.send_bytes(&[0, 0, 0, 100, b'{']).await;
    let error = client.fatal().await;
    assert_eq!(error.code, ErrorCode::IdleTimeout);
    assert_eq!(error.message, "nothing arrived for 400 ms; closing");

    // A subscriber is never idle.
    let mut client = h.ready().await;
    client
        .request(1, Request::Subscribe { topics: Vec::new() })
        .await;
    assert!(client.reply(1).await.is_ok());
    tokio::time::sleep(Duration::from_millis(900)).await;
    client.request(2, Request::Status).await;
    assert!(client.reply(2).await.is_ok());
    h.stop().await;
}

#[tokio::test]
async fn clients_beyond_the_limit_are_told_busy_while_the_others_are_served() {
    let h = Harness::start(open_policy(), |c| c.max_connections = 2).await;
    let mut first = h.ready().await;
    let mut second = h.ready().await;
    let mut third = h.client().await;
    let error = third.fatal().await;
    assert_eq!(error.code, ErrorCode::Busy);
    assert_eq!(
        error.message,
        "the helper is serving 2 clients, its limit; try again"
    );
    for (id, client) in [(1, &mut first), (2, &mut second)] {
        client.request(id, Request::Status).await;
        assert!(client.reply(id).await.is_ok());
    }
    // A slot freed is a slot for the next client.
    drop(first);
    let deadline = Instant::now() + PATIENCE;
    loop {
        let mut client = h.client().await;
        client
            .send(&helper_proto::ClientMessage::Hello(Hello::new("t 1")))
            .await;
        match client.recv().await {
            Some(ServerMessage::Welcome(_)) => break,
            Some(ServerMessage::Fatal(e)) if e.code == ErrorCode::Busy => {}
            other => panic!("unexpected {other:?}"),
        }
        assert!(Instant::now() < deadline, "the slot was never freed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    h.stop().await;
}

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_are_refused() {
    let h = Harness::start(open_policy(), |c| c.max_in_flight = 2).await;
    let mut client = h.ready().await;
    client.request(1, Request::Diagnostics).await;
    client.request(2, Request::Diagnostics).await;
    client.request(3, Request::Diagnostics).await;
    let error = client.reply(3).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::TooManyRequests);
    assert_eq!(
        error.message,
        "this connection has 2 requests in flight, its limit; wait for their replies"
    );
    h.service.gate.add_permits(2);
    let mut answered = Vec::new();
    for _ in 0..2 {
        match client.recv().await {
            Some(ServerMessage::Reply { id, outcome }) => {
                assert!(matches!(outcome, helper_proto::Outcome::Ok(_)));
                answered.push(id);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    answered.sort_unstable();
    assert_eq!(answered, [1, 2]);
    // The slots are free again.
    h.service.gate.add_permits(1);
    client.request(4, Request::Diagnostics).await;
    assert!(client.reply(4).await.is_ok());
    h.stop().await;
}

#[tokio::test]
async fn a_service_that_panics_answers_internal_and_the_helper_goes_on() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut client = h.ready().await;
    client
        .request(
            1,
            Request::Sim {
                action: helper_proto::SimAction::Event {
                    name: "panic".into(),
                },
            },
        )
        .await;
    let error = client.reply(1).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::Internal);
    assert_eq!(
        error.message,
        "the helper hit a bug while serving sim; it is still running"
    );
    client.request(2, Request::Status).await;
    assert!(client.reply(2).await.is_ok());
    h.stop().await;
}

/// Runs this test binary's `child_client` as another user against
/// `socket`, sending `requests`; returns what it received.
async fn as_another_user(socket: &Path, requests: &[Request]) -> Vec<ServerMessage> {
    let exe = std::env::current_exe().unwrap();
    let socket = socket.to_path_buf();
    let requests = serde_json::to_string(requests).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        use std::os::unix::process::CommandExt;
        std::process::Command::new(exe)
            .args([
                "--exact",
                "ipc::server::tests::child_client",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("EGRESS_TEST_CHILD_SOCKET", socket)
            .env("EGRESS_TEST_CHILD_REQUESTS", requests)
            .uid(NOBODY)
            .gid(NOBODY)
            .current_dir("/")
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run this test binary as uid {NOBODY} ({e}); \
                     its build directory must be readable by others"
                )
            })
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the child failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        // libtest may print the test's name on the same line first.
        .filter_map(|line| line.find("MSG ").map(|at| &line[at + 4..]))
        .map(|json| serde_json::from_str(json).unwrap())
        .collect()
}

/// Not a test of its own: the client `as_another_user` runs.
#[test]
#[ignore = "run by other tests as another user"]
fn child_client() {
    let Ok(socket) = std::env::var("EGRESS_TEST_CHILD_SOCKET") else {
        return;
    };
    let requests: Vec<Request> =
        serde_json::from_str(&std::env::var("EGRESS_TEST_CHILD_REQUESTS").unwrap()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let stream = tokio::net::UnixStream::connect(&socket).await.unwrap();
        let mut framed = tokio_util::codec::Framed::new(stream, super::super::writer::codec());
        use futures_util::{SinkExt, StreamExt};
        let hello = helper_proto::ClientMessage::Hello(Hello::new("egress-test-child 0.1.0"));
        let mut frames = vec![helper_proto::message::encode(&hello).unwrap()];
        for (i, request) in requests.iter().enumerate() {
            let message = helper_proto::ClientMessage::Request {
                id: i as u64 + 1,
                request: request.clone(),
            };
            frames.push(helper_proto::message::encode(&message).unwrap());
        }
        // The helper may already have closed on us: sending may fail.
        for frame in frames {
            if framed.send(bytes::Bytes::from(frame)).await.is_err() {
                break;
            }
        }
        let mut replies = 0;
        while let Ok(Some(Ok(bytes))) = tokio::time::timeout(PATIENCE, framed.next()).await {
            let message = helper_proto::message::decode_server(&bytes).unwrap();
            println!("MSG {}", serde_json::to_string(&message).unwrap());
            match message {
                ServerMessage::Reply { .. } => replies += 1,
                ServerMessage::Fatal(_) => break,
                _ => {}
            }
            if replies == requests.len() {
                break;
            }
        }
    });
}

#[tokio::test]
async fn a_reader_may_not_change_and_is_told_what_it_takes() {
    let h = Harness::start(read_only_policy(), |_| {}).await;
    let uid = if euid() == 0 { NOBODY } else { euid() };
    let messages = if euid() == 0 {
        // Root may always change: ask as another user, as the kernel says.
        as_another_user(&h.socket, &[set_mode(false), Request::Status]).await
    } else {
        let mut client = h.client().await;
        let welcome = client.hello().await;
        client.request(1, set_mode(false)).await;
        let denied = client.recv().await.unwrap();
        client.request(2, Request::Status).await;
        let status = client.recv().await.unwrap();
        vec![ServerMessage::Welcome(welcome), denied, status]
    };
    let [ServerMessage::Welcome(welcome), denied, ServerMessage::Reply { id: 2, outcome }] =
        messages.as_slice()
    else {
        panic!("unexpected {messages:?}")
    };
    assert_eq!(welcome.access, Access::Read);
    assert_eq!(welcome.peer.uid, uid);
    assert_eq!(
        welcome.change_requires.as_deref(),
        Some("membership of the no-such-group-egress-test group")
    );
    let ServerMessage::Reply {
        id: 1,
        outcome: helper_proto::Outcome::Error(error),
    } = denied
    else {
        panic!("not denied: {denied:?}")
    };
    assert_eq!(error.code, ErrorCode::PermissionDenied);
    assert_eq!(
        error.message,
        format!(
            "changing the mode needs membership of the no-such-group-egress-test group; \
             you are uid {uid}"
        )
    );
    assert!(matches!(outcome, helper_proto::Outcome::Ok(_)));
    // Only the status reached the service.
    assert_eq!(
        h.service.calls.load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    h.stop().await;
}

#[tokio::test]
async fn a_peer_the_policy_does_not_admit_is_refused_at_once() {
    let closed = Policy::parse(
        Path::new("test.toml"),
        "[read]\neveryone = false\ngroups = [\"no-such-group-egress-test\"]\n[change]\ngroups = []\n",
    )
    .unwrap()
    .without_helper_uid();
    let h = Harness::start(closed, |_| {}).await;
    // Let the stranger through the socket's mode: credentials still decide.
    std::fs::set_permissions(&h.socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    let uid = if euid() == 0 { NOBODY } else { euid() };
    let messages = if euid() == 0 {
        as_another_user(&h.socket, &[Request::Status]).await
    } else {
        let mut client = h.client().await;
        vec![ServerMessage::Fatal(client.fatal().await)]
    };
    let [ServerMessage::Fatal(error)] = messages.as_slice() else {
        panic!("unexpected {messages:?}")
    };
    assert_eq!(error.code, ErrorCode::PermissionDenied);
    assert_eq!(
        error.message,
        format!("using the helper needs membership of the no-such-group-egress-test group; you are uid {uid}")
    );
    assert_eq!(
        h.service.calls.load(std::sync::atomic::Ordering::Relaxed),
        0
    );
    h.stop().await;
}

#[tokio::test]
async fn a_reloaded_policy_applies_to_live_connections_and_the_socket() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut client = h.ready().await;
    assert_eq!(mode_of(&h.socket), 0o666);
    let owner_only = Policy::parse(
        Path::new("test.toml"),
        "[read]\neveryone = false\n[change]\ngroups = []\n",
    )
    .unwrap();
    h.policy.send(owner_only).unwrap();
    let deadline = Instant::now() + PATIENCE;
    while mode_of(&h.socket) != 0o600 {
        assert!(Instant::now() < deadline, "the mode never changed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // We are root or the helper's own user: still allowed.
    client.request(1, Request::Status).await;
    assert!(client.reply(1).await.is_ok());
    if euid() != 0 {
        // Not root: our own uid is the helper's; revoke it and we are out.
        let closed = Policy::parse(
            Path::new("test.toml"),
            "[read]\neveryone = false\n[change]\ngroups = []\n",
        )
        .unwrap()
        .without_helper_uid();
        h.policy.send(closed).unwrap();
        assert_eq!(client.fatal().await.code, ErrorCode::PermissionDenied);
    }
    h.stop().await;
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn timeline(seq: u64) -> Event {
    Event::Timeline {
        entry: TimelineEntry {
            at: seq,
            trigger: "test".into(),
            outcome: "x".repeat(1000),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_never_reads_slows_no_one_and_is_told_it_lagged() {
    const TOTAL: u64 = 2000;
    let h = Harness::start(open_policy(), |c| c.subscriber_queue = 8).await;
    let mut stuck = h.ready().await;
    let mut reader = h.ready().await;
    for client in [&mut stuck, &mut reader] {
        client
            .request(
                1,
                Request::Subscribe {
                    topics: vec![Topic::Timeline],
                },
            )
            .await;
        assert_eq!(
            client.reply(1).await.unwrap(),
            Response::Subscribed {
                topics: vec![Topic::Timeline]
            }
        );
    }
    let started = Instant::now();
    // Bursts within the queue, read before the next: a reader that keeps
    // up loses nothing, however stuck the other one is.
    for batch in 0..TOTAL / 4 {
        for seq in batch * 4..(batch + 1) * 4 {
            // Not a timeline: filtered out, never counted as missed.
            h.service.events.send(Event::RoutesChanged).unwrap();
            h.service.events.send(timeline(seq)).unwrap();
        }
        for seq in batch * 4..(batch + 1) * 4 {
            assert_eq!(reader.event().await, timeline(seq));
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the reader was slowed: {:?}",
        started.elapsed()
    );
    // Now the stuck one reads: what fitted, then a Lagged counting what
    // did not (another, if its forwarder still had a backlog when it
    // caught up): nothing is lost without being counted.
    let mut seen = 0;
    let mut missed = 0;
    let mut lags = 0;
    let mut last = None;
    while seen + missed < TOTAL {
        match stuck.event().await {
            Event::Timeline { entry } => {
                assert!(last < Some(entry.at), "out of order");
                last = Some(entry.at);
                seen += 1;
            }
            Event::Lagged { missed: n } => {
                assert!(n > 0, "an empty Lagged");
                lags += 1;
                missed += n;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen + missed, TOTAL);
    assert!(lags > 0, "the stuck subscriber never lagged");
    // And it is back in the stream.
    h.service.events.send(timeline(TOTAL)).unwrap();
    assert_eq!(stuck.event().await, timeline(TOTAL));
    h.stop().await;
}

#[tokio::test]
async fn subscribers_get_stopping_when_the_helper_stops() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut subscriber = h.ready().await;
    subscriber
        .request(1, Request::Subscribe { topics: Vec::new() })
        .await;
    assert!(subscriber.reply(1).await.is_ok());
    h.service.events.send(Event::RoutesChanged).unwrap();
    assert_eq!(subscriber.event().await, Event::RoutesChanged);
    subscriber.request(2, Request::Unsubscribe).await;
    assert_eq!(
        subscriber.reply(2).await.unwrap(),
        Response::Subscribed { topics: Vec::new() }
    );
    // Nobody listens now.
    let _ = h.service.events.send(Event::RoutesChanged);
    subscriber
        .request(3, Request::Subscribe { topics: Vec::new() })
        .await;
    assert!(subscriber.reply(3).await.is_ok());
    let mut plain = h.ready().await;
    let socket = h.socket.clone();
    h.stop().await;
    assert_eq!(subscriber.event().await, Event::Stopping);
    assert_eq!(subscriber.recv().await, None);
    assert_eq!(plain.recv().await, None);
    assert!(!socket.exists(), "the socket outlived the server");
}

/// Reads frames with `recvmsg`, noting where each fd arrived.
async fn read_with_fds(
    stream: &tokio::net::UnixStream,
    want_replies: usize,
) -> (Vec<u8>, Vec<(std::ops::Range<usize>, OwnedFd)>) {
    let mut data = Vec::new();
    let mut fds = Vec::new();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while complete_frames(&data) < want_replies {
        tokio::time::timeout_at(deadline, stream.readable())
            .await
            .expect("no reply in time")
            .unwrap();
        let mut buf = [0u8; 4096];
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let got = stream.try_io(Interest::READABLE, || {
            rustix::net::recvmsg(
                stream,
                &mut [IoSliceMut::new(&mut buf)],
                &mut control,
                RecvFlags::empty(),
            )
            .map_err(std::io::Error::from)
        });
        let got = match got {
            Ok(got) => got,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => panic!("{e}"),
        };
        assert!(got.bytes > 0, "the helper closed");
        let chunk = data.len()..data.len() + got.bytes;
        for message in control.drain() {
            if let RecvAncillaryMessage::ScmRights(received) = message {
                for fd in received {
                    fds.push((chunk.clone(), fd));
                }
            }
        }
        data.extend_from_slice(&buf[..got.bytes]);
    }
    (data, fds)
}

/// Frame start offsets in `data`, whole frames only.
fn frame_starts(data: &[u8]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut at = 0;
    while data.len() >= at + 4 {
        let len = u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as usize;
        if data.len() < at + 4 + len {
            break;
        }
        starts.push(at);
        at += 4 + len;
    }
    starts
}

fn complete_frames(data: &[u8]) -> usize {
    frame_starts(data).len()
}

#[tokio::test]
async fn a_bound_socket_arrives_as_an_fd_with_its_reply() {
    let h = Harness::start(open_policy(), |_| {}).await;
    let client = h.ready().await;
    let mut stream = client.into_stream();
    let mut out = bytes::BytesMut::new();
    for (id, request) in [
        (1, Request::Status),
        (
            2,
            Request::OpenBoundSocket {
                family: Family::V4,
                protocol: SocketProtocol::Udp,
                local_port: None,
            },
        ),
    ] {
        let payload =
            helper_proto::message::encode(&helper_proto::ClientMessage::Request { id, request })
                .unwrap();
        tokio_util::codec::Encoder::encode(
            &mut super::super::writer::codec(),
            bytes::Bytes::from(payload),
            &mut out,
        )
        .unwrap();
    }
    stream.write_all(&out).await.unwrap();
    let (data, fds) = read_with_fds(&stream, 2).await;
    let starts = frame_starts(&data);
    let mut bound_at = None;
    let mut port = None;
    for &start in &starts {
        let len = u32::from_be_bytes(data[start..start + 4].try_into().unwrap()) as usize;
        let message =
            helper_proto::message::decode_server(&data[start + 4..start + 4 + len]).unwrap();
        if let ServerMessage::Reply {
            id: 2,
            outcome: helper_proto::Outcome::Ok(Response::BoundSocket { socket }),
        } = message
        {
            bound_at = Some(start);
            port = Some(socket.local_port);
        }
    }
    let (bound_at, port) = (bound_at.expect("no bound-socket reply"), port.unwrap());
    let [(chunk, fd)] = <[_; 1]>::try_from(fds).expect("exactly one fd");
    // The fd rode on the first bytes of its own frame; the kernel may hand
    // earlier frames' bytes over in the same read (Linux does), never later.
    assert!(
        chunk.contains(&bound_at),
        "the fd came with bytes {chunk:?}, its frame starts at {bound_at}"
    );
    let socket = std::net::UdpSocket::from(fd);
    assert_eq!(socket.local_addr().unwrap().port(), port);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_clients_fit() {
    const CLIENTS: usize = 1000;
    let limit = super::super::listener::raise_fd_limit().unwrap_or(0);
    if limit < (2 * CLIENTS + 100) as u64 {
        eprintln!("skipped: only {limit} files may be open here");
        return;
    }
    let h = Harness::start(open_policy(), |_| {}).await;
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        let mut client = h.client().await;
        client
            .send(&helper_proto::ClientMessage::Hello(Hello::new("t 1")))
            .await;
        client.request(1, Request::Status).await;
        clients.push(client);
    }
    for client in &mut clients {
        assert!(matches!(
            client.recv().await,
            Some(ServerMessage::Welcome(_))
        ));
        assert!(client.reply(1).await.is_ok());
    }
    h.stop().await;
}

#[tokio::test]
async fn random_frames_get_an_answer_never_a_crash() {
    let h = Harness::start(open_policy(), |_| {}).await;
    // xorshift: the same bytes every run.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut client = h.ready().await;
    for round in 0..300 {
        let len = (next() % 64) as usize;
        let mut payload: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Half the rounds: almost a request, with a random byte in it.
        if round % 2 == 0 {
            let mut text = format!(
                r#"{{"type":"request","id":{round},"request":{{"op":"lookup","destination":"192.0.2.1","scoped_to":null}}}}"#
            )
            .into_bytes();
            let at = (next() as usize) % text.len();
            text[at] = next() as u8;
            payload = text;
        }
        client.send_payload(&payload).await;
        match client.recv().await {
            Some(ServerMessage::Reply { .. }) => continue,
            Some(ServerMessage::Fatal(error)) => {
                assert!(
                    [ErrorCode::MalformedFrame, ErrorCode::BadRequest].contains(&error.code),
                    "{error}"
                );
                client = h.ready().await;
            }
            other => panic!("round {round}: unexpected {other:?}"),
        }
    }
    client.request(1, Request::Status).await;
    assert!(client.reply(1).await.is_ok());
    h.stop().await;
}
