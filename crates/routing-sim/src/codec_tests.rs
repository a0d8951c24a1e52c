//! The simulated kernel against the workspace codec: what the helper's
//! builders write works, and everything the kernel writes parses back to
//! the routes in its table, and matches the codec's own kernel-side
//! builders where the two model the same thing.

use routing_core::model::{Family, Route};
use routing_core::wire::pf_route::{
    dump2_record, get_route, host_exclusion, report_message, route_from_message,
    route_from_message2, route_notification, scoped_default, Dump, Message, NextHop, ProtoFlag,
    Reply, ReplyMatcher, RouteExtras, RouteOp,
};

use crate::scenario::Scenario;
use crate::sysctl::{route_mib, NET_RT_DUMP, NET_RT_DUMP2, NET_RT_IFLIST2};
use crate::testkit::mini_mac;
use crate::{AddressSpec, Errno, SimKernel};

fn realistic(events: &[&str]) -> SimKernel {
    let s = Scenario::realistic_mac().unwrap();
    let mut k = s.boot().unwrap();
    for e in events {
        s.run_event(&mut k, e).unwrap();
    }
    k
}

/// The table as a dump must describe it: refcnt as the kernel reports it
/// (the number of clones), nothing else changed.
fn expected_routes(k: &SimKernel) -> Vec<Route> {
    k.table()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.metrics.refcnt = i32::try_from(k.clone_count(&r.key())).unwrap();
            r
        })
        .collect()
}

#[test]
fn dump2_parses_back_through_the_codec_to_the_same_routes() {
    for events in [&[][..], &["vpn-up"], &["wifi-to-ethernet"]] {
        let mut k = realistic(events);
        let bytes = k.sysctl(&route_mib(0, NET_RT_DUMP2, 0)).unwrap();
        let names = |i: u32| k.name_of(i);
        let parsed: Vec<Route> = Dump::new(&bytes)
            .map(|m| match m.unwrap() {
                Message::Route2(m) => route_from_message2(&m, &names).unwrap(),
                other => panic!("not an RTM_GET2 record: {other:?}"),
            })
            .collect();
        assert_eq!(parsed, expected_routes(&k), "after {events:?}");
    }
}

#[test]
fn dump_parses_back_too_without_refcounts_or_parent_flags() {
    let mut k = realistic(&["vpn-up"]);
    let bytes = k.sysctl(&route_mib(0, NET_RT_DUMP, 0)).unwrap();
    let names = |i: u32| k.name_of(i);
    for (m, want) in Dump::new(&bytes).zip(k.table().iter()) {
        let Message::Route(m) = m.unwrap() else {
            panic!("not an RTM_GET record")
        };
        let got = route_from_message(&m, &names).unwrap();
        let mut want = want.clone();
        want.parent_flags = routing_core::model::RouteFlags::EMPTY;
        assert_eq!(got, want);
    }
}

#[test]
fn iflist2_parses_through_the_codec() {
    let mut k = realistic(&[]);
    let bytes = k.sysctl(&route_mib(0, NET_RT_IFLIST2, 0)).unwrap();
    let kinds: Vec<u8> = Dump::new(&bytes).map(|m| m.unwrap().msg_type()).collect();
    let expected: usize = k.interfaces().iter().map(|i| 1 + i.addresses.len()).sum();
    assert_eq!(kinds.len(), expected);
}

#[test]
fn the_helpers_scoped_default_builder_pins_en0_once_then_eexist() {
    let mut k = mini_mac();
    let s = k.open_socket(500, 0);
    let build = |seq| {
        scoped_default(
            RouteOp::Add,
            Family::V4,
            4,
            &NextHop::Ip {
                addr: "192.0.2.1".parse().unwrap(),
                zone: None,
            },
            ProtoFlag::Proto1,
            seq,
            500,
        )
        .unwrap()
    };
    let first = build(1);
    assert!(k.write(s, &first.to_bytes()).is_ok());
    let matcher = ReplyMatcher::for_request(&first);
    let echo = Message::parse(&k.read(s).unwrap()).unwrap();
    assert_eq!(matcher.classify(&echo), Reply::Ok { done: true });
    let second = build(2);
    assert_eq!(k.write(s, &second.to_bytes()), Err(Errno::EEXIST));
    let echo = Message::parse(&k.read(s).unwrap()).unwrap();
    assert_eq!(
        ReplyMatcher::for_request(&second).classify(&echo),
        Reply::Errno(17)
    );
    // A scoped lookup on en0 now answers with it.
    let get = get_route("203.0.113.9".parse().unwrap(), None, Some(4), 3, 500);
    k.write(s, &get.to_bytes()).unwrap();
    let Message::Route(reply) = Message::parse(&k.read(s).unwrap()).unwrap() else {
        panic!("no route reply")
    };
    let route = route_from_message(&reply, &|i| k.name_of(i)).unwrap();
    assert_eq!(
        route.flags.netstat_letters(),
        "UGdS1cIg",
        "the reply carries DONE"
    );
    // And the delete form removes it.
    let delete = scoped_default(
        RouteOp::Delete,
        Family::V4,
        4,
        &NextHop::Ip {
            addr: "192.0.2.1".parse().unwrap(),
            zone: None,
        },
        ProtoFlag::Proto1,
        4,
        500,
    )
    .unwrap();
    assert!(k.write(s, &delete.to_bytes()).is_ok());
}

#[test]
fn the_helpers_host_exclusion_builder_adds_a_host_route() {
    let mut k = mini_mac();
    let s = k.open_socket(500, 0);
    let m = host_exclusion(
        RouteOp::Add,
        "203.0.113.50".parse().unwrap(),
        "192.0.2.1".parse().unwrap(),
        None,
        ProtoFlag::Proto1,
        1,
        500,
    )
    .unwrap();
    k.write(s, &m.to_bytes()).unwrap();
    let e = k.egress("203.0.113.50".parse().unwrap(), None).unwrap();
    assert_eq!(e.route.flags.netstat_letters(), "UGHS1");
}

#[test]
fn kernel_records_match_the_codecs_kernel_side_builders() {
    let mut k = realistic(&["vpn-up"]);
    let bytes = k.sysctl(&route_mib(0, NET_RT_DUMP2, 0)).unwrap();
    let records: Vec<Message> = Dump::new(&bytes).map(Result::unwrap).collect();
    assert_eq!(records.len(), k.table().len());
    for (route, record) in expected_routes(&k).iter().zip(&records) {
        // A link gateway's sdl_type is its own interface's type (lo0's
        // routes to en0's addresses carry en0's).
        let gateway_if_type = match &route.gateway {
            routing_core::model::Gateway::Link { index, .. } => {
                Some(k.interface(*index).map_or(0, |i| i.if_type))
            }
            _ => None,
        };
        let extras = RouteExtras {
            ifp: None,
            ifa: k.extra(&route.key()).ifa,
            gateway_if_type,
        };
        let Message::Route2(sim) = record else {
            panic!("not RTM_GET2")
        };
        assert_eq!(&dump2_record(route, &extras), sim, "{route:?}");
    }
}

#[test]
fn notifications_and_reports_match_the_codecs_builders() {
    let mut k = mini_mac();
    let s = k.open_socket(1, 0);
    k.add_address(
        4,
        &AddressSpec {
            addr: "198.51.100.7".parse().unwrap(),
            prefix_len: 24,
            peer_or_broadcast: None,
        },
    )
    .unwrap();
    let messages = k.drain(s);
    let route = k
        .table()
        .get(&routing_core::model::RouteKey {
            destination: "198.51.100.0/24".parse().unwrap(),
            scope: None,
        })
        .unwrap()
        .clone();
    let extras = RouteExtras {
        gateway_if_type: Some(6),
        ..RouteExtras::default()
    };
    let mut codec = route_notification(crate::msg::RTM_ADD, &route, &extras);
    codec.header.rmx = Default::default(); // rt_newaddrmsg leaves rmx zero
    assert_eq!(codec.to_bytes(), messages[1]);
    // An RTM_GET report for the same route.
    let get = get_route("198.51.100.9".parse().unwrap(), None, None, 9, 1);
    k.write(s, &get.to_bytes()).unwrap();
    let reply = k.read(s).unwrap();
    let Message::Route(parsed) = Message::parse(&reply).unwrap() else {
        panic!("no reply")
    };
    let report_extras = RouteExtras {
        ifp: None,
        ifa: None,
        gateway_if_type: Some(6),
    };
    let mut request = get.header;
    request.pid = 1;
    let codec = report_message(crate::msg::RTM_GET, &route, &report_extras, &request);
    // The codec leaves IFP/IFA to the caller; the kernel adds them because
    // the request had an (empty) RTA_IFP.
    assert_eq!(codec.header, parsed.header);
    assert_eq!(codec.addrs.dst(), parsed.addrs.dst());
    assert_eq!(codec.addrs.gateway(), parsed.addrs.gateway());
    assert_eq!(codec.addrs.netmask(), parsed.addrs.netmask());
    assert!(parsed.addrs.ifp().is_some() && parsed.addrs.ifa().is_some());
}
