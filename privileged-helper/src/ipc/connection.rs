//! One client connection: authenticate, handshake, serve requests and
//! subscriptions, close.
//!
//! The connection task reads frames and decides; it never waits on the
//! service. Each request runs in its own task (at most `max_in_flight`),
//! checked against the policy first; replies go to the writer task
//! ([`super::writer`]) through a bounded control queue. Subscriptions are a
//! forwarder task per connection from the service's broadcast to a bounded
//! event queue: a subscriber that does not read loses events (and is told
//! how many with one `Lagged`) instead of slowing anyone else.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures_util::{FutureExt, StreamExt};
use helper_proto::{
    ClientMessage, ErrorBody, ErrorCode, Event, Outcome, Request, Response, ServerMessage, Topic,
    Welcome, MAX_FRAME, PROTOCOL,
};
use tokio::net::unix::OwnedReadHalf;
use tokio::net::UnixStream;
use tokio::sync::{broadcast, mpsc, watch, OwnedSemaphorePermit};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_util::codec::{FramedRead, LengthDelimitedCodecError};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use super::auth::{self, AuthenticatedPeer};
use super::policy::Policy;
use super::server::Limits;
use super::writer::{self, Body, Outgoing};
use crate::service::{Now, Reply, Service};

/// Room in the control queue besides one reply per request in flight.
const CONTROL_EXTRA: usize = 16;
/// Progress steps buffered between the service and the connection.
const PROGRESS_QUEUE: usize = 16;

/// Everything a connection shares with the server.
#[derive(Debug)]
pub(super) struct Shared<S> {
    pub(super) service: Arc<S>,
    pub(super) limits: Limits,
    pub(super) policy: watch::Receiver<Policy>,
    pub(super) shutdown: CancellationToken,
}

type Frames = FramedRead<OwnedReadHalf, tokio_util::codec::LengthDelimitedCodec>;

/// How the reading ended.
enum End {
    /// The client closed, or the writer could not write any more.
    Gone,
    /// Close with this error.
    Fatal(ErrorBody),
    /// The helper is stopping.
    Shutdown,
}

fn fatal(code: ErrorCode, message: impl Into<String>) -> End {
    End::Fatal(ErrorBody::new(code, message))
}

/// Serves one client until it leaves, misbehaves or the helper stops.
pub(super) async fn serve<S: Service>(
    stream: UnixStream,
    shared: Arc<Shared<S>>,
    _permit: OwnedSemaphorePermit,
) {
    let cred = match stream.peer_cred() {
        Ok(cred) => cred,
        Err(e) => {
            debug!(error = %e, "no peer credentials; closing");
            return;
        }
    };
    let policy = shared.policy.borrow().clone();
    let Ok(peer) =
        tokio::task::spawn_blocking(move || auth::authenticate_cred(cred, &policy)).await
    else {
        return;
    };
    if let Some(refusal) = peer.refusal() {
        writer::try_write_fatal(&stream, refusal);
        return;
    }
    let (read, write) = stream.into_split();
    let limits = &shared.limits;
    let (control_tx, control_rx) = mpsc::channel(limits.max_in_flight + CONTROL_EXTRA);
    let (events_tx, events_rx) = mpsc::channel(limits.subscriber_queue.max(1));
    let writer = tokio::spawn(writer::run(
        write,
        control_rx,
        events_rx,
        limits.idle_timeout,
    ));
    let mut conn = Connection {
        shared: shared.clone(),
        peer,
        control: control_tx,
        events: events_tx,
        requests: JoinSet::new(),
        subscription: None,
    };
    let mut frames = FramedRead::new(read, writer::codec());
    let end = match conn.handshake(&mut frames).await {
        Ok(()) => conn.run(&mut frames).await,
        Err(end) => end,
    };
    conn.close(end, writer).await;
}

struct Connection<S> {
    shared: Arc<Shared<S>>,
    peer: AuthenticatedPeer,
    control: mpsc::Sender<Outgoing>,
    events: mpsc::Sender<Event>,
    requests: JoinSet<()>,
    subscription: Option<JoinHandle<()>>,
}

impl<S: Service> Connection<S> {
    /// Reads the hello and answers it.
    async fn handshake(&mut self, frames: &mut Frames) -> Result<(), End> {
        let limit = self.shared.limits.handshake_timeout;
        let first = tokio::select! {
            () = self.shared.shutdown.cancelled() => return Err(End::Shutdown),
            first = tokio::time::timeout(limit, frames.next()) => first,
        };
        let bytes = match first {
            Err(_) => {
                return Err(fatal(
                    ErrorCode::HandshakeTimeout,
                    format!("no hello arrived within {}", seconds(limit)),
                ))
            }
            Ok(None) => return Err(End::Gone),
            Ok(Some(Err(e))) => return Err(frame_error(&e)),
            Ok(Some(Ok(bytes))) => bytes,
        };
        let hello = match helper_proto::message::decode_client(&bytes) {
            Ok(ClientMessage::Hello(hello)) => hello,
            Ok(ClientMessage::Request { .. }) => return Err(handshake_required()),
            Err(e) if e.code == ErrorCode::BadRequest && recover_id(&bytes).is_some() => {
                return Err(handshake_required())
            }
            Err(e) => return Err(End::Fatal(e)),
        };
        let helper = crate::service::helper_software();
        hello.check(PROTOCOL, &helper).map_err(End::Fatal)?;
        info!(
            uid = self.peer.uid(),
            pid = self.peer.pid(),
            access = ?self.peer.access(),
            software = %clip(&hello.software),
            "client connected"
        );
        let welcome = Welcome {
            protocol: PROTOCOL,
            helper,
            backend: self.shared.service.backend_name().to_string(),
            peer: self.peer.info(),
            access: self.peer.access(),
            change_requires: self.peer.change_requires().map(str::to_string),
        };
        self.send(ServerMessage::Welcome(welcome).into()).await
    }

    /// Serves frames until the connection ends.
    async fn run(&mut self, frames: &mut Frames) -> End {
        let idle = self.shared.limits.idle_timeout;
        let mut deadline = Instant::now() + idle;
        let mut policy = self.shared.policy.clone();
        policy.mark_unchanged();
        let mut policy_live = true;
        loop {
            let may_idle = self.subscription.is_none() && self.requests.is_empty();
            tokio::select! {
                biased;
                () = self.shared.shutdown.cancelled() => return End::Shutdown,
                () = self.control.closed() => return End::Gone,
                Some(_) = self.requests.join_next(), if !self.requests.is_empty() => {
                    deadline = Instant::now() + idle;
                }
                changed = policy.changed(), if policy_live => {
                    if changed.is_err() {
                        policy_live = false;
                        continue;
                    }
                    let new = policy.borrow_and_update().clone();
                    if let Some(end) = self.reauthorize(new).await {
                        return end;
                    }
                }
                () = tokio::time::sleep_until(deadline), if may_idle => {
                    return fatal(
                        ErrorCode::IdleTimeout,
                        format!("nothing arrived for {}; closing", seconds(idle)),
                    );
                }
                frame = frames.next() => match frame {
                    None => return End::Gone,
                    Some(Err(e)) => return frame_error(&e),
                    Some(Ok(bytes)) => {
                        deadline = Instant::now() + idle;
                        if let Err(end) = self.on_frame(&bytes).await {
                            return end;
                        }
                    }
                },
            }
        }
    }

    /// Judges the peer again under a reloaded policy.
    async fn reauthorize(&mut self, policy: Policy) -> Option<End> {
        let peer = self.peer.clone();
        let now = tokio::task::spawn_blocking(move || peer.reauthorized(&policy))
            .await
            .ok()?;
        if now.access() != self.peer.access() {
            info!(uid = now.uid(), pid = now.pid(), access = ?now.access(),
                "the reloaded policy changed a client's access");
        }
        self.peer = now;
        self.peer.refusal().map(End::Fatal)
    }

    async fn on_frame(&mut self, bytes: &BytesMut) -> Result<(), End> {
        match helper_proto::message::decode_client(bytes) {
            Ok(ClientMessage::Request { id, request }) => self.on_request(id, request).await,
            Ok(ClientMessage::Hello(_)) => Err(fatal(
                ErrorCode::BadRequest,
                "a second hello; the hello is only the first frame",
            )),
            Err(e) if e.code == ErrorCode::BadRequest => match recover_id(bytes) {
                Some(id) => self.reply(id, Err(e)).await,
                None => Err(End::Fatal(e)),
            },
            Err(e) => Err(End::Fatal(e)),
        }
    }

    async fn on_request(&mut self, id: u64, request: Request) -> Result<(), End> {
        if let Err(denied) = self.peer.may(&request) {
            return self.reply(id, Err(denied)).await;
        }
        match request {
            Request::Subscribe { topics } => {
                self.subscribe(topics.clone());
                let response = Response::Subscribed { topics };
                self.reply(id, Ok(response)).await
            }
            Request::Unsubscribe => {
                if let Some(old) = self.subscription.take() {
                    old.abort();
                }
                let response = Response::Subscribed { topics: Vec::new() };
                self.reply(id, Ok(response)).await
            }
            request => {
                if let Some(answer) = self.shared.service.call_now(self.peer.caller(), &request) {
                    return self.reply_now(id, answer).await;
                }
                let max = self.shared.limits.max_in_flight;
                if self.requests.len() >= max {
                    let busy = ErrorBody::new(
                        ErrorCode::TooManyRequests,
                        format!(
                            "this connection has {max} requests in flight, its limit; \
                             wait for their replies"
                        ),
                    );
                    return self.reply(id, Err(busy)).await;
                }
                self.spawn_request(id, request);
                Ok(())
            }
        }
    }

    fn spawn_request(&mut self, id: u64, request: Request) {
        let service = self.shared.service.clone();
        let caller = self.peer.caller();
        let control = self.control.clone();
        let op = request.op();
        let progress = matches!(request, Request::SetMode { progress: true, .. });
        self.requests.spawn(async move {
            let (progress_tx, mut progress_rx) = mpsc::channel(PROGRESS_QUEUE);
            let call =
                AssertUnwindSafe(service.call(caller, request, progress.then_some(progress_tx)))
                    .catch_unwind();
            tokio::pin!(call);
            // Progress is lossy: the service must never wait on a client.
            let forward = |(done, total): (usize, usize)| {
                let _ = control.try_send(ServerMessage::Progress { id, done, total }.into());
            };
            let result = loop {
                tokio::select! {
                    biased;
                    Some(step) = progress_rx.recv() => forward(step),
                    result = &mut call => break result,
                }
            };
            while let Ok(step) = progress_rx.try_recv() {
                forward(step);
            }
            let (outcome, fd) = match result {
                Ok(Ok(Reply { response, fd })) => (Outcome::Ok(response), fd),
                Ok(Err(e)) => (Outcome::Error(e), None),
                Err(_) => {
                    tracing::error!(op, "the service panicked serving a request");
                    (Outcome::Error(writer::internal(op)), None)
                }
            };
            let reply = Outgoing {
                body: Body::Message(ServerMessage::Reply { id, outcome }),
                fd,
            };
            let _ = control.send(reply).await;
        });
    }

    /// (Re)starts the forwarder from the service's events to this client.
    fn subscribe(&mut self, topics: Vec<Topic>) {
        if let Some(old) = self.subscription.take() {
            old.abort();
        }
        let events = self.shared.service.subscribe();
        let queue = self.events.clone();
        self.subscription = Some(tokio::spawn(forward(events, topics, queue)));
    }

    async fn reply(&self, id: u64, result: Result<Response, ErrorBody>) -> Result<(), End> {
        let outcome = Outcome::from(result);
        self.send(ServerMessage::Reply { id, outcome }.into()).await
    }

    /// Replies with a service's immediate answer (and the fd it hands
    /// over, if any).
    async fn reply_now(&self, id: u64, answer: Now) -> Result<(), End> {
        let (body, fd) = match answer {
            Now::Encoded(response) => (
                Body::Encoded(helper_proto::message::encode_ok_reply(id, &response).into()),
                None,
            ),
            Now::Answer(Ok(Reply { response, fd })) => (
                Body::Message(ServerMessage::Reply {
                    id,
                    outcome: Outcome::Ok(response),
                }),
                fd,
            ),
            Now::Answer(Err(e)) => (
                Body::Message(ServerMessage::Reply {
                    id,
                    outcome: Outcome::Error(e),
                }),
                None,
            ),
        };
        self.send(Outgoing { body, fd }).await
    }

    /// Queues a message for the writer (waiting while the client reads
    /// slowly, but never past shutdown).
    async fn send(&self, out: Outgoing) -> Result<(), End> {
        tokio::select! {
            sent = self.control.send(out) => sent.map_err(|_| End::Gone),
            () = self.shared.shutdown.cancelled() => Err(End::Shutdown),
        }
    }

    /// Says why (if there is something to say), lets the writer finish,
    /// and closes.
    async fn close(mut self, end: End, mut writer: JoinHandle<()>) {
        let grace = self.shared.limits.shutdown_grace;
        if let Some(forwarder) = self.subscription.take() {
            forwarder.abort();
            if matches!(end, End::Shutdown) {
                let stopping = self.events.send(Event::Stopping);
                let _ = tokio::time::timeout(grace, stopping).await;
            }
        }
        match end {
            End::Gone => self.requests.abort_all(),
            End::Fatal(error) => {
                self.requests.abort_all();
                debug!(uid = self.peer.uid(), pid = self.peer.pid(), code = %error.code,
                    "closing a connection: {}", error.message);
                let fatal = self.control.send(ServerMessage::Fatal(error).into());
                let _ = tokio::time::timeout(grace, fatal).await;
            }
            End::Shutdown => {
                // Let requests under way answer, for a moment.
                let finish = async { while self.requests.join_next().await.is_some() {} };
                if tokio::time::timeout(grace, finish).await.is_err() {
                    self.requests.abort_all();
                }
            }
        }
        drop(self);
        if tokio::time::timeout(grace, &mut writer).await.is_err() {
            writer.abort();
        }
    }
}

/// Moves events from the service's broadcast to one client's queue,
/// dropping what does not fit and then telling it how much it missed.
async fn forward(
    mut events: broadcast::Receiver<Event>,
    topics: Vec<Topic>,
    queue: mpsc::Sender<Event>,
) {
    let mut missed: u64 = 0;
    loop {
        tokio::select! {
            biased;
            permit = queue.reserve(), if missed > 0 => match permit {
                Ok(permit) => {
                    permit.send(Event::Lagged { missed });
                    missed = 0;
                }
                Err(_) => return,
            },
            received = events.recv() => match received {
                Ok(event) if !event.wanted_by(&topics) => {}
                // Newer events wait behind the Lagged that counts them.
                Ok(_) if missed > 0 => missed += 1,
                Ok(event) => match queue.try_send(event) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => missed = 1,
                    Err(mpsc::error::TrySendError::Closed(_)) => return,
                },
                Err(broadcast::error::RecvError::Lagged(n)) => missed += n,
                Err(broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

/// A read error: an oversize frame is reported, anything else (a broken
/// or half-closed connection) just ends it.
fn frame_error(e: &std::io::Error) -> End {
    let oversize = e
        .get_ref()
        .is_some_and(|inner| inner.is::<LengthDelimitedCodecError>());
    if oversize {
        fatal(
            ErrorCode::FrameTooLarge,
            format!("a frame was over the {MAX_FRAME}-byte limit"),
        )
    } else {
        debug!(error = %e, "the connection broke");
        End::Gone
    }
}

fn handshake_required() -> End {
    fatal(
        ErrorCode::HandshakeRequired,
        "the first frame must be a hello",
    )
}

/// The id of a request the helper could not read, if the frame is a JSON
/// request object with a numeric id.
fn recover_id(bytes: &[u8]) -> Option<u64> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let object = value.as_object()?;
    if object.get("type")?.as_str()? != "request" {
        return None;
    }
    object.get("id")?.as_u64()
}

fn seconds(d: Duration) -> String {
    if d.as_secs() >= 1 && d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// A client-chosen string, cut for the logs.
fn clip(text: &str) -> String {
    text.chars().take(80).collect()
}
