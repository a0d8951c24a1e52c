//! Scenarios: a simulated Mac described in a small text format, and named
//! events that change it. The format is documented in
//! `crates/routing-sim/scenarios/README.md`; in short:
//!
//! ```text
//! scenario "Two interfaces"
//! boot 1700000000
//! interface lo0 index 1 loopback mtu 16384 up
//!     inet 127.0.0.1/8
//! interface en0 index 6 wifi mac a4:83:e7:00:00:01 up
//!     inet 192.0.2.23/24
//! route add default 192.0.2.1
//! event wifi-down "Wi-Fi drops"
//!     link down en0
//! end
//! ```
//!
//! Top-level steps build the initial state ([`Scenario::boot`]); each
//! `event … end` block is a list of steps run on demand
//! ([`Scenario::run_event`]). `route …` steps are written through a
//! routing socket as the bytes route(8) would write, so scenarios exercise
//! the kernel's byte path; interface, address and link steps are kernel
//! events with their own messages. Every error names the file, line and
//! column.

mod parse;
pub mod route_cmd;
mod run;
mod steps;

use std::fmt;

use crate::events::{AddressSpec, CloneSpec};
use crate::iface::InterfaceSpec;

pub use route_cmd::{GatewayArg, RouteCommand, RouteVerb};

/// The realistic Mac shipped with the simulator.
pub const REALISTIC_MAC: &str = include_str!("../../scenarios/realistic-mac.scn");

/// The file name [`REALISTIC_MAC`] is reported under.
pub const REALISTIC_MAC_NAME: &str = "scenarios/realistic-mac.scn";

/// A position in a scenario file (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// The line.
    pub line: usize,
    /// The column, in characters.
    pub column: usize,
}

/// A scenario that could not be read or run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file name given to the parser.
    pub file: String,
    /// Where.
    pub pos: Pos,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.pos.line, self.pos.column, self.message
        )
    }
}

impl std::error::Error for ScenarioError {}

/// One primitive step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Attach an interface.
    Interface(InterfaceSpec),
    /// Add an address to an interface (by name).
    AddAddress(String, AddressSpec),
    /// Remove an address from an interface.
    RemoveAddress(String, std::net::IpAddr),
    /// Bring an interface up or down.
    Link(String, bool),
    /// Detach an interface.
    Detach(String),
    /// Write a route(8) command through a routing socket, expecting it to
    /// succeed or to fail with the named errno.
    Route(RouteCommand, Option<crate::Errno>),
    /// Add a clone: destination, interface name, and the rest of the spec
    /// (its `interface` field is filled in when run).
    Clone(String, CloneSpec),
    /// Advance both clocks by this many milliseconds.
    Advance(u64),
    /// Jump the wall clock by this many seconds (a sleep).
    Sleep(i64),
    /// Run another event.
    Run(String),
}

/// A step and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Its position.
    pub pos: Pos,
    /// What it does.
    pub action: Action,
}

/// A named event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The name (`vpn-up`).
    pub name: String,
    /// A one-line description.
    pub description: String,
    /// The steps.
    pub steps: Vec<Step>,
    /// Where the `event` line is.
    pub pos: Pos,
}

/// A parsed scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The file name errors are reported under.
    pub file: String,
    /// The `scenario "…"` title.
    pub title: String,
    /// The wall-clock time the kernel boots at.
    pub boot_wall: i64,
    /// The steps that build the initial state.
    pub setup: Vec<Step>,
    /// The named events, in file order.
    pub events: Vec<Event>,
}

impl Scenario {
    /// Parses a scenario. `file` is only used in error messages.
    ///
    /// # Errors
    /// The first problem, with its line and column.
    pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
        parse::parse(file, text)
    }

    /// The shipped realistic Mac.
    ///
    /// # Errors
    /// Never for the shipped file (a test proves it loads).
    pub fn realistic_mac() -> Result<Scenario, ScenarioError> {
        Scenario::parse(REALISTIC_MAC_NAME, REALISTIC_MAC)
    }

    /// An event by name.
    pub fn event(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.name == name)
    }
}

#[cfg(test)]
#[path = "shipped_tests.rs"]
mod shipped_tests;
