//! The sim backend: the macOS logic ([`PfRouteBackend`]) over the
//! simulated XNU kernel, speaking the same bytes, plus [`SimControl`] to
//! drive the simulated Mac (switch networks, bring the VPN up, sleep).

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use routing_core::model::{Family, InterfaceKind};
use routing_core::wire::pf_route::ProtoFlag;
use routing_sim::scenario::{Scenario, ScenarioError};
use routing_sim::{Egress, Errno, SimKernel, SocketId};
use tokio::sync::Notify;

use crate::pf_route::{PfRouteBackend, Platform};
use crate::session::SessionConfig;
use crate::socket::SocketKind;

/// The sim backend.
pub type SimBackend = PfRouteBackend<SimPlatform>;

/// The pid the simulated kernel stamps on the helper's messages.
pub const SIM_PID: i32 = 4242;

/// The receive buffer of the helper's sim socket, as on a Mac.
const RECEIVE_BUFFER: usize = 1 << 20;

/// What the kernel and its controllers share.
#[derive(Debug)]
struct Shared {
    kernel: Mutex<SimKernel>,
    /// Woken after every change to the kernel, so readers look again.
    changed: Notify,
    /// Sockets the backend handed out: local port → the interface index
    /// they are bound to (the sim's `IP_BOUND_IF`).
    bindings: Mutex<BTreeMap<u16, u32>>,
}

impl Shared {
    fn kernel(&self) -> MutexGuard<'_, SimKernel> {
        // A panic while holding the kernel would be a bug in the sim; keep
        // serving the (consistent) state rather than poisoning everyone.
        self.kernel
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The platform half of the sim backend.
#[derive(Debug)]
pub struct SimPlatform {
    shared: Arc<Shared>,
    socket: SocketId,
}

impl Platform for SimPlatform {
    fn clocks(&self) -> (i64, i64) {
        let kernel = self.shared.kernel();
        (
            kernel.wall_now().saturating_mul(1000),
            i64::try_from(kernel.now_ms()).unwrap_or(i64::MAX),
        )
    }

    fn name(&self) -> &'static str {
        "sim"
    }

    fn pid(&self) -> i32 {
        SIM_PID
    }

    async fn write(&self, message: &[u8]) -> Result<(), i32> {
        let result = self.shared.kernel().write(self.socket, message);
        self.shared.changed.notify_waiters();
        result.map(|_| ()).map_err(Errno::raw)
    }

    async fn read(&self) -> Result<Vec<u8>, i32> {
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(message) = self.shared.kernel().read(self.socket) {
                return Ok(message);
            }
            notified.await;
        }
    }

    fn sysctl_size(&self, mib: &[i32; 6]) -> Result<usize, i32> {
        self.shared.kernel().sysctl_size(mib).map_err(Errno::raw)
    }

    fn sysctl_read(&self, mib: &[i32; 6], len: usize) -> Result<Vec<u8>, i32> {
        let result = self
            .shared
            .kernel()
            .sysctl_read(mib, len)
            .map_err(Errno::raw);
        self.shared.changed.notify_waiters();
        result
    }

    fn interface_kind(&self, index: u32, name: &str, _if_type: u8) -> InterfaceKind {
        self.shared
            .kernel()
            .interface(index)
            .map_or_else(|| InterfaceKind::guess_from_macos_name(name), |i| i.kind)
    }

    fn bound_socket(
        &self,
        family: Family,
        kind: SocketKind,
        ifindex: u32,
        local_port: u16,
    ) -> io::Result<OwnedFd> {
        if self.shared.kernel().interface(ifindex).is_none() {
            return Err(io::Error::from_raw_os_error(libc_enxio()));
        }
        // A real socket on loopback, so a client can hold and pass it; its
        // binding lives in the sim, keyed by its port.
        let local = match family {
            Family::V4 => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), local_port),
            Family::V6 => SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), local_port),
        };
        let (fd, port): (OwnedFd, u16) = match kind {
            SocketKind::Udp => {
                let socket = std::net::UdpSocket::bind(local)?;
                let port = socket.local_addr()?.port();
                (socket.into(), port)
            }
            SocketKind::Tcp => {
                let socket = std::net::TcpListener::bind(local)?;
                let port = socket.local_addr()?.port();
                (socket.into(), port)
            }
        };
        self.shared
            .bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(port, ifindex);
        Ok(fd)
    }
}

/// ENXIO for an unknown interface index (the same number on Linux and macOS).
fn libc_enxio() -> i32 {
    6
}

/// Drives the simulated Mac under a running sim backend.
#[derive(Debug, Clone)]
pub struct SimControl {
    shared: Arc<Shared>,
    scenario: Arc<Scenario>,
}

impl SimControl {
    /// Runs a named event of the scenario (`vpn-up`, `wifi-to-ethernet`, …).
    ///
    /// # Errors
    /// The scenario's error: an unknown event, or a step the kernel refused.
    pub fn run_event(&self, name: &str) -> Result<(), ScenarioError> {
        let result = self.scenario.run_event(&mut self.shared.kernel(), name);
        self.shared.changed.notify_waiters();
        result
    }

    /// The scenario's event names, with their descriptions.
    pub fn events(&self) -> Vec<(String, String)> {
        self.scenario
            .events
            .iter()
            .map(|e| (e.name.clone(), e.description.clone()))
            .collect()
    }

    /// Runs `f` on the kernel (for tests and inspection), then wakes readers.
    pub fn with_kernel<T>(&self, f: impl FnOnce(&mut SimKernel) -> T) -> T {
        let result = f(&mut self.shared.kernel());
        self.shared.changed.notify_waiters();
        result
    }

    /// Moves the simulated clocks on (releases delayed messages).
    pub fn advance(&self, by: Duration) {
        self.with_kernel(|k| k.advance(u64::try_from(by.as_millis()).unwrap_or(u64::MAX)));
    }

    /// Where a packet to `dst` from a socket the backend handed out (found
    /// by its local port) would leave; an unknown port is an unbound socket.
    ///
    /// # Errors
    /// The kernel's errno when there is no route.
    pub fn egress_from_port(&self, port: u16, dst: IpAddr) -> Result<Egress, Errno> {
        let bound = self
            .shared
            .bindings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&port)
            .copied();
        self.shared.kernel().egress(dst, bound)
    }

    /// Where a packet to `dst` would leave, from an unbound socket or one
    /// bound to `bound_if`.
    ///
    /// # Errors
    /// The kernel's errno when there is no route.
    pub fn egress(&self, dst: IpAddr, bound_if: Option<u32>) -> Result<Egress, Errno> {
        self.shared.kernel().egress(dst, bound_if)
    }

    /// Keeps the simulated clock in step with real time until the runtime
    /// stops (for a long-running helper on the sim).
    pub fn spawn_clock(&self, tick: Duration) -> tokio::task::JoinHandle<()> {
        let control = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(tick);
            loop {
                interval.tick().await;
                control.advance(tick);
            }
        })
    }
}

/// Boots `scenario` and returns a backend on it (tagging with `proto`) and
/// its control. Must be called within a tokio runtime.
///
/// # Errors
/// The scenario's error when its set-up fails.
pub fn sim_backend(
    scenario: Scenario,
    proto: ProtoFlag,
    config: SessionConfig,
) -> Result<(SimBackend, SimControl), ScenarioError> {
    let mut kernel = scenario.boot()?;
    let socket = kernel.open_socket(SIM_PID, 0);
    let _ = kernel.set_rcvbuf(socket, RECEIVE_BUFFER);
    let shared = Arc::new(Shared {
        kernel: Mutex::new(kernel),
        changed: Notify::new(),
        bindings: Mutex::new(BTreeMap::new()),
    });
    let backend = PfRouteBackend::new(
        SimPlatform {
            shared: shared.clone(),
            socket,
        },
        proto,
        config,
    );
    Ok((
        backend,
        SimControl {
            shared,
            scenario: Arc::new(scenario),
        },
    ))
}
