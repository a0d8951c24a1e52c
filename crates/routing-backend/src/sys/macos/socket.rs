//! The `PF_ROUTE` socket: non-blocking, behind tokio's `AsyncFd`, one
//! message per read and write.
#![allow(unsafe_code)]

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use tokio::io::unix::AsyncFd;

/// Large enough for any routing message (they are at most a few hundred
/// bytes; 2 KiB leaves room for unknown trailing data).
const READ_BUFFER: usize = 2048;

/// The receive buffer we ask for: the routing socket is a broadcast channel,
/// and a busy machine overflows the 8 KiB default, silently dropping
/// messages — our own replies included.
const RECEIVE_BUFFER: libc::c_int = 1 << 20;

/// An open routing socket.
#[derive(Debug)]
pub struct RouteSocket {
    fd: AsyncFd<OwnedFd>,
}

impl RouteSocket {
    /// Opens `socket(PF_ROUTE, SOCK_RAW, AF_UNSPEC)`, non-blocking, with a
    /// 1 MiB receive buffer. Writing needs root.
    pub fn open() -> io::Result<RouteSocket> {
        // SAFETY: socket(2) with constant arguments; checked before use.
        let raw = unsafe { libc::socket(libc::PF_ROUTE, libc::SOCK_RAW, libc::AF_UNSPEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: fcntl on our own descriptor with integer arguments.
        let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
        // SAFETY: as above.
        if flags < 0
            || unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0
        {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: the value is a live c_int of the size passed. Failure
        // only means a smaller buffer, so it is not fatal.
        let _ = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                (&RECEIVE_BUFFER as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        // SAFETY: an OwnedFd always returns the descriptor it owns, and the
        // AsyncFd takes ownership of it, so it stays open and the same for
        // the AsyncFd's whole life.
        let fd = unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)?;
        Ok(RouteSocket { fd })
    }
}

fn errno_of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

impl RouteSocket {
    /// Writes one message; `Err` is the errno of `write(2)`.
    pub async fn write(&self, message: &[u8]) -> Result<(), i32> {
        loop {
            let mut guard = self.fd.writable().await.map_err(|e| errno_of(&e))?;
            let result = guard.try_io(|fd| {
                // SAFETY: the buffer is a live slice of the length passed.
                let n =
                    unsafe { libc::write(fd.as_raw_fd(), message.as_ptr().cast(), message.len()) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(())
                }
            });
            match result {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => return Err(errno_of(&e)),
                Err(_would_block) => continue,
            }
        }
    }

    /// Reads the next message, waiting as long as it takes.
    pub async fn read(&self) -> Result<Vec<u8>, i32> {
        loop {
            let mut guard = self.fd.readable().await.map_err(|e| errno_of(&e))?;
            let mut buffer = vec![0u8; READ_BUFFER];
            let result = guard.try_io(|fd| {
                // SAFETY: the buffer is a live, writable slice of the length passed.
                let n =
                    unsafe { libc::read(fd.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
                usize::try_from(n).map_err(|_| io::Error::last_os_error())
            });
            match result {
                Ok(Ok(n)) => {
                    buffer.truncate(n);
                    return Ok(buffer);
                }
                Ok(Err(e)) => return Err(errno_of(&e)),
                Err(_would_block) => continue,
            }
        }
    }
}
