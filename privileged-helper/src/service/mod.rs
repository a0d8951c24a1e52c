//! What the helper offers its clients, behind the IPC server.
//!
//! The server (`crate::ipc`) authenticates a connection, checks each
//! request against the policy, and only then calls a [`Service`] with the
//! [`Caller`] the kernel named. The service turns requests into route
//! manager commands and manager state into protocol types; it knows
//! nothing of sockets or frames.

mod bundle;
mod limits;
mod manager;

pub use bundle::Redactor;
pub use manager::{helper_software, ManagerService};

use std::future::Future;
use std::os::fd::OwnedFd;

use helper_proto::{ErrorBody, Event, Request, Response};
use tokio::sync::{broadcast, mpsc};

/// Who is asking, as the kernel said (already authorised for the request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Process id, when known.
    pub pid: Option<i32>,
}

/// A successful answer, with the fd a bound-socket reply hands over.
#[derive(Debug)]
pub struct Reply {
    /// The response.
    pub response: Response,
    /// The fd to send with the reply frame (`SCM_RIGHTS`), if any.
    pub fd: Option<OwnedFd>,
}

impl From<Response> for Reply {
    fn from(response: Response) -> Reply {
        Reply { response, fd: None }
    }
}

/// Progress of a long request: (steps done, steps in all).
pub type ProgressSender = mpsc::Sender<(usize, usize)>;

/// The helper's requests, served.
pub trait Service: Send + Sync + 'static {
    /// The backend's name (`macos`, `linux`, `sim`), for the welcome.
    fn backend_name(&self) -> &str;

    /// Serves one request. `Subscribe`/`Unsubscribe` are the connection's
    /// business and never reach here.
    fn call(
        &self,
        caller: Caller,
        request: Request,
        progress: Option<ProgressSender>,
    ) -> impl Future<Output = Result<Reply, ErrorBody>> + Send;

    /// A new receiver of every event (the connection filters and bounds it).
    fn subscribe(&self) -> broadcast::Receiver<Event>;

    /// Answers a request at once, without waiting on anything, when the
    /// service can (a status from the last snapshot); `None` sends it
    /// through [`Service::call`]. Must not block.
    fn call_now(&self, _caller: Caller, _request: &Request) -> Option<Now> {
        None
    }
}

/// An immediate answer.
// Returned and consumed at once: boxing the answer buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Now {
    /// An answer to encode.
    Answer(Result<Reply, ErrorBody>),
    /// A successful response, encoded already (`helper_proto::message::encode`).
    Encoded(bytes::Bytes),
}
