//! The routing model: prefixes, flags, interfaces, routes and the table.
//!
//! Everything here is plain data plus the rules XNU applies to it. The
//! table's lookup follows XNU's scoped-routing rules (see
//! [`table`]), and [`netstat`] prints a table exactly as `netstat -rn` does.

pub mod canonical;
pub mod egress;
pub mod flags;
pub mod interface;
pub mod netstat;
pub mod prefix;
pub mod route;
pub mod spec;

pub use canonical::{canonical_line, canonical_text};
pub use egress::{choose_physical_default, still_usable, Decision, EgressPolicy, PhysicalDefault};
pub use flags::{FlagInfo, RouteFlags};
pub use interface::{Interface, InterfaceAddress, InterfaceKind, InterfaceRef};
pub use netstat::{render_netstat, NetstatOptions};
pub use prefix::{mask_len, Family, IpPrefix, PrefixError};
pub use route::{Gateway, Metrics, Route, RouteKey};
pub use spec::{RouteSpec, SpecGateway};
pub use table::{RouteTable, TableError};
pub mod table;
