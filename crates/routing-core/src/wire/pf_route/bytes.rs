//! [`SaBytes`]: the variable part of a sockaddr, stored inline.
//!
//! Almost every sockaddr the kernel writes is at most 30 bytes (a 28-byte
//! `sockaddr_in6`, a 20- or 24-byte `sockaddr_dl`, a trimmed mask), so
//! they are kept in a fixed array and parsing a route dump allocates
//! nothing per sockaddr. Longer ones (up to 255 bytes) go to the heap.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// Bytes kept inline before spilling to the heap.
pub const INLINE_CAP: usize = 30;

/// Up to 255 bytes, inline when short. Compares, hashes and derefs as `[u8]`.
#[derive(Clone)]
pub struct SaBytes(Store);

#[derive(Clone)]
enum Store {
    Inline { len: u8, buf: [u8; INLINE_CAP] },
    Heap(Box<[u8]>),
}

impl SaBytes {
    /// No bytes.
    pub const EMPTY: SaBytes = SaBytes(Store::Inline {
        len: 0,
        buf: [0; INLINE_CAP],
    });

    /// A copy of `bytes`.
    pub fn new(bytes: &[u8]) -> SaBytes {
        if bytes.len() <= INLINE_CAP {
            let mut buf = [0; INLINE_CAP];
            buf[..bytes.len()].copy_from_slice(bytes);
            SaBytes(Store::Inline {
                len: bytes.len() as u8,
                buf,
            })
        } else {
            SaBytes(Store::Heap(bytes.into()))
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match &self.0 {
            Store::Inline { len, buf } => &buf[..usize::from(*len)],
            Store::Heap(b) => b,
        }
    }
}

impl Default for SaBytes {
    fn default() -> SaBytes {
        SaBytes::EMPTY
    }
}

impl Deref for SaBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for SaBytes {
    fn eq(&self, other: &SaBytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for SaBytes {}

impl Hash for SaBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl fmt::Debug for SaBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, b) in self.as_slice().iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{b:02x}")?;
        }
        f.write_str("]")
    }
}

impl From<&[u8]> for SaBytes {
    fn from(b: &[u8]) -> SaBytes {
        SaBytes::new(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_compare_as_slices() {
        let short = SaBytes::new(&[1, 2, 3]);
        assert_eq!(&*short, &[1, 2, 3]);
        let long: Vec<u8> = (0..200).collect();
        let l = SaBytes::new(&long);
        assert_eq!(&*l, &long[..]);
        assert_ne!(short, l);
        assert_eq!(format!("{short:?}"), "[01 02 03]");
        assert!(SaBytes::EMPTY.is_empty());
    }
}
