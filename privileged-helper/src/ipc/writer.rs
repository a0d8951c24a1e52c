//! The one task per connection that writes: frames out, fds with them.
//!
//! Two queues feed it: control (welcome, replies, progress, fatal) before
//! events. Frames without an fd are batched into one write; a reply that
//! carries an fd is written after everything queued before it, with the fd
//! as `SCM_RIGHTS` on the first chunk of its frame's bytes (`sendmsg`),
//! and the rest of the frame by plain writes. A write that makes no
//! progress for `stall` (the client stopped reading) ends the connection.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use helper_proto::{ErrorBody, ErrorCode, Event, Outcome, ServerMessage, MAX_FRAME};
use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
use tokio::io::{AsyncWriteExt, Interest};
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::mpsc;
use tokio_util::codec::{Encoder, LengthDelimitedCodec};
use tracing::{debug, error};

/// Frames batched into one write, at most.
const BATCH_BYTES: usize = 64 * 1024;

/// The codec both directions use: 4-byte big-endian length, then JSON.
pub(super) fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_length(helper_proto::LENGTH_FIELD)
        .big_endian()
        .max_frame_length(MAX_FRAME)
        .new_codec()
}

/// A message for the client, with the fd that rides with it.
#[derive(Debug)]
pub(super) struct Outgoing {
    pub(super) body: Body,
    pub(super) fd: Option<OwnedFd>,
}

/// What a frame carries.
// One per frame in flight, briefly: boxing the message buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(super) enum Body {
    /// A message, encoded by the writer.
    Message(ServerMessage),
    /// A reply payload encoded already (under the frame limit).
    Encoded(Bytes),
}

impl Outgoing {
    fn is_fatal(&self) -> bool {
        matches!(self.body, Body::Message(ServerMessage::Fatal(_)))
    }

    fn frame(&self, out: &mut BytesMut) -> bool {
        match &self.body {
            Body::Message(message) => frame(message, out),
            Body::Encoded(payload) => codec().encode(payload.clone(), out).is_ok(),
        }
    }
}

impl From<ServerMessage> for Outgoing {
    fn from(message: ServerMessage) -> Outgoing {
        Outgoing {
            body: Body::Message(message),
            fd: None,
        }
    }
}

/// One message as frame bytes. A reply too large to send becomes an error
/// reply with its id; anything else too large is dropped (logged).
pub(super) fn frame(message: &ServerMessage, out: &mut BytesMut) -> bool {
    let payload = match helper_proto::message::encode(message) {
        Ok(payload) => payload,
        Err(e) => match message {
            ServerMessage::Reply { id, .. } => {
                debug!(id, error = %e, "a reply too large for a frame");
                let reply = ServerMessage::Reply {
                    id: *id,
                    outcome: Outcome::Error(e),
                };
                match helper_proto::message::encode(&reply) {
                    Ok(payload) => payload,
                    Err(_) => return false,
                }
            }
            _ => {
                error!(error = %e, "a message could not be encoded; dropped");
                return false;
            }
        },
    };
    // The payload is under MAX_FRAME, so the codec cannot refuse it.
    codec().encode(Bytes::from(payload), out).is_ok()
}

/// Writes until both queues close, a fatal error has been written, or the
/// client stops reading or goes away.
pub(super) async fn run(
    mut half: OwnedWriteHalf,
    mut control: mpsc::Receiver<Outgoing>,
    mut events: mpsc::Receiver<Event>,
    stall: Duration,
) {
    let mut buf = BytesMut::with_capacity(4096);
    let mut carried: Option<Outgoing> = None;
    loop {
        let mut first = match carried.take() {
            Some(next) => next,
            None => tokio::select! {
                biased;
                Some(out) = control.recv() => out,
                Some(event) = events.recv() => ServerMessage::Event { event }.into(),
                else => break,
            },
        };
        let mut fatal = first.is_fatal();
        if let Some(fd) = first.fd.take() {
            buf.clear();
            if first.frame(&mut buf) {
                if let Err(e) = in_time(stall, send_with_fd(&mut half, &buf, fd)).await {
                    debug!(error = %e, "the client is gone");
                    return;
                }
            }
        } else {
            buf.clear();
            first.frame(&mut buf);
            // Batch what is already queued, up to an fd or a fatal error.
            while !fatal && buf.len() < BATCH_BYTES {
                let next = match control.try_recv() {
                    Ok(out) => out,
                    Err(_) => match events.try_recv() {
                        Ok(event) => ServerMessage::Event { event }.into(),
                        Err(_) => break,
                    },
                };
                if next.fd.is_some() {
                    carried = Some(next);
                    break;
                }
                fatal = next.is_fatal();
                next.frame(&mut buf);
            }
            if let Err(e) = in_time(stall, half.write_all(&buf)).await {
                debug!(error = %e, "the client is gone");
                return;
            }
        }
        if fatal {
            break;
        }
    }
    let _ = in_time(stall, half.shutdown()).await;
}

async fn in_time<T>(
    stall: Duration,
    work: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match tokio::time::timeout(stall, work).await {
        Ok(result) => result,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client stopped reading",
        )),
    }
}

/// Writes `bytes` with `fd` as `SCM_RIGHTS` on the first chunk.
async fn send_with_fd(half: &mut OwnedWriteHalf, bytes: &[u8], fd: OwnedFd) -> io::Result<()> {
    let sent = {
        let stream: &tokio::net::UnixStream = half.as_ref();
        loop {
            stream.writable().await?;
            let attempt = stream.try_io(Interest::WRITABLE, || {
                let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
                let mut control = SendAncillaryBuffer::new(&mut space);
                let fds = [fd.as_fd()];
                if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
                    return Err(io::Error::other("no room for the fd"));
                }
                rustix::net::sendmsg(
                    stream,
                    &[IoSlice::new(bytes)],
                    &mut control,
                    SendFlags::empty(),
                )
                .map_err(io::Error::from)
            });
            match attempt {
                Ok(sent) => break sent,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                Err(e) => return Err(e),
            }
        }
    };
    // The kernel holds its own reference to the file now; ours can go.
    drop(fd);
    half.write_all(&bytes[sent..]).await
}

/// A fatal frame for a connection we will not serve (busy), written
/// without waiting: a fresh socket's buffer has room for it.
pub(super) fn try_write_fatal(stream: &tokio::net::UnixStream, error: ErrorBody) {
    let mut buf = BytesMut::new();
    if frame(&ServerMessage::Fatal(error), &mut buf) {
        let _ = stream.try_write(&buf);
    }
}

/// An internal error for a request the service failed to answer.
pub(super) fn internal(op: &str) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::Internal,
        format!("the helper hit a bug while serving {op}; it is still running"),
    )
}
