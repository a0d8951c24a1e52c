//! A scripted fake helper on a temporary socket, in a thread of its own,
//! for running the real `egressctl` binary against.

use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use helper_proto::message::{decode_client, encode};
use helper_proto::{
    Access, ClientMessage, ErrorBody, Event, Outcome, PeerInfo, Request, Response, ServerMessage,
    Welcome, PROTOCOL,
};
use rustix::net::{SendAncillaryBuffer, SendAncillaryMessage, SendFlags};
use tokio::io::{AsyncReadExt, AsyncWriteExt, Interest};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::{Decoder, Encoder};

/// A directory under the system's temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "egressctl-{name}-{}-{}",
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
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the fake helper does with a request.
pub enum Answer {
    /// Replies.
    Ok(Response),
    /// Replies with an error.
    Err(ErrorBody),
    /// Replies with a descriptor as `SCM_RIGHTS`.
    WithFd(Response, OwnedFd),
    /// Replies, then sends events.
    ThenEvents(Response, Vec<Event>),
}

/// How the fake helper answers the hello.
pub enum Greeting {
    Welcome,
    Fatal(ErrorBody),
}

type Handler = Box<dyn Fn(&Request) -> Answer + Send + Sync>;

/// A running fake helper: its socket, and every request it was sent.
pub struct Fake {
    pub dir: TempDir,
    pub requests: Arc<Mutex<Vec<Request>>>,
}

impl Fake {
    /// Starts serving at a fresh socket.
    pub fn start(
        greeting: Greeting,
        handler: impl Fn(&Request) -> Answer + Send + Sync + 'static,
    ) -> Fake {
        let dir = TempDir::new("fake");
        let socket = dir.path().join("helper.sock");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let greeting = Arc::new(greeting);
        let handler: Arc<Handler> = Arc::new(Box::new(handler));
        let std_listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind");
        std_listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = UnixListener::from_std(std_listener).expect("listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let (greeting, handler, seen) = (
                        Arc::clone(&greeting),
                        Arc::clone(&handler),
                        Arc::clone(&seen),
                    );
                    tokio::spawn(serve(Conn::new(stream), greeting, handler, seen));
                }
            });
        });
        Fake { dir, requests }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("helper.sock")
    }

    /// Runs egressctl with `--socket` pointing here.
    pub fn run(&self, args: &[&str]) -> Output {
        egressctl(&[&["--socket", self.socket().to_str().expect("utf-8")], args].concat())
    }

    /// The requests seen so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }
}

/// Runs the egressctl binary.
pub fn egressctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_egressctl"))
        .args(args)
        .env_remove("EGRESS_SOCKET")
        .env("TZ", "UTC")
        .output()
        .expect("run egressctl")
}

async fn serve(
    mut conn: Conn,
    greeting: Arc<Greeting>,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Request>>>,
) {
    let Some(ClientMessage::Hello(_)) = conn.recv().await else {
        return;
    };
    match &*greeting {
        Greeting::Welcome => conn.send(&ServerMessage::Welcome(welcome())).await,
        Greeting::Fatal(body) => {
            conn.send(&ServerMessage::Fatal(body.clone())).await;
            return;
        }
    }
    while let Some(ClientMessage::Request { id, request }) = conn.recv().await {
        seen.lock().expect("lock").push(request.clone());
        let reply = |outcome| ServerMessage::Reply { id, outcome };
        match handler(&request) {
            Answer::Ok(response) => conn.send(&reply(Outcome::Ok(response))).await,
            Answer::Err(body) => conn.send(&reply(Outcome::Error(body))).await,
            Answer::WithFd(response, fd) => {
                conn.send_with_fd(&reply(Outcome::Ok(response)), &fd).await
            }
            Answer::ThenEvents(response, events) => {
                conn.send(&reply(Outcome::Ok(response))).await;
                for event in events {
                    conn.send(&ServerMessage::Event { event }).await;
                }
            }
        }
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
            pid: None,
        },
        access: Access::Change,
        change_requires: None,
    }
}

struct Conn {
    stream: UnixStream,
    buf: BytesMut,
}

impl Conn {
    fn new(stream: UnixStream) -> Conn {
        Conn {
            stream,
            buf: BytesMut::new(),
        }
    }

    async fn recv(&mut self) -> Option<ClientMessage> {
        let mut codec = helper_client::codec();
        loop {
            if let Some(frame) = codec.decode(&mut self.buf).ok()? {
                return decode_client(&frame).ok();
            }
            if self.stream.read_buf(&mut self.buf).await.ok()? == 0 {
                return None;
            }
        }
    }

    fn frame(message: &ServerMessage) -> BytesMut {
        let mut out = BytesMut::new();
        helper_client::codec()
            .encode(Bytes::from(encode(message).expect("encodable")), &mut out)
            .expect("framed");
        out
    }

    async fn send(&mut self, message: &ServerMessage) {
        let _ = self.stream.write_all(&Self::frame(message)).await;
    }

    async fn send_with_fd(&mut self, message: &ServerMessage, fd: &OwnedFd) {
        let bytes = Self::frame(message);
        let stream = &self.stream;
        let sent = stream
            .async_io(Interest::WRITABLE, || {
                let fds = [fd.as_fd()];
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
        let _ = self.stream.write_all(&bytes[sent..]).await;
    }
}
