//! macOS: the `PF_ROUTE` socket, sysctl dumps and `IP_BOUND_IF`.

// Routing messages are host-endian and the codec decodes little-endian.
#[cfg(not(target_endian = "little"))]
compile_error!("every supported Mac is little-endian; the PF_ROUTE codec assumes it");

mod backend;
mod bind;
mod socket;
mod sysctl;

pub use backend::{
    macos_backend as system_backend, MacosBackend, MacosBackend as SystemBackend, MacosPlatform,
};
pub use bind::{bound_interface, bound_socket};
