//! PF_ROUTE codec benchmarks (std only: warm-up, N timed runs, median and
//! minimum; ratios are taken between numbers measured in the same run).
//!
//! 1. Parse a 100,000-record `NET_RT_DUMP2` buffer, against copying the
//!    same bytes with `copy_from_slice` into a preallocated buffer.
//!    Goal: parse/memcpy <= 20.
//! 2. Encode + decode route messages on one core. Goal >= 2,000,000/s.
//!
//! `cargo bench -p routing-core --bench codec`

// A benchmark needs a clock; the library itself never reads one.
#![allow(clippy::disallowed_types)]

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use routing_core::model::{Family, Gateway, InterfaceRef, IpPrefix, Metrics, Route, RouteFlags};
use routing_core::wire::pf_route::consts::*;
use routing_core::wire::pf_route::*;

const RECORDS: usize = 100_000;
const WARMUP: usize = 3;
const RUNS: usize = 15;

fn route(i: usize) -> Route {
    let n = i as u32;
    let (destination, gateway, flags, index, scope) = match i % 5 {
        // Host clones via a utun link gateway (UHW3Ig).
        0 => (
            IpPrefix::host(IpAddr::V4(Ipv4Addr::from(0x1700_0000 + n))),
            Gateway::Link {
                index: 18,
                name: None,
                lladdr: vec![],
            },
            RouteFlags::from_netstat_letters("UHW3Ig").unwrap_or_default(),
            18,
            Some(18),
        ),
        // IPv4 networks via a router.
        1 => (
            IpPrefix::new_truncating(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + (n << 8))), 24)
                .unwrap_or(IpPrefix::default_for(Family::V4)),
            Gateway::ip(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 1))),
            RouteFlags::from_netstat_letters("UGSc").unwrap_or_default(),
            4,
            None,
        ),
        // ARP entries with a MAC.
        2 => (
            IpPrefix::host(IpAddr::V4(Ipv4Addr::from(0xc0a8_0000 + (n & 0xffff)))),
            Gateway::Link {
                index: 4,
                name: None,
                lladdr: vec![0xbc, 0x67, 0x1c, 0x40, 3, 0xf6],
            },
            RouteFlags::from_netstat_letters("UHLWIi").unwrap_or_default(),
            4,
            Some(4),
        ),
        // IPv6 networks via a link-local router.
        3 => (
            IpPrefix::new_truncating(
                IpAddr::V6(Ipv6Addr::from(0x2001_0db8_u128 << 96 | u128::from(n) << 64)),
                64,
            )
            .unwrap_or(IpPrefix::default_for(Family::V6)),
            Gateway::Ip {
                addr: IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
                zone: Some(13),
            },
            RouteFlags::from_netstat_letters("UGc").unwrap_or_default(),
            13,
            None,
        ),
        // IPv6 link-local interface routes (embedded zone, link#N).
        _ => (
            IpPrefix::new_truncating(IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0)), 64)
                .unwrap_or(IpPrefix::default_for(Family::V6)),
            Gateway::Link {
                index: 4,
                name: None,
                lladdr: vec![],
            },
            RouteFlags::from_netstat_letters("UCI").unwrap_or_default(),
            4,
            Some(4),
        ),
    };
    Route {
        destination,
        gateway,
        interface: InterfaceRef {
            index,
            name: String::new(),
        },
        scope,
        flags,
        parent_flags: RouteFlags::EMPTY,
        expire: None,
        metrics: Metrics {
            mtu: 1500,
            hopcount: 0,
            packets_sent: n,
            refcnt: 1,
        },
    }
}

fn dump(n: usize) -> Vec<u8> {
    let extras = RouteExtras {
        gateway_if_type: Some(IFT_ETHER),
        ..RouteExtras::default()
    };
    let msgs: Vec<Message> = (0..n)
        .map(|i| Message::Route2(dump2_record(&route(i), &extras)))
        .collect();
    emit_dump(&msgs)
}

/// (median, min) of `RUNS` timings after `WARMUP` untimed runs.
fn time(mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..WARMUP {
        f();
    }
    let mut t: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    t.sort();
    (t[RUNS / 2], t[0])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn requests() -> Vec<Message> {
    let extras = RouteExtras::default();
    let mut out = Vec::new();
    for i in 0..1000u32 {
        let host = IpAddr::V4(Ipv4Addr::from(0xc633_6400 + i));
        let gw = IpAddr::V4(Ipv4Addr::new(192, 168, 1, 1));
        let m = match i % 4 {
            0 => host_exclusion(
                RouteOp::Add,
                host,
                gw,
                None,
                ProtoFlag::Proto1,
                i as i32,
                77,
            )
            .ok(),
            1 => scoped_default(
                RouteOp::Delete,
                Family::V6,
                4,
                &NextHop::Ip {
                    addr: IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
                    zone: Some(4),
                },
                ProtoFlag::Proto1,
                i as i32,
                77,
            )
            .ok(),
            2 => Some(get_route(host, None, Some(4), i as i32, 77)),
            _ => Some(report_message(
                RTM_GET,
                &route(i as usize),
                &extras,
                &RouteHeader::new(RTM_GET),
            )),
        };
        if let Some(m) = m {
            out.push(Message::Route(m));
        }
    }
    out
}

fn main() {
    let buf = dump(RECORDS);
    let mut copy = vec![0u8; buf.len()];
    println!("# routing-core codec benchmarks ({RUNS} runs after {WARMUP} warm-up runs)");
    println!(
        "dump: {RECORDS} RTM_GET2 records, {} bytes ({:.1} bytes/record)",
        buf.len(),
        buf.len() as f64 / RECORDS as f64
    );

    let (memcpy_med, memcpy_min) = time(|| {
        copy.copy_from_slice(black_box(&buf));
        black_box(&mut copy);
    });
    let mut parsed = 0;
    let (parse_med, parse_min) = time(|| {
        parsed = 0;
        for m in Dump::new(black_box(&buf)) {
            if black_box(m).is_ok() {
                parsed += 1;
            }
        }
    });
    assert_eq!(parsed, RECORDS, "every record parses");
    let (frame_med, _) = time(|| {
        for r in RawMessages::new(black_box(&buf)) {
            black_box(r.ok());
        }
    });
    println!(
        "memcpy:         median {:8.3} ms  min {:8.3} ms",
        ms(memcpy_med),
        ms(memcpy_min)
    );
    println!("frame only:     median {:8.3} ms", ms(frame_med));
    println!(
        "parse (Dump):   median {:8.3} ms  min {:8.3} ms  ({:.0} ns/record)",
        ms(parse_med),
        ms(parse_min),
        parse_med.as_secs_f64() * 1e9 / RECORDS as f64
    );
    println!(
        "parse/memcpy ratio = {:.1} (median/median; min/min {:.1}; goal <= 20)",
        parse_med.as_secs_f64() / memcpy_med.as_secs_f64(),
        parse_min.as_secs_f64() / memcpy_min.as_secs_f64()
    );

    let msgs = requests();
    let mut scratch = vec![0u8; 1024];
    const ROUNDS: usize = 200;
    let (rt_med, rt_min) = time(|| {
        for _ in 0..ROUNDS {
            for m in &msgs {
                let len = m.buffer_len();
                m.emit(&mut scratch[..len]);
                black_box(Message::parse(black_box(&scratch[..len])).is_ok());
            }
        }
    });
    let n = (ROUNDS * msgs.len()) as f64;
    println!(
        "encode+decode:  {:.0} messages/s median, {:.0} best ({} messages per run, {:.0} ns each; goal >= 2,000,000/s)",
        n / rt_med.as_secs_f64(),
        n / rt_min.as_secs_f64(),
        ROUNDS * msgs.len(),
        rt_med.as_secs_f64() * 1e9 / n
    );
}
