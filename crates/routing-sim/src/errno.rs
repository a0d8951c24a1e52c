//! Darwin errno values, as the simulated kernel returns them.
//!
//! These are XNU's numbers (`bsd/sys/errno.h`), not Linux's: `EOPNOTSUPP`
//! is 102 and `ENOBUFS` 55 whatever the host running the simulation is.

use std::fmt;

use routing_core::wire::pf_route::consts::{
    EADDRNOTAVAIL, EAFNOSUPPORT, EAGAIN, EBUSY, EEXIST, EHOSTUNREACH, EINVAL, EMSGSIZE,
    ENETUNREACH, ENOBUFS, ENOMEM, ENXIO, EOPNOTSUPP, EPERM, EPROTONOSUPPORT, ESRCH,
};

/// `EBADF` (not a routing-socket errno, so not among the codec's).
const EBADF: i32 = 9;
/// `ENETDOWN`: `dlil` refuses to send on a down interface.
const ENETDOWN: i32 = 50;

/// A Darwin errno value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $value:ident, $text:literal;)*) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "`: ", $text, ".")]
                pub const $name: Errno = Errno($value);
            )*

            /// The C name (`EEXIST`), if the value is one the sim uses.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// `strerror` text, as macOS prints it.
            pub fn message(self) -> &'static str {
                match self.0 {
                    $($value => $text,)*
                    _ => "Unknown error",
                }
            }

            /// The errno with this C name (`"EEXIST"`).
            pub fn from_name(name: &str) -> Option<Errno> {
                match name {
                    $(stringify!($name) => Some(Errno::$name),)*
                    _ => None,
                }
            }
        }
    };
}

errnos! {
    EPERM = EPERM, "Operation not permitted";
    ESRCH = ESRCH, "No such process";
    ENXIO = ENXIO, "Device not configured";
    EBADF = EBADF, "Bad file descriptor";
    ENOMEM = ENOMEM, "Cannot allocate memory";
    EBUSY = EBUSY, "Resource busy";
    EEXIST = EEXIST, "File exists";
    EINVAL = EINVAL, "Invalid argument";
    EAGAIN = EAGAIN, "Resource temporarily unavailable";
    EMSGSIZE = EMSGSIZE, "Message too long";
    EPROTONOSUPPORT = EPROTONOSUPPORT, "Protocol not supported";
    EAFNOSUPPORT = EAFNOSUPPORT, "Address family not supported by protocol family";
    EADDRNOTAVAIL = EADDRNOTAVAIL, "Can't assign requested address";
    ENETDOWN = ENETDOWN, "Network is down";
    ENETUNREACH = ENETUNREACH, "Network is unreachable";
    ENOBUFS = ENOBUFS, "No buffer space available";
    EHOSTUNREACH = EHOSTUNREACH, "No route to host";
    EOPNOTSUPP = EOPNOTSUPP, "Operation not supported on socket";
}

impl Errno {
    /// The raw value.
    pub fn raw(self) -> i32 {
        self.0
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}({})", self.0),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{} ({name})", self.message()),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl std::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_darwins_not_linuxs() {
        assert_eq!(Errno::EOPNOTSUPP.raw(), 102);
        assert_eq!(Errno::ENOBUFS.raw(), 55);
        assert_eq!(Errno::ENETUNREACH.raw(), 51);
        assert_eq!(Errno::EHOSTUNREACH.raw(), 65);
        assert_eq!(Errno::EAGAIN.raw(), 35);
        assert_eq!(Errno::EMSGSIZE.raw(), 40);
    }

    #[test]
    fn names_round_trip_and_print() {
        assert_eq!(Errno::from_name("EEXIST"), Some(Errno::EEXIST));
        assert_eq!(Errno::EEXIST.name(), Some("EEXIST"));
        assert_eq!(Errno::EEXIST.to_string(), "File exists (EEXIST)");
        assert_eq!(format!("{:?}", Errno(999)), "Errno(999)");
    }
}
