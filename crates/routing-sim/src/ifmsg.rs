//! Interface messages: `RTM_NEWADDR`/`RTM_DELADDR` (`ifa_msghdr`),
//! `RTM_IFINFO` (`if_msghdr`, 112 bytes, no sockaddr) and the sysctl
//! `RTM_IFINFO2` record (`if_msghdr2` + `if_data64`), laid out as
//! darwin-route-socket.md §2.4–§2.6 describes.

use routing_core::model::Family;
use routing_core::wire::pf_route::consts::RTAX_IFP;
use routing_core::wire::pf_route::{
    AddressMessage, AddressSet, IfData, IfData64, IfHeader, IfHeader2, IfaHeader,
    Interface2Message, InterfaceMessage, Sockaddr,
};

use crate::iface::{SimAddress, SimInterface};
use crate::kernel::SimKernel;
use crate::msg::{self, Builder};

/// An `ifa_msghdr` message for an address: `RTM_NEWADDR`/`RTM_DELADDR`
/// (`rt_msg1`, with IFP) or the sysctl `RTM_NEWADDR` record (`rt_msg2`,
/// no IFP).
pub(crate) fn ifa_message(
    rtm_type: u8,
    iface: &SimInterface,
    addr: &SimAddress,
    builder: Builder,
) -> Vec<u8> {
    let zone = Some(iface.index);
    let ifp = (builder == Builder::Msg1).then(|| msg::ifp(iface));
    let slots = [
        None,
        None,
        Some(msg::ifa_mask(Family::of(addr.addr), addr.prefix_len)),
        None,
        ifp,
        Some(Sockaddr::from_ip_zone(addr.addr, zone)),
        None,
        addr.peer_or_broadcast
            .map(|b| Sockaddr::from_ip_zone(b, zone)),
    ];
    AddressMessage {
        header: IfaHeader {
            rtm_type,
            flags: addr.ifa_flags as i32,
            index: msg::index16(iface.index),
            ..IfaHeader::default()
        },
        addrs: msg::addresses(slots, builder),
    }
    .to_bytes()
}

/// `RTM_NEWADDR`/`RTM_DELADDR` as `rt_newaddrmsg` sends it.
pub(crate) fn ifa_msg1(
    rtm_type: u8,
    iface: &SimInterface,
    addr: &SimAddress,
    _k: &SimKernel,
) -> Vec<u8> {
    ifa_message(rtm_type, iface, addr, Builder::Msg1)
}

/// The 96-byte `if_data` (pack 4, `timeval32`).
fn if_data(iface: &SimInterface) -> IfData {
    IfData {
        if_type: iface.if_type,
        addrlen: iface.lladdr.len() as u8,
        hdrlen: hdrlen(iface),
        mtu: iface.mtu,
        baudrate: baudrate(iface) as u32,
        lastchange_sec: last_change(iface),
        ..IfData::default()
    }
}

/// The 128-byte `if_data64`.
fn if_data64(iface: &SimInterface) -> IfData64 {
    IfData64 {
        if_type: iface.if_type,
        addrlen: iface.lladdr.len() as u8,
        hdrlen: hdrlen(iface),
        mtu: iface.mtu,
        baudrate: baudrate(iface),
        lastchange_sec: last_change(iface),
        ..IfData64::default()
    }
}

/// `ifi_hdrlen`: 14 for Ethernet, else 0.
fn hdrlen(iface: &SimInterface) -> u8 {
    if iface.if_type == crate::iface::ift::ETHER {
        14
    } else {
        0
    }
}

/// `ifi_lastchange.tv_sec`.
fn last_change(iface: &SimInterface) -> i32 {
    i32::try_from(iface.last_change).unwrap_or(i32::MAX)
}

/// `ifm_flags`: `if_flags` truncated to 16 bits.
fn ifm_flags(iface: &SimInterface) -> i32 {
    (iface.flags & 0xffff) as i32
}

/// A plausible link speed per kind, in bits per second.
fn baudrate(iface: &SimInterface) -> u64 {
    use routing_core::model::InterfaceKind as K;
    match iface.kind {
        K::Ethernet | K::Bridge => 1_000_000_000,
        K::Wifi => 866_000_000,
        _ => 0,
    }
}

/// The `if_msghdr` fields of an interface.
fn if_header(iface: &SimInterface) -> IfHeader {
    IfHeader {
        flags: ifm_flags(iface),
        index: msg::index16(iface.index),
        pad: 0,
        data: if_data(iface),
    }
}

/// `RTM_IFINFO` from `rt_ifmsg`: the 112-byte `if_msghdr`, no sockaddr.
pub(crate) fn ifinfo(iface: &SimInterface) -> Vec<u8> {
    InterfaceMessage {
        header: if_header(iface),
        addrs: AddressSet::new(),
    }
    .to_bytes()
}

/// The sysctl `RTM_IFINFO2` record: `if_msghdr2` plus IFP.
pub(crate) fn ifinfo2(iface: &SimInterface) -> Vec<u8> {
    Interface2Message {
        header: IfHeader2 {
            flags: ifm_flags(iface),
            index: msg::index16(iface.index),
            snd_maxlen: 128, // a typical send queue limit
            data: if_data64(iface),
            ..IfHeader2::default()
        },
        addrs: ifp_only(iface),
    }
    .to_bytes()
}

/// The sysctl `RTM_IFINFO` record (`NET_RT_IFLIST`): `if_msghdr` plus IFP.
pub(crate) fn ifinfo_record(iface: &SimInterface) -> Vec<u8> {
    InterfaceMessage {
        header: if_header(iface),
        addrs: ifp_only(iface),
    }
    .to_bytes()
}

/// The address set of the interface records: the link address alone.
fn ifp_only(iface: &SimInterface) -> AddressSet {
    AddressSet::new().with(RTAX_IFP, msg::ifp(iface))
}
