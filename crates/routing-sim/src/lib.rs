//! # routing-sim
//!
//! A simulated XNU routing kernel: pure, deterministic product code that
//! takes and returns the same `PF_ROUTE` bytes as macOS, so that the macOS
//! routing logic of Egress runs, and is tested, on any host.
//!
//! - **Bytes in, bytes out.** [`SimKernel::open_socket`],
//!   [`SimKernel::write`] and [`SimKernel::read`] behave like a routing
//!   socket: `route_output`'s checks in XNU's order, the echo broadcast to
//!   every socket (protocol filter, `SO_USELOOPBACK`, silent drops on a full
//!   receive buffer), reports for `RTM_GET`/`RTM_DELETE` ([`output`]).
//! - **The table** is routing-core's [`RouteTable`](routing_core::model::RouteTable),
//!   which holds XNU's identity, order and scoped-lookup rules; this crate
//!   adds what the kernel does around it: interface selection and the flags
//!   the kernel adds on `RTM_ADD` ([`rtadd`]), interfaces and addresses
//!   coming and going with their messages ([`events`]), sysctl dumps
//!   ([`sysctl`]), and "where would this packet leave?" ([`egress`]).
//! - **Scenarios** ([`scenario`]) describe a Mac in a small text format and
//!   drive the kernel through its socket with real `RTM_ADD` bytes.
//! - **Faults** ([`faults`]) are seeded: lost, reordered and late messages,
//!   failing writes, tables that grow between a sysctl probe and its read.
//!
//! Nothing here does I/O, reads a clock, spawns, or draws real randomness:
//! time is a field moved by [`SimKernel::advance`], and the only randomness
//! is [`prng::Prng`]. The same inputs and seed always give the same bytes.
//!
//! Errno values are Darwin's ([`Errno`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod addr;
pub mod cli;
#[cfg(test)]
mod codec_tests;
pub mod egress;
pub mod errno;
pub mod events;
pub mod faults;
pub mod iface;
mod ifmsg;
pub mod kernel;
mod kernel_flags;
pub mod msg;
pub mod output;
pub mod prng;
mod request;
pub mod rtadd;
pub mod scenario;
pub mod socket;
pub mod sysctl;
#[cfg(test)]
mod testkit;

pub use egress::Egress;
pub use errno::Errno;
pub use events::{AddressSpec, CloneSpec};
pub use faults::{Delay, Fault, FaultPlan, FaultRule, MessageFilter, Trigger};
pub use iface::{InterfaceSpec, SimAddress, SimInterface};
pub use kernel::SimKernel;
pub use socket::SocketId;
