//! What an `NSError` from `SMAppService` register/unregister means, once,
//! as a table (the codes of `<ServiceManagement/SMErrors.h>`, and the POSIX
//! `EPERM` macOS gives while the user has not approved the daemon). Pure,
//! so it is tested on every platform.

/// What a failed register or unregister means for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meaning {
    /// The app-error code the UI branches on.
    pub code: &'static str,
    /// The sentence to show (what happened and what to do).
    pub text: &'static str,
}

const fn meaning(code: &'static str, text: &'static str) -> Meaning {
    Meaning { code, text }
}

/// `EPERM` in the POSIX domain: the daemon waits for the user's approval.
pub const EPERM: i64 = 1;

/// The meaning of `code` (an `SMErrors.h` code, or `EPERM`).
pub fn meaning_of(code: i64) -> Meaning {
    match code {
        EPERM => meaning(
            "requires_approval",
            "macOS needs your approval first: allow Egress in System Settings › General › Login Items",
        ),
        2 => meaning(
            "internal",
            "the Service Management framework failed internally; try again, or restart the Mac",
        ),
        3 => meaning(
            "invalid_signature",
            "the helper's code signature is not valid; reinstall Egress from its original download",
        ),
        4 => meaning(
            "not_permitted",
            "macOS did not authorize the change (the administrator password was not given)",
        ),
        5 => meaning(
            "not_found",
            "the helper's program in Egress.app is not valid; reinstall Egress",
        ),
        6 => meaning(
            "not_found",
            "launchd does not know the helper (it is not registered)",
        ),
        7 => meaning(
            "unavailable",
            "the Service Management service is not available right now; try again in a moment",
        ),
        8 => meaning(
            "not_found",
            "the helper's plist is missing from Egress.app (Contents/Library/LaunchDaemons); reinstall Egress",
        ),
        9 => meaning(
            "requires_approval",
            "the helper must be enabled in System Settings › General › Login Items first",
        ),
        10 => meaning(
            "not_found",
            "the helper's plist in Egress.app is not valid; reinstall Egress",
        ),
        11 => meaning(
            "requires_approval",
            "you turned the helper off in System Settings › General › Login Items; turn it on there",
        ),
        12 => meaning("already_registered", "the helper is already registered"),
        _ => meaning(
            "internal",
            "macOS refused the change for a reason Egress does not know",
        ),
    }
}

/// The sentence of a failed `action` ("registering the helper") with the
/// error's `code` and macOS's own description.
pub fn describe(action: &str, code: i64, description: &str) -> (Meaning, String) {
    let m = meaning_of(code);
    let text = format!(
        "{action} failed: {} (macOS: {description}, code {code})",
        m.text
    );
    (m, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_has_its_own_meaning() {
        let table = [
            (1, "requires_approval"),
            (2, "internal"),
            (3, "invalid_signature"),
            (4, "not_permitted"),
            (5, "not_found"),
            (6, "not_found"),
            (7, "unavailable"),
            (8, "not_found"),
            (9, "requires_approval"),
            (10, "not_found"),
            (11, "requires_approval"),
            (12, "already_registered"),
        ];
        let unknown = meaning_of(999).text;
        for (code, expected) in table {
            let m = meaning_of(code);
            assert_eq!(m.code, expected, "code {code}");
            assert_ne!(m.text, unknown, "code {code}");
        }
        assert!(meaning_of(8).text.contains("LaunchDaemons"));
    }

    #[test]
    fn a_failure_names_the_action_the_meaning_and_macos_words() {
        let (m, text) = describe("Registering the helper", 1, "Operation not permitted");
        assert_eq!(m.code, "requires_approval");
        assert_eq!(
            text,
            "Registering the helper failed: macOS needs your approval first: allow Egress in \
             System Settings › General › Login Items (macOS: Operation not permitted, code 1)"
        );
        let (m, _) = describe("Registering the helper", 4242, "?");
        assert_eq!(m.code, "internal");
    }
}
