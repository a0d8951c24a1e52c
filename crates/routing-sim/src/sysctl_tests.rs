use super::*;
use crate::faults::FaultRule;
use crate::scenario::Scenario;
use crate::testkit::{le32, mini_mac, route};

/// Splits a sysctl answer into its records.
fn records(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = usize::from(u16::from_le_bytes([bytes[at], bytes[at + 1]]));
        out.push(&bytes[at..at + len]);
        at += len;
    }
    out
}

fn realistic() -> SimKernel {
    Scenario::realistic_mac().unwrap().boot().unwrap()
}

#[test]
fn dump_has_one_padded_rtm_get_record_per_route_in_table_order() {
    let mut k = realistic();
    let bytes = k.sysctl(&route_mib(0, NET_RT_DUMP, 0)).unwrap();
    let recs = records(&bytes);
    assert_eq!(recs.len(), k.table().len());
    for (rec, route) in recs.iter().zip(k.table().iter()) {
        assert_eq!(rec[3], msg::RTM_GET);
        assert_eq!(rec.len() % 4, 0);
        assert_eq!(le32(rec, 8), route.flags.bits());
        assert_eq!(
            u32::from(u16::from_le_bytes([rec[4], rec[5]])),
            route.interface.index
        );
        assert_eq!((le32(rec, 16), le32(rec, 20), le32(rec, 24)), (0, 0, 0));
        let has_mask = le32(rec, 12) & msg::RTA_NETMASK != 0;
        assert_eq!(has_mask, !route.is_host());
        assert_ne!(le32(rec, 12) & msg::RTA_IFA, 0, "dumps carry IFA");
    }
}

#[test]
fn dump2_records_carry_refcount_and_the_parents_flags() {
    let mut k = realistic();
    let bytes = k.sysctl(&route_mib(2, NET_RT_DUMP2, 0)).unwrap();
    let recs = records(&bytes);
    let arp = k
        .table()
        .family(routing_core::model::Family::V4)
        .position(|r| r.flags.netstat_letters() == "UHLWIir")
        .unwrap();
    let parent_flags = le32(recs[arp], 20);
    assert_eq!(recs[arp][3], msg::RTM_GET2);
    assert_eq!(RouteFlags::from_bits(parent_flags).netstat_letters(), "UCS");
    let router_route = arp - 1; // 192.0.2.1/32, the ARP entry's parent
    assert_eq!(le32(recs[router_route], 16), 1, "one clone holds it");
}

#[test]
fn the_family_filter_and_bad_mibs() {
    let mut k = realistic();
    let v4 = records(&k.sysctl(&route_mib(2, NET_RT_DUMP, 0)).unwrap()).len();
    let v6 = records(&k.sysctl(&route_mib(30, NET_RT_DUMP, 0)).unwrap()).len();
    assert_eq!(v4 + v6, k.table().len());
    assert!(v4 > 0 && v6 > 0);
    assert_eq!(
        k.sysctl(&route_mib(18, NET_RT_DUMP, 0)),
        Err(Errno::EINVAL),
        "AF_LINK walks no table"
    );
    assert_eq!(k.sysctl(&route_mib(0, 99, 0)), Err(Errno::EINVAL));
    assert_eq!(
        k.sysctl(&route_mib(0, 4, 0)),
        Err(Errno::EINVAL),
        "NET_RT_STAT is not simulated"
    );
    assert_eq!(k.sysctl(&[4, 17, 0, 0]), Err(Errno::EINVAL));
}

#[test]
fn flags_dump_keeps_only_matching_routes() {
    let mut k = realistic();
    let llinfo = RouteFlags::LLINFO.bits() as i32;
    let bytes = k.sysctl(&route_mib(0, NET_RT_FLAGS, llinfo)).unwrap();
    let want = k
        .table()
        .iter()
        .filter(|r| r.flags.contains(RouteFlags::LLINFO))
        .count();
    assert_eq!(records(&bytes).len(), want);
}

#[test]
fn iflist2_has_ifinfo2_then_one_newaddr_per_address() {
    let mut k = realistic();
    let bytes = k.sysctl(&route_mib(0, NET_RT_IFLIST2, 0)).unwrap();
    let recs = records(&bytes);
    let expected: usize = k.interfaces().iter().map(|i| 1 + i.addresses.len()).sum();
    assert_eq!(recs.len(), expected);
    assert_eq!(recs[0][3], msg::RTM_IFINFO2);
    assert_eq!(le32(recs[0], 4), msg::RTA_IFP);
    assert_eq!(&recs[0][160 + 8..160 + 11], b"lo0");
    assert_eq!(recs[1][3], msg::RTM_NEWADDR);
    assert_eq!(
        le32(recs[1], 4) & msg::RTA_IFP,
        0,
        "no IFP in sysctl NEWADDR"
    );
    let v6_only = records(&k.sysctl(&route_mib(30, NET_RT_IFLIST2, 0)).unwrap())
        .iter()
        .filter(|r| r[3] == msg::RTM_NEWADDR)
        .count();
    let v6_addrs: usize = k
        .interfaces()
        .iter()
        .map(|i| i.addresses.iter().filter(|a| a.addr.is_ipv6()).count())
        .sum();
    assert_eq!(v6_only, v6_addrs);
    let en0 = records(&k.sysctl(&route_mib(0, NET_RT_IFLIST2, 11)).unwrap()).len();
    assert_eq!(en0, 1 + 3);
}

#[test]
fn a_read_into_a_short_buffer_is_enomem() {
    let mut k = mini_mac();
    let mib = route_mib(0, NET_RT_DUMP2, 0);
    let size = k.sysctl_size(&mib).unwrap();
    assert_eq!(k.sysctl_read(&mib, size - 1), Err(Errno::ENOMEM));
    assert_eq!(k.sysctl_read(&mib, size).unwrap().len(), size);
}

#[test]
fn a_table_that_grows_after_the_probe_makes_the_read_fail_until_the_caller_probes_again() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    k.faults_mut()
        .add(FaultRule::new(Fault::GrowAfterProbe(5)).next(1));
    let mib = route_mib(0, NET_RT_DUMP, 0);
    let before = k.table().len();
    let size = k.sysctl_size(&mib).unwrap();
    assert_eq!(k.table().len(), before + 5);
    assert_eq!(k.sysctl_read(&mib, size), Err(Errno::ENOMEM));
    // netstat's loop: probe again, with slack, and read.
    let size = k.sysctl_size(&mib).unwrap();
    assert_eq!(k.table().len(), before + 5, "the fault fired once");
    let bytes = k.sysctl_read(&mib, size + size / 2).unwrap();
    assert_eq!(records(&bytes).len(), before + 5);
}
