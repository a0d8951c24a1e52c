//! One connection: the handshake, a reader task that sorts what the
//! helper sends, a writer task that sends frames, and requests in flight.

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use futures_util::SinkExt;
use helper_proto::message::{decode_server, encode};
use helper_proto::{
    ClientMessage, ErrorBody, ErrorCode, Event, Hello, Outcome, Request, Response, ServerMessage,
    Welcome, PROTOCOL,
};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::error::{ClientError, CloseReason};
use crate::transport::{frame_writer, FrameReader, FrameWriter, ReadError};

/// How long the helper has to answer the hello.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Events buffered for a subscriber that is not reading; past that they
/// are counted and reported as [`Event::Lagged`].
const EVENT_BUFFER: usize = 256;

/// A reply as the reader hands it to its request.
type ReplyResult = Result<(Response, Option<OwnedFd>), ClientError>;

/// Progress of a request: (steps done, steps in all).
pub(crate) type ProgressTx = mpsc::UnboundedSender<(usize, usize)>;

struct Pending {
    reply: oneshot::Sender<ReplyResult>,
    progress: Option<ProgressTx>,
}

/// The subscriber's end, and what it missed.
struct Subscriber {
    tx: mpsc::Sender<Event>,
    missed: u64,
}

#[derive(Default)]
struct State {
    pending: HashMap<u64, Pending>,
    subscriber: Option<Subscriber>,
    closed: Option<CloseReason>,
}

/// What the reader task and the requests share.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; go on.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Ends the connection: every request in flight fails with `reason`,
    /// the event stream ends, and later requests fail at once.
    fn close(&self, reason: CloseReason) {
        let mut state = self.lock();
        if state.closed.is_none() {
            state.closed = Some(reason.clone());
        }
        state.subscriber = None;
        for (_, pending) in state.pending.drain() {
            let _ = pending.reply.send(Err(reason.to_error()));
        }
    }
}

/// A connection to the helper. Cheap to clone; many requests may be in
/// flight at once from any clone. The connection closes when the last
/// clone (and the last event stream) is dropped.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    welcome: Welcome,
    next_id: AtomicU64,
    shared: Arc<Shared>,
    writer: mpsc::UnboundedSender<Bytes>,
    reader_task: JoinHandle<()>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("path", &self.path)
            .field("welcome", &self.welcome)
            .finish_non_exhaustive()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The writer task ends with its channel; the reader would wait for
        // the helper, so it is stopped here.
        self.reader_task.abort();
    }
}

/// Removes a request from the table if its caller stops waiting.
struct PendingGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.shared.lock().pending.remove(&self.id);
    }
}

impl Client {
    /// Connects to the helper at `path` and says hello as `software`
    /// (`"egressctl 0.1.0"`).
    ///
    /// # Errors
    /// [`ClientError::NotRunning`] when nothing listens there,
    /// [`ClientError::NotPermitted`] when the socket keeps us out,
    /// [`ClientError::Incompatible`] when the helper speaks another
    /// protocol major, [`ClientError::Helper`] for any other refusal,
    /// [`ClientError::Timeout`] when no answer comes within
    /// [`HANDSHAKE_TIMEOUT`].
    pub async fn connect(path: impl AsRef<Path>, software: &str) -> Result<Client, ClientError> {
        let path = path.as_ref();
        let stream = UnixStream::connect(path)
            .await
            .map_err(|e| ClientError::from_connect(path, e))?;
        let (read, write) = stream.into_split();
        let mut reader = FrameReader::new(read);
        let mut writer = frame_writer(write);
        let welcome = tokio::time::timeout(
            HANDSHAKE_TIMEOUT,
            handshake(&mut reader, &mut writer, software),
        )
        .await
        .map_err(|_| ClientError::Timeout {
            path: path.to_path_buf(),
        })??;
        tracing::debug!(helper = %welcome.helper, backend = %welcome.backend, "connected");

        let shared = Arc::new(Shared::default());
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(write_frames(writer, rx, Arc::clone(&shared)));
        let reader_task = tokio::spawn(read_frames(reader, Arc::clone(&shared)));
        Ok(Client {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                welcome,
                next_id: AtomicU64::new(1),
                shared,
                writer: tx,
                reader_task,
            }),
        })
    }

    /// The helper's welcome: its version, backend, and what we may do.
    pub fn welcome(&self) -> &Welcome {
        &self.inner.welcome
    }

    /// The socket path this client connected to.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Why the connection ended, if it has.
    pub fn close_reason(&self) -> Option<ClientError> {
        self.inner
            .shared
            .lock()
            .closed
            .as_ref()
            .map(CloseReason::to_error)
    }

    /// Sends a request and waits for its reply; an error reply is
    /// [`ClientError::Helper`].
    ///
    /// # Errors
    /// The helper's error, or the connection's end.
    pub async fn call(&self, request: Request) -> Result<Response, ClientError> {
        Ok(self.call_full(request, None).await?.0)
    }

    /// Sends a request, passing its progress frames to `progress`, and
    /// returns the reply with the descriptor that came with it.
    pub(crate) async fn call_full(
        &self,
        request: Request,
        progress: Option<ProgressTx>,
    ) -> Result<(Response, Option<OwnedFd>), ClientError> {
        let inner = &*self.inner;
        let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
        let op = request.op();
        let payload =
            encode(&ClientMessage::Request { id, request }).map_err(ClientError::Request)?;
        let (tx, rx) = oneshot::channel();
        {
            let mut state = inner.shared.lock();
            if let Some(reason) = &state.closed {
                return Err(reason.to_error());
            }
            state.pending.insert(
                id,
                Pending {
                    reply: tx,
                    progress,
                },
            );
        }
        let _guard = PendingGuard {
            shared: &inner.shared,
            id,
        };
        tracing::trace!(id, op, "request");
        if inner.writer.send(Bytes::from(payload)).is_err() {
            return Err(self.close_reason().unwrap_or(ClientError::Disconnected));
        }
        match rx.await {
            Ok(result) => result,
            Err(_) => Err(self.close_reason().unwrap_or(ClientError::Disconnected)),
        }
    }

    /// Starts sending events to a new channel (replacing any earlier
    /// one, whose stream ends).
    pub(crate) fn install_subscriber(&self) -> mpsc::Receiver<Event> {
        let (tx, rx) = mpsc::channel(EVENT_BUFFER);
        let mut state = self.inner.shared.lock();
        if state.closed.is_none() {
            state.subscriber = Some(Subscriber { tx, missed: 0 });
        }
        rx
    }

    /// Stops sending events to the subscriber's channel.
    pub(crate) fn remove_subscriber(&self) {
        self.inner.shared.lock().subscriber = None;
    }
}

/// Hello, then a welcome of our major (or the helper's fatal refusal).
async fn handshake(
    reader: &mut FrameReader,
    writer: &mut FrameWriter,
    software: &str,
) -> Result<Welcome, ClientError> {
    let hello =
        encode(&ClientMessage::Hello(Hello::new(software))).map_err(ClientError::Request)?;
    writer
        .send(Bytes::from(hello))
        .await
        .map_err(ClientError::Io)?;
    let frame = match reader.next_frame().await {
        Ok(Some(frame)) => frame,
        Ok(None) => return Err(ClientError::Disconnected),
        Err(ReadError::Io(e)) => return Err(ClientError::Io(e)),
        Err(ReadError::Framing(what)) => return Err(ClientError::Protocol(what)),
    };
    match decode_server(&frame).map_err(|e| ClientError::Protocol(e.message))? {
        ServerMessage::Welcome(welcome) if welcome.protocol.major == PROTOCOL.major => Ok(welcome),
        ServerMessage::Welcome(welcome) => Err(ClientError::Incompatible(ErrorBody::new(
            ErrorCode::IncompatibleVersion,
            format!(
                "{software} speaks protocol {PROTOCOL} but {} speaks protocol {}; update {}",
                welcome.helper,
                welcome.protocol,
                if welcome.protocol.major > PROTOCOL.major {
                    software.split_whitespace().next().unwrap_or(software)
                } else {
                    "the helper (reinstall Egress)"
                }
            ),
        ))),
        ServerMessage::Fatal(body) => Err(ClientError::from_fatal(body)),
        other => Err(ClientError::Protocol(format!(
            "expected a welcome, got {}",
            message_kind(&other)
        ))),
    }
}

/// Sends frames until every sender is gone or the socket fails.
async fn write_frames(
    mut writer: FrameWriter,
    mut rx: mpsc::UnboundedReceiver<Bytes>,
    shared: Arc<Shared>,
) {
    while let Some(frame) = rx.recv().await {
        if let Err(e) = writer.send(frame).await {
            tracing::debug!(error = %e, "writing to the helper failed");
            shared.close(CloseReason::from_io(&e));
            return;
        }
    }
}

/// Reads frames until the connection ends, handing each to its owner.
async fn read_frames(mut reader: FrameReader, shared: Arc<Shared>) {
    let reason = loop {
        let frame = match reader.next_frame().await {
            Ok(Some(frame)) => frame,
            Ok(None) => break CloseReason::Disconnected,
            Err(ReadError::Io(e)) => break CloseReason::from_io(&e),
            Err(ReadError::Framing(what)) => break CloseReason::Protocol(what),
        };
        let message = match decode_server(&frame) {
            Ok(message) => message,
            // Valid JSON of a shape we do not know: maybe a newer minor's.
            Err(e) if e.code == ErrorCode::BadRequest => {
                if let Err(what) = skip_unknown(&shared, &frame, &e.message) {
                    break CloseReason::Protocol(what);
                }
                continue;
            }
            Err(e) => break CloseReason::Protocol(e.message),
        };
        match message {
            ServerMessage::Reply { id, outcome } => {
                deliver_reply(&shared, &mut reader, id, outcome);
            }
            ServerMessage::Progress { id, done, total } => {
                let state = shared.lock();
                if let Some(progress) = state.pending.get(&id).and_then(|p| p.progress.as_ref()) {
                    let _ = progress.send((done, total));
                }
            }
            // An event from a newer minor means nothing to us: skip it.
            ServerMessage::Event {
                event: helper_proto::Event::Unknown,
            } => tracing::debug!("skipping an event this client does not know"),
            ServerMessage::Event { event } => deliver_event(&shared, event),
            ServerMessage::Fatal(body) => {
                tracing::debug!(code = %body.code, message = %body.message, "the helper closed the connection");
                break CloseReason::Fatal(body);
            }
            ServerMessage::Welcome(_) => {
                break CloseReason::Protocol("a second welcome".to_string());
            }
        }
    };
    shared.close(reason);
}

/// A frame that is JSON but not a message this client knows. A newer
/// helper (same major, later minor) may send events, replies or error
/// codes we have no type for: an event or progress frame is skipped, and
/// a reply fails only its own request. Anything else ends the connection.
fn skip_unknown(shared: &Shared, frame: &[u8], why: &str) -> Result<(), String> {
    let value: serde_json::Value = serde_json::from_slice(frame).map_err(|_| why.to_string())?;
    match value.get("type").and_then(serde_json::Value::as_str) {
        Some("event" | "progress") => {
            tracing::debug!(why, "skipping a frame this client does not understand");
            Ok(())
        }
        Some("reply") => {
            let id = value
                .get("id")
                .and_then(serde_json::Value::as_u64)
                .ok_or_else(|| why.to_string())?;
            let pending = shared.lock().pending.remove(&id);
            if let Some(pending) = pending {
                let _ = pending.reply.send(Err(ClientError::Protocol(format!(
                    "the helper's answer is not one this client understands ({why}); \
                     the helper may be newer than this client"
                ))));
            }
            Ok(())
        }
        _ => Err(why.to_string()),
    }
}

/// Hands a reply (and, for a bound socket, its descriptor) to its request.
fn deliver_reply(shared: &Shared, reader: &mut FrameReader, id: u64, outcome: Outcome) {
    let result: ReplyResult = match outcome {
        Outcome::Ok(response @ Response::BoundSocket { .. }) => {
            // Claimed even when nobody waits, so the queue stays in step.
            reader
                .take_fd()
                .map(|fd| (response, Some(fd)))
                .map_err(ClientError::Protocol)
        }
        Outcome::Ok(response) => Ok((response, None)),
        Outcome::Error(body) => Err(ClientError::Helper(body)),
    };
    let pending = shared.lock().pending.remove(&id);
    match pending {
        Some(pending) => {
            let _ = pending.reply.send(result);
        }
        None => tracing::debug!(id, "a reply nobody waits for (the request was abandoned)"),
    }
}

/// Passes an event to the subscriber without ever waiting for it: when
/// its buffer is full the event is counted, and a [`Event::Lagged`] goes
/// ahead of the next one that fits.
fn deliver_event(shared: &Shared, event: Event) {
    let mut state = shared.lock();
    let Some(sub) = state.subscriber.as_mut() else {
        return;
    };
    if sub.missed > 0 {
        match sub.tx.try_send(Event::Lagged { missed: sub.missed }) {
            Ok(()) => sub.missed = 0,
            Err(mpsc::error::TrySendError::Full(_)) => {
                sub.missed += 1;
                return;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                state.subscriber = None;
                return;
            }
        }
    }
    match sub.tx.try_send(event) {
        Ok(()) => {}
        Err(mpsc::error::TrySendError::Full(_)) => sub.missed += 1,
        Err(mpsc::error::TrySendError::Closed(_)) => state.subscriber = None,
    }
}

/// A message's kind, for errors.
fn message_kind(message: &ServerMessage) -> &'static str {
    match message {
        ServerMessage::Welcome(_) => "a welcome",
        ServerMessage::Reply { .. } => "a reply",
        ServerMessage::Progress { .. } => "a progress frame",
        ServerMessage::Event { .. } => "an event",
        ServerMessage::Fatal(_) => "a fatal error",
    }
}
