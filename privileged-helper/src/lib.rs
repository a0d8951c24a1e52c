//! # egress-helper
//!
//! The root helper: the one process that writes the routing table.
//! (Being built: issue 3 brings the routing engine, issue 4 the IPC.)

#![deny(missing_docs)]

pub mod bundle_watch;
pub mod daemon;
pub mod engine;
pub mod install;
pub mod ipc;
pub mod journal;
pub mod manager;
pub mod service;
