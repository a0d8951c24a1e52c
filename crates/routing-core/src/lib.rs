//! # routing-core
//!
//! The pure heart of Egress: the routing model and the macOS `PF_ROUTE`
//! wire format. Nothing in this crate does I/O, spawns, sleeps or uses
//! `unsafe`; it takes values and bytes and returns values and bytes, so
//! every line of it is tested on any host.
//!
//! Read in this order:
//! - [`model`]: prefixes, flags, interfaces, routes, and the routing table
//!   with XNU's lookup rules and `netstat -rn` rendering.
//! - [`wire`]: the `PF_ROUTE` codec, byte-exact with XNU.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod model;
pub mod wire;
