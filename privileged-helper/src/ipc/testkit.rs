//! What the IPC tests share: a temporary directory, a fake service, and a
//! raw client made from the same codec (not `helper-client`).

use std::future::Future;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use helper_proto::{
    BindTarget, BoundSocket, ClientMessage, Diagnostics, ErrorBody, ErrorCode, Event, FamilyStatus,
    Hello, Mode, PerFamily, Request, Response, ServerMessage, SimAction, Status, Welcome, PROTOCOL,
};
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio::sync::{broadcast, Semaphore};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::service::{Caller, ProgressSender, Reply, Service};

/// A directory under the system's temporary directory, removed on drop
/// (even when the test fails).
#[derive(Debug)]
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(what: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "egress-{what}-{}-{}-{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        TempDir(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A service with fixed answers.
#[derive(Debug)]
pub(crate) struct FakeService {
    /// What subscribers get.
    pub(crate) events: broadcast::Sender<Event>,
    /// `Diagnostics` waits for a permit here (a slow request).
    pub(crate) gate: Arc<Semaphore>,
    /// Requests that reached the service.
    pub(crate) calls: AtomicUsize,
}

impl FakeService {
    pub(crate) fn new(event_capacity: usize) -> Arc<FakeService> {
        Arc::new(FakeService {
            events: broadcast::channel(event_capacity).0,
            gate: Arc::new(Semaphore::new(0)),
            calls: AtomicUsize::new(0),
        })
    }
}

pub(crate) fn status() -> Status {
    Status {
        backend: "sim".into(),
        mode: Mode::Advanced,
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

impl Service for FakeService {
    fn backend_name(&self) -> &str {
        "sim"
    }

    fn call(
        &self,
        _caller: Caller,
        request: Request,
        progress: Option<ProgressSender>,
    ) -> impl Future<Output = Result<Reply, ErrorBody>> + Send {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let gate = self.gate.clone();
        async move {
            match request {
                Request::Status => Ok(Response::Status {
                    status: Box::new(status()),
                }
                .into()),
                Request::SetMode { mode, .. } => {
                    if let Some(progress) = progress {
                        for done in 1..=3 {
                            let _ = progress.send((done, 3)).await;
                        }
                    }
                    let mut status = status();
                    status.mode = mode;
                    Ok(Response::Status {
                        status: Box::new(status),
                    }
                    .into())
                }
                Request::Diagnostics => {
                    let _permit = gate.acquire().await;
                    Ok(Response::Diagnostics {
                        diagnostics: Box::new(Diagnostics {
                            helper: "fake".into(),
                            protocol: PROTOCOL,
                            backend: "sim".into(),
                            os: "test".into(),
                            uptime_secs: 0,
                            journal: None,
                            timeline: Vec::new(),
                            kernel_events: Vec::new(),
                        }),
                    }
                    .into())
                }
                Request::OpenBoundSocket {
                    family, protocol, ..
                } => {
                    let socket = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|_| {
                        ErrorBody::new(ErrorCode::BackendFailed, "cannot bind a socket")
                    })?;
                    let port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
                    Ok(Reply {
                        response: Response::BoundSocket {
                            socket: BoundSocket {
                                family,
                                protocol,
                                target: BindTarget {
                                    index: 1,
                                    interface: "lo".into(),
                                    borrowed: false,
                                },
                                local_port: port,
                            },
                        },
                        fd: Some(OwnedFd::from(socket)),
                    })
                }
                Request::Sim {
                    action: SimAction::Event { name },
                } if name == "panic" => panic!("the fake service was asked to panic"),
                _ => Err(ErrorBody::new(ErrorCode::NotSupported, "not in the fake")),
            }
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }
}

/// How long a test waits for a frame before it fails.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// A client speaking raw frames.
#[derive(Debug)]
pub(crate) struct RawClient {
    framed: Framed<UnixStream, LengthDelimitedCodec>,
}

impl RawClient {
    pub(crate) async fn connect(socket: &Path) -> RawClient {
        let stream = UnixStream::connect(socket).await.unwrap();
        RawClient {
            framed: Framed::new(stream, super::writer::codec()),
        }
    }

    pub(crate) async fn send_payload(&mut self, payload: &[u8]) {
        self.framed
            .send(bytes::Bytes::copy_from_slice(payload))
            .await
            .unwrap();
    }

    pub(crate) async fn send(&mut self, message: &ClientMessage) {
        let payload = helper_proto::message::encode(message).unwrap();
        self.send_payload(&payload).await;
    }

    /// Bytes straight onto the stream, no framing.
    pub(crate) async fn send_bytes(&mut self, bytes: &[u8]) {
        self.framed.get_mut().write_all(bytes).await.unwrap();
    }

    pub(crate) async fn request(&mut self, id: u64, request: Request) {
        self.send(&ClientMessage::Request { id, request }).await;
    }

    /// The next message; `None` at end of stream. Fails the test after
    /// [`PATIENCE`].
    pub(crate) async fn recv(&mut self) -> Option<ServerMessage> {
        let next = tokio::time::timeout(PATIENCE, self.framed.next())
            .await
            .expect("no frame in time")?;
        match next {
            Ok(bytes) => Some(helper_proto::message::decode_server(&bytes).unwrap()),
            // A reset after the helper's last frame is a close too.
            Err(_) => None,
        }
    }

    /// Says hello and returns the welcome.
    pub(crate) async fn hello(&mut self) -> Welcome {
        self.send(&ClientMessage::Hello(Hello::new("egress-test 0.1.0")))
            .await;
        match self.recv().await {
            Some(ServerMessage::Welcome(welcome)) => welcome,
            other => panic!("expected a welcome, got {other:?}"),
        }
    }

    /// The fatal error that closes the connection, then its end.
    pub(crate) async fn fatal(&mut self) -> ErrorBody {
        let error = match self.recv().await {
            Some(ServerMessage::Fatal(error)) => error,
            other => panic!("expected a fatal error, got {other:?}"),
        };
        assert_eq!(self.recv().await, None, "the connection stays open");
        error
    }

    /// The reply to `id` (skipping events and progress).
    pub(crate) async fn reply(&mut self, id: u64) -> Result<Response, ErrorBody> {
        loop {
            match self.recv().await {
                Some(ServerMessage::Reply { id: got, outcome }) if got == id => {
                    return outcome.into()
                }
                Some(ServerMessage::Reply { .. })
                | Some(ServerMessage::Event { .. })
                | Some(ServerMessage::Progress { .. }) => {}
                other => panic!("expected reply {id}, got {other:?}"),
            }
        }
    }

    /// The next event.
    pub(crate) async fn event(&mut self) -> Event {
        match self.recv().await {
            Some(ServerMessage::Event { event }) => event,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    pub(crate) fn into_stream(self) -> UnixStream {
        self.framed.into_inner()
    }
}
