//! Linux: rtnetlink for the table, links, addresses and rules, and
//! `SO_BINDTOIFINDEX` for bound sockets.
//!
//! The Linux twin of a scoped default is a default route in Egress's own
//! table plus `oif` rules that send the lookups of sockets bound to that
//! interface there (`backend.rs`, `rules.rs`). The kernel's routes are
//! placed in the XNU-shaped model as `convert.rs` documents; interfaces get
//! their kind from the link kind and hardware type (`links.rs`).

mod backend;
mod bind;
mod convert;
mod events;
mod links;
mod netlink;
mod rules;

pub use backend::{
    linux_backend, system_backend, LinuxBackend, LinuxBackend as SystemBackend, LinuxConfig,
};
pub use bind::{bound_interface, bound_socket};
pub use rules::LinuxRule;

#[cfg(test)]
mod tests {
    use crate::error::linux_errno as ours;

    /// Our errno table's numbers are this system's.
    #[test]
    fn errno_constants_match_libc() {
        let pairs = [
            (ours::EPERM, libc::EPERM),
            (ours::ENOENT, libc::ENOENT),
            (ours::ESRCH, libc::ESRCH),
            (ours::EINTR, libc::EINTR),
            (ours::ENXIO, libc::ENXIO),
            (ours::EAGAIN, libc::EAGAIN),
            (ours::ENOMEM, libc::ENOMEM),
            (ours::EACCES, libc::EACCES),
            (ours::EBUSY, libc::EBUSY),
            (ours::EEXIST, libc::EEXIST),
            (ours::ENODEV, libc::ENODEV),
            (ours::EINVAL, libc::EINVAL),
            (ours::ERANGE, libc::ERANGE),
            (ours::EMSGSIZE, libc::EMSGSIZE),
            (ours::ENOPROTOOPT, libc::ENOPROTOOPT),
            (ours::EPROTONOSUPPORT, libc::EPROTONOSUPPORT),
            (ours::EOPNOTSUPP, libc::EOPNOTSUPP),
            (ours::EAFNOSUPPORT, libc::EAFNOSUPPORT),
            (ours::ENETDOWN, libc::ENETDOWN),
            (ours::ENETUNREACH, libc::ENETUNREACH),
            (ours::ENOBUFS, libc::ENOBUFS),
            (ours::ENOTCONN, libc::ENOTCONN),
            (ours::ETIMEDOUT, libc::ETIMEDOUT),
            (ours::EHOSTUNREACH, libc::EHOSTUNREACH),
        ];
        for (ours, libc) in pairs {
            assert_eq!(ours, libc);
        }
    }
}
