//! Helpers shared by the unit tests: small Macs from scenario text, route
//! commands as bytes, hex.

use crate::scenario::route_cmd::parse_route_args;
use crate::scenario::Scenario;
use crate::{Errno, SimKernel, SocketId};

/// A Mac with lo0 (1), en0 (4, Wi-Fi 192.0.2.23/24, MAC 00:00:5e:00:53:aa)
/// and utun4 (9, no address), and no routes but the kernel's.
pub(crate) const MINI_MAC: &str = "
interface lo0 index 1 loopback up
    inet 127.0.0.1/8
    inet6 ::1/128
    inet6 fe80::1/64
interface en0 index 4 wifi mac 00:00:5e:00:53:aa up
    inet 192.0.2.23/24
    inet6 fe80::aa/64
interface utun4 index 9 tunnel up
";

/// Boots scenario text.
pub(crate) fn boot(text: &str) -> SimKernel {
    Scenario::parse("test.scn", text)
        .and_then(|s| s.boot())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// [`MINI_MAC`], booted.
pub(crate) fn mini_mac() -> SimKernel {
    boot(MINI_MAC)
}

/// The bytes route(8) would write for `args` (`"add default 192.0.2.1"`).
pub(crate) fn route_bytes(k: &SimKernel, args: &str, pid: i32, seq: i32) -> Vec<u8> {
    let words: Vec<&str> = args.split_whitespace().collect();
    parse_route_args(&words)
        .unwrap_or_else(|(i, m)| panic!("word {i}: {m}"))
        .to_message(k, pid, seq)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Writes a route command on `sock` with sequence number 1.
pub(crate) fn route(k: &mut SimKernel, sock: SocketId, args: &str) -> Result<usize, Errno> {
    let bytes = route_bytes(k, args, 77, 1);
    k.write(sock, &bytes)
}

/// Bytes from spaced or unspaced hex.
pub(crate) fn hex(text: &str) -> Vec<u8> {
    let digits: String = text.chars().filter(char::is_ascii_hexdigit).collect();
    (0..digits.len() / 2)
        .map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// A little-endian field of a message.
pub(crate) fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}
