//! [`ManagerService`]: requests served by the route manager.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use helper_proto::convert::{route_row, row_matches};
use helper_proto::{
    BindTarget, BoundSocket, Diagnostics, ErrorBody, ErrorCode, Event, Exclusion, ExclusionPage,
    FlushReport, LookupAnswer, PerFamily, ProbeAnswer, Request, Response, RouteFilter, RoutePage,
    SimAction, SimEvent, SocketProtocol, MAX_PAGE, PROTOCOL,
};
use routing_backend::sim::SimControl;
use routing_backend::SocketKind;
use routing_core::model::{Family, Interface, InterfaceKind, Route};
use tokio::sync::{broadcast, mpsc};

use super::bundle;
use super::{Caller, Now, ProgressSender, Reply, Service};
use crate::manager::{CommandError, ManagerHandle, Progress};

/// How many handed-out sockets `probe` remembers (oldest forgotten first).
const REMEMBERED_SOCKETS: usize = 4096;

/// The helper's name and version, as the welcome and diagnostics give it.
pub fn helper_software() -> String {
    format!("egress-helper {}", env!("CARGO_PKG_VERSION"))
}

/// Requests served by the route manager (and, on the sim, the simulated Mac).
#[derive(Debug, Clone)]
pub struct ManagerService {
    handle: ManagerHandle,
    sim: Option<SimControl>,
    backend: String,
    started: Instant,
    /// Local port → interface index, for the sockets we handed out.
    handed_out: Arc<Mutex<BTreeMap<u16, u32>>>,
}

impl ManagerService {
    /// A service over a running manager; `sim` when the backend is the sim.
    pub fn new(handle: ManagerHandle, sim: Option<SimControl>, backend_name: &str) -> Self {
        ManagerService {
            handle,
            sim,
            backend: backend_name.to_string(),
            started: Instant::now(),
            handed_out: Arc::default(),
        }
    }

    async fn serve(
        &self,
        caller: Caller,
        request: Request,
        progress: Option<ProgressSender>,
    ) -> Result<Reply, ErrorBody> {
        let h = &self.handle;
        let response = match request {
            Request::Status => status(h.status().await?),
            Request::Routes { filter } => Response::Routes {
                page: self.routes(&filter).await?,
            },
            Request::Lookup {
                destination,
                scoped_to,
            } => Response::Lookup {
                answer: self.lookup(destination, scoped_to).await?,
            },
            Request::SetMode { mode, .. } => {
                let relay = progress.map(relay_progress);
                let (tx, task) = match relay {
                    Some((tx, task)) => (Some(tx), Some(task)),
                    None => (None, None),
                };
                let result = h.set_mode(mode, tx).await;
                if let Some(task) = task {
                    // The manager dropped its sender: the relay ends by itself.
                    let _ = task.await;
                }
                result?;
                status(h.status().await?)
            }
            Request::ExclusionAdd { prefix, label } => {
                let registered = h.add_exclusion(prefix, &owner(caller, &label)).await?;
                Response::ExclusionsChanged {
                    // The manager's count: cloning the whole registry to
                    // count it made n registrations cost O(n²).
                    total: h.status().await?.exclusions,
                    changed: registered == crate::engine::exclusions::Registered::First,
                }
            }
            Request::ExclusionRemove { prefix, label } => {
                use crate::engine::exclusions::Unregistered;
                let who = owner(caller, &label);
                let unregistered = h.remove_exclusion(prefix, &who).await?;
                if unregistered == Unregistered::NotRegistered {
                    return Err(ErrorBody::new(
                        ErrorCode::NotFound,
                        format!("{prefix} is not registered by {who}"),
                    ));
                }
                Response::ExclusionsChanged {
                    total: h.status().await?.exclusions,
                    changed: unregistered == Unregistered::Last,
                }
            }
            Request::Exclusions { offset, limit } => Response::Exclusions {
                page: self.exclusions(offset, limit).await?,
            },
            Request::OpenBoundSocket {
                family,
                protocol,
                local_port,
            } => {
                super::limits::refuse_privileged_port(caller, local_port)?;
                return self.open_bound_socket(family, protocol, local_port).await;
            }
            Request::BindInfo => Response::BindInfo {
                targets: self.bind_info().await?,
            },
            Request::Probe {
                local_port,
                destination,
            } => Response::Probe {
                answer: self.probe(local_port, destination).await?,
            },
            Request::Flush { dry_run } => Response::Flushed {
                report: FlushReport {
                    dry_run,
                    routes: h
                        .flush(dry_run)
                        .await?
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                },
            },
            Request::Diagnostics => Response::Diagnostics {
                diagnostics: Box::new(self.diagnostics().await?),
            },
            Request::DiagnosticsBundle { redact } => {
                let diagnostics = self.diagnostics().await?;
                let status = h.status().await?;
                let routes = h.tagged_routes().await?;
                let interfaces = h.interfaces().await?;
                Response::Bundle {
                    bundle: bundle::build(&diagnostics, &status, &routes, &interfaces, redact),
                }
            }
            Request::Sim { action } => self.sim(action).await?,
            Request::Subscribe { .. } | Request::Unsubscribe => {
                return Err(ErrorBody::new(
                    ErrorCode::Internal,
                    "subscriptions are the connection's business",
                ))
            }
        };
        Ok(response.into())
    }

    async fn routes(&self, filter: &RouteFilter) -> Result<RoutePage, ErrorBody> {
        let routes = self.handle.tagged_routes().await?;
        let interfaces = self.handle.interfaces().await?;
        let ifname = namer(&interfaces);
        let now = unix_now();
        let matching: Vec<_> = routes
            .iter()
            .map(|(route, ours)| route_row(route, &ifname, now, *ours))
            .filter(|row| row_matches(row, filter))
            .collect();
        let total = matching.len();
        let limit = filter.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let rows: Vec<_> = matching
            .into_iter()
            .skip(filter.offset)
            .take(limit)
            .collect();
        let end = filter.offset.saturating_add(rows.len());
        Ok(RoutePage {
            rows,
            total,
            next: (end < total).then_some(end),
        })
    }

    async fn lookup(
        &self,
        destination: IpAddr,
        scoped_to: Option<String>,
    ) -> Result<LookupAnswer, ErrorBody> {
        let interfaces = self.handle.interfaces().await?;
        let scope = match &scoped_to {
            None => None,
            Some(name) => Some(index_of(&interfaces, name)?),
        };
        let route = self.handle.lookup(destination, scope).await?;
        let vpn = self.handle.diagnostics().await?.vpn_interfaces;
        let ifname = namer(&interfaces);
        let now = unix_now();
        let Some(route) = route else {
            let summary = match &scoped_to {
                Some(name) => format!("{destination} is unreachable from a socket bound to {name}"),
                None => format!("{destination} is unreachable: no route"),
            };
            return Ok(LookupAnswer {
                destination,
                scoped_to,
                route: None,
                interface: None,
                interface_kind: None,
                gateway: None,
                via_vpn: false,
                summary,
            });
        };
        let name = ifname(route.interface.index).unwrap_or_else(|| route.interface.name.clone());
        let kind = interfaces
            .iter()
            .find(|i| i.index == route.interface.index)
            .map(|i| i.kind);
        let via_vpn = is_vpn(kind, &name, &vpn);
        let row = route_row(&route, &ifname, now, false);
        let gateway = route
            .gateway
            .ip_addr()
            .map_or_else(|| "link".to_string(), |g| g.to_string());
        let how = if route.gateway.ip_addr().is_some() {
            format!("via {gateway}")
        } else {
            "directly (on-link)".to_string()
        };
        let bound = scoped_to
            .as_ref()
            .map_or_else(String::new, |s| format!(" from a socket bound to {s}"));
        let summary = format!(
            "{destination}{bound} leaves through {name} ({}) {how}, matching {}{}",
            kind.map_or_else(|| "unknown".to_string(), |k| k.to_string()),
            row.destination,
            if via_vpn {
                ": inside the VPN"
            } else {
                ": outside any VPN"
            }
        );
        Ok(LookupAnswer {
            destination,
            scoped_to,
            route: Some(row),
            interface: Some(name),
            interface_kind: kind,
            gateway: Some(gateway),
            via_vpn,
            summary,
        })
    }

    async fn exclusions(
        &self,
        offset: usize,
        limit: Option<usize>,
    ) -> Result<ExclusionPage, ErrorBody> {
        let registry = self.handle.exclusions().await?;
        let total = registry.len();
        let limit = limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let exclusions: Vec<Exclusion> = registry
            .iter()
            .skip(offset)
            .take(limit)
            .map(|(prefix, owners)| Exclusion {
                prefix: *prefix,
                owners: owners.iter().cloned().collect(),
            })
            .collect();
        let end = offset.saturating_add(exclusions.len());
        Ok(ExclusionPage {
            exclusions,
            total,
            next: (end < total).then_some(end),
        })
    }

    async fn open_bound_socket(
        &self,
        family: Family,
        protocol: SocketProtocol,
        local_port: Option<u16>,
    ) -> Result<Reply, ErrorBody> {
        let kind = match protocol {
            SocketProtocol::Udp => SocketKind::Udp,
            SocketProtocol::Tcp => SocketKind::Tcp,
        };
        let (fd, target) = self
            .handle
            .bound_socket(family, kind, local_port.unwrap_or(0))
            .await?;
        let port = local_port_of(&fd)?;
        let interfaces = self.handle.interfaces().await?;
        let interface =
            namer(&interfaces)(target.index).unwrap_or_else(|| format!("#{}", target.index));
        self.remember(port, target.index);
        Ok(Reply {
            response: Response::BoundSocket {
                socket: BoundSocket {
                    family,
                    protocol,
                    target: BindTarget {
                        index: target.index,
                        interface,
                        borrowed: target.borrowed,
                    },
                    local_port: port,
                },
            },
            fd: Some(fd),
        })
    }

    fn remember(&self, port: u16, index: u32) {
        let mut map = self
            .handed_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if map.len() >= REMEMBERED_SOCKETS && !map.contains_key(&port) {
            if let Some(first) = map.keys().next().copied() {
                map.remove(&first);
            }
        }
        map.insert(port, index);
    }

    async fn bind_info(&self) -> Result<PerFamily<Option<BindTarget>>, ErrorBody> {
        let interfaces = self.handle.interfaces().await?;
        let name = namer(&interfaces);
        let mut targets = PerFamily::default();
        for family in [Family::V4, Family::V6] {
            *targets.get_mut(family) =
                self.handle
                    .bind_target(family, None)
                    .await?
                    .map(|t| BindTarget {
                        index: t.index,
                        interface: name(t.index).unwrap_or_else(|| format!("#{}", t.index)),
                        borrowed: t.borrowed,
                    });
        }
        Ok(targets)
    }

    async fn probe(&self, local_port: u16, destination: IpAddr) -> Result<ProbeAnswer, ErrorBody> {
        let interfaces = self.handle.interfaces().await?;
        let vpn = self.handle.diagnostics().await?.vpn_interfaces;
        let name = namer(&interfaces);
        let bound = self
            .handed_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&local_port)
            .copied();
        let bound_to = bound.map(|i| name(i).unwrap_or_else(|| format!("#{i}")));
        let (interface, gateway) = match &self.sim {
            // The simulated kernel answers for its sockets, as XNU would.
            Some(sim) => match sim.egress_from_port(local_port, destination) {
                Ok(e) => (
                    Some(e.interface.index),
                    Some(
                        e.gateway
                            .map_or_else(|| "link".to_string(), |g| g.to_string()),
                    ),
                ),
                Err(_) => (None, None),
            },
            None => match self.handle.lookup(destination, bound).await? {
                Some(route) => (
                    Some(route.interface.index),
                    Some(
                        route
                            .gateway
                            .ip_addr()
                            .map_or_else(|| "link".to_string(), |g| g.to_string()),
                    ),
                ),
                None => (None, None),
            },
        };
        let interface_name = interface.map(|i| name(i).unwrap_or_else(|| format!("#{i}")));
        let kind = interface.and_then(|i| interfaces.iter().find(|x| x.index == i).map(|x| x.kind));
        let via_vpn = interface_name
            .as_deref()
            .is_some_and(|n| is_vpn(kind, n, &vpn));
        let from = match &bound_to {
            Some(b) => format!("a socket bound to {b} (port {local_port})"),
            None => format!("an unbound socket (port {local_port})"),
        };
        let summary = match (&interface_name, &gateway) {
            (Some(i), Some(g)) => format!(
                "a packet from {from} to {destination} leaves through {i} via {g}{}",
                if via_vpn {
                    ": inside the VPN"
                } else {
                    ": outside any VPN"
                }
            ),
            _ => format!("a packet from {from} to {destination} has no route"),
        };
        Ok(ProbeAnswer {
            destination,
            local_port,
            bound_to,
            interface: interface_name,
            gateway,
            via_vpn,
            summary,
        })
    }

    async fn diagnostics(&self) -> Result<Diagnostics, ErrorBody> {
        let m = self.handle.diagnostics().await?;
        let status = self.handle.status().await?;
        Ok(Diagnostics {
            helper: helper_software(),
            protocol: PROTOCOL,
            backend: self.backend.clone(),
            os: std::env::consts::OS.to_string(),
            uptime_secs: self.started.elapsed().as_secs(),
            journal: m.journal,
            timeline: status.timeline,
            kernel_events: m.kernel_events,
        })
    }

    async fn sim(&self, action: SimAction) -> Result<Response, ErrorBody> {
        let Some(sim) = &self.sim else {
            return Err(ErrorBody::new(
                ErrorCode::NotSupported,
                format!(
                    "simulation controls work only on the sim backend; this helper drives {}",
                    self.backend
                ),
            ));
        };
        let reason = match action {
            SimAction::ListEvents => {
                return Ok(Response::SimEvents {
                    events: sim
                        .events()
                        .into_iter()
                        .map(|(name, description)| SimEvent { name, description })
                        .collect(),
                })
            }
            SimAction::Event { name } => {
                sim.run_event(&name)
                    .map_err(|e| ErrorBody::new(ErrorCode::InvalidArgument, format!("{e}")))?;
                format!("simulated {name}")
            }
            SimAction::Link { interface, up } => {
                let interfaces = self.handle.interfaces().await?;
                let index = index_of(&interfaces, &interface)?;
                sim.with_kernel(|k| k.set_link(index, up)).map_err(|e| {
                    ErrorBody::new(
                        ErrorCode::InvalidArgument,
                        format!("the simulated kernel refused: {e}"),
                    )
                })?;
                format!("simulated {interface} {}", if up { "up" } else { "down" })
            }
        };
        // The kernel's messages reach the manager too; a refresh makes the
        // answer reflect the event now instead of after the debounce.
        Ok(status(self.handle.refresh(&reason).await?))
    }
}

impl Service for ManagerService {
    fn backend_name(&self) -> &str {
        &self.backend
    }

    async fn call(
        &self,
        caller: Caller,
        request: Request,
        progress: Option<ProgressSender>,
    ) -> Result<Reply, ErrorBody> {
        self.serve(caller, request, progress).await
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.handle.subscribe()
    }

    fn call_now(&self, _caller: Caller, request: &Request) -> Option<Now> {
        match request {
            // The manager's last turn computed and encoded it: no round
            // trip, no copy, no encoding per request.
            Request::Status => self.handle.status_encoded().map(Now::Encoded),
            _ => None,
        }
    }
}

fn status(status: helper_proto::Status) -> Response {
    Response::Status {
        status: Box::new(status),
    }
}

/// An exclusion's owner: the caller's uid, and its label.
fn owner(caller: Caller, label: &Option<String>) -> String {
    match label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(label) => format!("uid {}: {label}", caller.uid),
        None => format!("uid {}", caller.uid),
    }
}

/// Forwards the manager's progress to the connection's sender.
fn relay_progress(out: ProgressSender) -> (mpsc::Sender<Progress>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::channel::<Progress>(64);
    let task = tokio::spawn(async move {
        while let Some(p) = rx.recv().await {
            // A full or closed connection queue drops progress, never the switch.
            let _ = out.try_send((p.done, p.total));
        }
    });
    (tx, task)
}

fn namer(interfaces: &[Interface]) -> impl Fn(u32) -> Option<String> + '_ {
    move |index| {
        interfaces
            .iter()
            .find(|i| i.index == index)
            .map(|i| i.name.clone())
    }
}

fn index_of(interfaces: &[Interface], name: &str) -> Result<u32, ErrorBody> {
    interfaces
        .iter()
        .find(|i| i.name == name)
        .map(|i| i.index)
        .ok_or_else(|| {
            let known: Vec<&str> = interfaces.iter().map(|i| i.name.as_str()).collect();
            ErrorBody::new(
                ErrorCode::InvalidArgument,
                format!(
                    "there is no interface {name:?} (there are: {})",
                    known.join(", ")
                ),
            )
        })
}

fn is_vpn(kind: Option<InterfaceKind>, name: &str, vpn: &[String]) -> bool {
    kind == Some(InterfaceKind::Tunnel) || vpn.iter().any(|v| v == name)
}

fn local_port_of(fd: &std::os::fd::OwnedFd) -> Result<u16, ErrorBody> {
    let addr = rustix::net::getsockname(fd).map_err(|e| {
        ErrorBody::new(
            ErrorCode::BackendFailed,
            format!(
                "could not read the socket's port (errno {})",
                e.raw_os_error()
            ),
        )
    })?;
    Ok(std::net::SocketAddr::try_from(addr).map_or(0, |a| a.port()))
}

fn unix_now() -> i64 {
    i64::try_from(crate::manager::unix_now()).unwrap_or(i64::MAX)
}

impl From<CommandError> for ErrorBody {
    fn from(e: CommandError) -> ErrorBody {
        let code = match &e {
            CommandError::ModeForced(_) => ErrorCode::ModeForced,
            CommandError::Refused(_) => ErrorCode::Refused,
            CommandError::Backend(_) => ErrorCode::BackendFailed,
            CommandError::NoEgress(_) => ErrorCode::NoEgress,
            CommandError::Stopped => ErrorCode::Unavailable,
        };
        ErrorBody::new(code, e.to_string())
    }
}

/// Route rows for a bundle, as netstat prints them.
pub(super) fn rows(
    routes: &[(Route, bool)],
    interfaces: &[Interface],
) -> Vec<helper_proto::RouteRow> {
    let name = namer(interfaces);
    let now = unix_now();
    routes
        .iter()
        .map(|(r, ours)| route_row(r, &name, now, *ours))
        .collect()
}
