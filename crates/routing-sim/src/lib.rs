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
//!
//! ```
//! use routing_core::wire::pf_route::{get_route, Message};
//! use routing_sim::scenario::Scenario;
//!
//! // The shipped Mac: Wi-Fi on en0, system tunnels, the VPN not yet up.
//! let scenario = Scenario::realistic_mac().expect("ships valid");
//! let mut mac = scenario.boot().expect("boots");
//! scenario.run_event(&mut mac, "vpn-up").expect("the VPN connects");
//!
//! // route -n get, as bytes, through a routing socket.
//! let sock = mac.open_socket(4242, 0);
//! let request = get_route("203.0.113.9".parse().unwrap(), None, None, 1, 4242);
//! mac.write(sock, &request.to_bytes()).expect("found");
//! let reply = Message::parse(&mac.read(sock).expect("the reply")).expect("parses");
//! assert_eq!(reply.msg_type(), 4); // RTM_GET
//!
//! // Unbound traffic goes into the VPN; a socket bound to en0 cannot.
//! let dst = "203.0.113.9".parse().unwrap();
//! assert_eq!(mac.egress(dst, None).unwrap().interface.name, "utun4");
//! let en0 = mac.index_of("en0");
//! assert_eq!(mac.egress(dst, en0).unwrap().interface.name, "en0");
//! ```
//!
//! # Behaviours worth knowing
//!
//! - **An interface going down deletes its IPv4 routes, not its IPv6
//!   ones** (xnu `if_updown` → `rip_ctlinput`): see [`SimKernel::set_link`].
//! - **Addresses whose route could not be made send no `RTM_NEWADDR`**
//!   (`rt_newaddrmsg` runs only after `rtinit` succeeded): see [`events`].
//! - **Writes under 8 bytes fail with `ENOBUFS` and broadcast nothing**;
//!   writes with a bad length broadcast the writer's bytes untouched: see
//!   [`output`].

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
