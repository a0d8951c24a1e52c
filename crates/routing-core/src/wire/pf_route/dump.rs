//! Buffers of many messages, as `sysctl` returns them (`NET_RT_DUMP`,
//! `NET_RT_DUMP2`, `NET_RT_IFLIST`, `NET_RT_IFLIST2`): messages back to
//! back, each framed by its own `msglen`.
//!
//! [`RawMessages`] frames without copying; [`Dump`] parses each frame.
//! A frame that parses badly is reported and the walk goes on (its
//! length is still trustworthy); a `msglen` of 0 or one that runs past the
//! end stops the walk with an error, since nothing after it can be framed.
//! Offsets in errors are absolute in the buffer.

use super::error::Error;
use super::message::Message;

/// Frames a buffer into message slices: yields `(offset, bytes)`.
#[derive(Debug, Clone)]
pub struct RawMessages<'a> {
    buf: &'a [u8],
    off: usize,
    stopped: bool,
}

impl<'a> RawMessages<'a> {
    /// Frames `buf`.
    pub fn new(buf: &'a [u8]) -> RawMessages<'a> {
        RawMessages {
            buf,
            off: 0,
            stopped: false,
        }
    }
}

impl<'a> Iterator for RawMessages<'a> {
    type Item = Result<(usize, &'a [u8]), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped || self.off >= self.buf.len() {
            return None;
        }
        let off = self.off;
        let rest = &self.buf[off..];
        let fail = |e: Error| Some(Err(e));
        if rest.len() < 2 {
            self.stopped = true;
            return fail(Error::Truncated {
                what: "msglen",
                offset: off,
                need: 2,
                have: rest.len(),
            });
        }
        let msglen = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        if msglen == 0 {
            self.stopped = true;
            return fail(Error::ZeroLength { offset: off });
        }
        if msglen > rest.len() {
            self.stopped = true;
            return fail(Error::Truncated {
                what: "message",
                offset: off,
                need: msglen,
                have: rest.len(),
            });
        }
        self.off += msglen;
        Some(Ok((off, &rest[..msglen])))
    }
}

/// Parses every message of a buffer: yields `Result<Message, Error>`.
#[derive(Debug, Clone)]
pub struct Dump<'a> {
    raw: RawMessages<'a>,
}

impl<'a> Dump<'a> {
    /// Walks `buf`.
    pub fn new(buf: &'a [u8]) -> Dump<'a> {
        Dump {
            raw: RawMessages::new(buf),
        }
    }
}

impl Iterator for Dump<'_> {
    type Item = Result<Message, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(
            self.raw
                .next()?
                .and_then(|(off, b)| Message::parse(b).map_err(|e| e.at(off))),
        )
    }
}

/// Parses a whole buffer, stopping at the first error.
///
/// # Errors
/// The first framing or parse error, with its absolute offset.
pub fn parse_dump(buf: &[u8]) -> Result<Vec<Message>, Error> {
    Dump::new(buf).collect()
}

/// Emits messages back to back, as a dump.
pub fn emit_dump<'m>(messages: impl IntoIterator<Item = &'m Message>) -> Vec<u8> {
    let mut out = Vec::new();
    for m in messages {
        let start = out.len();
        out.resize(start + m.buffer_len(), 0);
        m.emit(&mut out[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pf_route::consts::RTM_GET2;
    use crate::wire::pf_route::message::Route2Message;

    fn two() -> Vec<u8> {
        let m = Message::Route2(Route2Message::default());
        emit_dump([&m, &m])
    }

    #[test]
    fn walks_back_to_back_messages() {
        let buf = two();
        let msgs = parse_dump(&buf).expect("parse");
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[1].msg_type(), RTM_GET2);
        let offs: Vec<usize> = RawMessages::new(&buf)
            .map(|r| r.expect("frame").0)
            .collect();
        assert_eq!(offs, vec![0, 92]);
    }

    #[test]
    fn stops_on_zero_msglen() {
        let mut buf = two();
        buf.extend_from_slice(&[0, 0, 5, 4]);
        let res: Vec<_> = Dump::new(&buf).collect();
        assert_eq!(res.len(), 3);
        assert_eq!(res[2], Err(Error::ZeroLength { offset: 184 }));
    }

    #[test]
    fn stops_on_msglen_past_the_end() {
        let buf = two();
        let res: Vec<_> = Dump::new(&buf[..150]).collect();
        assert_eq!(res.len(), 2);
        assert!(matches!(
            res[1],
            Err(Error::Truncated {
                offset: 92,
                need: 92,
                have: 58,
                ..
            })
        ));
    }

    #[test]
    fn bad_message_is_reported_and_the_walk_goes_on() {
        let mut buf = two();
        buf[2] = 4; // version 4 in the first record
        let res: Vec<_> = Dump::new(&buf).collect();
        assert_eq!(
            res[0],
            Err(Error::BadVersion {
                offset: 0,
                version: 4
            })
        );
        assert!(res[1].is_ok());
    }
}
