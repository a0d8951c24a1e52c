//! The typed async client of `egress-helper`, for the app, `egressctl`
//! and tests.
//!
//! ```no_run
//! # async fn example() -> Result<(), helper_client::ClientError> {
//! use helper_client::{default_socket_path, Client};
//!
//! let client = Client::connect(default_socket_path(), "egressctl 0.1.0").await?;
//! let status = client.status().await?;
//! println!("{} mode on {}", status.mode, client.welcome().backend);
//! # Ok(())
//! # }
//! ```
//!
//! # How it talks
//! Frames are tokio-util's `LengthDelimitedCodec` ([`codec`]) carrying
//! the JSON of [`helper_proto::message`]. A reader task reads with
//! `recvmsg(2)`, queueing any `SCM_RIGHTS` descriptors, and sorts the
//! frames: replies go to their request by id (so any number of requests
//! may be in flight on one [`Client`], answered in any order), progress
//! frames to their request's callback, events to the [`EventStream`], and
//! a fatal frame fails everything in flight with the helper's error. A
//! bound-socket reply claims the oldest queued descriptor.
//!
//! # Errors
//! Every call returns a [`ClientError`] whose text can be shown as it is;
//! branch on its variant (not running, not permitted, incompatible) or on
//! [`ClientError::code`].
//!
//! # Restarts
//! [`connect_with_backoff`] retries while the helper is away;
//! [`ReconnectingEvents`] keeps an event stream going across restarts and
//! says [`WatchItem::Reconnected`] when the status should be re-read.

mod api;
mod connection;
mod error;
mod events;
mod reconnect;
mod transport;

use std::path::PathBuf;

pub use api::{response_kind, ExclusionChange, SimOutcome};
pub use connection::{Client, HANDSHAKE_TIMEOUT};
pub use error::ClientError;
pub use events::EventStream;
pub use reconnect::{connect_with_backoff, BackoffPolicy, ReconnectingEvents, WatchItem};
pub use transport::codec;

/// Where the helper listens: `$EGRESS_SOCKET` if set (and not empty),
/// else [`helper_proto::DEFAULT_SOCKET`].
pub fn default_socket_path() -> PathBuf {
    match std::env::var_os(helper_proto::SOCKET_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from(helper_proto::DEFAULT_SOCKET),
    }
}
