use super::*;
use crate::msg::{assemble, put_i32, put_u32, rt_header, sa_dl, sa_in, Builder};

fn request(flags: u32, addrs: [Option<Vec<u8>>; 8]) -> Vec<u8> {
    let mut h = rt_header(crate::msg::RTM_ADD);
    put_u32(&mut h, 8, flags);
    let bits = assemble(&mut h, &addrs, Builder::Msg2);
    put_i32(&mut h, 12, bits);
    h
}

fn v4(a: &str) -> Vec<u8> {
    sa_in(a.parse().unwrap())
}

#[test]
fn tiny_masks_are_read_from_offset_4_with_their_family_ignored() {
    // route(8)'s /16: `06 02 00 00 ff ff`; the kernel's: `06 ff ff ff ff ff`.
    for mask in [
        vec![6u8, 2, 0, 0, 0xff, 0xff],
        vec![6u8, 0xff, 0xff, 0xff, 0xff, 0xff],
    ] {
        let m = request(
            0x803,
            [
                Some(v4("198.51.100.0")),
                Some(v4("192.0.2.1")),
                Some(mask),
                None,
                None,
                None,
                None,
                None,
            ],
        );
        let r = parse(m).unwrap();
        assert_eq!(r.mask_len, Some(16));
    }
}

#[test]
fn a_zero_length_sockaddr_reads_as_an_all_zero_inet_address_and_stops() {
    let m = request(
        0x803,
        [
            Some(v4("0.0.0.0")),
            Some(v4("192.0.2.1")),
            Some(vec![0, 2]),
            None,
            Some(sa_dl(4, 6, "en0", &[])),
            None,
            None,
            None,
        ],
    );
    let r = parse(m).unwrap();
    assert_eq!(r.mask_len, Some(0));
    assert_eq!(r.sa[4], None, "IFP after the zero-length mask is ignored");
    assert_eq!(r.addrs & 0x10, 0x10, "but its bit stays set");
}

#[test]
fn masks_with_holes_are_refused() {
    let m = request(
        0x803,
        [
            Some(v4("198.51.100.0")),
            Some(v4("192.0.2.1")),
            Some(vec![8, 2, 0, 0, 0xff, 0, 0xff, 0]),
            None,
            None,
            None,
            None,
            None,
        ],
    );
    assert_eq!(parse(m).unwrap_err().0, Errno::EINVAL);
}

#[test]
fn link_sockaddrs_are_read_with_name_and_address() {
    let sa = read_sockaddr(&sa_dl(33, 1, "utun4319", &[]));
    assert_eq!(
        sa,
        Sockaddr::Link {
            index: 33,
            name: Some("utun4319".into()),
            lladdr: vec![]
        }
    );
    let mac = read_sockaddr(&sa_dl(4, 6, "", &[1, 2, 3, 4, 5, 6]));
    assert!(matches!(mac, Sockaddr::Link { name: None, ref lladdr, .. } if lladdr.len() == 6));
}

#[test]
fn rtm_index_scopes_only_with_ifscope_and_not_when_zero() {
    let mut m = request(
        0x0100_0803,
        [
            Some(v4("0.0.0.0")),
            Some(v4("192.0.2.1")),
            None,
            None,
            None,
            None,
            None,
            None,
        ],
    );
    m[4] = 4;
    assert_eq!(parse(m.clone()).unwrap().scope, Some(4));
    m[4] = 0;
    assert_eq!(parse(m.clone()).unwrap().scope, None);
    m[4] = 4;
    put_u32(&mut m, 8, 0x803);
    assert_eq!(
        parse(m).unwrap().scope,
        None,
        "rtm_index without RTF_IFSCOPE is ignored"
    );
}
