//! [`AddressSet`]: the sockaddrs after a header, one optional slot per
//! `RTAX_*` index.
//!
//! Slots are stored by index, so they are always emitted in ascending bit
//! order (DST, GATEWAY, NETMASK, GENMASK, IFP, IFA, AUTHOR, BRD): the order
//! is a property of the type, not something a caller can get wrong.
//!
//! Walking (`rt_xaddrs`, x/net and mullvad agree):
//! - each sockaddr starts at a 4-byte boundary; a slot takes
//!   `ROUNDUP32(sa_len)` bytes and `ROUNDUP32(0) == 4`;
//! - a bit set with no bytes left is absent, but the bit is kept
//!   ([`AddressSet::absent_bits`]) so the header round-trips;
//! - the last sockaddr may lack some or all of its padding (`rt_msg1`
//!   messages have odd lengths); [`AddressSet::last_pad`] records that;
//! - padding bytes are **kept**, not required to be zero: senders' bytes
//!   are echoed by the kernel as written, and a monitor must not fail on
//!   another program's sloppy message ([`AddressSet::padding`]);
//! - bytes after the last slot (x/net writes 1024 of them) are kept as
//!   [`AddressSet::trailing`];
//! - a sockaddr whose `sa_len` runs past the end is an error.

use super::consts::{RTAX_MAX, RTAX_NAMES};
use super::error::Error;
use super::sockaddr::Sockaddr;

const WHAT: [&str; RTAX_MAX] = [
    "sockaddr DST",
    "sockaddr GATEWAY",
    "sockaddr NETMASK",
    "sockaddr GENMASK",
    "sockaddr IFP",
    "sockaddr IFA",
    "sockaddr AUTHOR",
    "sockaddr BRD",
];

/// The address slots of one message.
///
/// INVARIANT (kept by parse; callers building by hand keep it too, or
/// emit → parse will not give the same value back): low
/// [`absent_bits`](AddressSet::absent_bits) lie above every present slot,
/// `last_pad` is `Some(n)` only with `n` smaller than the last slot's
/// padding, and `trailing` is empty when `last_pad` is `Some` or a low
/// absent bit is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AddressSet {
    slots: [Option<Sockaddr>; RTAX_MAX],
    pads: [[u8; 3]; RTAX_MAX],
    absent_bits: u32,
    last_pad: Option<u8>,
    trailing: Vec<u8>,
}

impl AddressSet {
    /// No sockaddrs.
    pub fn new() -> AddressSet {
        AddressSet::default()
    }

    /// The sockaddr at `RTAX_*` index `rtax`, if present (`None` past 7).
    pub fn get(&self, rtax: usize) -> Option<&Sockaddr> {
        self.slots.get(rtax).and_then(Option::as_ref)
    }

    /// Puts (or with `None` removes) the sockaddr at `rtax`, resetting
    /// its padding to zeros. Indices past 7 are ignored.
    pub fn set(&mut self, rtax: usize, sa: Option<Sockaddr>) {
        if let Some(slot) = self.slots.get_mut(rtax) {
            *slot = sa;
            self.pads[rtax] = [0; 3];
        }
    }

    /// Builder form of [`AddressSet::set`].
    #[must_use]
    pub fn with(mut self, rtax: usize, sa: Sockaddr) -> AddressSet {
        self.set(rtax, Some(sa));
        self
    }

    /// `RTAX_DST`.
    pub fn dst(&self) -> Option<&Sockaddr> {
        self.get(super::consts::RTAX_DST)
    }
    /// `RTAX_GATEWAY`.
    pub fn gateway(&self) -> Option<&Sockaddr> {
        self.get(super::consts::RTAX_GATEWAY)
    }
    /// `RTAX_NETMASK`.
    pub fn netmask(&self) -> Option<&Sockaddr> {
        self.get(super::consts::RTAX_NETMASK)
    }
    /// `RTAX_GENMASK`.
    pub fn genmask(&self) -> Option<&Sockaddr> {
        self.get(super::consts::RTAX_GENMASK)
    }
    /// `RTAX_IFP`.
    pub fn ifp(&self) -> Option<&Sockaddr> {
        self.get(super::consts::RTAX_IFP)
    }
    /// `RTAX_IFA`.
    pub fn ifa(&self) -> Option<&Sockaddr> {
        self.get(super::consts::RTAX_IFA)
    }
    /// `RTAX_AUTHOR`.
    pub fn author(&self) -> Option<&Sockaddr> {
        self.get(super::consts::RTAX_AUTHOR)
    }
    /// `RTAX_BRD`.
    pub fn brd(&self) -> Option<&Sockaddr> {
        self.get(super::consts::RTAX_BRD)
    }

    /// The present slots in bit order, with their `RTAX_*` index.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &Sockaddr)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|s| (i, s)))
    }

    /// The bits of the present slots.
    pub fn present_bits(&self) -> u32 {
        self.iter().fold(0, |acc, (i, _)| acc | 1 << i)
    }

    /// The `rtm_addrs` value: present slots plus [`AddressSet::absent_bits`].
    pub fn bits(&self) -> u32 {
        self.present_bits() | self.absent_bits
    }

    /// Bits of `rtm_addrs` with no sockaddr: set bits whose bytes had run
    /// out (kept so the header round-trips) and bits above `RTA_BRD`.
    pub fn absent_bits(&self) -> u32 {
        self.absent_bits
    }

    /// Sets [`AddressSet::absent_bits`] (bits of present slots are ignored).
    pub fn set_absent_bits(&mut self, bits: u32) {
        self.absent_bits = bits & !self.present_bits();
    }

    /// The padding bytes after slot `rtax` (only the first
    /// `ROUNDUP32(sa_len) - sa_len` are used; zero unless read so).
    pub fn padding(&self, rtax: usize) -> [u8; 3] {
        self.pads.get(rtax).copied().unwrap_or([0; 3])
    }

    /// Sets the padding bytes after slot `rtax`.
    pub fn set_padding(&mut self, rtax: usize, pad: [u8; 3]) {
        if let Some(p) = self.pads.get_mut(rtax) {
            *p = pad;
        }
    }

    /// `None` when the last sockaddr is fully padded (`rt_msg2`: replies,
    /// dumps); `Some(n)` when only `n` of its padding bytes are there
    /// (`Some(0)`: `rt_msg1` notifications, whose `msglen` can be odd).
    pub fn last_pad(&self) -> Option<u8> {
        self.last_pad
    }

    /// Sets [`AddressSet::last_pad`].
    pub fn set_last_pad(&mut self, last_pad: Option<u8>) {
        self.last_pad = last_pad;
    }

    /// Builder: leave the last sockaddr unpadded, as `rt_msg1` does.
    #[must_use]
    pub fn unpadded(mut self) -> AddressSet {
        self.last_pad = Some(0);
        self
    }

    /// Bytes after the last slot.
    pub fn trailing(&self) -> &[u8] {
        &self.trailing
    }

    /// Sets [`AddressSet::trailing`].
    pub fn set_trailing(&mut self, bytes: Vec<u8>) {
        self.trailing = bytes;
    }

    /// Walks the sockaddrs named by `bits` in `area` (the bytes between
    /// the header and `msglen`). Offsets in errors are relative to `area`.
    ///
    /// # Errors
    /// [`Error::Truncated`] when a sockaddr runs past the end (a zero
    /// `sa_len` needs its 4 bytes).
    pub fn parse(bits: u32, area: &[u8]) -> Result<AddressSet, Error> {
        let mut set = AddressSet::default();
        let mut off = 0;
        for (i, what) in WHAT.iter().enumerate() {
            if bits & (1 << i) == 0 {
                continue;
            }
            let rest = &area[off..];
            let Some(&len) = rest.first() else {
                set.absent_bits |= 1 << i;
                continue;
            };
            let need = if len == 0 { 4 } else { usize::from(len) };
            if need > rest.len() {
                return Err(Error::Truncated {
                    what,
                    offset: off,
                    need,
                    have: rest.len(),
                });
            }
            set.slots[i] = Some(Sockaddr::from_exact(&rest[..need]));
            let pad = super::sockaddr::roundup32(usize::from(len)) - need;
            let avail = pad.min(rest.len() - need);
            set.pads[i][..avail].copy_from_slice(&rest[need..need + avail]);
            if avail < pad {
                set.last_pad = Some(avail as u8);
            }
            off += need + avail;
        }
        set.absent_bits |= bits & !0xff;
        if off < area.len() {
            set.trailing = area[off..].to_vec();
        }
        Ok(set)
    }

    fn last_index(&self) -> Option<usize> {
        self.slots.iter().rposition(Option::is_some)
    }

    fn pad_of(&self, i: usize, sa: &Sockaddr, last: Option<usize>) -> usize {
        let full = sa.padded_len() - sa.wire_len();
        match self.last_pad {
            Some(n) if last == Some(i) => full.min(usize::from(n)),
            _ => full,
        }
    }

    /// The bytes [`AddressSet::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        let last = self.last_index();
        self.iter()
            .map(|(i, sa)| sa.wire_len() + self.pad_of(i, sa, last))
            .sum::<usize>()
            + self.trailing.len()
    }

    /// Writes the sockaddrs, padding and trailing bytes.
    ///
    /// # Panics
    /// If `b` is shorter than [`AddressSet::buffer_len`].
    pub fn emit(&self, b: &mut [u8]) {
        let last = self.last_index();
        let mut off = 0;
        for (i, sa) in self.iter() {
            let len = sa.wire_len();
            sa.emit(&mut b[off..off + len]);
            off += len;
            let pad = self.pad_of(i, sa, last);
            b[off..off + pad].copy_from_slice(&self.pads[i][..pad]);
            off += pad;
        }
        b[off..off + self.trailing.len()].copy_from_slice(&self.trailing);
    }

    /// The `RTA_*` names of `bits`, `|`-separated (`DST|GATEWAY|NETMASK`);
    /// unnamed bits in hex.
    pub fn bit_names(bits: u32) -> String {
        let mut names: Vec<String> = (0..RTAX_MAX)
            .filter(|i| bits & (1 << i) != 0)
            .map(|i| RTAX_NAMES[i].to_string())
            .collect();
        if bits & !0xff != 0 {
            names.push(format!("{:#x}", bits & !0xff));
        }
        names.join("|")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pf_route::consts::*;
    use crate::wire::pf_route::link::SockaddrDl;
    use crate::wire::pf_route::sockaddr::{RawSockaddr, SockaddrIn};

    // Fixture 1: 192.168.86.0/24 via link#4, kernel mask, padded.
    const FIXTURE1: [u8; 44] = [
        0x10, 0x02, 0x00, 0x00, 0xc0, 0xa8, 0x56, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, //
        0x14, 0x12, 0x04, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, //
        0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
    ];

    fn fixture1_repr() -> AddressSet {
        AddressSet::new()
            .with(
                RTAX_DST,
                Sockaddr::Inet(SockaddrIn::new([192, 168, 86, 0].into())),
            )
            .with(RTAX_GATEWAY, Sockaddr::Link(SockaddrDl::null(4, IFT_ETHER)))
            .with(
                RTAX_NETMASK,
                Sockaddr::Raw(
                    RawSockaddr::new(&[7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).expect("raw"),
                ),
            )
    }

    #[test]
    fn parse() {
        assert_eq!(AddressSet::parse(0x07, &FIXTURE1), Ok(fixture1_repr()));
    }

    #[test]
    fn emit() {
        let set = fixture1_repr();
        assert_eq!(set.buffer_len(), 44);
        let mut b = [0xa5u8; 44];
        set.emit(&mut b);
        assert_eq!(b, FIXTURE1);
        assert_eq!(set.bits(), 0x07);
    }

    #[test]
    fn unpadded_last_sockaddr_round_trips() {
        let area = &FIXTURE1[..43];
        let set = AddressSet::parse(0x07, area).expect("parse");
        assert_eq!(set.last_pad(), Some(0));
        assert_eq!(set.buffer_len(), 43);
        let mut b = vec![0xa5; 43];
        set.emit(&mut b);
        assert_eq!(b, area);
    }

    #[test]
    fn zero_length_sockaddr_consumes_four_bytes() {
        let mut area = vec![0x00, 0x1e, 0x00, 0x00];
        area.extend_from_slice(&FIXTURE1[16..36]);
        let set = AddressSet::parse(0x03, &area).expect("parse");
        assert_eq!(
            set.dst(),
            Some(&Sockaddr::Empty {
                raw: [0, 0x1e, 0, 0]
            })
        );
        assert!(matches!(set.gateway(), Some(Sockaddr::Link(_))));
        assert_eq!(set.buffer_len(), 24);
    }

    #[test]
    fn set_bit_without_bytes_is_absent_but_kept() {
        let set = AddressSet::parse(0x17, &FIXTURE1).expect("parse");
        assert_eq!(set.ifp(), None);
        assert_eq!(set.absent_bits(), 0x10);
        assert_eq!(set.bits(), 0x17);
        assert_eq!(set.buffer_len(), 44);
    }

    #[test]
    fn non_zero_padding_is_kept() {
        let mut area = FIXTURE1;
        area[43] = 0x5a;
        let set = AddressSet::parse(0x07, &area).expect("parse");
        assert_eq!(set.padding(RTAX_NETMASK), [0x5a, 0, 0]);
        let mut b = [0u8; 44];
        set.emit(&mut b);
        assert_eq!(b, area);
    }

    #[test]
    fn trailing_bytes_are_kept() {
        let mut area = FIXTURE1.to_vec();
        area.extend_from_slice(&[0; 8]);
        let set = AddressSet::parse(0x07, &area).expect("parse");
        assert_eq!(set.trailing(), &[0; 8]);
        assert_eq!(set.buffer_len(), 52);
    }

    #[test]
    fn rejects_sockaddr_running_past_the_end() {
        assert_eq!(
            AddressSet::parse(0x07, &FIXTURE1[..30]),
            Err(Error::Truncated {
                what: "sockaddr GATEWAY",
                offset: 16,
                need: 20,
                have: 14
            })
        );
    }

    #[test]
    fn rejects_zero_length_sockaddr_without_its_four_bytes() {
        assert!(AddressSet::parse(0x01, &[0, 2]).is_err());
    }

    #[test]
    fn bit_names() {
        assert_eq!(AddressSet::bit_names(0x37), "DST|GATEWAY|NETMASK|IFP|IFA");
        assert_eq!(AddressSet::bit_names(0x101), "DST|0x100");
    }
}
