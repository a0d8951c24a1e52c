//! A client speaking raw frames (not `helper-client`), for tests of the
//! helper's server: it can send what no well-behaved client would.

use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use helper_proto::{
    ClientMessage, ErrorBody, Event, Hello, Request, Response, ServerMessage, Welcome,
};
use tokio::io::AsyncWriteExt;
use tokio::net::UnixStream;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use crate::frames::codec;

/// How long a test waits for a frame before it fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A client speaking raw frames.
#[derive(Debug)]
pub struct RawClient {
    framed: Framed<UnixStream, LengthDelimitedCodec>,
}

impl RawClient {
    /// Connects to `socket`.
    ///
    /// # Panics
    /// When nothing listens there.
    pub async fn connect(socket: &Path) -> RawClient {
        let stream = UnixStream::connect(socket).await.unwrap();
        RawClient {
            framed: Framed::new(stream, codec()),
        }
    }

    /// Sends `payload` as one frame.
    ///
    /// # Panics
    /// When the write fails.
    pub async fn send_payload(&mut self, payload: &[u8]) {
        self.framed
            .send(bytes::Bytes::copy_from_slice(payload))
            .await
            .unwrap();
    }

    /// Sends a client message.
    ///
    /// # Panics
    /// When the write fails.
    pub async fn send(&mut self, message: &ClientMessage) {
        let payload = helper_proto::message::encode(message).unwrap();
        self.send_payload(&payload).await;
    }

    /// Bytes straight onto the stream, no framing.
    ///
    /// # Panics
    /// When the write fails.
    pub async fn send_bytes(&mut self, bytes: &[u8]) {
        self.framed.get_mut().write_all(bytes).await.unwrap();
    }

    /// Sends request `id`.
    pub async fn request(&mut self, id: u64, request: Request) {
        self.send(&ClientMessage::Request { id, request }).await;
    }

    /// The next message; `None` at end of stream.
    ///
    /// # Panics
    /// After [`PATIENCE`] without a frame, or on a frame that is no server
    /// message.
    pub async fn recv(&mut self) -> Option<ServerMessage> {
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
    ///
    /// # Panics
    /// When no welcome comes.
    pub async fn hello(&mut self) -> Welcome {
        self.send(&ClientMessage::Hello(Hello::new("egress-test 0.1.0")))
            .await;
        match self.recv().await {
            Some(ServerMessage::Welcome(welcome)) => welcome,
            other => panic!("expected a welcome, got {other:?}"),
        }
    }

    /// The fatal error that closes the connection, then its end.
    ///
    /// # Panics
    /// When something else comes, or the connection stays open.
    pub async fn fatal(&mut self) -> ErrorBody {
        let error = match self.recv().await {
            Some(ServerMessage::Fatal(error)) => error,
            other => panic!("expected a fatal error, got {other:?}"),
        };
        assert_eq!(self.recv().await, None, "the connection stays open");
        error
    }

    /// The reply to `id` (skipping events, progress and other replies).
    ///
    /// # Panics
    /// On any other message, or the end of the stream.
    pub async fn reply(&mut self, id: u64) -> Result<Response, ErrorBody> {
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
    ///
    /// # Panics
    /// On anything else.
    pub async fn event(&mut self) -> Event {
        match self.recv().await {
            Some(ServerMessage::Event { event }) => event,
            other => panic!("expected an event, got {other:?}"),
        }
    }

    /// The stream, for tests that go on without frames.
    pub fn into_stream(self) -> UnixStream {
        self.framed.into_inner()
    }
}
