//! The simulated kernel's state: interfaces, the routing table, sockets,
//! the clocks and the fault plan, plus the table operations every other
//! module goes through.
//!
//! # Time
//! There is no clock. [`SimKernel::now_ms`] is a monotonic millisecond
//! counter moved only by [`SimKernel::advance`]; the wall clock
//! ([`SimKernel::wall_now`], seconds, what `rmx_expire` is measured in) is
//! the boot time plus the monotonic seconds plus every jump made with
//! [`SimKernel::jump_wall`] (a sleep: the Mac's monotonic time stops while
//! the calendar moves on).

use std::collections::BTreeMap;
use std::net::IpAddr;

use routing_core::model::{Family, Interface, Route, RouteFlags, RouteKey, RouteTable};

use crate::errno::Errno;
use crate::faults::{Fault, FaultPlan, Site};
use crate::iface::SimInterface;
use crate::socket::{Broadcast, SocketId, Sockets};

/// The wall-clock time a kernel boots at unless told otherwise
/// (2023-11-14T22:13:20Z).
pub const DEFAULT_BOOT_WALL: i64 = 1_700_000_000;

/// What the kernel keeps about a route besides the model's [`Route`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RouteExtra {
    /// `rt_ifa`: the interface address the route uses (reported as
    /// `RTA_IFA`, and what `if_down` deletes IPv4 routes by).
    pub(crate) ifa: Option<IpAddr>,
    /// The cloning parent of a clone.
    pub(crate) parent: Option<RouteKey>,
    /// `rmx_locks`.
    pub(crate) locks: u32,
    /// `rmx_recvpipe`, `rmx_sendpipe`, `rmx_ssthresh`, `rmx_rtt`,
    /// `rmx_rttvar`, as set through `rtm_inits`.
    pub(crate) pipes: [u32; 5],
}

/// When a held-back message is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Release {
    /// When the monotonic clock reaches this millisecond.
    AtMs(u64),
    /// When every socket open at hold time has been read past this count.
    AfterReads(u32),
    /// Right after the next message is broadcast.
    AfterNext,
}

/// A message a fault is holding back.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub(crate) message: Broadcast,
    pub(crate) release: Release,
    /// Per socket, the read count it must exceed (for `AfterReads`).
    pub(crate) read_marks: Vec<(SocketId, u64)>,
}

/// A simulated XNU routing kernel. See the crate documentation.
#[derive(Debug, Clone)]
pub struct SimKernel {
    pub(crate) interfaces: BTreeMap<u32, SimInterface>,
    /// Interface indexes in attach order (`ifnet_head`).
    pub(crate) attach_order: Vec<u32>,
    pub(crate) table: RouteTable,
    pub(crate) extras: BTreeMap<RouteKey, RouteExtra>,
    pub(crate) sockets: Sockets,
    pub(crate) held: Vec<Held>,
    pub(crate) faults: FaultPlan,
    now_ms: u64,
    boot_wall: i64,
    wall_jumps: i64,
}

impl Default for SimKernel {
    fn default() -> SimKernel {
        SimKernel::new()
    }
}

impl SimKernel {
    /// A kernel with no interfaces, no routes and no faults, booted at
    /// [`DEFAULT_BOOT_WALL`].
    pub fn new() -> SimKernel {
        SimKernel::booted_at(DEFAULT_BOOT_WALL)
    }

    /// A kernel booted at this wall-clock time (seconds since the epoch).
    pub fn booted_at(boot_wall: i64) -> SimKernel {
        SimKernel {
            interfaces: BTreeMap::new(),
            attach_order: Vec::new(),
            table: RouteTable::new(),
            extras: BTreeMap::new(),
            sockets: Sockets::default(),
            held: Vec::new(),
            faults: FaultPlan::default(),
            now_ms: 0,
            boot_wall,
            wall_jumps: 0,
        }
    }

    /// The routing table.
    pub fn table(&self) -> &RouteTable {
        &self.table
    }

    /// The interfaces in attach order, as the model sees them.
    pub fn interfaces(&self) -> Vec<Interface> {
        self.attach_order
            .iter()
            .filter_map(|i| self.interfaces.get(i))
            .map(SimInterface::to_model)
            .collect()
    }

    /// One interface by index.
    pub fn interface(&self, index: u32) -> Option<&SimInterface> {
        self.interfaces.get(&index)
    }

    /// The index of the interface with this name.
    pub fn index_of(&self, name: &str) -> Option<u32> {
        self.interfaces
            .values()
            .find(|i| i.name == name)
            .map(|i| i.index)
    }

    /// The name of an interface index (`if_indextoname`).
    pub fn name_of(&self, index: u32) -> Option<String> {
        self.interfaces.get(&index).map(|i| i.name.clone())
    }

    /// The fault plan, to add rules to.
    pub fn faults_mut(&mut self) -> &mut FaultPlan {
        &mut self.faults
    }

    /// Replaces the fault plan (and with it the fault seed).
    pub fn set_faults(&mut self, plan: FaultPlan) {
        self.faults = plan;
    }

    /// The fault plan.
    pub fn faults(&self) -> &FaultPlan {
        &self.faults
    }

    /// The monotonic clock, in milliseconds since boot.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// The wall clock, in seconds since the epoch.
    pub fn wall_now(&self) -> i64 {
        let uptime = i64::try_from(self.now_ms / 1000).unwrap_or(i64::MAX);
        self.boot_wall
            .saturating_add(uptime)
            .saturating_add(self.wall_jumps)
    }

    /// Moves both clocks forward. Held messages that are due are delivered
    /// and expired protocol clones are reaped.
    pub fn advance(&mut self, ms: u64) {
        self.now_ms = self.now_ms.saturating_add(ms);
        self.release_due();
        self.reap_expired();
    }

    /// Moves only the wall clock (a sleep: the monotonic clock stands still).
    /// Expired protocol clones are reaped.
    pub fn jump_wall(&mut self, seconds: i64) {
        self.wall_jumps = self.wall_jumps.saturating_add(seconds);
        self.reap_expired();
    }

    /// Deletes clones the inet layer marked for expiry (`RTPRF_OURS`, i.e.
    /// `RTF_PROTO3`) once their time is up, silently, as `in_rtqkill`
    /// does. ARP entries are left alone (netstat shows them with `!`).
    fn reap_expired(&mut self) {
        let now = self.wall_now();
        let doomed: Vec<RouteKey> = self
            .table
            .iter()
            .filter(|r| r.flags.contains(RouteFlags::WASCLONED | RouteFlags::PROTO3))
            .filter(|r| r.expire.is_some_and(|at| at <= now))
            .map(Route::key)
            .collect();
        for key in doomed {
            let _ = self.remove_route(&key);
        }
    }

    /// Adds a route with its kernel-side extras.
    pub(crate) fn insert_route(&mut self, route: Route, extra: RouteExtra) -> Result<(), Errno> {
        let key = route.key();
        let replaced_clone = self
            .table
            .get(&key)
            .is_some_and(|r| r.flags.contains(RouteFlags::WASCLONED));
        if replaced_clone {
            self.remove_route(&key)?;
        }
        self.table.insert(route).map_err(|_| Errno::EEXIST)?;
        self.extras.insert(key, extra);
        Ok(())
    }

    /// Removes a route and, first, every clone made from it (`rtrequest`
    /// deletes the children of a cloning route with it).
    pub(crate) fn remove_route(&mut self, key: &RouteKey) -> Result<Route, Errno> {
        let children: Vec<RouteKey> = self
            .extras
            .iter()
            .filter(|(_, e)| e.parent.as_ref() == Some(key))
            .map(|(k, _)| *k)
            .collect();
        for child in children {
            let _ = self.remove_route(&child);
        }
        let route = self.table.remove(key).map_err(|_| Errno::ESRCH)?;
        self.extras.remove(key);
        Ok(route)
    }

    /// The extras of a route.
    pub(crate) fn extra(&self, key: &RouteKey) -> RouteExtra {
        self.extras.get(key).cloned().unwrap_or_default()
    }

    /// How many clones hang off a route (reported as its refcount).
    pub(crate) fn clone_count(&self, key: &RouteKey) -> usize {
        self.extras
            .values()
            .filter(|e| e.parent.as_ref() == Some(key))
            .count()
    }

    /// The loopback interface's index, if one is attached.
    pub(crate) fn loopback_index(&self) -> Option<u32> {
        self.interfaces
            .values()
            .find(|i| i.is_loopback())
            .map(|i| i.index)
    }

    /// The family's primary interface (`P`, darwin-route-socket.md §5.7).
    pub fn primary(&self, family: Family) -> Option<u32> {
        self.table.primary(family)
    }

    /// Broadcasts a message, through the fault plan.
    pub(crate) fn broadcast(&mut self, message: Broadcast) {
        let site = Site::Message {
            rtm_type: message.rtm_type(),
            echo: message.echo,
        };
        let release = match self.faults.check(site) {
            Some(Fault::DropMessage) => None,
            Some(Fault::ReorderMessage) => Some(Release::AfterNext),
            Some(Fault::DelayMessage(crate::faults::Delay::Millis(ms))) => {
                Some(Release::AtMs(self.now_ms.saturating_add(ms)))
            }
            Some(Fault::DelayMessage(crate::faults::Delay::Reads(n))) => {
                Some(Release::AfterReads(n))
            }
            _ => {
                self.sockets.deliver(&message);
                self.release_after_next();
                return;
            }
        };
        if let Some(release) = release {
            let read_marks = self
                .sockets
                .ids()
                .into_iter()
                .filter_map(|id| self.sockets.get(id).ok().map(|s| (id, s.reads)))
                .collect();
            self.held.push(Held {
                message,
                release,
                read_marks,
            });
        }
    }

    /// Delivers messages reordered behind the one just sent.
    fn release_after_next(&mut self) {
        let (due, keep): (Vec<Held>, Vec<Held>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|h| h.release == Release::AfterNext);
        self.held = keep;
        for held in due {
            self.sockets.deliver(&held.message);
        }
    }

    /// Delivers held messages whose time has come.
    pub(crate) fn release_due(&mut self) {
        let now = self.now_ms;
        let mut keep = Vec::new();
        for held in std::mem::take(&mut self.held) {
            match held.release {
                Release::AtMs(at) if at <= now => self.sockets.deliver(&held.message),
                Release::AfterReads(n) => {
                    // Each recipient gets it once it has been read n times.
                    let mut waiting = Vec::new();
                    for (id, mark) in &held.read_marks {
                        match self.sockets.get(*id) {
                            Ok(s) if s.reads >= mark + u64::from(n) => {
                                let target = *id;
                                self.sockets.deliver_to(&held.message, |s| s == target);
                            }
                            Ok(_) => waiting.push((*id, *mark)),
                            Err(_) => {}
                        }
                    }
                    if !waiting.is_empty() {
                        keep.push(Held {
                            read_marks: waiting,
                            ..held
                        });
                    }
                }
                _ => keep.push(held),
            }
        }
        self.held = keep;
    }
}

#[cfg(test)]
#[path = "kernel_tests.rs"]
mod tests;
