//! The language spoken between `egress-helper` and its clients.
//!
//! Pure types: no I/O, no clocks. Both ends build the same framing from
//! the constants here.
//!
//! # Wire
//! A Unix stream socket carries frames: a 4-byte big-endian length, then
//! that many bytes of UTF-8 JSON ([`MAX_FRAME`] at most). The client
//! speaks first with a [`ClientMessage::Hello`]; the helper answers
//! [`ServerMessage::Welcome`] or a fatal error (an incompatible major
//! version, say) and closes. After that the client sends requests, each
//! with an id of its choosing; the helper answers each with a
//! [`ServerMessage::Reply`] carrying the same id, in any order, and sends
//! [`ServerMessage::Event`]s to subscribers between replies.
//!
//! A reply to [`Request::OpenBoundSocket`] carries one file descriptor as
//! `SCM_RIGHTS` ancillary data on the bytes of its frame.
//!
//! # Versions
//! [`PROTOCOL`] is `major.minor`. A new request, field or event bumps the
//! minor (old peers ignore unknown fields and answer unknown requests with
//! [`ErrorCode::BadRequest`]); anything else bumps the major, and peers
//! of different majors refuse each other by name and version.

pub mod convert;
pub mod error;
pub mod event;
pub mod message;
pub mod request;
pub mod text;
pub mod types;
pub mod version;

pub use error::{ErrorBody, ErrorCode};
pub use event::{Event, Topic};
pub use message::{ClientMessage, Outcome, ServerMessage};
pub use request::{Access, Request, Response};
pub use types::*;
pub use version::{Hello, PeerInfo, ProtocolVersion, Welcome, PROTOCOL};

/// The largest frame either side accepts (payload bytes, without the length).
pub const MAX_FRAME: usize = 1024 * 1024;

/// Bytes in a frame's big-endian length prefix.
pub const LENGTH_FIELD: usize = 4;

/// The most rows one page of routes or exclusions holds; larger tables
/// are read page by page.
pub const MAX_PAGE: usize = 2000;

/// Where the helper listens unless told otherwise.
#[cfg(target_os = "macos")]
pub const DEFAULT_SOCKET: &str = "/var/run/egress/helper.sock";
/// Where the helper listens unless told otherwise.
#[cfg(not(target_os = "macos"))]
pub const DEFAULT_SOCKET: &str = "/run/egress/helper.sock";

/// The environment variable that overrides [`DEFAULT_SOCKET`] (tests,
/// unprivileged runs on the sim).
pub const SOCKET_ENV: &str = "EGRESS_SOCKET";
