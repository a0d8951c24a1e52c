//! The helper's socket: as safe as XPC.
//!
//! The kernel says who the peer is ([`auth`], from `SO_PEERCRED` /
//! `LOCAL_PEERCRED`), a [`policy`] says what it may do, and no byte from a
//! client can crash, stall or fool the helper: frames are bounded
//! ([`helper_proto::MAX_FRAME`]), the first must be a hello within
//! [`ServerConfig::handshake_timeout`], every request is checked against
//! the policy before the [`crate::service::Service`] sees it, each
//! connection's requests in flight and queued events are bounded, and every
//! failure is a stable error code with a sentence for a human.
//!
//! - [`policy`]: the policy file and who it admits.
//! - [`auth`]: [`AuthenticatedPeer`], made only from kernel credentials.
//! - [`listener`]: the socket file, its directory, lock and mode.
//! - [`server`]: the accept loop and its limits; `connection` serves one
//!   client, `writer` writes its frames (and fds).

pub mod auth;
mod connection;
pub mod listener;
pub mod policy;
pub mod server;
mod writer;

#[cfg(test)]
mod testkit;

pub use auth::AuthenticatedPeer;
pub use listener::{ListenError, Listening};
pub use policy::{Policy, PolicyError};
pub use server::{Server, ServerConfig};
