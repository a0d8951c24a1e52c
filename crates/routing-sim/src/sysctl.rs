//! `sysctl({CTL_NET, PF_ROUTE, 0, af, op, arg})`: route dumps and
//! interface lists (darwin-route-socket.md §3.6; xnu `rtsock.c`
//! `sysctl_rtsock`, `sysctl_dumpentry`, `sysctl_iflist2`).
//!
//! - `NET_RT_DUMP` (1) and `NET_RT_FLAGS` (2, routes with `flags & arg`):
//!   `RTM_GET` records; `NET_RT_DUMP2` (7): `RTM_GET2` records carrying
//!   the refcount and the cloning parent's flags. Each record has DST,
//!   GATEWAY, NETMASK (not for host routes) and IFA, padded (`rt_msg2`),
//!   IPv4 before IPv6, in radix order.
//! - `NET_RT_IFLIST` (3) and `NET_RT_IFLIST2` (6): per interface (in attach
//!   order; `arg` an index filter), `RTM_IFINFO`/`RTM_IFINFO2` with IFP,
//!   then one `RTM_NEWADDR` (NETMASK, IFA, BRD) per address of the family.
//! - `af` is 0 (both), `AF_INET` or `AF_INET6`; any other `af` walks no
//!   table and fails with `EINVAL`, as an unknown `op` does. The
//!   statistics ops (4, 5, 8–11) are not simulated (`EINVAL`).
//! - A size probe returns the exact length; a read into a smaller buffer
//!   fails with `ENOMEM` (callers probe again, as netstat does).

use routing_core::model::{Family, RouteFlags};
use routing_core::wire::pf_route::{dump2_record, RouteExtras, RouteHeader, RouteMessage};

use crate::errno::Errno;
use crate::faults::{Fault, Site};
use crate::kernel::SimKernel;
use crate::msg::{self, Builder};

/// `CTL_NET`.
pub const CTL_NET: i32 = 4;
/// `PF_ROUTE`.
pub const PF_ROUTE: i32 = 17;
/// `NET_RT_DUMP`.
pub const NET_RT_DUMP: i32 = 1;
/// `NET_RT_FLAGS`.
pub const NET_RT_FLAGS: i32 = 2;
/// `NET_RT_IFLIST`.
pub const NET_RT_IFLIST: i32 = 3;
/// `NET_RT_IFLIST2`.
pub const NET_RT_IFLIST2: i32 = 6;
/// `NET_RT_DUMP2`.
pub const NET_RT_DUMP2: i32 = 7;

/// The MIB of a routing sysctl: `{CTL_NET, PF_ROUTE, 0, af, op, arg}`.
pub fn route_mib(af: i32, op: i32, arg: i32) -> [i32; 6] {
    [CTL_NET, PF_ROUTE, 0, af, op, arg]
}

impl SimKernel {
    /// A routing sysctl read in one go (probe and read with no race).
    ///
    /// # Errors
    /// As [`SimKernel::sysctl_read`].
    pub fn sysctl(&mut self, mib: &[i32]) -> Result<Vec<u8>, Errno> {
        let out = self.sysctl_bytes(mib)?;
        Ok(out)
    }

    /// The size probe (`oldp == NULL`): how many bytes a read needs now.
    /// A [`Fault::GrowAfterProbe`] rule may add routes right after it.
    ///
    /// # Errors
    /// `EINVAL` for a malformed MIB, an unknown op or family.
    pub fn sysctl_size(&mut self, mib: &[i32]) -> Result<usize, Errno> {
        let len = self.sysctl_bytes(mib)?.len();
        if let Some(Fault::GrowAfterProbe(n)) = self.faults.check(Site::SysctlProbe) {
            self.grow_table(n);
        }
        Ok(len)
    }

    /// A read into a caller buffer of `buf_len` bytes.
    ///
    /// # Errors
    /// `ENOMEM` when the answer is longer than `buf_len`; `EINVAL` as for
    /// [`SimKernel::sysctl_size`].
    pub fn sysctl_read(&mut self, mib: &[i32], buf_len: usize) -> Result<Vec<u8>, Errno> {
        let out = self.sysctl_bytes(mib)?;
        if out.len() > buf_len {
            return Err(Errno::ENOMEM);
        }
        Ok(out)
    }

    fn sysctl_bytes(&self, mib: &[i32]) -> Result<Vec<u8>, Errno> {
        let [CTL_NET, PF_ROUTE, 0, af, op, arg] = *mib else {
            return Err(Errno::EINVAL);
        };
        let families: Vec<Family> = match af {
            0 => vec![Family::V4, Family::V6],
            2 => vec![Family::V4],
            30 => vec![Family::V6],
            _ => return Err(Errno::EINVAL),
        };
        match op {
            NET_RT_DUMP | NET_RT_DUMP2 | NET_RT_FLAGS => Ok(self.dump(&families, op, arg)),
            NET_RT_IFLIST | NET_RT_IFLIST2 => Ok(self.iflist(&families, af, op, arg)),
            _ => Err(Errno::EINVAL),
        }
    }

    /// `sysctl_dumpentry` over the tables.
    fn dump(&self, families: &[Family], op: i32, arg: i32) -> Vec<u8> {
        let mut out = Vec::new();
        for route in self.table.iter() {
            if !families.contains(&route.family()) {
                continue;
            }
            if op == NET_RT_FLAGS && !route.flags.intersects(RouteFlags::from_bits(arg as u32)) {
                continue;
            }
            let key = route.key();
            let extra = self.extra(&key);
            // The codec's NET_RT_DUMP2 record, with what only the kernel
            // knows: the link gateway's interface type, the metrics it keeps
            // (locks, pipes), the clone count and the parent's flags.
            let extras = RouteExtras {
                ifp: None,
                ifa: extra.ifa,
                gateway_if_type: msg::gateway_if_type(route, self),
            };
            let mut record = dump2_record(route, &extras);
            record.header.index = msg::index16(route.interface.index);
            record.header.rmx = msg::rmx(route, &extra);
            if op == NET_RT_DUMP2 {
                let refcnt = i32::try_from(self.clone_count(&key)).unwrap_or(i32::MAX);
                record.header.refcnt = refcnt.max(route.metrics.refcnt);
                record.header.parent_flags = extra
                    .parent
                    .and_then(|p| self.table.get(&p))
                    .map_or(RouteFlags::EMPTY, |p| p.flags);
                out.extend_from_slice(&record.to_bytes());
            } else {
                let h = record.header;
                let get = RouteMessage {
                    header: RouteHeader {
                        rtm_type: msg::RTM_GET,
                        index: h.index,
                        flags: h.flags,
                        use_count: h.use_count,
                        rmx: h.rmx,
                        ..RouteHeader::default()
                    },
                    addrs: record.addrs,
                };
                out.extend_from_slice(&get.to_bytes());
            }
        }
        out
    }

    /// `sysctl_iflist` / `sysctl_iflist2`.
    fn iflist(&self, families: &[Family], af: i32, op: i32, arg: i32) -> Vec<u8> {
        let mut out = Vec::new();
        for index in &self.attach_order {
            let Some(iface) = self.interfaces.get(index) else {
                continue;
            };
            if arg != 0 && i64::from(arg) != i64::from(iface.index) {
                continue;
            }
            if op == NET_RT_IFLIST2 {
                out.extend_from_slice(&crate::ifmsg::ifinfo2(iface));
            } else {
                out.extend_from_slice(&crate::ifmsg::ifinfo_record(iface));
            }
            for addr in &iface.addresses {
                let family = Family::of(addr.addr);
                if af != 0 && !families.contains(&family) {
                    continue;
                }
                out.extend_from_slice(&crate::ifmsg::ifa_message(
                    msg::RTM_NEWADDR,
                    iface,
                    addr,
                    Builder::Msg2,
                ));
            }
        }
        out
    }

    /// The fault that follows a size probe: host clones of the primary
    /// default, as new TCP connections would make (`UHW3Ig`, expiring).
    fn grow_table(&mut self, n: u32) {
        let Some(primary) = self.primary(Family::V4) else {
            return;
        };
        let mut made = 0;
        // Documentation addresses only: 203.0.113.1-254, then 198.51.100.1-254.
        let candidates = (1..=254u8)
            .map(|h| std::net::Ipv4Addr::new(203, 0, 113, h))
            .chain((1..=254u8).map(|h| std::net::Ipv4Addr::new(198, 51, 100, h)));
        for addr in candidates {
            if made >= n {
                break;
            }
            let dst = std::net::IpAddr::V4(addr);
            let Some(parent) = self.table.lookup(dst, Some(primary)).cloned() else {
                return;
            };
            let spec = crate::events::CloneSpec {
                destination: dst,
                interface: primary,
                gateway: parent.gateway.clone(),
                flags: RouteFlags::UP
                    | RouteFlags::GATEWAY
                    | RouteFlags::PROTO3
                    | RouteFlags::IFSCOPE
                    | RouteFlags::GLOBAL,
                expire_in: Some(60),
            };
            if self.add_clone(&spec).is_ok() {
                made += 1;
            }
        }
    }
}

#[cfg(test)]
#[path = "sysctl_tests.rs"]
mod tests;
