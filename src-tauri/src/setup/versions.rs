//! The programs' versions, as the handshake names them (`egress-helper
//! 0.1.0`): is the running helper older than this app, and which helper
//! refused us. Pure.

use std::cmp::Ordering;

/// A release number: `major.minor.patch`, and whether it is a
/// pre-release (`0.2.0-rc.1` sorts before `0.2.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// `[major, minor, patch]`.
    pub numbers: [u64; 3],
    /// A `-…` suffix was present.
    pub pre: bool,
}

impl PartialOrd for Release {
    fn partial_cmp(&self, other: &Release) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Release {
    fn cmp(&self, other: &Release) -> Ordering {
        self.numbers
            .cmp(&other.numbers)
            // A pre-release comes before the release of the same numbers.
            .then_with(|| other.pre.cmp(&self.pre))
    }
}

/// The release in `name version` (`egress-helper 0.1.0`), or in a bare
/// version; `None` when there is none (a name alone, garbage).
pub fn release(software: &str) -> Option<Release> {
    let version = software.split_whitespace().last()?;
    let version = version.strip_prefix('v').unwrap_or(version);
    let (numbers, pre) = match version.split_once(['-', '+']) {
        Some((n, rest)) => (n, version[n.len()..].starts_with('-') && !rest.is_empty()),
        None => (version, false),
    };
    let mut parts = numbers.split('.');
    let mut out = [0u64; 3];
    for slot in &mut out {
        *slot = parts.next()?.parse().ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(Release { numbers: out, pre })
}

/// Whether the helper (`egress-helper 0.1.0`) is an older release than
/// the app (`egress-app 0.2.0`); `false` when either has no readable
/// version (nothing to offer then).
pub fn helper_is_older(helper: &str, app: &str) -> bool {
    match (release(helper), release(app)) {
        (Some(h), Some(a)) => h < a,
        _ => false,
    }
}

/// The helper named in a refused handshake. Both sides word it as
/// `helper_proto::Hello::check` does — "`CLIENT` speaks protocol `X` but
/// `HELPER` speaks protocol `Y`; …" — so this reads `HELPER` back; `None`
/// when the refusal is worded otherwise (a future helper may).
pub fn refusing_helper(message: &str) -> Option<String> {
    let (_, rest) = message.split_once(" but ")?;
    let (helper, _) = rest.split_once(" speaks protocol ")?;
    let helper = helper.trim();
    (!helper.is_empty() && helper.len() <= 100).then(|| helper.to_string())
}

#[cfg(test)]
mod tests {
    use helper_proto::{Hello, ProtocolVersion, PROTOCOL};

    use super::*;

    #[test]
    fn releases_compare_by_number_then_pre_release() {
        assert!(helper_is_older("egress-helper 0.1.0", "egress-app 0.2.0"));
        assert!(helper_is_older("egress-helper 0.9.9", "egress-app 0.10.0"));
        assert!(helper_is_older(
            "egress-helper 1.0.0-rc.1",
            "egress-app 1.0.0"
        ));
        assert!(!helper_is_older("egress-helper 0.2.0", "egress-app 0.2.0"));
        assert!(!helper_is_older("egress-helper 0.3.0", "egress-app 0.2.0"));
        assert!(!helper_is_older(
            "egress-helper 1.0.0",
            "egress-app 1.0.0-rc.1"
        ));
        assert!(!helper_is_older(
            "egress-helper 1.0.0+build7",
            "egress-app 1.0.0"
        ));
    }

    #[test]
    fn unreadable_versions_offer_nothing() {
        for (helper, app) in [
            ("egress-helper", "egress-app 0.2.0"),
            ("egress-helper 0.1", "egress-app 0.2.0"),
            ("egress-helper 0.1.0.4", "egress-app 0.2.0"),
            ("egress-helper x.y.z", "egress-app 0.2.0"),
            ("egress-helper 0.1.0", ""),
        ] {
            assert!(!helper_is_older(helper, app), "{helper} / {app}");
        }
        assert_eq!(
            release("egress-helper v0.4.2"),
            Some(Release {
                numbers: [0, 4, 2],
                pre: false
            })
        );
    }

    #[test]
    fn the_refusing_helper_is_read_back_from_the_handshakes_wording() {
        let hello = Hello {
            protocol: ProtocolVersion {
                major: PROTOCOL.major + 1,
                minor: 0,
            },
            software: "egress-app 2.0.0".into(),
        };
        let refusal = hello.check(PROTOCOL, "egress-helper 0.1.0").unwrap_err();
        assert_eq!(
            refusing_helper(&refusal.message).as_deref(),
            Some("egress-helper 0.1.0")
        );
        assert_eq!(refusing_helper("update Egress"), None);
        assert_eq!(refusing_helper("a but  speaks protocol 2.0"), None);
    }
}
