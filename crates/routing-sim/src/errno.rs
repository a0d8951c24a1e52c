//! Darwin errno values, as the simulated kernel returns them.
//!
//! These are XNU's numbers (`bsd/sys/errno.h`), not Linux's: `EOPNOTSUPP`
//! is 102 and `ENOBUFS` 55 whatever the host running the simulation is.

use std::fmt;

/// A Darwin errno value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(pub i32);

macro_rules! errnos {
    ($($name:ident = $value:expr, $text:literal;)*) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "` (", stringify!($value), "): ", $text, ".")]
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
    EPERM = 1, "Operation not permitted";
    ESRCH = 3, "No such process";
    ENXIO = 6, "Device not configured";
    EBADF = 9, "Bad file descriptor";
    ENOMEM = 12, "Cannot allocate memory";
    EBUSY = 16, "Resource busy";
    EEXIST = 17, "File exists";
    EINVAL = 22, "Invalid argument";
    EAGAIN = 35, "Resource temporarily unavailable";
    EMSGSIZE = 40, "Message too long";
    EPROTONOSUPPORT = 43, "Protocol not supported";
    EAFNOSUPPORT = 47, "Address family not supported by protocol family";
    EADDRNOTAVAIL = 49, "Can't assign requested address";
    ENETDOWN = 50, "Network is down";
    ENETUNREACH = 51, "Network is unreachable";
    ENOBUFS = 55, "No buffer space available";
    EHOSTUNREACH = 65, "No route to host";
    EOPNOTSUPP = 102, "Operation not supported on socket";
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
