//! The helper's end of one connection, speaking the real framing, for
//! tests of everything that talks to the helper.

use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

use bytes::BytesMut;
use helper_proto::message::decode_client;
use helper_proto::{
    Access, ClientMessage, ErrorBody, Hello, Outcome, PeerInfo, Request, Response, ServerMessage,
    Welcome, PROTOCOL,
};
use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::{Decoder, LengthDelimitedCodec};

use crate::frames::{codec, server_frame};

/// The welcome a fake helper gives: protocol of this build, the sim,
/// uid 501 who may change things.
pub fn welcome() -> Welcome {
    Welcome {
        protocol: PROTOCOL,
        helper: "egress-helper 0.1.0".into(),
        backend: "sim".into(),
        peer: PeerInfo {
            uid: 501,
            gid: 20,
            pid: Some(4242),
        },
        access: Access::Change,
        change_requires: None,
    }
}

/// Listens at `path`.
///
/// # Panics
/// When the socket cannot be bound.
pub fn listen(path: &Path) -> UnixListener {
    UnixListener::bind(path).expect("bind the fake helper's socket")
}

/// Accepts one connection and says welcome.
///
/// # Panics
/// When accepting fails or the client does not say hello.
pub async fn accept(listener: &UnixListener) -> Conn {
    let (stream, _) = listener.accept().await.expect("accept");
    let mut conn = Conn::new(stream);
    conn.welcome().await;
    conn
}

/// The fake helper's end of one connection.
#[derive(Debug)]
pub struct Conn {
    stream: UnixStream,
    codec: LengthDelimitedCodec,
    buf: BytesMut,
}

impl Conn {
    /// Wraps an accepted stream.
    pub fn new(stream: UnixStream) -> Conn {
        Conn {
            stream,
            codec: codec(),
            buf: BytesMut::new(),
        }
    }

    /// The next client message; `None` when the client hung up (or the
    /// connection broke).
    ///
    /// # Panics
    /// When the client sends something that is not a client message.
    pub async fn recv(&mut self) -> Option<ClientMessage> {
        loop {
            if let Some(frame) = self.codec.decode(&mut self.buf).expect("a valid frame") {
                return Some(decode_client(&frame).expect("a client message"));
            }
            let n = self.stream.read_buf(&mut self.buf).await.ok()?;
            if n == 0 {
                return None;
            }
        }
    }

    /// The next request, with its id.
    ///
    /// # Panics
    /// On anything else.
    pub async fn request(&mut self) -> (u64, Request) {
        match self.recv().await {
            Some(ClientMessage::Request { id, request }) => (id, request),
            other => panic!("expected a request, got {other:?}"),
        }
    }

    /// Sends a message (a client that hung up is not an error here).
    pub async fn send(&mut self, message: &ServerMessage) {
        let _ = self.stream.write_all(&server_frame(message)).await;
    }

    /// Sends bytes as they are (hand-made frames, garbage).
    ///
    /// # Panics
    /// When the write fails.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// Replies to `id`.
    pub async fn reply(&mut self, id: u64, response: Response) {
        self.send(&ServerMessage::Reply {
            id,
            outcome: Outcome::Ok(response),
        })
        .await;
    }

    /// Replies to `id` with an error.
    pub async fn reply_error(&mut self, id: u64, error: ErrorBody) {
        self.send(&ServerMessage::Reply {
            id,
            outcome: Outcome::Error(error),
        })
        .await;
    }

    /// Sends a frame with `fd` as `SCM_RIGHTS` on its first bytes (as the
    /// helper sends a bound socket).
    ///
    /// # Panics
    /// When `sendmsg` fails.
    pub async fn send_with_fd(&mut self, message: &ServerMessage, fd: BorrowedFd<'_>) {
        let bytes = server_frame(message);
        let stream = &self.stream;
        let sent = stream
            .async_io(Interest::WRITABLE, || {
                let fds = [fd];
                let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
                let mut control = SendAncillaryBuffer::new(&mut space);
                assert!(control.push(SendAncillaryMessage::ScmRights(&fds)));
                Ok(rustix::net::sendmsg(
                    stream.as_fd(),
                    &[IoSlice::new(&bytes)],
                    &mut control,
                    SendFlags::empty(),
                )?)
            })
            .await
            .expect("sendmsg");
        // The rest (if any) without the fd.
        let _ = self.stream.write_all(&bytes[sent..]).await;
    }

    /// Reads the hello and welcomes the client ([`welcome`]).
    ///
    /// # Panics
    /// When the first message is not a hello.
    pub async fn welcome(&mut self) -> Hello {
        let hello = match self.recv().await {
            Some(ClientMessage::Hello(hello)) => hello,
            other => panic!("expected a hello, got {other:?}"),
        };
        self.send(&ServerMessage::Welcome(welcome())).await;
        hello
    }
}
