//! What a backend reports while watching the kernel.

use std::net::IpAddr;

use routing_core::model::{Family, IpPrefix, RouteFlags};

/// A change the kernel announced, reduced to what the route manager needs
/// to decide whether to re-pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendEvent {
    /// A route was added, deleted or changed.
    Route {
        /// What happened.
        change: RouteChange,
        /// The destination.
        destination: IpPrefix,
        /// The route's flags as announced.
        flags: RouteFlags,
        /// The interface index the route uses (0 if unknown).
        interface: u32,
        /// The gateway, when it is an IP address.
        gateway: Option<IpAddr>,
        /// Whether the message was a reply to one of our own requests.
        ours: bool,
    },
    /// An interface went up or down, or its MTU or flags changed.
    Interface {
        /// The interface index.
        index: u32,
        /// Whether it is up now.
        up: bool,
    },
    /// An address was added to or removed from an interface.
    Address {
        /// The interface index.
        index: u32,
        /// The family of the address.
        family: Family,
        /// True when added, false when removed.
        added: bool,
    },
    /// The machine woke from sleep (detected as a wall-clock jump).
    Wake {
        /// How long the machine slept, in seconds, as far as we can tell.
        slept_secs: u64,
    },
    /// A message we could not make sense of: treat as "something changed".
    Unparsed {
        /// Why it could not be read.
        reason: String,
    },
    /// Messages were lost (a full receive buffer, a dropped notification):
    /// re-read the whole table.
    Lost,
}

/// The kind of route change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteChange {
    /// `RTM_ADD`.
    Added,
    /// `RTM_DELETE`.
    Deleted,
    /// `RTM_CHANGE`.
    Changed,
    /// Any other route message (`RTM_GET` replies of other processes,
    /// `RTM_MISS`, …).
    Other,
}
