//! Matching replies to requests.
//!
//! Every routing socket receives every message, including other programs'
//! `RTM_GET` replies, so a reply is ours only when its type, `rtm_seq` and
//! `rtm_pid` (stamped by the kernel) all match. Failure is in `rtm_errno`
//! at **offset 24** (not 28, which is `rtm_use`). A successful reply also
//! carries `RTF_DONE`; a failed one does not.

use crate::model::RouteFlags;

use super::consts::{RTM_GET, RTM_GET_SILENT};
use super::header::RouteHeaderBuffer;
use super::message::{is_route_type, Message, RouteMessage};

/// What a received message means for one outstanding request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reply {
    /// Somebody else's message (or a kernel notification).
    NotOurs,
    /// Our reply, `rtm_errno` 0.
    Ok {
        /// Whether `RTF_DONE` is set (it is on every kernel-confirmed reply).
        done: bool,
    },
    /// Our reply, failed with this Darwin errno.
    Errno(i32),
}

/// The identity of one request: (type, seq, pid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplyMatcher {
    /// The request's `rtm_type`. A `RTM_GET_SILENT` request is answered
    /// with type `RTM_GET`.
    pub rtm_type: u8,
    /// The request's `rtm_seq`.
    pub seq: i32,
    /// Our pid, as the kernel stamps it.
    pub pid: i32,
}

impl ReplyMatcher {
    /// A matcher for a request of `rtm_type` with `seq`, sent by `pid`.
    pub fn new(rtm_type: u8, seq: i32, pid: i32) -> ReplyMatcher {
        ReplyMatcher { rtm_type, seq, pid }
    }

    /// A matcher for a request we built (its `pid` field must be ours).
    pub fn for_request(req: &RouteMessage) -> ReplyMatcher {
        ReplyMatcher::new(req.header.rtm_type, req.header.seq, req.header.pid)
    }

    fn reply_type(&self) -> u8 {
        if self.rtm_type == RTM_GET_SILENT {
            RTM_GET
        } else {
            self.rtm_type
        }
    }

    fn decide(&self, rtm_type: u8, seq: i32, pid: i32, errno: i32, flags: RouteFlags) -> Reply {
        if rtm_type != self.reply_type() || seq != self.seq || pid != self.pid {
            Reply::NotOurs
        } else if errno != 0 {
            Reply::Errno(errno)
        } else {
            Reply::Ok {
                done: flags.contains(RouteFlags::DONE),
            }
        }
    }

    /// Classifies a parsed message.
    pub fn classify(&self, msg: &Message) -> Reply {
        match msg {
            Message::Route(m) => {
                let h = &m.header;
                self.decide(h.rtm_type, h.seq, h.pid, h.errno, h.flags)
            }
            _ => Reply::NotOurs,
        }
    }

    /// Classifies raw bytes from the header alone, without parsing the
    /// sockaddrs; anything too short or not an `rt_msghdr` is not ours.
    pub fn classify_bytes(&self, bytes: &[u8]) -> Reply {
        match RouteHeaderBuffer::new_checked(bytes) {
            Ok(h) if h.version() == super::consts::RTM_VERSION && is_route_type(h.msg_type()) => {
                self.decide(h.msg_type(), h.seq(), h.pid(), h.errno(), h.flags())
            }
            _ => Reply::NotOurs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::pf_route::consts::*;

    fn reply(rtm_type: u8, seq: i32, pid: i32, errno: i32, flags: u32) -> RouteMessage {
        let mut m = RouteMessage::new(rtm_type);
        m.header.seq = seq;
        m.header.pid = pid;
        m.header.errno = errno;
        m.header.flags = RouteFlags::from_bits(flags);
        m
    }

    #[test]
    fn classifies_by_type_seq_and_pid() {
        let me = ReplyMatcher::new(RTM_ADD, 7, 99);
        let ok = reply(RTM_ADD, 7, 99, 0, 0x41);
        assert_eq!(me.classify(&ok.clone().into()), Reply::Ok { done: true });
        assert_eq!(me.classify_bytes(&ok.to_bytes()), Reply::Ok { done: true });
        let exists = reply(RTM_ADD, 7, 99, EEXIST, 0x1);
        assert_eq!(me.classify_bytes(&exists.to_bytes()), Reply::Errno(EEXIST));
        for other in [
            reply(RTM_ADD, 8, 99, 0, 0x41),
            reply(RTM_ADD, 7, 98, 0, 0x41),
            reply(RTM_DELETE, 7, 99, 0, 0x41),
        ] {
            assert_eq!(me.classify_bytes(&other.to_bytes()), Reply::NotOurs);
        }
    }

    #[test]
    fn errno_is_read_at_offset_24_not_28() {
        let me = ReplyMatcher::new(RTM_GET, 1, 5);
        let mut m = reply(RTM_GET, 1, 5, 0, 0x41);
        m.header.use_count = 4553;
        let b = m.to_bytes();
        assert_eq!(&b[28..32], &4553i32.to_le_bytes());
        assert_eq!(me.classify_bytes(&b), Reply::Ok { done: true });
    }

    #[test]
    fn get_silent_is_answered_as_get() {
        let me = ReplyMatcher::new(RTM_GET_SILENT, 1, 5);
        assert_eq!(
            me.classify_bytes(&reply(RTM_GET, 1, 5, ESRCH, 0).to_bytes()),
            Reply::Errno(ESRCH)
        );
    }

    #[test]
    fn short_bytes_are_not_ours() {
        assert_eq!(
            ReplyMatcher::new(RTM_ADD, 0, 0).classify_bytes(&[0; 10]),
            Reply::NotOurs
        );
    }
}
