//! # routing-backend
//!
//! One trait, [`RouteBackend`], and the backends behind it:
//! - the simulated Mac ([`sim`]), on every OS;
//! - macOS, through the `PF_ROUTE` routing socket (`sys::macos`);
//! - Linux, through rtnetlink (issue 5);
//! - an `unsupported` backend that compiles anywhere and says so.
//!
//! The macOS and sim backends share [`session::PfRouteSession`], so the
//! request/reply logic that runs on a Mac runs in tests on Linux too.
//! Errno is turned into meaning once per backend ([`error`]).

#![deny(missing_docs)]

pub mod error;
pub mod event;
pub mod socket;
pub mod sys;
pub mod wake;

pub use error::{Error, ErrorKind, Op, Result};
pub use event::{BackendEvent, RouteChange};
pub use socket::SocketKind;
