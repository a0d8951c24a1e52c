//! A scripted fake helper on a temporary socket, in a thread of its own,
//! for running the real `egressctl` binary against.

use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use helper_proto::{ClientMessage, ErrorBody, Event, Outcome, Request, Response, ServerMessage};
use test_support::fake_helper::{welcome, Conn};
pub use test_support::TempDir;
use tokio::net::UnixListener;

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
                conn.send_with_fd(&reply(Outcome::Ok(response)), fd.as_fd())
                    .await
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
