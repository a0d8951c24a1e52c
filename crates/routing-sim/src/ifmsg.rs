//! Interface messages: `RTM_NEWADDR`/`RTM_DELADDR` (`ifa_msghdr`),
//! `RTM_IFINFO` (`if_msghdr`, 112 bytes, no sockaddr) and the sysctl
//! `RTM_IFINFO2` record (`if_msghdr2` + `if_data64`), laid out as
//! darwin-route-socket.md §2.4–§2.6 describes.

use routing_core::model::Family;
use routing_core::wire::pf_route::consts::RTAX_IFP;
use routing_core::wire::pf_route::{
    AddressMessage, AddressSet, IfHeader, IfHeader2, IfaHeader, Interface2Message,
    InterfaceMessage, Sockaddr,
};

use crate::iface::{SimAddress, SimInterface};
use crate::kernel::SimKernel;
use crate::msg::{
    self, put_i32, put_u32, Builder, IF_MSGHDR2_LEN, IF_MSGHDR_LEN, RTM_IFINFO, RTM_IFINFO2,
    RTM_VERSION,
};

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
fn if_data(iface: &SimInterface) -> Vec<u8> {
    let mut d = vec![0u8; 96];
    d[0] = iface.if_type;
    d[3] = iface.lladdr.len() as u8;
    d[4] = if iface.if_type == crate::iface::ift::ETHER {
        14
    } else {
        0
    };
    put_u32(&mut d, 8, iface.mtu);
    put_u32(&mut d, 16, baudrate(iface) as u32);
    put_i32(
        &mut d,
        72,
        i32::try_from(iface.last_change).unwrap_or(i32::MAX),
    );
    d
}

/// The 128-byte `if_data64`.
fn if_data64(iface: &SimInterface) -> Vec<u8> {
    let mut d = vec![0u8; 128];
    d[0] = iface.if_type;
    d[3] = iface.lladdr.len() as u8;
    d[4] = if iface.if_type == crate::iface::ift::ETHER {
        14
    } else {
        0
    };
    put_u32(&mut d, 8, iface.mtu);
    d[16..24].copy_from_slice(&baudrate(iface).to_le_bytes());
    put_i32(
        &mut d,
        120,
        i32::try_from(iface.last_change).unwrap_or(i32::MAX),
    );
    d
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

/// `RTM_IFINFO` from `rt_ifmsg`: the 112-byte `if_msghdr`, no sockaddr.
pub(crate) fn ifinfo(iface: &SimInterface) -> Vec<u8> {
    let mut h = vec![0u8; IF_MSGHDR_LEN];
    h[0..2].copy_from_slice(&(IF_MSGHDR_LEN as u16).to_le_bytes());
    h[2] = RTM_VERSION;
    h[3] = RTM_IFINFO;
    put_u32(&mut h, 8, iface.flags & 0xffff);
    h[12..14].copy_from_slice(&u16::try_from(iface.index).unwrap_or(0).to_le_bytes());
    h[16..112].copy_from_slice(&if_data(iface));
    h
}

/// The sysctl `RTM_IFINFO2` record: `if_msghdr2` plus IFP.
pub(crate) fn ifinfo2(iface: &SimInterface) -> Vec<u8> {
    let mut h = vec![0u8; IF_MSGHDR2_LEN];
    h[2] = RTM_VERSION;
    h[3] = RTM_IFINFO2;
    put_u32(&mut h, 8, iface.flags & 0xffff);
    h[12..14].copy_from_slice(&u16::try_from(iface.index).unwrap_or(0).to_le_bytes());
    put_u32(&mut h, 20, 128); // ifm_snd_maxlen: a typical send queue limit.
    h[32..160].copy_from_slice(&if_data64(iface));
    Interface2Message {
        header: IfHeader2::read(&h),
        addrs: ifp_only(iface),
    }
    .to_bytes()
}

/// The sysctl `RTM_IFINFO` record (`NET_RT_IFLIST`): `if_msghdr` plus IFP.
pub(crate) fn ifinfo_record(iface: &SimInterface) -> Vec<u8> {
    InterfaceMessage {
        header: IfHeader::read(&ifinfo(iface)),
        addrs: ifp_only(iface),
    }
    .to_bytes()
}

/// The address set of the interface records: the link address alone.
fn ifp_only(iface: &SimInterface) -> AddressSet {
    AddressSet::new().with(RTAX_IFP, msg::ifp(iface))
}
