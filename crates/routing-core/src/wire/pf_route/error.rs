//! Why bytes were refused.
//!
//! One small `Copy` enum, allocation-free, so a parse failure costs nothing
//! and can be matched on. Every variant names the byte offset (relative to
//! the buffer given to the function that failed; the dump iterator makes it
//! absolute) and, where it applies, what was needed and what was there.

use std::fmt;

/// A parse failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The bytes end before a structure does.
    Truncated {
        /// The structure (`"rt_msghdr"`, `"sockaddr GATEWAY"`, …).
        what: &'static str,
        /// Where the structure starts.
        offset: usize,
        /// Bytes the structure needs.
        need: usize,
        /// Bytes there were.
        have: usize,
    },
    /// `msglen` disagrees with the length of the slice holding one message.
    LengthMismatch {
        /// Where the message starts.
        offset: usize,
        /// The `msglen` field.
        msglen: usize,
        /// The bytes given.
        have: usize,
    },
    /// `msglen` is smaller than the fixed header of the message's type.
    ShorterThanHeader {
        /// The header (`"rt_msghdr"`, `"if_msghdr2"`, …).
        what: &'static str,
        /// Where the message starts.
        offset: usize,
        /// The header's size.
        need: usize,
        /// The `msglen` field.
        have: usize,
    },
    /// `rtm_version` is not 5.
    BadVersion {
        /// Where the message starts.
        offset: usize,
        /// The version found.
        version: u8,
    },
    /// A `msglen` of zero inside a dump: the walk cannot advance.
    ZeroLength {
        /// Where the message starts.
        offset: usize,
    },
}

impl Error {
    /// The same error with every offset moved by `base` (used when a
    /// message sits inside a larger buffer).
    #[must_use]
    pub fn at(self, base: usize) -> Error {
        match self {
            Error::Truncated {
                what,
                offset,
                need,
                have,
            } => Error::Truncated {
                what,
                offset: offset + base,
                need,
                have,
            },
            Error::LengthMismatch {
                offset,
                msglen,
                have,
            } => Error::LengthMismatch {
                offset: offset + base,
                msglen,
                have,
            },
            Error::ShorterThanHeader {
                what,
                offset,
                need,
                have,
            } => Error::ShorterThanHeader {
                what,
                offset: offset + base,
                need,
                have,
            },
            Error::BadVersion { offset, version } => Error::BadVersion {
                offset: offset + base,
                version,
            },
            Error::ZeroLength { offset } => Error::ZeroLength {
                offset: offset + base,
            },
        }
    }

    /// The byte offset the error is about.
    pub fn offset(&self) -> usize {
        match *self {
            Error::Truncated { offset, .. }
            | Error::LengthMismatch { offset, .. }
            | Error::ShorterThanHeader { offset, .. }
            | Error::BadVersion { offset, .. }
            | Error::ZeroLength { offset } => offset,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated {
                what,
                offset,
                need,
                have,
            } => write!(
                f,
                "truncated {what} at byte {offset}: need {need} bytes, have {have}"
            ),
            Error::LengthMismatch {
                offset,
                msglen,
                have,
            } => write!(
                f,
                "message at byte {offset}: msglen {msglen} but {have} bytes given"
            ),
            Error::ShorterThanHeader {
                what,
                offset,
                need,
                have,
            } => write!(
                f,
                "message at byte {offset}: msglen {have} is shorter than its {need}-byte {what}"
            ),
            Error::BadVersion { offset, version } => write!(
                f,
                "message at byte {offset}: rtm_version {version}, expected 5"
            ),
            Error::ZeroLength { offset } => {
                write!(f, "message at byte {offset}: msglen 0, cannot advance")
            }
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_offset() {
        let e = Error::Truncated {
            what: "rt_msghdr",
            offset: 0,
            need: 92,
            have: 50,
        }
        .at(100);
        assert_eq!(e.offset(), 100);
        assert_eq!(
            e.to_string(),
            "truncated rt_msghdr at byte 100: need 92 bytes, have 50"
        );
    }

    #[test]
    fn error_is_small_and_copy() {
        fn is_copy<T: Copy>() {}
        is_copy::<Error>();
        assert!(std::mem::size_of::<Error>() <= 48);
    }
}
