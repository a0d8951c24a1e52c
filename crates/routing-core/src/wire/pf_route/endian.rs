//! Little-endian field access for the fixed headers.
//!
//! Every Mac is little-endian and the headers are host order, so the codec
//! decodes them explicitly as little-endian and runs the same on any host.
//! Callers check lengths first; the indexing here only panics on a bug.

pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

pub(crate) fn i32_at(b: &[u8], at: usize) -> i32 {
    u32_at(b, at) as i32
}

pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from(u32_at(b, at)) | (u64::from(u32_at(b, at + 4)) << 32)
}

pub(crate) fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_i32(b: &mut [u8], at: usize, v: i32) {
    put_u32(b, at, v as u32);
}

pub(crate) fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// A fixed-offset little-endian field of a `#[repr(C)]` struct.
pub(crate) trait LeField: Sized {
    fn read(b: &[u8], at: usize) -> Self;
    fn write(self, b: &mut [u8], at: usize);
}

impl LeField for u8 {
    fn read(b: &[u8], at: usize) -> u8 {
        b[at]
    }
    fn write(self, b: &mut [u8], at: usize) {
        b[at] = self;
    }
}

impl LeField for u16 {
    fn read(b: &[u8], at: usize) -> u16 {
        u16_at(b, at)
    }
    fn write(self, b: &mut [u8], at: usize) {
        put_u16(b, at, self);
    }
}

impl LeField for u32 {
    fn read(b: &[u8], at: usize) -> u32 {
        u32_at(b, at)
    }
    fn write(self, b: &mut [u8], at: usize) {
        put_u32(b, at, self);
    }
}

impl LeField for i32 {
    fn read(b: &[u8], at: usize) -> i32 {
        i32_at(b, at)
    }
    fn write(self, b: &mut [u8], at: usize) {
        put_i32(b, at, self);
    }
}

impl LeField for u64 {
    fn read(b: &[u8], at: usize) -> u64 {
        u64_at(b, at)
    }
    fn write(self, b: &mut [u8], at: usize) {
        put_u64(b, at, self);
    }
}

impl LeField for [u32; 4] {
    fn read(b: &[u8], at: usize) -> [u32; 4] {
        [
            u32_at(b, at),
            u32_at(b, at + 4),
            u32_at(b, at + 8),
            u32_at(b, at + 12),
        ]
    }
    fn write(self, b: &mut [u8], at: usize) {
        for (i, v) in self.into_iter().enumerate() {
            put_u32(b, at + 4 * i, v);
        }
    }
}

/// Declares a plain struct of little-endian fields at fixed offsets, with
/// `LEN`, `read` and `write`. The field table is the layout documentation.
macro_rules! le_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident [$len:expr] {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $off:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $name {
            /// The size of the C struct in bytes.
            pub const LEN: usize = $len;

            /// Reads the struct from the first [`Self::LEN`] bytes of `b`.
            ///
            /// # Panics
            /// If `b` is shorter than [`Self::LEN`].
            pub fn read(b: &[u8]) -> $name {
                $name {
                    $( $field: <$ty as $crate::wire::pf_route::endian::LeField>::read(b, $off), )*
                }
            }

            /// Writes the struct into the first [`Self::LEN`] bytes of `b`.
            ///
            /// # Panics
            /// If `b` is shorter than [`Self::LEN`].
            pub fn write(&self, b: &mut [u8]) {
                $( $crate::wire::pf_route::endian::LeField::write(self.$field, b, $off); )*
            }
        }

        impl $crate::wire::pf_route::endian::LeField for $name {
            fn read(b: &[u8], at: usize) -> $name {
                $name::read(&b[at..])
            }
            fn write(self, b: &mut [u8], at: usize) {
                $name::write(&self, &mut b[at..])
            }
        }
    };
}

pub(crate) use le_struct;
