//! Test scaffolding shared by the workspace's tests, written once:
//!
//! - [`temp`]: a temporary directory removed on drop (also when a test
//!   fails);
//! - [`frames`]: the protocol's framing as `helper-proto` defines it,
//!   built here on purpose rather than taken from either end;
//! - [`fake_helper`]: the helper's end of one connection, for tests of the
//!   client side (`helper-client`, `egressctl`);
//! - [`raw_client`]: a client speaking raw frames, for tests of the
//!   helper's server;
//! - `netns` (Linux): named network namespaces that are deleted on drop,
//!   `ip` in them, and threads that enter them.
//!
//! A dev-dependency only: `scripts/check-deps` fails if it appears in any
//! package's normal dependency tree. Test code, so a broken expectation
//! panics with what was expected.

#![allow(clippy::unwrap_used)]

pub mod fake_helper;
pub mod frames;
#[cfg(target_os = "linux")]
pub mod netns;
pub mod raw_client;
pub mod temp;

pub use temp::TempDir;
