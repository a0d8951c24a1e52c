//! Byte formats. Today one: the macOS `PF_ROUTE` routing socket
//! ([`pf_route`]), byte-exact with XNU; plus [`hex`] text for vectors and tools.
//!
//! # The contract
//!
//! Each format has two levels, as in smoltcp's `wire` module:
//!
//! - **Buffer views** (`RouteHeaderBuffer<T: AsRef<[u8]>>`, …) give named
//!   accessors over fixed byte ranges of any byte container, and setters
//!   when it is `AsMut<[u8]>`. `new_unchecked` wraps without looking;
//!   accessors then panic on a short buffer. `new_checked` (mandatory for
//!   untrusted input) runs `check_len` first; after it succeeds no
//!   accessor can panic. Do not use `new_checked` on a buffer you are about
//!   to emit into: its length fields are garbage.
//! - **Owned reprs** (`Message`, `RouteMessage`, `AddressSet`, …) hold the
//!   decoded values. `parse` takes bytes and **never panics**, whatever
//!   they are: it returns an [`pf_route::Error`] naming the byte offset
//!   and the lengths involved. `buffer_len` says how many bytes `emit`
//!   writes; `emit` is exact and panics only if the buffer is shorter
//!   than `buffer_len()` (each says so under `# Panics`). `to_bytes`
//!   allocates and emits.
//!
//! Reprs are lossless: `emit(parse(b)) == b` for every `b` that parses,
//! including the padding hole in `rt_msghdr`, non-zero padding between
//! sockaddrs, a last sockaddr without its padding, set address bits
//! without bytes, and zero-length sockaddrs with a stray family byte.
//!
//! # Darwin facts the codec is built on
//!
//! - Every message starts `u16 msglen, u8 version (5), u8 type`. `msglen`
//!   counts the whole message, the 92-byte `rt_msghdr` included.
//! - Header integers are host order, and every Mac (arm64, x86_64) is
//!   little-endian, so the codec decodes them explicitly as little-endian
//!   and behaves the same on any host. Inside sockaddrs, ports and
//!   addresses are big-endian; `sdl_index` and `sin6_scope_id` are host
//!   order.
//! - No message struct has a pointer or a `long`: layouts are the same on
//!   every Darwin architecture.
//! - Sockaddrs follow the header, in ascending `RTA_*` bit order, each
//!   starting on a **4-byte** boundary (not 8: that is FreeBSD's
//!   `sizeof(long)`); a zero-length sockaddr still takes 4 bytes. The
//!   order is a property of [`pf_route::AddressSet`], which stores slots
//!   by index.
//! - A netmask is recognised by its **position** (the NETMASK slot), never
//!   by its family byte, which may be 0, 2, 30 or 0xff.
//!
//! ```text
//!  rt_msghdr (92 bytes)                               then sockaddrs
//!  +--------+-----+-----+-------+-----+-------+-------+   +-------------+-----+------------
//!  | msglen | ver | typ | index | pad | flags | addrs |   | sa_len, fam | ... | pad to 4 |..
//!  | u16    | u8  | u8  | u16   | 2   | i32   | i32   |   +-------------+-----+------------
//!  +--------+-----+-----+-------+-----+-------+-------+
//!  | pid i32 | seq i32 | errno i32 (@24) | use i32 (@28) | inits u32 | rt_metrics (56) |
//!  +---------+---------+-----------------+---------------+-----------+-----------------+
//! ```

pub mod hex;
pub mod pf_route;
