//! Property tests: no input makes parsing panic, and every canonical repr
//! survives emit → parse.

use proptest::prelude::*;

use super::consts::*;
use super::*;
use crate::model::RouteFlags;

fn sockaddr() -> impl Strategy<Value = Sockaddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| Sockaddr::from_ip(std::net::Ipv4Addr::from(a).into())),
        (any::<[u8; 16]>(), any::<u32>(), any::<u16>()).prop_map(|(a, scope_id, port)| {
            Sockaddr::Inet6(SockaddrIn6 {
                port,
                flowinfo: 0,
                addr: a.into(),
                scope_id,
            })
        }),
        (
            any::<u16>(),
            any::<u8>(),
            "[a-z]{0,9}[0-9]{0,4}",
            prop::collection::vec(any::<u8>(), 0..8)
        )
            .prop_map(|(i, t, n, l)| Sockaddr::Link(SockaddrDl::new(i, t, &n, &l))),
        any::<[u8; 3]>().prop_map(|[f, x, y]| Sockaddr::Empty { raw: [0, f, x, y] }),
        // Anything: classified as parse would classify it.
        prop::collection::vec(any::<u8>(), 1..40).prop_map(|mut b| {
            b[0] = b.len() as u8;
            Sockaddr::from_exact(&b)
        }),
    ]
}

prop_compose! {
    fn address_set()(
        slots in prop::collection::btree_map(0..RTAX_MAX, sockaddr(), 0..6),
        pads in any::<[[u8; 3]; RTAX_MAX]>(),
        short_tail in prop::option::of(0u8..3),
        absent_low in any::<u8>(),
        absent_high in any::<u32>(),
        trailing in prop::collection::vec(any::<u8>(), 0..6),
    ) -> AddressSet {
        let mut set = AddressSet::new();
        for (&i, sa) in &slots {
            set.set(i, Some(sa.clone()));
            let used = sa.padded_len() - sa.wire_len();
            let mut p = [0u8; 3];
            p[..used].copy_from_slice(&pads[i][..used]);
            set.set_padding(i, p);
        }
        let last = slots.iter().next_back();
        let above = last.map_or(0xffu32, |(&i, _)| 0xffu32 & !((2u32 << i) - 1));
        let low = u32::from(absent_low) & above;
        let last_pad = match (last, short_tail) {
            (Some((_, sa)), Some(n)) if usize::from(n) < sa.padded_len() - sa.wire_len() => Some(n),
            _ => None,
        };
        if let (Some((&i, _)), Some(n)) = (last, last_pad) {
            let mut p = set.padding(i);
            p[usize::from(n)..].fill(0);
            set.set_padding(i, p);
        }
        set.set_last_pad(last_pad);
        set.set_absent_bits(low | (absent_high & !0xff));
        if low == 0 && last_pad.is_none() {
            set.set_trailing(trailing);
        }
        set
    }
}

prop_compose! {
    fn route_message()(
        t in prop::sample::select(vec![RTM_ADD, RTM_DELETE, RTM_CHANGE, RTM_GET, RTM_MISS, RTM_LOCK, RTM_RESOLVE, RTM_GET_SILENT]),
        index in any::<u16>(), pad in any::<u16>(), flags in any::<u32>(),
        words in any::<[i32; 4]>(), inits in any::<u32>(), rmx in any::<[u32; 14]>(),
        addrs in address_set(),
    ) -> RouteMessage {
        let mut b = [0u8; 56];
        for (i, w) in rmx.iter().enumerate() {
            b[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
        RouteMessage {
            header: RouteHeader {
                rtm_type: t, index, pad,
                flags: RouteFlags::from_bits(flags),
                pid: words[0], seq: words[1], errno: words[2], use_count: words[3],
                inits, rmx: RtMetrics::read(&b),
            },
            addrs,
        }
    }
}

/// Bytes that pass framing (msglen, version 5, a known type) so the
/// header and sockaddr paths get exercised, not only the length check.
fn framed_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![1u8, 4, 0xc, 0xe, 0xf, 0x12, 0x13, 0x14, 0x15]),
        prop::collection::vec(any::<u8>(), 0..260),
    )
        .prop_map(|(t, mut b)| {
            b.resize(b.len().max(4), 0);
            let n = b.len() as u16;
            b[..2].copy_from_slice(&n.to_le_bytes());
            b[2] = 5;
            b[3] = t;
            b
        })
}

proptest! {
    #[test]
    fn message_parse_never_panics(b in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(m) = Message::parse(&b) {
            prop_assert_eq!(m.to_bytes(), b);
        }
    }

    #[test]
    fn framed_message_parse_never_panics_and_round_trips(b in framed_bytes()) {
        if let Ok(m) = Message::parse(&b) {
            prop_assert_eq!(m.to_bytes(), b);
        }
    }

    #[test]
    fn dump_parse_never_panics(b in prop::collection::vec(any::<u8>(), 0..600)) {
        let n = Dump::new(&b).count();
        prop_assert!(n <= b.len());
    }

    #[test]
    fn route_message_emit_then_parse_is_identity(m in route_message()) {
        let bytes = m.to_bytes();
        prop_assert_eq!(bytes.len(), m.buffer_len());
        prop_assert_eq!(RouteMessage::parse(&bytes), Ok(m.clone()));
        prop_assert_eq!(Message::parse(&bytes), Ok(Message::Route(m)));
    }

    #[test]
    fn address_set_emit_then_parse_is_identity(set in address_set()) {
        let mut b = vec![0; set.buffer_len()];
        set.emit(&mut b);
        prop_assert_eq!(AddressSet::parse(set.bits(), &b), Ok(set));
    }

    #[test]
    fn dump2_records_round_trip_through_a_dump(ms in prop::collection::vec(route_message(), 0..5)) {
        let msgs: Vec<Message> = ms
            .into_iter()
            .map(|m| {
                let h = m.header;
                Message::Route2(Route2Message {
                    header: Route2Header {
                        index: h.index, pad: h.pad, flags: h.flags, refcnt: h.pid,
                        parent_flags: RouteFlags::from_bits(h.seq as u32), reserved: h.errno,
                        use_count: h.use_count, inits: h.inits, rmx: h.rmx,
                    },
                    addrs: m.addrs,
                })
            })
            .collect();
        let buf = emit_dump(&msgs);
        prop_assert_eq!(parse_dump(&buf), Ok(msgs));
    }
}
