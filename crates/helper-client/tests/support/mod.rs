//! A fake helper on a temporary socket, speaking the real framing.

#![allow(dead_code)] // each test file uses part of it

use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use bytes::{Bytes, BytesMut};
use helper_proto::message::{decode_client, encode};
use helper_proto::{
    Access, ClientMessage, ErrorBody, Hello, Outcome, PeerInfo, Request, Response, ServerMessage,
    Welcome, PROTOCOL,
};
use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};

/// A directory under the system's temp dir, removed when dropped (even
/// when the test fails).
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "helper-client-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn socket(&self) -> PathBuf {
        self.0.join("helper.sock")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The fake helper's end of one connection.
pub struct Conn {
    stream: UnixStream,
    codec: LengthDelimitedCodec,
    buf: BytesMut,
}

impl Conn {
    pub fn new(stream: UnixStream) -> Conn {
        Conn {
            stream,
            codec: helper_client::codec(),
            buf: BytesMut::new(),
        }
    }

    /// The next client message; `None` when the client hung up.
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

    /// The next request, with its id (panics on anything else).
    pub async fn request(&mut self) -> (u64, Request) {
        match self.recv().await {
            Some(ClientMessage::Request { id, request }) => (id, request),
            other => panic!("expected a request, got {other:?}"),
        }
    }

    fn frame(message: &ServerMessage) -> BytesMut {
        let mut out = BytesMut::new();
        let payload = encode(message).expect("encodable");
        helper_client::codec()
            .encode(Bytes::from(payload), &mut out)
            .expect("framed");
        out
    }

    pub async fn send(&mut self, message: &ServerMessage) {
        self.send_raw(&Self::frame(message)).await;
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    pub async fn reply(&mut self, id: u64, response: Response) {
        self.send(&ServerMessage::Reply {
            id,
            outcome: Outcome::Ok(response),
        })
        .await;
    }

    pub async fn reply_error(&mut self, id: u64, error: ErrorBody) {
        self.send(&ServerMessage::Reply {
            id,
            outcome: Outcome::Error(error),
        })
        .await;
    }

    /// Sends a frame with `fd` as `SCM_RIGHTS` on its first bytes.
    pub async fn send_with_fd(&mut self, message: &ServerMessage, fd: BorrowedFd<'_>) {
        let bytes = Self::frame(message);
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
        self.send_raw(&bytes[sent..]).await;
    }

    /// Reads the hello and welcomes the client.
    pub async fn welcome(&mut self) -> Hello {
        let hello = match self.recv().await {
            Some(ClientMessage::Hello(hello)) => hello,
            other => panic!("expected a hello, got {other:?}"),
        };
        self.send(&ServerMessage::Welcome(welcome())).await;
        hello
    }
}

/// The welcome the fake helper gives.
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
pub fn listen(path: &Path) -> UnixListener {
    UnixListener::bind(path).expect("bind the fake helper's socket")
}

/// Accepts one connection and says welcome.
pub async fn accept(listener: &UnixListener) -> Conn {
    let (stream, _) = listener.accept().await.expect("accept");
    let mut conn = Conn::new(stream);
    conn.welcome().await;
    conn
}
