//! Kernel bytes to model values: routing-socket messages to events, sysctl
//! dumps to the routing table and the interface list.

use std::collections::BTreeMap;

use routing_core::model::{
    Family, Interface, InterfaceAddress, InterfaceKind, RouteFlags, RouteTable,
};
use routing_core::wire::pf_route::consts::{
    RTM_ADD, RTM_CHANGE, RTM_DELADDR, RTM_DELETE, RTM_NEWADDR,
};
use routing_core::wire::pf_route::convert::destination;
use routing_core::wire::pf_route::{
    mask_len, route_from_message, route_from_message2, Dump, Message,
};

use crate::event::{BackendEvent, RouteChange};

/// `IFF_UP`.
const IFF_UP: i32 = 0x1;

/// What a routing-socket message means to the route manager. `our_pid`
/// marks echoes of our own writes.
pub fn event_from_bytes(bytes: &[u8], our_pid: i32) -> Option<BackendEvent> {
    let message = match Message::parse(bytes) {
        Ok(message) => message,
        Err(e) => {
            return Some(BackendEvent::Unparsed {
                reason: e.to_string(),
            })
        }
    };
    match message {
        Message::Route(m) => {
            let change = match m.header.rtm_type {
                RTM_ADD => RouteChange::Added,
                RTM_DELETE => RouteChange::Deleted,
                RTM_CHANGE => RouteChange::Changed,
                _ => RouteChange::Other,
            };
            let Some(dst) = m.addrs.dst() else {
                return Some(BackendEvent::Unparsed {
                    reason: "a route message without a destination".into(),
                });
            };
            let destination = match destination(
                dst,
                m.addrs.netmask(),
                m.header.flags.contains(RouteFlags::HOST),
            ) {
                Ok((prefix, _zone)) => prefix,
                Err(e) => {
                    return Some(BackendEvent::Unparsed {
                        reason: e.to_string(),
                    })
                }
            };
            Some(BackendEvent::Route {
                change,
                destination,
                flags: m.header.flags,
                interface: u32::from(m.header.index),
                gateway: m.addrs.gateway().and_then(|g| g.ip()),
                ours: m.header.pid == our_pid,
            })
        }
        Message::Interface(m) => Some(BackendEvent::Interface {
            index: u32::from(m.header.index),
            up: m.header.flags & IFF_UP != 0,
        }),
        Message::Address(m) => {
            let family = m.addrs.ifa().and_then(|a| a.ip()).map(Family::of)?;
            let added = match m.header.rtm_type {
                RTM_NEWADDR => true,
                RTM_DELADDR => false,
                _ => return None,
            };
            Some(BackendEvent::Address {
                index: u32::from(m.header.index),
                family,
                added,
            })
        }
        _ => None,
    }
}

/// The routing table from a `NET_RT_DUMP2` (or `NET_RT_DUMP`) buffer.
/// Records that do not describe a route (an unknown family) are skipped;
/// a malformed buffer is an error.
///
/// # Errors
/// The codec's error for the first malformed record.
pub fn table_from_dump(
    buf: &[u8],
    names: &dyn Fn(u32) -> Option<String>,
) -> Result<RouteTable, String> {
    let mut table = RouteTable::new();
    for message in Dump::new(buf) {
        let route = match message.map_err(|e| e.to_string())? {
            Message::Route2(m) => route_from_message2(&m, names),
            Message::Route(m) => route_from_message(&m, names),
            _ => continue,
        };
        if let Ok(route) = route {
            let _ = table.insert(route);
        }
    }
    Ok(table)
}

/// The interfaces from a `NET_RT_IFLIST2` buffer: each `RTM_IFINFO2` and the
/// `RTM_NEWADDR` records that follow it. `kind` decides each interface's
/// kind from its index, name and `IFT_*` type.
///
/// # Errors
/// The codec's error for the first malformed record.
pub fn interfaces_from_iflist(
    buf: &[u8],
    kind: &dyn Fn(u32, &str, u8) -> InterfaceKind,
) -> Result<Vec<Interface>, String> {
    let mut interfaces: BTreeMap<u32, Interface> = BTreeMap::new();
    for message in Dump::new(buf) {
        match message.map_err(|e| e.to_string())? {
            Message::Interface2(m) => {
                let index = u32::from(m.header.index);
                let sdl = m.addrs.ifp().and_then(|s| s.as_link());
                let name = sdl
                    .and_then(|s| s.name_str())
                    .unwrap_or_default()
                    .to_string();
                let if_type = m.header.data.if_type;
                interfaces.insert(
                    index,
                    Interface {
                        index,
                        kind: kind(index, &name, if_type),
                        name,
                        up: m.header.flags & IFF_UP != 0,
                        mtu: m.header.data.mtu,
                        lladdr: sdl.map(|s| s.lladdr().to_vec()).unwrap_or_default(),
                        addresses: Vec::new(),
                    },
                );
            }
            Message::Address(m) if m.header.rtm_type == RTM_NEWADDR => {
                let Some((addr, _zone)) = m.addrs.ifa().and_then(|a| a.ip_zone()) else {
                    continue;
                };
                let prefix_len = m
                    .addrs
                    .netmask()
                    .and_then(|mask| mask_len(Family::of(addr), mask).ok())
                    .unwrap_or(Family::of(addr).max_len());
                let peer_or_broadcast = m.addrs.brd().and_then(|b| b.ip());
                if let Some(interface) = interfaces.get_mut(&u32::from(m.header.index)) {
                    interface.addresses.push(InterfaceAddress {
                        addr,
                        prefix_len,
                        peer_or_broadcast,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(interfaces.into_values().collect())
}
