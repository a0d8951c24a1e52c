//! What the IPC tests share: a fake service; the temporary directory and
//! the raw client (not `helper-client`) come from `test-support`.

use std::future::Future;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use helper_proto::{
    BindTarget, BoundSocket, Diagnostics, ErrorBody, ErrorCode, Event, FamilyStatus, Mode,
    PerFamily, Request, Response, SimAction, Status, PROTOCOL,
};
use tokio::sync::{broadcast, Semaphore};

use crate::service::{Caller, ProgressSender, Reply, Service};

pub(crate) use test_support::raw_client::{RawClient, PATIENCE};
pub(crate) use test_support::TempDir;

/// A service with fixed answers.
#[derive(Debug)]
pub(crate) struct FakeService {
    /// What subscribers get.
    pub(crate) events: broadcast::Sender<Event>,
    /// `Diagnostics` waits for a permit here (a slow request).
    pub(crate) gate: Arc<Semaphore>,
    /// Requests that reached the service.
    pub(crate) calls: AtomicUsize,
}

impl FakeService {
    pub(crate) fn new(event_capacity: usize) -> Arc<FakeService> {
        Arc::new(FakeService {
            events: broadcast::channel(event_capacity).0,
            gate: Arc::new(Semaphore::new(0)),
            calls: AtomicUsize::new(0),
        })
    }
}

pub(crate) fn status() -> Status {
    Status {
        backend: "sim".into(),
        mode: Mode::Advanced,
        mode_note: None,
        mode_switchable: true,
        families: PerFamily {
            v4: FamilyStatus::default(),
            v6: FamilyStatus::default(),
        },
        exclusions: 0,
        held: Vec::new(),
        held_exclusion_routes: 0,
        timeline: Vec::new(),
        repins_last_10_min: 0,
        warnings: Vec::new(),
        vpn: Vec::new(),
    }
}

impl Service for FakeService {
    fn backend_name(&self) -> &str {
        "sim"
    }

    fn call(
        &self,
        _caller: Caller,
        request: Request,
        progress: Option<ProgressSender>,
    ) -> impl Future<Output = Result<Reply, ErrorBody>> + Send {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let gate = self.gate.clone();
        async move {
            match request {
                Request::Status => Ok(Response::Status {
                    status: Box::new(status()),
                }
                .into()),
                Request::SetMode { mode, .. } => {
                    if let Some(progress) = progress {
                        for done in 1..=3 {
                            let _ = progress.send((done, 3)).await;
                        }
                    }
                    let mut status = status();
                    status.mode = mode;
                    Ok(Response::Status {
                        status: Box::new(status),
                    }
                    .into())
                }
                Request::Diagnostics => {
                    let _permit = gate.acquire().await;
                    Ok(Response::Diagnostics {
                        diagnostics: Box::new(Diagnostics {
                            helper: "fake".into(),
                            protocol: PROTOCOL,
                            backend: "sim".into(),
                            os: "test".into(),
                            uptime_secs: 0,
                            journal: None,
                            timeline: Vec::new(),
                            kernel_events: Vec::new(),
                        }),
                    }
                    .into())
                }
                Request::OpenBoundSocket {
                    family, protocol, ..
                } => {
                    let socket = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|_| {
                        ErrorBody::new(ErrorCode::BackendFailed, "cannot bind a socket")
                    })?;
                    let port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
                    Ok(Reply {
                        response: Response::BoundSocket {
                            socket: BoundSocket {
                                family,
                                protocol,
                                target: BindTarget {
                                    index: 1,
                                    interface: "lo".into(),
                                    borrowed: false,
                                },
                                local_port: port,
                            },
                        },
                        fd: Some(OwnedFd::from(socket)),
                    })
                }
                Request::Sim {
                    action: SimAction::Event { name },
                } if name == "panic" => panic!("the fake service was asked to panic"),
                _ => Err(ErrorBody::new(ErrorCode::NotSupported, "not in the fake")),
            }
        }
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }
}
