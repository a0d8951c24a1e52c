//! The one place that chooses platform code.
//!
//! Every platform module exports the same functions; the rest of the crate
//! sees one `sys::…` whichever OS it is built for. Only syscall code lives
//! below here; everything else compiles (and is tested) everywhere.
//!
//! Contract of each platform module:
//! - `bound_socket(family, kind, ifindex) -> io::Result<OwnedFd>`: a socket
//!   whose traffic can only leave through `ifindex`.
//! - `bound_interface(&fd, family) -> io::Result<u32>`: what a socket is
//!   bound to (0 if nothing).
//! - `SystemBackend` and `system_backend(proto, config)`: this system's
//!   routing backend (on systems without one, an error that says so).
//!
//! macOS: `PF_ROUTE` (`macos`); Linux: rtnetlink (`linux`); anything else:
//! `unsupported`.

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::*;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(not(any(target_os = "macos", target_os = "linux")))]
mod unsupported;
#[cfg(not(any(target_os = "macos", target_os = "linux")))]
pub use unsupported::*;
