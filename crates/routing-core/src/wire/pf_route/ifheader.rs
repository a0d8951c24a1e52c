//! The interface headers: `if_msghdr` (+ `if_data`), `if_msghdr2`
//! (+ `if_data64`), `ifa_msghdr`, `ifma_msghdr` and `ifma_msghdr2`.
//!
//! Their field order differs from `rt_msghdr`: addrs and flags come
//! before the index.
//!
//! ```text
//!  off  if_msghdr (112)   if_msghdr2 (160)   ifa_msghdr (20)  ifma_msghdr (16)  ifma_msghdr2 (20)
//!    0  u16 msglen        u16 msglen         u16 msglen       u16 msglen        u16 msglen
//!    2  u8  version       u8  version        u8  version      u8  version       u8  version
//!    3  u8  type (0x0e)   u8  type (0x12)    u8  type (c/d)   u8  type (f/10)   u8  type (0x13)
//!    4  i32 addrs         i32 addrs          i32 addrs        i32 addrs         i32 addrs
//!    8  i32 flags         i32 flags          i32 flags        i32 flags         i32 flags
//!   12  u16 index         u16 index          u16 index        u16 index         u16 index
//!   14  u16 pad           u16 pad            u16 pad          u16 pad           u16 pad
//!   16  if_data (96)      i32 snd_len        i32 metric       (end)             i32 refcount
//!   20                    i32 snd_maxlen     (end)                              (end)
//!   24                    i32 snd_drops
//!   28                    i32 timer
//!   32                    if_data64 (128)
//! ```

use super::endian::{self, le_struct};
use super::error::Error;

/// `sizeof(struct if_msghdr)`.
pub const IF_MSGHDR_LEN: usize = 112;
/// `sizeof(struct if_msghdr2)`.
pub const IF_MSGHDR2_LEN: usize = 160;
/// `sizeof(struct ifa_msghdr)`.
pub const IFA_MSGHDR_LEN: usize = 20;
/// `sizeof(struct ifma_msghdr)`.
pub const IFMA_MSGHDR_LEN: usize = 16;
/// `sizeof(struct ifma_msghdr2)`.
pub const IFMA_MSGHDR2_LEN: usize = 20;

mod field {
    use std::ops::Range;

    pub const MSGLEN: Range<usize> = 0..2;
    pub const VERSION: usize = 2;
    pub const TYPE: usize = 3;
    pub const ADDRS: Range<usize> = 4..8;
    pub const FLAGS: Range<usize> = 8..12;
    pub const INDEX: Range<usize> = 12..14;
    pub const PAD: Range<usize> = 14..16;
    /// End of the prefix all five headers share.
    pub const COMMON_END: usize = 16;
}

/// A view of the 16-byte prefix shared by the five interface headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfHeaderBuffer<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IfHeaderBuffer<T> {
    /// Wraps bytes without checking.
    pub fn new_unchecked(buffer: T) -> IfHeaderBuffer<T> {
        IfHeaderBuffer { buffer }
    }

    /// Wraps bytes after checking a header of `header_len` bytes (16 to
    /// 160, by type) is there and `msglen` covers it and fits.
    ///
    /// # Errors
    /// [`Error::Truncated`] or [`Error::ShorterThanHeader`].
    pub fn new_checked(
        buffer: T,
        what: &'static str,
        header_len: usize,
    ) -> Result<IfHeaderBuffer<T>, Error> {
        let b = IfHeaderBuffer::new_unchecked(buffer);
        b.check_len(what, header_len.max(field::COMMON_END))?;
        Ok(b)
    }

    /// See [`IfHeaderBuffer::new_checked`].
    ///
    /// # Errors
    /// [`Error::Truncated`] or [`Error::ShorterThanHeader`].
    pub fn check_len(&self, what: &'static str, header_len: usize) -> Result<(), Error> {
        super::header::check_frame(self.buffer.as_ref(), what, header_len)
    }

    /// The wrapped bytes.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole message (up to `msglen`), for the typed readers.
    pub fn as_message(&self) -> &[u8] {
        &self.buffer.as_ref()[..usize::from(self.msglen())]
    }

    /// `*_msglen`.
    #[inline]
    pub fn msglen(&self) -> u16 {
        endian::u16_at(self.buffer.as_ref(), field::MSGLEN.start)
    }
    /// `*_version`.
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION]
    }
    /// `*_type`.
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }
    /// `*_addrs`.
    #[inline]
    pub fn addrs(&self) -> u32 {
        endian::u32_at(self.buffer.as_ref(), field::ADDRS.start)
    }
    /// `*_flags`.
    #[inline]
    pub fn flags(&self) -> i32 {
        endian::i32_at(self.buffer.as_ref(), field::FLAGS.start)
    }
    /// `*_index`.
    #[inline]
    pub fn index(&self) -> u16 {
        endian::u16_at(self.buffer.as_ref(), field::INDEX.start)
    }
    /// The alignment hole at 14.
    #[inline]
    pub fn pad(&self) -> u16 {
        endian::u16_at(self.buffer.as_ref(), field::PAD.start)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> IfHeaderBuffer<T> {
    /// Sets `*_msglen`.
    pub fn set_msglen(&mut self, v: u16) {
        endian::put_u16(self.buffer.as_mut(), field::MSGLEN.start, v)
    }
    /// Sets `*_version`.
    pub fn set_version(&mut self, v: u8) {
        self.buffer.as_mut()[field::VERSION] = v
    }
    /// Sets `*_type`.
    pub fn set_msg_type(&mut self, v: u8) {
        self.buffer.as_mut()[field::TYPE] = v
    }
    /// Sets `*_addrs`.
    pub fn set_addrs(&mut self, v: u32) {
        endian::put_u32(self.buffer.as_mut(), field::ADDRS.start, v)
    }
    /// Sets `*_flags`.
    pub fn set_flags(&mut self, v: i32) {
        endian::put_i32(self.buffer.as_mut(), field::FLAGS.start, v)
    }
    /// Sets `*_index`.
    pub fn set_index(&mut self, v: u16) {
        endian::put_u16(self.buffer.as_mut(), field::INDEX.start, v)
    }
    /// Sets the alignment hole at 14.
    pub fn set_pad(&mut self, v: u16) {
        endian::put_u16(self.buffer.as_mut(), field::PAD.start, v)
    }
    /// The whole buffer, for the typed writers.
    pub fn as_message_mut(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
}

le_struct! {
    /// `struct if_data` (96 bytes, `pragma pack(4)`, `timeval32`).
    pub struct IfData [96] {
        /// `ifi_type`: `IFT_*`.
        if_type: u8 = 0,
        /// `ifi_typelen`.
        typelen: u8 = 1,
        /// `ifi_physical`.
        physical: u8 = 2,
        /// `ifi_addrlen`.
        addrlen: u8 = 3,
        /// `ifi_hdrlen`.
        hdrlen: u8 = 4,
        /// `ifi_recvquota`.
        recvquota: u8 = 5,
        /// `ifi_xmitquota`.
        xmitquota: u8 = 6,
        /// `ifi_unused1`.
        unused1: u8 = 7,
        /// `ifi_mtu`.
        mtu: u32 = 8,
        /// `ifi_metric`.
        metric: u32 = 12,
        /// `ifi_baudrate`.
        baudrate: u32 = 16,
        /// `ifi_ipackets`.
        ipackets: u32 = 20,
        /// `ifi_ierrors`.
        ierrors: u32 = 24,
        /// `ifi_opackets`.
        opackets: u32 = 28,
        /// `ifi_oerrors`.
        oerrors: u32 = 32,
        /// `ifi_collisions`.
        collisions: u32 = 36,
        /// `ifi_ibytes`.
        ibytes: u32 = 40,
        /// `ifi_obytes`.
        obytes: u32 = 44,
        /// `ifi_imcasts`.
        imcasts: u32 = 48,
        /// `ifi_omcasts`.
        omcasts: u32 = 52,
        /// `ifi_iqdrops`.
        iqdrops: u32 = 56,
        /// `ifi_noproto`.
        noproto: u32 = 60,
        /// `ifi_recvtiming`.
        recvtiming: u32 = 64,
        /// `ifi_xmittiming`.
        xmittiming: u32 = 68,
        /// `ifi_lastchange.tv_sec`.
        lastchange_sec: i32 = 72,
        /// `ifi_lastchange.tv_usec`.
        lastchange_usec: i32 = 76,
        /// `ifi_unused2`.
        unused2: u32 = 80,
        /// `ifi_hwassist`.
        hwassist: u32 = 84,
        /// `ifi_reserved1`.
        reserved1: u32 = 88,
        /// `ifi_reserved2`.
        reserved2: u32 = 92,
    }
}

le_struct! {
    /// `struct if_data64` (128 bytes, `pragma pack(4)`).
    pub struct IfData64 [128] {
        /// `ifi_type`: `IFT_*`.
        if_type: u8 = 0,
        /// `ifi_typelen`.
        typelen: u8 = 1,
        /// `ifi_physical`.
        physical: u8 = 2,
        /// `ifi_addrlen`.
        addrlen: u8 = 3,
        /// `ifi_hdrlen`.
        hdrlen: u8 = 4,
        /// `ifi_recvquota`.
        recvquota: u8 = 5,
        /// `ifi_xmitquota`.
        xmitquota: u8 = 6,
        /// `ifi_unused1`.
        unused1: u8 = 7,
        /// `ifi_mtu`.
        mtu: u32 = 8,
        /// `ifi_metric`.
        metric: u32 = 12,
        /// `ifi_baudrate`.
        baudrate: u64 = 16,
        /// `ifi_ipackets`.
        ipackets: u64 = 24,
        /// `ifi_ierrors`.
        ierrors: u64 = 32,
        /// `ifi_opackets`.
        opackets: u64 = 40,
        /// `ifi_oerrors`.
        oerrors: u64 = 48,
        /// `ifi_collisions`.
        collisions: u64 = 56,
        /// `ifi_ibytes`.
        ibytes: u64 = 64,
        /// `ifi_obytes`.
        obytes: u64 = 72,
        /// `ifi_imcasts`.
        imcasts: u64 = 80,
        /// `ifi_omcasts`.
        omcasts: u64 = 88,
        /// `ifi_iqdrops`.
        iqdrops: u64 = 96,
        /// `ifi_noproto`.
        noproto: u64 = 104,
        /// `ifi_recvtiming`.
        recvtiming: u32 = 112,
        /// `ifi_xmittiming`.
        xmittiming: u32 = 116,
        /// `ifi_lastchange.tv_sec`.
        lastchange_sec: i32 = 120,
        /// `ifi_lastchange.tv_usec`.
        lastchange_usec: i32 = 124,
    }
}

le_struct! {
    /// The fields of an `if_msghdr` (`RTM_IFINFO`) other than msglen,
    /// version, type and addrs, at their offsets in the message.
    pub struct IfHeader [112] {
        /// `ifm_flags`: `if_flags` truncated to 16 bits.
        flags: i32 = 8,
        /// `ifm_index`.
        index: u16 = 12,
        /// The alignment hole at 14.
        pad: u16 = 14,
        /// `ifm_data`.
        data: IfData = 16,
    }
}

le_struct! {
    /// The fields of an `if_msghdr2` (`RTM_IFINFO2`) other than msglen,
    /// version, type and addrs, at their offsets in the message.
    pub struct IfHeader2 [160] {
        /// `ifm_flags`.
        flags: i32 = 8,
        /// `ifm_index`.
        index: u16 = 12,
        /// The alignment hole at 14.
        pad: u16 = 14,
        /// `ifm_snd_len`.
        snd_len: i32 = 16,
        /// `ifm_snd_maxlen`.
        snd_maxlen: i32 = 20,
        /// `ifm_snd_drops`.
        snd_drops: i32 = 24,
        /// `ifm_timer`.
        timer: i32 = 28,
        /// `ifm_data`.
        data: IfData64 = 32,
    }
}

le_struct! {
    /// The fields of an `ifa_msghdr` (`RTM_NEWADDR`/`RTM_DELADDR`) other
    /// than msglen, version and addrs.
    pub struct IfaHeader [20] {
        /// `ifam_type`: `RTM_NEWADDR` or `RTM_DELADDR`.
        rtm_type: u8 = 3,
        /// `ifam_flags`: the address's `ifa_flags`.
        flags: i32 = 8,
        /// `ifam_index`.
        index: u16 = 12,
        /// The alignment hole at 14.
        pad: u16 = 14,
        /// `ifam_metric`.
        metric: i32 = 16,
    }
}

le_struct! {
    /// The fields of an `ifma_msghdr` (`RTM_NEWMADDR`/`RTM_DELMADDR`)
    /// other than msglen, version and addrs.
    pub struct IfmaHeader [16] {
        /// `ifmam_type`: `RTM_NEWMADDR` or `RTM_DELMADDR`.
        rtm_type: u8 = 3,
        /// `ifmam_flags`.
        flags: i32 = 8,
        /// `ifmam_index`.
        index: u16 = 12,
        /// The alignment hole at 14.
        pad: u16 = 14,
    }
}

le_struct! {
    /// The fields of an `ifma_msghdr2` (`RTM_NEWMADDR2`) other than
    /// msglen, version, type and addrs.
    pub struct IfmaHeader2 [20] {
        /// `ifmam_flags` (0).
        flags: i32 = 8,
        /// `ifmam_index`.
        index: u16 = 12,
        /// The alignment hole at 14.
        pad: u16 = 14,
        /// `ifmam_refcount`.
        refcount: i32 = 16,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_data_offsets_match_the_reference() {
        let d = IfData {
            if_type: 6,
            mtu: 1500,
            lastchange_sec: 7,
            reserved2: 9,
            ..IfData::default()
        };
        let mut b = [0u8; 96];
        d.write(&mut b);
        assert_eq!(b[0], 6);
        assert_eq!(&b[8..12], &1500u32.to_le_bytes());
        assert_eq!(&b[72..76], &7i32.to_le_bytes());
        assert_eq!(&b[92..96], &9u32.to_le_bytes());
        assert_eq!(IfData::read(&b), d);
    }

    #[test]
    fn if_msghdr2_puts_if_data64_at_32() {
        let h = IfHeader2 {
            index: 4,
            data: IfData64 {
                mtu: 1500,
                noproto: 1 << 40,
                lastchange_usec: 3,
                ..IfData64::default()
            },
            ..IfHeader2::default()
        };
        let mut b = [0u8; 160];
        h.write(&mut b);
        assert_eq!(&b[12..14], &[4, 0]);
        assert_eq!(&b[40..44], &1500u32.to_le_bytes());
        assert_eq!(&b[136..144], &(1u64 << 40).to_le_bytes());
        assert_eq!(&b[156..160], &3i32.to_le_bytes());
        assert_eq!(IfHeader2::read(&b), h);
    }

    #[test]
    fn index_comes_after_addrs_and_flags() {
        // Fixture 7's header: RTM_DELMADDR, addrs 0x30, index 4.
        let bytes = [0x32, 0, 5, 0x10, 0x30, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0];
        let b = IfHeaderBuffer::new_unchecked(&bytes[..]);
        assert_eq!(b.addrs(), 0x30);
        assert_eq!(b.index(), 4);
        assert_eq!(b.flags(), 0);
        let h = IfmaHeader::read(&bytes);
        assert_eq!((h.rtm_type, h.index), (0x10, 4));
    }

    #[test]
    fn rejects_msglen_shorter_than_header() {
        let mut bytes = [0u8; 112];
        bytes[0] = 100;
        assert!(matches!(
            IfHeaderBuffer::new_checked(&bytes[..], "if_msghdr", IF_MSGHDR_LEN),
            Err(Error::ShorterThanHeader {
                need: 112,
                have: 100,
                ..
            })
        ));
    }
}
