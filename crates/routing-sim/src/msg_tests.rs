use super::*;
use crate::testkit::{boot, hex};
use crate::AddressSpec;

#[test]
fn roundup32_gives_zero_length_sockaddrs_four_bytes() {
    assert_eq!(roundup32(0), 4);
    assert_eq!(roundup32(7), 8);
    assert_eq!(roundup32(16), 16);
    assert_eq!(roundup32(28), 28);
}

#[test]
fn route_masks_have_the_radix_form_of_section_4_3() {
    assert_eq!(
        sa_route_mask(Family::V4, 24, false, false),
        hex("07 ff ff ff ff ff ff")
    );
    assert_eq!(
        sa_route_mask(Family::V4, 8, false, false),
        hex("05 ff ff ff ff")
    );
    assert_eq!(
        sa_route_mask(Family::V4, 32, false, false),
        hex("08 ff ff ff ff ff ff ff")
    );
    assert_eq!(sa_route_mask(Family::V4, 0, false, true), Vec::<u8>::new());
    assert_eq!(sa_route_mask(Family::V4, 0, true, true), Vec::<u8>::new());
    assert_eq!(
        sa_route_mask(Family::V6, 64, false, false),
        hex("10 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff")
    );
}

#[test]
fn ipv6_masks_are_forced_to_28_bytes_except_in_get_replies_and_dumps() {
    let forced = sa_route_mask(Family::V6, 64, false, true);
    assert_eq!(forced.len(), 28);
    assert_eq!(forced[0], 28);
    assert_eq!(&forced[8..16], &[0xff; 8]);
    assert!(forced[16..].iter().all(|b| *b == 0));
    // An unscoped ::/0 mask has sa_len 0 already: rtm_scrub leaves it alone.
    assert_eq!(sa_route_mask(Family::V6, 0, false, true), Vec::<u8>::new());
    // A scoped one carried the scope, so it is rewritten and forced.
    assert_eq!(sa_route_mask(Family::V6, 0, true, true).len(), 28);
    assert_eq!(sa_route_mask(Family::V6, 0, true, false), Vec::<u8>::new());
}

#[test]
fn interface_address_masks_keep_their_family_byte() {
    assert_eq!(sa_ifa_mask(Family::V4, 24), hex("07 02 00 00 ff ff ff"));
    let v6 = sa_ifa_mask(Family::V6, 64);
    assert_eq!((v6[0], v6[1], v6.len()), (28, 30, 28));
}

#[test]
fn link_sockaddrs_are_at_least_20_bytes_and_padded_to_4() {
    let en0 = sa_dl(4, 6, "en0", &[0xa6, 0x83, 0xe7, 0x2b, 0x4c, 0x11]);
    assert_eq!(en0.len(), 20);
    assert_eq!(&en0[..8], &hex("14 12 04 00 06 03 06 00"));
    assert_eq!(&en0[8..11], b"en0");
    let bridge = sa_dl(20, 0xd1, "bridge100", &[1, 2, 3, 4, 5, 6]);
    assert_eq!(bridge.len(), 24);
    assert_eq!(sa_dl(33, 1, "utun4319", &[]).len(), 20);
    assert_eq!(
        sa_dl(4, 6, "", &[]),
        hex("14 12 04 00 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")
    );
}

#[test]
fn ipv6_link_local_sockaddrs_embed_the_zone_kame_style() {
    let sa = sa_in6("fe80::1".parse().unwrap(), Some(0x21));
    assert_eq!(&sa[8..12], &hex("fe 80 00 21"));
    assert_eq!(&sa[24..28], &[0, 0, 0, 0]);
    let global = sa_in6("2001:db8::1".parse().unwrap(), Some(0x21));
    assert_eq!(&global[8..12], &hex("20 01 0d b8"));
}

#[test]
fn kernel_rtm_add_after_an_address_is_byte_identical_to_a_real_capture() {
    // shared/fixtures/darwin-route: mullvad's capture of the kernel's
    // RTM_ADD for a connected route, 135 bytes, last sockaddr unpadded.
    let capture = hex("87 00 05 01 0b 00 00 00 01 01 00 00 07 00 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
         00 00 00 00 00 00 00 00 00 00 00 00 10 02 00 00
         c0 a8 58 00 00 00 00 00 00 00 00 00 14 12 0b 00
         06 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
         07 ff ff ff ff ff ff");
    let mut k = boot("interface en5 index 11 ethernet mac 00:00:5e:00:53:05 up");
    let sock = k.open_socket(1, 0);
    k.add_address(
        11,
        &AddressSpec {
            addr: "192.168.88.17".parse().unwrap(),
            prefix_len: 24,
            peer_or_broadcast: None,
        },
    )
    .unwrap();
    let messages = k.drain(sock);
    assert_eq!(messages.len(), 2, "NEWADDR then RTM_ADD");
    assert_eq!(messages[0][3], RTM_NEWADDR);
    assert_eq!(messages[1], capture);
}

#[test]
fn newaddr_has_the_layout_of_the_worked_example() {
    // darwin-route-socket.md §5.6: 192.168.1.23/24 on en0 (index 4).
    let mut k = boot("interface en0 index 4 wifi mac 00:00:5e:00:53:aa up");
    let sock = k.open_socket(1, 0);
    k.add_address(
        4,
        &AddressSpec {
            addr: "192.168.1.23".parse().unwrap(),
            prefix_len: 24,
            peer_or_broadcast: None,
        },
    )
    .unwrap();
    let newaddr = &k.drain(sock)[0];
    assert_eq!(newaddr.len(), 80);
    assert_eq!(&newaddr[..4], &hex("50 00 05 0c"));
    assert_eq!(le32(newaddr, 4), 0xb4, "NETMASK|IFP|IFA|BRD");
    assert_eq!(
        le32(newaddr, 8),
        0x100,
        "ifa_flags: RTF_CLONING on Ethernet"
    );
    assert_eq!(&newaddr[12..14], &[4, 0]);
    assert_eq!(&newaddr[20..28], &hex("07 02 00 00 ff ff ff 00"));
    assert_eq!(&newaddr[28..36], &hex("14 12 04 00 06 03 06 00"));
    assert_eq!(&newaddr[48..56], &hex("10 02 00 00 c0 a8 01 17"));
    assert_eq!(&newaddr[64..72], &hex("10 02 00 00 c0 a8 01 ff"));
}

fn le32(b: &[u8], at: usize) -> u32 {
    crate::testkit::le32(b, at)
}
