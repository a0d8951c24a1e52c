//! Requests and their replies.

use std::net::IpAddr;

use routing_core::model::{Family, IpPrefix};
use serde::{Deserialize, Serialize};

use crate::event::Topic;
use crate::types::{
    BindTarget, BoundSocket, Bundle, Diagnostics, ExclusionPage, FlushReport, LookupAnswer, Mode,
    PerFamily, ProbeAnswer, RouteFilter, RoutePage, SimAction, SimEvent, SocketProtocol, Status,
};

/// What a client may do, from the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Nothing: the connection is refused.
    None,
    /// Status, routes, lookups, events, diagnostics.
    Read,
    /// Also the mode, exclusions, bound sockets and flushing.
    Change,
}

/// A request. Each names the access it needs ([`Request::access`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Mode, egress per family, pins, history.
    Status,
    /// A page of the routing table.
    Routes {
        /// Which rows.
        #[serde(default)]
        filter: RouteFilter,
    },
    /// The route, interface and gateway the kernel would use for a destination.
    Lookup {
        /// Where to.
        destination: IpAddr,
        /// Scoped to this interface (as a socket bound to it would be).
        #[serde(default)]
        scoped_to: Option<String>,
    },
    /// Switches the mode; with `progress`, progress frames come with this
    /// request's id before the reply.
    SetMode {
        /// The mode.
        mode: Mode,
        /// Whether to send progress.
        #[serde(default)]
        progress: bool,
    },
    /// Registers an exclusion for this client (`label` names its user, e.g. a peer).
    ExclusionAdd {
        /// The prefix.
        prefix: IpPrefix,
        /// A label within the client's own registrations.
        #[serde(default)]
        label: Option<String>,
    },
    /// Removes this client's registration of a prefix.
    ExclusionRemove {
        /// The prefix.
        prefix: IpPrefix,
        /// The label it was added with.
        #[serde(default)]
        label: Option<String>,
    },
    /// A page of the registered exclusions, with owners.
    Exclusions {
        /// The first to return.
        #[serde(default)]
        offset: usize,
        /// At most this many.
        #[serde(default)]
        limit: Option<usize>,
    },
    /// A socket bound to the physical interface, handed over by fd.
    OpenBoundSocket {
        /// The family.
        family: Family,
        /// UDP or TCP.
        protocol: SocketProtocol,
        /// A local port to bind (0 or absent: any).
        #[serde(default)]
        local_port: Option<u16>,
    },
    /// The interface per family that clients binding their own sockets should use.
    BindInfo,
    /// Where a packet from a socket (by its local port) to a destination would leave.
    Probe {
        /// The socket's local port.
        local_port: u16,
        /// The destination.
        destination: IpAddr,
    },
    /// Removes residual routes of ours (tagged, not held); `dry_run` only lists them.
    Flush {
        /// Only list.
        #[serde(default)]
        dry_run: bool,
    },
    /// Versions, journal, recent events.
    Diagnostics,
    /// Routes, rules, journal, events and versions, optionally redacted.
    DiagnosticsBundle {
        /// Replace addresses with stable placeholders.
        #[serde(default)]
        redact: bool,
    },
    /// Sends events to this connection (all topics when `topics` is empty).
    Subscribe {
        /// Which.
        #[serde(default)]
        topics: Vec<Topic>,
    },
    /// Stops sending events.
    Unsubscribe,
    /// Drives the simulated Mac (sim backend only).
    Sim {
        /// What to do.
        #[serde(flatten)]
        action: SimAction,
    },
}

impl Request {
    /// The access the request needs.
    pub fn access(&self) -> Access {
        match self {
            Request::Status
            | Request::Routes { .. }
            | Request::Lookup { .. }
            | Request::Exclusions { .. }
            | Request::BindInfo
            | Request::Probe { .. }
            | Request::Diagnostics
            | Request::DiagnosticsBundle { .. }
            | Request::Subscribe { .. }
            | Request::Unsubscribe
            | Request::Flush { dry_run: true }
            | Request::Sim {
                action: SimAction::ListEvents,
            } => Access::Read,
            Request::SetMode { .. }
            | Request::ExclusionAdd { .. }
            | Request::ExclusionRemove { .. }
            | Request::OpenBoundSocket { .. }
            | Request::Flush { dry_run: false }
            | Request::Sim { .. } => Access::Change,
        }
    }

    /// The request's name on the wire (for logs and denials).
    pub fn op(&self) -> &'static str {
        match self {
            Request::Status => "status",
            Request::Routes { .. } => "routes",
            Request::Lookup { .. } => "lookup",
            Request::SetMode { .. } => "set_mode",
            Request::ExclusionAdd { .. } => "exclusion_add",
            Request::ExclusionRemove { .. } => "exclusion_remove",
            Request::Exclusions { .. } => "exclusions",
            Request::OpenBoundSocket { .. } => "open_bound_socket",
            Request::BindInfo => "bind_info",
            Request::Probe { .. } => "probe",
            Request::Flush { .. } => "flush",
            Request::Diagnostics => "diagnostics",
            Request::DiagnosticsBundle { .. } => "diagnostics_bundle",
            Request::Subscribe { .. } => "subscribe",
            Request::Unsubscribe => "unsubscribe",
            Request::Sim { .. } => "sim",
        }
    }
}

/// A successful reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Response {
    /// To [`Request::Status`], [`Request::SetMode`] and sim actions: the status after.
    Status {
        /// The status.
        status: Box<Status>,
    },
    /// To [`Request::Routes`].
    Routes {
        /// The page.
        page: RoutePage,
    },
    /// To [`Request::Lookup`].
    Lookup {
        /// The answer.
        answer: LookupAnswer,
    },
    /// To exclusion add/remove: how many prefixes are registered now.
    ExclusionsChanged {
        /// Registered prefixes.
        total: usize,
        /// Whether this request changed the routing table's desired state
        /// (the first owner added, or the last removed).
        changed: bool,
    },
    /// To [`Request::Exclusions`].
    Exclusions {
        /// The page.
        page: ExclusionPage,
    },
    /// To [`Request::OpenBoundSocket`]; the fd rides with this frame.
    BoundSocket {
        /// What was bound.
        socket: BoundSocket,
    },
    /// To [`Request::BindInfo`].
    BindInfo {
        /// Per family; none when no interface can carry it.
        targets: PerFamily<Option<BindTarget>>,
    },
    /// To [`Request::Probe`].
    Probe {
        /// The answer.
        answer: ProbeAnswer,
    },
    /// To [`Request::Flush`].
    Flushed {
        /// What was (or would be) removed.
        report: FlushReport,
    },
    /// To [`Request::Diagnostics`].
    Diagnostics {
        /// The diagnostics.
        diagnostics: Box<Diagnostics>,
    },
    /// To [`Request::DiagnosticsBundle`].
    Bundle {
        /// The bundle.
        bundle: Bundle,
    },
    /// To subscribe and unsubscribe.
    Subscribed {
        /// The topics now sent (empty: none).
        topics: Vec<Topic>,
    },
    /// To [`SimAction::ListEvents`].
    SimEvents {
        /// The scenario's events.
        events: Vec<SimEvent>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_as_documented() {
        let r: Request = serde_json::from_str(r#"{"op":"status"}"#).unwrap();
        assert_eq!(r, Request::Status);
        let r: Request =
            serde_json::from_str(r#"{"op":"routes","filter":{"family":"v6","ours":true}}"#)
                .unwrap();
        let Request::Routes { filter } = r else {
            panic!("not routes")
        };
        assert_eq!(filter.family, Some(Family::V6));
        assert!(filter.ours && !filter.scoped);
        let r: Request =
            serde_json::from_str(r#"{"op":"sim","action":"event","name":"vpn-up"}"#).unwrap();
        assert_eq!(
            r,
            Request::Sim {
                action: SimAction::Event {
                    name: "vpn-up".into()
                }
            }
        );
        let r: Request =
            serde_json::from_str(r#"{"op":"exclusion_add","prefix":"203.0.113.7/32"}"#).unwrap();
        assert_eq!(r.access(), Access::Change);
    }

    #[test]
    fn a_bad_prefix_or_op_is_an_error_not_a_panic() {
        for text in [
            r#"{"op":"exclusion_add","prefix":"203.0.113.7/33"}"#,
            r#"{"op":"launch_missiles"}"#,
            r#"{"op":"routes","filter":{"family":"v5"}}"#,
            r#"{"op":"lookup","destination":"not an address"}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<Request>(text).is_err(), "{text}");
        }
    }

    #[test]
    fn reading_is_read_and_changing_is_change() {
        assert_eq!(Request::Flush { dry_run: true }.access(), Access::Read);
        assert_eq!(Request::Flush { dry_run: false }.access(), Access::Change);
        assert_eq!(
            Request::Sim {
                action: SimAction::ListEvents
            }
            .access(),
            Access::Read
        );
        assert_eq!(
            Request::SetMode {
                mode: Mode::Legacy,
                progress: false
            }
            .access(),
            Access::Change
        );
        assert!(Access::Change > Access::Read && Access::Read > Access::None);
    }
}
