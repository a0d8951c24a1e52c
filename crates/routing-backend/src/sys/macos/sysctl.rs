//! Reading the routing table and the interface list with `sysctl(3)`.
//!
//! The MIB is `{CTL_NET, PF_ROUTE, 0, af, op, arg}`. A probe with no buffer
//! returns the size needed; the table can grow before the read, which then
//! fails with `ENOMEM`, so the read is retried with half again as much room
//! (as netstat does), up to ten times.
#![allow(unsafe_code)]

use std::io;
use std::ptr;

/// `NET_RT_DUMP2`: every route as an `rt_msghdr2` record (what netstat uses).
/// The libc crate does not export it.
pub const NET_RT_DUMP2: libc::c_int = 7;

/// How many times a read that lost the race with a growing table is retried.
const TRIES: usize = 10;

/// The raw bytes of `net.route.0.<af>.<op>.<arg>`.
pub fn route_sysctl(af: libc::c_int, op: libc::c_int, arg: libc::c_int) -> io::Result<Vec<u8>> {
    let mut mib = [libc::CTL_NET, libc::PF_ROUTE, 0, af, op, arg];
    let mut last = io::Error::from_raw_os_error(libc::ENOMEM);
    for _ in 0..TRIES {
        let mut needed: libc::size_t = 0;
        // SAFETY: the MIB is a live array of the length passed; a null old
        // pointer asks only for the size, written to the live `needed`.
        let rc = unsafe {
            libc::sysctl(
                mib.as_mut_ptr(),
                mib.len() as libc::c_uint,
                ptr::null_mut(),
                &mut needed,
                ptr::null_mut(),
                0,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut buffer = vec![0u8; needed + needed / 2];
        let mut len = buffer.len();
        // SAFETY: `buffer` is live and writable for `len` bytes; the kernel
        // writes at most that much and stores the length it wrote in `len`.
        let rc = unsafe {
            libc::sysctl(
                mib.as_mut_ptr(),
                mib.len() as libc::c_uint,
                buffer.as_mut_ptr().cast(),
                &mut len,
                ptr::null_mut(),
                0,
            )
        };
        if rc == 0 {
            buffer.truncate(len);
            return Ok(buffer);
        }
        last = io::Error::last_os_error();
        if last.raw_os_error() != Some(libc::ENOMEM) {
            return Err(last);
        }
    }
    Err(last)
}
