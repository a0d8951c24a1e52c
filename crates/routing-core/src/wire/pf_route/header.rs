//! The route headers: `rt_msghdr` and `rt_msghdr2` (92 bytes each) with
//! their `rt_metrics` (56 bytes), and the 4-byte prefix every routing
//! message shares.
//!
//! ```text
//!  off  rt_msghdr (RTM_ADD … RTM_GET_SILENT)   rt_msghdr2 (RTM_GET2)
//!  ---  ---------------------------------      ---------------------
//!    0  u16 rtm_msglen                         u16 rtm_msglen
//!    2  u8  rtm_version (5)                    u8  rtm_version (5)
//!    3  u8  rtm_type                           u8  rtm_type (0x14)
//!    4  u16 rtm_index                          u16 rtm_index
//!    6  u16 (alignment hole, kept as `pad`)    u16 (hole, `pad`)
//!    8  i32 rtm_flags                          i32 rtm_flags
//!   12  i32 rtm_addrs                          i32 rtm_addrs
//!   16  i32 rtm_pid                            i32 rtm_refcnt
//!   20  i32 rtm_seq                            i32 rtm_parentflags
//!   24  i32 rtm_errno    <- not 28!            i32 rtm_reserved
//!   28  i32 rtm_use                            i32 rtm_use
//!   32  u32 rtm_inits                          u32 rtm_inits
//!   36  rt_metrics (56 bytes)                  rt_metrics
//!   92  sockaddrs, in RTA bit order, 4-byte aligned
//! ```

use crate::model::RouteFlags;

use super::consts::RTM_VERSION;
use super::endian::{self, le_struct};
use super::error::Error;

/// The size of `struct rt_msghdr` and `struct rt_msghdr2`.
pub const RT_MSGHDR_LEN: usize = 92;

mod field {
    use std::ops::Range;

    pub const MSGLEN: Range<usize> = 0..2;
    pub const VERSION: usize = 2;
    pub const TYPE: usize = 3;
    pub const INDEX: Range<usize> = 4..6;
    pub const PAD: Range<usize> = 6..8;
    pub const FLAGS: Range<usize> = 8..12;
    pub const ADDRS: Range<usize> = 12..16;
    /// `rtm_pid`, or `rtm_refcnt` in `rt_msghdr2`.
    pub const PID: Range<usize> = 16..20;
    /// `rtm_seq`, or `rtm_parentflags` in `rt_msghdr2`.
    pub const SEQ: Range<usize> = 20..24;
    /// `rtm_errno`, or `rtm_reserved` in `rt_msghdr2`.
    pub const ERRNO: Range<usize> = 24..28;
    pub const USE: Range<usize> = 28..32;
    pub const INITS: Range<usize> = 32..36;
    pub const RMX: Range<usize> = 36..92;
}

/// A view of the 4 bytes every routing message starts with: length,
/// version, type. Used to frame messages before knowing their header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageBuffer<T: AsRef<[u8]>> {
    buffer: T,
}

/// The bytes [`MessageBuffer`] needs.
pub const MESSAGE_PREFIX_LEN: usize = 4;

impl<T: AsRef<[u8]>> MessageBuffer<T> {
    /// Wraps bytes without checking; accessors panic if shorter than 4.
    pub fn new_unchecked(buffer: T) -> MessageBuffer<T> {
        MessageBuffer { buffer }
    }

    /// Wraps bytes after [`MessageBuffer::check_len`].
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than 4 bytes are given.
    pub fn new_checked(buffer: T) -> Result<MessageBuffer<T>, Error> {
        let b = MessageBuffer::new_unchecked(buffer);
        b.check_len()?;
        Ok(b)
    }

    /// Checks that the 4-byte prefix is there.
    ///
    /// # Errors
    /// [`Error::Truncated`].
    pub fn check_len(&self) -> Result<(), Error> {
        let have = self.buffer.as_ref().len();
        if have < MESSAGE_PREFIX_LEN {
            return Err(Error::Truncated {
                what: "message prefix",
                offset: 0,
                need: MESSAGE_PREFIX_LEN,
                have,
            });
        }
        Ok(())
    }

    /// The wrapped bytes.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// `msglen`: the whole message's length.
    #[inline]
    pub fn msglen(&self) -> u16 {
        endian::u16_at(self.buffer.as_ref(), field::MSGLEN.start)
    }

    /// `version`.
    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION]
    }

    /// `type`.
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }
}

/// A view of an `rt_msghdr` or `rt_msghdr2` header over any bytes.
///
/// After [`RouteHeaderBuffer::check_len`] succeeds no accessor panics, and
/// [`RouteHeaderBuffer::addrs_area`] is within bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteHeaderBuffer<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> RouteHeaderBuffer<T> {
    /// Wraps bytes without checking. Accessors panic on short buffers.
    pub fn new_unchecked(buffer: T) -> RouteHeaderBuffer<T> {
        RouteHeaderBuffer { buffer }
    }

    /// Wraps bytes after [`RouteHeaderBuffer::check_len`]. Use this for
    /// untrusted input; do not use it on a buffer about to be emitted into.
    ///
    /// # Errors
    /// See [`RouteHeaderBuffer::check_len`].
    pub fn new_checked(buffer: T) -> Result<RouteHeaderBuffer<T>, Error> {
        let b = RouteHeaderBuffer::new_unchecked(buffer);
        b.check_len()?;
        Ok(b)
    }

    /// Checks that the 92-byte header is there and that `msglen` covers
    /// the header and lies within the buffer.
    ///
    /// # Errors
    /// [`Error::Truncated`] for fewer than 92 bytes,
    /// [`Error::ShorterThanHeader`] for `msglen < 92`, and
    /// [`Error::Truncated`] for `msglen` past the end.
    pub fn check_len(&self) -> Result<(), Error> {
        check_frame(self.buffer.as_ref(), "rt_msghdr", RT_MSGHDR_LEN)
    }

    /// The wrapped bytes.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// `rtm_msglen`.
    #[inline]
    pub fn msglen(&self) -> u16 {
        endian::u16_at(self.b(), field::MSGLEN.start)
    }
    /// `rtm_version`.
    #[inline]
    pub fn version(&self) -> u8 {
        self.b()[field::VERSION]
    }
    /// `rtm_type`.
    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.b()[field::TYPE]
    }
    /// `rtm_index`.
    #[inline]
    pub fn index(&self) -> u16 {
        endian::u16_at(self.b(), field::INDEX.start)
    }
    /// The two bytes of the alignment hole at offset 6, as a LE u16.
    #[inline]
    pub fn pad(&self) -> u16 {
        endian::u16_at(self.b(), field::PAD.start)
    }
    /// `rtm_flags`.
    #[inline]
    pub fn flags(&self) -> RouteFlags {
        RouteFlags::from_bits(endian::u32_at(self.b(), field::FLAGS.start))
    }
    /// `rtm_addrs`.
    #[inline]
    pub fn addrs(&self) -> u32 {
        endian::u32_at(self.b(), field::ADDRS.start)
    }
    /// `rtm_pid` (`rt_msghdr`).
    #[inline]
    pub fn pid(&self) -> i32 {
        endian::i32_at(self.b(), field::PID.start)
    }
    /// `rtm_seq` (`rt_msghdr`).
    #[inline]
    pub fn seq(&self) -> i32 {
        endian::i32_at(self.b(), field::SEQ.start)
    }
    /// `rtm_errno` (`rt_msghdr`), at offset 24.
    #[inline]
    pub fn errno(&self) -> i32 {
        endian::i32_at(self.b(), field::ERRNO.start)
    }
    /// `rtm_refcnt` (`rt_msghdr2`; same bytes as `rtm_pid`).
    #[inline]
    pub fn refcnt(&self) -> i32 {
        self.pid()
    }
    /// `rtm_parentflags` (`rt_msghdr2`; same bytes as `rtm_seq`).
    #[inline]
    pub fn parent_flags(&self) -> RouteFlags {
        RouteFlags::from_bits(self.seq() as u32)
    }
    /// `rtm_reserved` (`rt_msghdr2`; same bytes as `rtm_errno`).
    #[inline]
    pub fn reserved(&self) -> i32 {
        self.errno()
    }
    /// `rtm_use`.
    #[inline]
    pub fn use_count(&self) -> i32 {
        endian::i32_at(self.b(), field::USE.start)
    }
    /// `rtm_inits`.
    #[inline]
    pub fn inits(&self) -> u32 {
        endian::u32_at(self.b(), field::INITS.start)
    }
    /// `rtm_rmx`.
    #[inline]
    pub fn metrics(&self) -> RtMetrics {
        RtMetrics::read(&self.b()[field::RMX])
    }
    /// The sockaddr bytes: from the end of the header to `msglen`.
    #[inline]
    pub fn addrs_area(&self) -> &[u8] {
        &self.b()[RT_MSGHDR_LEN..usize::from(self.msglen())]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> RouteHeaderBuffer<T> {
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
    /// Sets `rtm_msglen`.
    pub fn set_msglen(&mut self, v: u16) {
        endian::put_u16(self.bm(), field::MSGLEN.start, v)
    }
    /// Sets `rtm_version`.
    pub fn set_version(&mut self, v: u8) {
        self.bm()[field::VERSION] = v
    }
    /// Sets `rtm_type`.
    pub fn set_msg_type(&mut self, v: u8) {
        self.bm()[field::TYPE] = v
    }
    /// Sets `rtm_index`.
    pub fn set_index(&mut self, v: u16) {
        endian::put_u16(self.bm(), field::INDEX.start, v)
    }
    /// Sets the alignment hole at offset 6.
    pub fn set_pad(&mut self, v: u16) {
        endian::put_u16(self.bm(), field::PAD.start, v)
    }
    /// Sets `rtm_flags`.
    pub fn set_flags(&mut self, v: RouteFlags) {
        endian::put_u32(self.bm(), field::FLAGS.start, v.bits())
    }
    /// Sets `rtm_addrs`.
    pub fn set_addrs(&mut self, v: u32) {
        endian::put_u32(self.bm(), field::ADDRS.start, v)
    }
    /// Sets `rtm_pid` (`rtm_refcnt` in `rt_msghdr2`).
    pub fn set_pid(&mut self, v: i32) {
        endian::put_i32(self.bm(), field::PID.start, v)
    }
    /// Sets `rtm_seq` (`rtm_parentflags` in `rt_msghdr2`).
    pub fn set_seq(&mut self, v: i32) {
        endian::put_i32(self.bm(), field::SEQ.start, v)
    }
    /// Sets `rtm_errno` (`rtm_reserved` in `rt_msghdr2`).
    pub fn set_errno(&mut self, v: i32) {
        endian::put_i32(self.bm(), field::ERRNO.start, v)
    }
    /// Sets `rtm_use`.
    pub fn set_use_count(&mut self, v: i32) {
        endian::put_i32(self.bm(), field::USE.start, v)
    }
    /// Sets `rtm_inits`.
    pub fn set_inits(&mut self, v: u32) {
        endian::put_u32(self.bm(), field::INITS.start, v)
    }
    /// Sets `rtm_rmx`.
    pub fn set_metrics(&mut self, v: &RtMetrics) {
        v.write(&mut self.bm()[field::RMX])
    }
}

le_struct! {
    /// `struct rt_metrics`: 14 × u32. `expire` is an i32 of wall-clock
    /// seconds, 0 = never. The 16-byte `rmx_filler` is kept as read.
    pub struct RtMetrics [56] {
        /// `rmx_locks`: `RTV_*` bits that may not be changed.
        locks: u32 = 0,
        /// `rmx_mtu`.
        mtu: u32 = 4,
        /// `rmx_hopcount`.
        hopcount: u32 = 8,
        /// `rmx_expire`: calendar seconds, 0 = never.
        expire: i32 = 12,
        /// `rmx_recvpipe`.
        recvpipe: u32 = 16,
        /// `rmx_sendpipe`.
        sendpipe: u32 = 20,
        /// `rmx_ssthresh`.
        ssthresh: u32 = 24,
        /// `rmx_rtt` (microseconds).
        rtt: u32 = 28,
        /// `rmx_rttvar` (microseconds).
        rttvar: u32 = 32,
        /// `rmx_pksent`.
        pksent: u32 = 36,
        /// `rmx_filler[4]` (some bindings call the first word `rmx_state`).
        filler: [u32; 4] = 40,
    }
}

/// The fields of an `rt_msghdr` other than `msglen`, `version` (always 5)
/// and `addrs` (a property of the [`AddressSet`](super::AddressSet)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RouteHeader {
    /// `rtm_type`: one of the `RTM_*` that use `rt_msghdr`.
    pub rtm_type: u8,
    /// `rtm_index`: the scope in requests (with `RTF_IFSCOPE`), the
    /// route's interface in replies.
    pub index: u16,
    /// The alignment hole at offset 6 (LE), kept so echoes round-trip.
    pub pad: u16,
    /// `rtm_flags`.
    pub flags: RouteFlags,
    /// `rtm_pid`: overwritten by the kernel with the writer's pid.
    pub pid: i32,
    /// `rtm_seq`.
    pub seq: i32,
    /// `rtm_errno` (offset 24): Darwin errno, 0 on success.
    pub errno: i32,
    /// `rtm_use`.
    pub use_count: i32,
    /// `rtm_inits`: `RTV_*` bits of the metrics the request sets.
    pub inits: u32,
    /// `rtm_rmx`.
    pub rmx: RtMetrics,
}

impl RouteHeader {
    /// A header with every field zero except the type.
    pub fn new(rtm_type: u8) -> RouteHeader {
        RouteHeader {
            rtm_type,
            ..RouteHeader::default()
        }
    }

    /// Reads the header fields from a checked view.
    pub fn parse<T: AsRef<[u8]>>(b: &RouteHeaderBuffer<T>) -> RouteHeader {
        RouteHeader {
            rtm_type: b.msg_type(),
            index: b.index(),
            pad: b.pad(),
            flags: b.flags(),
            pid: b.pid(),
            seq: b.seq(),
            errno: b.errno(),
            use_count: b.use_count(),
            inits: b.inits(),
            rmx: b.metrics(),
        }
    }

    /// Writes every header field except `msglen` and `addrs`; sets the
    /// version to 5.
    ///
    /// # Panics
    /// If the buffer is shorter than 92 bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, b: &mut RouteHeaderBuffer<T>) {
        b.set_version(RTM_VERSION);
        b.set_msg_type(self.rtm_type);
        b.set_index(self.index);
        b.set_pad(self.pad);
        b.set_flags(self.flags);
        b.set_pid(self.pid);
        b.set_seq(self.seq);
        b.set_errno(self.errno);
        b.set_use_count(self.use_count);
        b.set_inits(self.inits);
        b.set_metrics(&self.rmx);
    }
}

/// The fields of an `rt_msghdr2` (`RTM_GET2`, from `NET_RT_DUMP2`) other
/// than `msglen`, `version`, `type` and `addrs`. The words at 16, 20 and
/// 24 are refcnt, parentflags and reserved here, not pid, seq and errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Route2Header {
    /// `rtm_index`: the route's interface.
    pub index: u16,
    /// The alignment hole at offset 6 (LE).
    pub pad: u16,
    /// `rtm_flags`.
    pub flags: RouteFlags,
    /// `rtm_refcnt`.
    pub refcnt: i32,
    /// `rtm_parentflags`: the cloning parent's flags, or empty.
    pub parent_flags: RouteFlags,
    /// `rtm_reserved`: always 0 from the kernel.
    pub reserved: i32,
    /// `rtm_use`: packets sent.
    pub use_count: i32,
    /// `rtm_inits`.
    pub inits: u32,
    /// `rtm_rmx`.
    pub rmx: RtMetrics,
}

impl Route2Header {
    /// Reads the header fields from a checked view.
    pub fn parse<T: AsRef<[u8]>>(b: &RouteHeaderBuffer<T>) -> Route2Header {
        Route2Header {
            index: b.index(),
            pad: b.pad(),
            flags: b.flags(),
            refcnt: b.refcnt(),
            parent_flags: b.parent_flags(),
            reserved: b.reserved(),
            use_count: b.use_count(),
            inits: b.inits(),
            rmx: b.metrics(),
        }
    }

    /// Writes every field except `msglen` and `addrs`; sets version 5 and
    /// type `RTM_GET2`.
    ///
    /// # Panics
    /// If the buffer is shorter than 92 bytes.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, b: &mut RouteHeaderBuffer<T>) {
        b.set_version(RTM_VERSION);
        b.set_msg_type(super::consts::RTM_GET2);
        b.set_index(self.index);
        b.set_pad(self.pad);
        b.set_flags(self.flags);
        b.set_pid(self.refcnt);
        b.set_seq(self.parent_flags.bits() as i32);
        b.set_errno(self.reserved);
        b.set_use_count(self.use_count);
        b.set_inits(self.inits);
        b.set_metrics(&self.rmx);
    }
}

/// Checks that `b` holds a whole fixed header of `header_len` bytes and
/// that its `msglen` covers the header and fits in `b`: the framing rule
/// every message kind shares.
pub(crate) fn check_frame(b: &[u8], what: &'static str, header_len: usize) -> Result<(), Error> {
    let have = b.len();
    if have < header_len {
        return Err(Error::Truncated {
            what,
            offset: 0,
            need: header_len,
            have,
        });
    }
    // `header_len` is at least the 2-byte msglen.
    let msglen = usize::from(u16::from_le_bytes([b[0], b[1]]));
    if msglen < header_len {
        return Err(Error::ShorterThanHeader {
            what,
            offset: 0,
            need: header_len,
            have: msglen,
        });
    }
    if msglen > have {
        return Err(Error::Truncated {
            what: "message",
            offset: 0,
            need: msglen,
            have,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixture 6's header: a failed RTM_GET echo (ESRCH at offset 24).
    static ESRCH_HEADER: [u8; 92] = {
        let mut b = [0u8; 92];
        b[0] = 0x84;
        b[2] = 5;
        b[3] = 4;
        b[4] = 1;
        b[8] = 0x03;
        b[9] = 0x08;
        b[11] = 0x01;
        b[12] = 0x15;
        b[16] = 0x1b;
        b[17] = 0x01;
        b[20] = 0xf5;
        b[21] = 0x5a;
        b[24] = 3;
        b
    };

    #[test]
    fn deconstruct() {
        let b = RouteHeaderBuffer::new_unchecked(&ESRCH_HEADER[..]);
        assert_eq!(b.msglen(), 132);
        assert_eq!(b.version(), 5);
        assert_eq!(b.msg_type(), 4);
        assert_eq!(b.index(), 1);
        assert_eq!(b.flags().bits(), 0x0100_0803);
        assert_eq!(b.addrs(), 0x15);
        assert_eq!(b.pid(), 283);
        assert_eq!(b.seq(), 0x5af5);
        assert_eq!(b.errno(), 3);
        assert_eq!(b.use_count(), 0);
    }

    #[test]
    fn construct() {
        let mut bytes = [0xa5u8; 92];
        let mut b = RouteHeaderBuffer::new_unchecked(&mut bytes[..]);
        b.set_msglen(132);
        b.set_version(5);
        b.set_msg_type(4);
        b.set_index(1);
        b.set_pad(0);
        b.set_flags(RouteFlags::from_bits(0x0100_0803));
        b.set_addrs(0x15);
        b.set_pid(283);
        b.set_seq(0x5af5);
        b.set_errno(3);
        b.set_use_count(0);
        b.set_inits(0);
        b.set_metrics(&RtMetrics::default());
        assert_eq!(bytes, ESRCH_HEADER);
    }

    fn repr() -> RouteHeader {
        RouteHeader {
            rtm_type: 4,
            index: 1,
            flags: RouteFlags::from_bits(0x0100_0803),
            pid: 283,
            seq: 0x5af5,
            errno: 3,
            ..RouteHeader::default()
        }
    }

    #[test]
    fn parse() {
        let b = RouteHeaderBuffer::new_unchecked(&ESRCH_HEADER[..]);
        assert_eq!(RouteHeader::parse(&b), repr());
    }

    #[test]
    fn emit() {
        let mut bytes = [0xa5u8; 92];
        let mut b = RouteHeaderBuffer::new_unchecked(&mut bytes[..]);
        repr().emit(&mut b);
        b.set_msglen(132);
        b.set_addrs(0x15);
        assert_eq!(bytes, ESRCH_HEADER);
    }

    #[test]
    fn rt_msghdr2_reads_refcnt_and_parentflags_not_pid_and_seq() {
        let mut bytes = [0u8; 92];
        let mut b = RouteHeaderBuffer::new_unchecked(&mut bytes[..]);
        let h = Route2Header {
            index: 4,
            refcnt: 7,
            parent_flags: RouteFlags::PRCLONING,
            use_count: 4553,
            ..Route2Header::default()
        };
        h.emit(&mut b);
        assert_eq!(b.msg_type(), 0x14);
        assert_eq!(b.refcnt(), 7);
        assert_eq!(b.errno(), 0, "rtm_use must not land where errno is read");
        assert_eq!(Route2Header::parse(&b), h);
    }

    #[test]
    fn metrics_keep_the_filler() {
        let m = RtMetrics {
            mtu: 1500,
            expire: -1,
            filler: [1, 2, 3, 4],
            ..RtMetrics::default()
        };
        let mut b = [0u8; 56];
        m.write(&mut b);
        assert_eq!(&b[4..8], &1500u32.to_le_bytes());
        assert_eq!(&b[40..44], &1u32.to_le_bytes());
        assert_eq!(RtMetrics::read(&b), m);
    }

    #[test]
    fn rejects_msglen_shorter_than_header() {
        let mut bytes = ESRCH_HEADER;
        bytes[0] = 91;
        assert!(matches!(
            RouteHeaderBuffer::new_checked(&bytes[..]),
            Err(Error::ShorterThanHeader {
                need: 92,
                have: 91,
                ..
            })
        ));
    }

    #[test]
    fn rejects_buffer_shorter_than_header() {
        assert!(matches!(
            RouteHeaderBuffer::new_checked(&ESRCH_HEADER[..50]),
            Err(Error::Truncated {
                need: 92,
                have: 50,
                ..
            })
        ));
    }
}
