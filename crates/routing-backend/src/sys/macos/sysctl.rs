//! Reading the routing table and the interface list with `sysctl(3)`:
//! the size probe and the read, as the platform primitives the shared
//! retry loop (`pf_route`) drives.
#![allow(unsafe_code)]

use std::io;
use std::ptr;

/// The size `mib`'s data needs now.
pub fn sysctl_size(mib: &[i32; 6]) -> Result<usize, i32> {
    let mut mib = *mib;
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
        return Err(last_errno());
    }
    Ok(needed)
}

/// `mib`'s data, read into a buffer of `len` bytes (`ENOMEM` if too small).
pub fn sysctl_read(mib: &[i32; 6], len: usize) -> Result<Vec<u8>, i32> {
    let mut mib = *mib;
    let mut buffer = vec![0u8; len];
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
    if rc != 0 {
        return Err(last_errno());
    }
    buffer.truncate(len);
    Ok(buffer)
}

fn last_errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}
