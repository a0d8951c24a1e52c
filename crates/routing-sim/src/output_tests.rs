use super::*;
use crate::testkit::{hex, le32, mini_mac, route, route_bytes};
use crate::Errno;

/// A hand-built request: header fields and sockaddrs in RTAX order.
fn message(rtm_type: u8, flags: u32, index: u16, addrs: [Option<Vec<u8>>; 8]) -> Vec<u8> {
    let mut h = msg::rt_header(rtm_type);
    h[4..6].copy_from_slice(&index.to_le_bytes());
    msg::put_u32(&mut h, 8, flags);
    msg::put_i32(&mut h, 16, 999);
    msg::put_i32(&mut h, 20, 7);
    let bits = msg::assemble(&mut h, &addrs, Builder::Msg2);
    msg::put_i32(&mut h, 12, bits);
    h
}

fn v4(a: &str) -> Vec<u8> {
    msg::sa_in(a.parse().unwrap())
}

fn dst_only(rtm_type: u8, dst: Vec<u8>) -> Vec<u8> {
    message(
        rtm_type,
        0x1,
        0,
        [Some(dst), None, None, None, None, None, None, None],
    )
}

const UP_GW_STATIC: u32 = 0x803;

fn errno_of(m: &[u8]) -> i32 {
    le32(m, 24) as i32
}

fn flags_of(m: &[u8]) -> RouteFlags {
    RouteFlags::from_bits(le32(m, 8))
}

#[test]
fn writes_under_eight_bytes_fail_with_enobufs_and_broadcast_nothing() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    assert_eq!(k.write(s, &[1, 2, 3]), Err(Errno::ENOBUFS));
    assert_eq!(k.pending(s), 0);
}

#[test]
fn a_length_mismatch_is_einval_and_the_original_bytes_are_broadcast_unedited() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    let mut m = dst_only(msg::RTM_GET, v4("192.0.2.9"));
    m[0] += 4; // msglen no longer matches
    assert_eq!(k.write(s, &m), Err(Errno::EINVAL));
    let echo = k.read(s).unwrap();
    assert_eq!(echo, m, "no errno, no pid stamp, no DONE");
    let short = vec![8u8, 0, 5, 4, 0, 0, 0, 0, 0, 0];
    assert_eq!(k.write(s, &short), Err(Errno::EINVAL));
    assert_eq!(k.read(s).unwrap(), short);
}

#[test]
fn a_wrong_version_is_eprotonosupport_before_the_pid_is_stamped() {
    let mut k = mini_mac();
    let s = k.open_socket(1234, 0);
    let mut m = dst_only(msg::RTM_GET, v4("192.0.2.9"));
    m[2] = 4;
    assert_eq!(k.write(s, &m), Err(Errno::EPROTONOSUPPORT));
    let echo = k.read(s).unwrap();
    assert_eq!(errno_of(&echo), 43);
    assert_eq!(
        le32(&echo, 16),
        999,
        "pid is stamped only after the early checks"
    );
    assert!(!flags_of(&echo).contains(RouteFlags::DONE));
}

#[test]
fn get_silent_needs_loopback_and_answers_only_the_sender() {
    let mut k = mini_mac();
    let me = k.open_socket(1, 0);
    let other = k.open_socket(2, 0);
    route(&mut k, me, "add default 192.0.2.1").unwrap();
    k.drain(me);
    k.drain(other);
    let m = dst_only(msg::RTM_GET_SILENT, v4("203.0.113.5"));
    assert!(k.write(me, &m).is_ok());
    let reply = k.read(me).unwrap();
    assert_eq!(reply[3], msg::RTM_GET);
    assert_eq!(k.pending(other), 0, "nobody else sees a silent GET");
    k.set_loopback(me, false).unwrap();
    assert_eq!(k.write(me, &m), Err(Errno::EINVAL));
    assert_eq!(errno_of(&k.read(other).unwrap()), 22);
}

#[test]
fn an_unprivileged_socket_may_only_get() {
    let mut k = mini_mac();
    let s = k.open_unprivileged_socket(50, 0);
    assert_eq!(route(&mut k, s, "add default 192.0.2.1"), Err(Errno::EPERM));
    let echo = k.read(s).unwrap();
    assert_eq!(errno_of(&echo), 1);
    assert_eq!(route(&mut k, s, "get 192.0.2.9"), Ok(108 + 20 - 20));
}

#[test]
fn the_pid_is_stamped_and_the_sequence_number_echoed() {
    let mut k = mini_mac();
    let s = k.open_socket(4321, 0);
    let m = route_bytes(&k, "add default 192.0.2.1", 1, 0x5af5);
    k.write(s, &m).unwrap();
    let echo = k.read(s).unwrap();
    assert_eq!(le32(&echo, 16), 4321);
    assert_eq!(le32(&echo, 20), 0x5af5);
}

#[test]
fn the_rtm_add_echo_is_the_senders_bytes_plus_done_and_the_kernel_flags_are_not_in_it() {
    let mut k = mini_mac();
    let s = k.open_socket(77, 0);
    let m = route_bytes(&k, "add default 192.0.2.1", 77, 1);
    k.write(s, &m).unwrap();
    let echo = k.read(s).unwrap();
    let mut expected = m.clone();
    msg::put_u32(&mut expected, 8, UP_GW_STATIC | RouteFlags::DONE.bits());
    assert_eq!(echo, expected);
    let stored = k
        .table()
        .lookup("203.0.113.1".parse().unwrap(), None)
        .unwrap();
    assert_eq!(stored.flags.netstat_letters(), "UGScg");
}

#[test]
fn sockaddr_parsing_errors_are_einval() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    let mut cases: Vec<(&str, Vec<u8>)> = Vec::new();
    let mut one = dst_only(msg::RTM_GET, v4("192.0.2.9"));
    one[92] = 1;
    cases.push(("sa_len 1", one));
    let mut past = dst_only(msg::RTM_GET, v4("192.0.2.9"));
    past[92] = 40;
    cases.push(("runs past the end", past));
    let mut big = message(
        msg::RTM_GET,
        1,
        0,
        [
            Some(vec![0u8; 132]),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
    );
    big[92] = 130;
    big[93] = 2;
    cases.push(("sa_len over 128", big));
    cases.push((
        "no DST",
        message(
            msg::RTM_GET,
            1,
            0,
            [
                None,
                Some(v4("192.0.2.1")),
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        ),
    ));
    let mut fam = v4("192.0.2.9");
    fam[1] = 41;
    cases.push(("family >= AF_MAX", dst_only(msg::RTM_GET, fam)));
    let mut short4 = vec![6u8, 2, 0, 0, 192, 0];
    short4.resize(8, 0);
    cases.push(("short AF_INET DST", dst_only(msg::RTM_GET, short4)));
    let mut short6 = msg::sa_in6("2001:db8::1".parse().unwrap(), None);
    short6[0] = 24;
    cases.push(("short AF_INET6 DST", dst_only(msg::RTM_GET, short6)));
    let link_dst = msg::sa_dl(4, 6, "", &[]);
    cases.push((
        "IFSCOPE with a link DST",
        message(
            msg::RTM_GET,
            0x0100_0001,
            4,
            [Some(link_dst), None, None, None, None, None, None, None],
        ),
    ));
    cases.push((
        "RTF_PROXY",
        message(
            msg::RTM_GET,
            0x0800_0001,
            0,
            [
                Some(v4("192.0.2.9")),
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        ),
    ));
    cases.push((
        "RTM_ADD without a gateway",
        dst_only(msg::RTM_ADD, v4("203.0.113.0")),
    ));
    for (what, m) in cases {
        assert_eq!(k.write(s, &m), Err(Errno::EINVAL), "{what}");
        let echo = k.read(s).unwrap();
        assert_eq!(errno_of(&echo), 22, "{what}: errno in the echo");
    }
}

#[test]
fn other_types_and_families_get_their_errnos() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    let newaddr = dst_only(msg::RTM_NEWADDR, v4("192.0.2.9"));
    assert_eq!(k.write(s, &newaddr), Err(Errno::EOPNOTSUPP));
    assert_eq!(errno_of(&k.read(s).unwrap()), 102);
    let link = dst_only(msg::RTM_GET, msg::sa_dl(4, 6, "", &[]));
    assert_eq!(k.write(s, &link), Err(Errno::EAFNOSUPPORT));
    assert_eq!(route(&mut k, s, "get 203.0.113.5"), Err(Errno::ESRCH));
    assert_eq!(route(&mut k, s, "delete default"), Err(Errno::ESRCH));
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    assert_eq!(
        route(&mut k, s, "add default 192.0.2.254"),
        Err(Errno::EEXIST)
    );
    // Through the default, as ifa_ifwithroute falls back to the route to DST.
    assert_eq!(
        route(&mut k, s, "add -net 203.0.113.0/24 198.51.100.1"),
        Ok(132)
    );
    let mut big = route_bytes(&k, "get 192.0.2.9", 1, 1);
    big.resize(9000, 0);
    big[0..2].copy_from_slice(&9000u16.to_le_bytes());
    assert_eq!(k.write(s, &big), Err(Errno::EMSGSIZE));
}

#[test]
fn an_add_that_cannot_be_tied_to_an_address_of_the_family_is_enetunreach() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    // No interface is on 198.51.100.0/24 and no route leads there.
    assert_eq!(
        route(&mut k, s, "add -net 203.0.113.0/24 198.51.100.1"),
        Err(Errno::ENETUNREACH)
    );
    assert_eq!(errno_of(&k.drain(s)[0]), 51);
    // utun4 has no IPv4 address: `-interface utun4` has nothing to use.
    assert_eq!(
        route(&mut k, s, "add -net 0.0.0.0/1 -interface utun4"),
        Err(Errno::ENETUNREACH)
    );
    // Scoped to en0 but the gateway is only reachable elsewhere.
    assert_eq!(
        route(&mut k, s, "add -ifscope utun4 default 192.0.2.1"),
        Err(Errno::ENETUNREACH)
    );
}

#[test]
fn ipv4_scope_bytes_are_cleared_in_place_in_the_echo() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    let mut m = route_bytes(&k, "add -net 203.0.113.0/24 192.0.2.1", 1, 1);
    m[92 + 8..92 + 12].copy_from_slice(&[9, 9, 9, 9]);
    m[108 + 8..108 + 12].copy_from_slice(&[9, 9, 9, 9]);
    k.write(s, &m).unwrap();
    let echo = k.read(s).unwrap();
    assert_eq!(&echo[100..104], &[0, 0, 0, 0], "DST sin_zero");
    assert_eq!(&echo[116..120], &[0, 0, 0, 0], "GATEWAY sin_zero");
}

#[test]
fn an_ipv6_embedded_scope_moves_to_scope_id_in_the_echo_and_scopes_the_route() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    let m = route_bytes(&k, "add -inet6 -net fe80::%en0/64 -interface en0", 1, 1);
    assert_eq!(&m[92 + 8..92 + 12], &hex("fe 80 00 04"));
    // The kernel's own fe80::%en0/64 is there already.
    assert_eq!(k.write(s, &m), Err(Errno::EEXIST));
    let echo = k.read(s).unwrap();
    assert_eq!(&echo[92 + 8..92 + 12], &hex("fe 80 00 00"));
    assert_eq!(le32(&echo, 92 + 24), 4, "sin6_scope_id");
}

#[test]
fn a_zero_length_sockaddr_ends_parsing_but_the_reply_still_honours_ifp() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    k.drain(s);
    // route(8)'s `get default`: DST, NETMASK with sa_len 0, IFP.
    let m = message(
        msg::RTM_GET,
        0x803,
        0,
        [
            Some(v4("0.0.0.0")),
            None,
            Some(vec![0, 2]),
            None,
            Some(msg::sa_dl(0, 0, "", &[])),
            None,
            None,
            None,
        ],
    );
    k.write(s, &m).unwrap();
    let reply = k.read(s).unwrap();
    assert_eq!(le32(&reply, 12), 0x37, "DST|GATEWAY|NETMASK|IFP|IFA");
}

/// darwin-route-socket.md §4.8, byte for byte.
#[test]
fn the_rtm_get_reply_matches_the_worked_example() {
    let mut k = crate::testkit::boot(
        "interface en0 index 4 wifi mac 00:00:5e:00:53:aa up
             inet 192.168.1.23/24",
    );
    let s = k.open_socket(300, 0);
    route(&mut k, s, "add default 192.168.1.1").unwrap();
    k.drain(s);
    let request = message(
        msg::RTM_GET,
        0x807,
        0,
        [
            Some(v4("8.8.8.8")),
            None,
            None,
            None,
            Some(msg::sa_dl(0, 0, "", &[])),
            None,
            None,
            None,
        ],
    );
    assert_eq!(request.len(), 128);
    k.write(s, &request).unwrap();
    let reply = k.read(s).unwrap();
    let mut want = vec![0u8; 92];
    want[0..4].copy_from_slice(&hex("a4 00 05 04"));
    want[4..6].copy_from_slice(&[4, 0]);
    want[8..12].copy_from_slice(&0x4001_0843u32.to_le_bytes());
    want[12..16].copy_from_slice(&0x37u32.to_le_bytes());
    want[16..20].copy_from_slice(&300u32.to_le_bytes());
    want[20..24].copy_from_slice(&7u32.to_le_bytes());
    want[40..44].copy_from_slice(&1500u32.to_le_bytes());
    want.extend(hex("10 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00"));
    want.extend(hex("10 02 00 00 c0 a8 01 01 00 00 00 00 00 00 00 00"));
    want.extend(hex("00 00 00 00"));
    want.extend(hex(
        "14 12 04 00 06 03 06 00 65 6e 30 00 00 5e 00 53 aa 00 00 00",
    ));
    want.extend(hex("10 02 00 00 c0 a8 01 17 00 00 00 00 00 00 00 00"));
    assert_eq!(reply.len(), 164);
    assert_eq!(reply, want);
}

#[test]
fn rtm_get_replies_are_tagged_with_the_family_and_adds_are_not() {
    let mut k = mini_mac();
    let all = k.open_socket(1, 0);
    let inet = k.open_socket(2, 2);
    let inet6 = k.open_socket(3, 30);
    route(&mut k, all, "add default 192.0.2.1").unwrap();
    assert_eq!(
        k.pending(inet),
        0,
        "a 16-byte IPv4 RTM_ADD echo is tagged 0"
    );
    route(&mut k, all, "get 203.0.113.9").unwrap();
    assert_eq!(
        k.pending(inet),
        1,
        "the GET report carries the route's family"
    );
    assert_eq!(k.pending(inet6), 0);
    assert_eq!(k.pending(all), 2);
    // A short (8-byte) IPv4 DST is copied, and the copy's family tags it.
    let mut m = route_bytes(&k, "add -net 203.0.113.0/24 192.0.2.1", 1, 1);
    let mut short = m[..92].to_vec();
    let mut dst = m[92..100].to_vec();
    dst[0] = 8;
    short.extend(dst);
    short.extend_from_slice(&m[108..]);
    let len = short.len() as u16;
    short[0..2].copy_from_slice(&len.to_le_bytes());
    m = short;
    k.write(all, &m).unwrap();
    assert_eq!(k.pending(inet), 2);
}

#[test]
fn every_socket_gets_the_echo_and_loopback_off_skips_only_the_writer() {
    let mut k = mini_mac();
    let a = k.open_socket(1, 0);
    let b = k.open_socket(2, 0);
    route(&mut k, a, "add default 192.0.2.1").unwrap();
    assert_eq!((k.pending(a), k.pending(b)), (1, 1));
    k.set_loopback(a, false).unwrap();
    route(&mut k, a, "add -ifscope en0 default 192.0.2.1").unwrap();
    assert_eq!((k.pending(a), k.pending(b)), (1, 2));
    k.close(b).unwrap();
    assert_eq!(route(&mut k, a, "delete -ifscope en0 default"), Ok(108 + 4));
    assert_eq!(k.pending(a), 1, "alone with loopback off: nothing is built");
}

#[test]
fn a_failed_request_carries_its_errno_and_no_done_to_every_listener() {
    let mut k = mini_mac();
    let a = k.open_socket(1, 0);
    let b = k.open_socket(2, 0);
    assert_eq!(route(&mut k, a, "delete default"), Err(Errno::ESRCH));
    let seen = k.read(b).unwrap();
    assert_eq!(errno_of(&seen), 3);
    assert!(!flags_of(&seen).contains(RouteFlags::DONE));
}

#[test]
fn a_full_receive_buffer_drops_silently() {
    let mut k = mini_mac();
    let writer = k.open_socket(1, 0);
    let slow = k.open_socket(2, 0);
    k.set_rcvbuf(slow, 300).unwrap();
    for net in ["203.0.113.0/26", "203.0.113.64/26", "203.0.113.128/26"] {
        route(&mut k, writer, &format!("add -net {net} 192.0.2.1")).unwrap();
    }
    assert_eq!(
        k.pending(slow),
        2,
        "120+2 bytes each: the third does not fit"
    );
    assert_eq!(k.dropped(slow), 1);
    assert_eq!(k.pending(writer), 3);
}

#[test]
fn scoped_default_adds_succeed_once_then_eexist() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    let pin = "add -ifscope en0 default 192.0.2.1 -proto1";
    route(&mut k, s, pin).unwrap();
    let key = routing_core::model::RouteKey {
        destination: routing_core::model::IpPrefix::default_for(Family::V4),
        scope: Some(4),
    };
    let stored = k.table().get(&key).unwrap();
    assert_eq!(stored.flags.netstat_letters(), "UGS1cIg");
    assert_eq!(route(&mut k, s, pin), Err(Errno::EEXIST));
}

#[test]
fn the_os_own_scoped_default_makes_ours_eexist() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    route(&mut k, s, "add -ifscope en0 default 192.0.2.1").unwrap();
    assert_eq!(
        route(&mut k, s, "add -ifscope en0 default 192.0.2.1 -proto1"),
        Err(Errno::EEXIST)
    );
    assert_eq!(
        route(&mut k, s, "add -ifscope en0 default 192.0.2.254 -proto1"),
        Err(Errno::EEXIST),
        "the gateway is not part of the key"
    );
}

#[test]
fn delete_reports_the_route_condemned_and_not_up() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add -ifscope en0 default 192.0.2.1 -proto1").unwrap();
    k.drain(s);
    assert_eq!(
        route(&mut k, s, "delete default"),
        Err(Errno::ESRCH),
        "scoped: needs -ifscope"
    );
    k.drain(s);
    route(&mut k, s, "delete -ifscope en0 default").unwrap();
    let report = k.read(s).unwrap();
    let flags = flags_of(&report);
    assert!(flags.contains(
        RouteFlags::CONDEMNED | RouteFlags::DONE | RouteFlags::IFSCOPE | RouteFlags::PROTO1
    ));
    assert!(!flags.contains(RouteFlags::UP));
    assert_eq!(
        le32(&report, 12),
        0x7,
        "DST|GATEWAY|NETMASK: IFP/IFA were not asked for"
    );
    assert_eq!(report.len() % 4, 0, "rt_msg2 pads");
    assert_eq!(&report[4..6], &[4, 0]);
}

#[test]
fn an_ipv6_delete_report_forces_the_mask_to_28_bytes() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add -inet6 -net 2001:db8:5::/48 fe80::1%en0").unwrap();
    k.drain(s);
    route(&mut k, s, "delete -inet6 -net 2001:db8:5::/48").unwrap();
    let report = k.read(s).unwrap();
    let mask_at = 92 + 28 + 28;
    assert_eq!(report[mask_at], 28);
    route(&mut k, s, "add -inet6 -net 2001:db8:5::/48 fe80::1%en0").unwrap();
    k.drain(s);
    route(&mut k, s, "get -inet6 2001:db8:5::1").unwrap();
    let reply = k.read(s).unwrap();
    assert_eq!(reply[mask_at], 14, "RTM_GET keeps the trimmed length");
}

#[test]
fn get_with_a_netmask_is_exact_and_without_one_is_longest_match() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    route(&mut k, s, "add default 192.0.2.1").unwrap();
    route(&mut k, s, "add -net 0.0.0.0/1 192.0.2.2").unwrap();
    k.drain(s);
    // route get 1 (0.0.0.1): the 0/1 route.
    route(&mut k, s, "get 0.0.0.1").unwrap();
    let r = k.read(s).unwrap();
    assert_eq!(&r[108 + 4..108 + 8], &[192, 0, 2, 2]);
    // route get 0 sends mask /0: the default itself.
    route(&mut k, s, "get -net 0.0.0.0/0").unwrap();
    let r = k.read(s).unwrap();
    assert_eq!(&r[108 + 4..108 + 8], &[192, 0, 2, 1]);
    assert_eq!(route(&mut k, s, "get -net 192.0.2.0/25"), Err(Errno::ESRCH));
}

mod arbitrary {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    /// Sockaddr-like chunks: a length byte, a family byte, then bytes.
    fn sockaddr() -> impl Strategy<Value = Vec<u8>> {
        (
            0u8..140,
            prop_oneof![Just(2u8), Just(30), Just(18), any::<u8>()],
            vec(any::<u8>(), 0..40),
        )
            .prop_map(|(len, family, mut rest)| {
                rest.insert(0, family);
                rest.insert(0, len);
                rest
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn arbitrary_bytes_never_panic_the_kernel(bytes in vec(any::<u8>(), 0..300)) {
            let mut k = mini_mac();
            let s = k.open_socket(1, 0);
            let _ = k.write(s, &bytes);
        }

        #[test]
        fn arbitrary_sockaddrs_behind_a_valid_header_never_panic(
            rtm_type in 1u8..=0x15,
            flags in any::<u32>(),
            index in 0u16..12,
            addrs in 0i32..256,
            chunks in vec(sockaddr(), 0..8),
        ) {
            let mut k = mini_mac();
            let s = k.open_socket(1, 0);
            let mut m = msg::rt_header(rtm_type);
            m[4..6].copy_from_slice(&index.to_le_bytes());
            msg::put_u32(&mut m, 8, flags);
            msg::put_i32(&mut m, 12, addrs);
            for c in chunks {
                m.extend(c);
            }
            let len = m.len() as u16;
            m[0..2].copy_from_slice(&len.to_le_bytes());
            let before = k.table().len();
            let result = k.write(s, &m);
            // Whatever happened, the table stayed coherent.
            for r in k.table().iter() {
                prop_assert!(k.interface(r.interface.index).is_some());
            }
            if result.is_err() {
                prop_assert_eq!(k.table().len(), before);
            }
        }
    }
}
