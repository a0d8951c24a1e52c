//! What a caller may ask the helper for, beyond the policy's read/change:
//! the helper acts as root, so it must not hand a caller more than the
//! kernel would give that caller itself.

use helper_proto::{ErrorBody, ErrorCode};

use super::Caller;

/// Ports below 1024 are the kernel's to give to root alone. The helper
/// binds as root, so without this check any member of the change group
/// could get a socket on, say, port 53 or 443 (on Linux the unit's
/// capability bounding set would stop it; on macOS nothing would).
pub(super) fn refuse_privileged_port(
    caller: Caller,
    local_port: Option<u16>,
) -> Result<(), ErrorBody> {
    match local_port {
        Some(port @ 1..=1023) if caller.uid != 0 => Err(ErrorBody::new(
            ErrorCode::PermissionDenied,
            format!(
                "port {port} is a privileged port: only root may bind below 1024 (uid {} asked); \
                 ask for port 0 or one from 1024 up",
                caller.uid
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uid(uid: u32) -> Caller {
        Caller {
            uid,
            gid: uid,
            pid: None,
        }
    }

    #[test]
    fn only_root_gets_a_privileged_port() {
        let err = refuse_privileged_port(uid(501), Some(53)).expect_err("refused");
        assert_eq!(err.code, ErrorCode::PermissionDenied);
        assert!(err.message.contains("port 53") && err.message.contains("uid 501"));
        assert!(refuse_privileged_port(uid(501), Some(1023)).is_err());
        for port in [None, Some(0), Some(1024), Some(51820)] {
            assert!(refuse_privileged_port(uid(501), port).is_ok(), "{port:?}");
        }
        assert!(refuse_privileged_port(uid(0), Some(53)).is_ok());
    }
}
